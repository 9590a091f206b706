//! The `ecr-conformance` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand};
use ecr_conformance::call::{CallSettings, call};
use ecr_conformance::fake::{FakeEcr, Fault};
use ecr_conformance::model::limits::{DEFAULT_REGION, DEFAULT_REGISTRY_ID};
use ecr_conformance::model::{Profile, RULES};
use ecr_conformance::protocol::{AwsEnvironment, Keys};
use ecr_conformance::runner::{self, Endpoint, RunConfig, RunError};

/// Conformance and fuzz test harness for the Amazon ECR layer-upload API.
#[derive(Debug, Parser)]
#[command(name = "ecr-conformance", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every protocol rule id with its statement and where it comes from.
    Rules {
        /// Print JSON (an array of {id, statement, sources}) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the conformance suite (the catalog, then generated sequences) against a target:
    /// --endpoint, else AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL, else the embedded fake.
    /// Every step is pass, differs (another legal choice on a profile knob), consequence
    /// (follows from an earlier divergence) or FAIL. Exit status: 0 nothing FAILs, 1 something FAILs (or
    /// differs, with --strict), 2 usage error or unusable target.
    Run(Box<RunArgs>),
    /// Judge transcripts recorded with `run --record DIR` offline, under any --profile:
    /// the same verdicts, consequences and inferred profile as a live run, with no target.
    /// Exit status as for `run`; a recording that cannot be replayed is exit 2, naming the
    /// step.
    Replay(Box<ReplayArgs>),
    /// Join the JSON reports of a sharded campaign (`run --shard I/N`) into the report one
    /// run with the same seed would have made, and write its reports. Exit status as for
    /// `run`.
    MergeReports(Box<MergeArgs>),
    /// Judge a client: for each fault plan, start a fresh fake, make a random layer file, run
    /// COMMAND (after `--`) to push it, and check what reached the fake against the client
    /// rules (`--list` lists the plans). Exit status: 0 every plan passes, 1 a finding, 2
    /// usage error or a COMMAND that cannot start.
    ClientCheck(Box<ClientCheckArgs>),
    /// Serve a fake ECR endpoint on 127.0.0.1 until interrupted. Prints its URL on the
    /// first line of stdout and one line per request (peer, operation, status, error) on
    /// stderr.
    Serve(Box<ServeArgs>),
    /// Send one request with the AWS CLI's arguments (`call upload-layer-part
    /// --repository-name ... --layer-part-blob fileb://...`) and print the answer as the AWS
    /// CLI does. Without --endpoint-url: an embedded fake holding the seed's repository and
    /// upload. `call help` lists the operations, `call <operation> help` their options.
    #[command(disable_help_flag = true)]
    Call {
        /// The operation and its options, as for `aws ecr`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The port (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A repository that exists from the start (repeatable).
    #[arg(long = "repository", value_name = "NAME")]
    repositories: Vec<String>,
    /// An upload open from the start, as REPOSITORY=UPLOAD_ID (repeatable).
    #[arg(long = "upload", value_name = "REPOSITORY=UPLOAD_ID")]
    uploads: Vec<String>,
    /// A built-in profile name (ecr, ecr-legacy-names) or a profile JSON file.
    #[arg(long, default_value = "ecr")]
    profile: String,
    /// A fault, as OPERATION:N:KIND with KIND one of throttle, server-error,
    /// server-error-after, layer-exists-after, delay-ms=MS (repeatable).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<Fault>,
    /// The registry id the fake answers as.
    #[arg(long, default_value = DEFAULT_REGISTRY_ID)]
    registry_id: String,
    /// The region in the repository ARNs and URIs, and the signing region.
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
    /// Seed for the upload ids the fake mints (default: random).
    #[arg(long)]
    id_seed: Option<u64>,
    /// Refuse requests without a valid SigV4 signature (signing name ecr, --region, at
    /// most 15 minutes of clock skew) made with --access-key-id and --secret-access-key
    /// (default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
    #[arg(long)]
    require_sigv4: bool,
    /// The access key id a signed request must use (with --require-sigv4).
    #[arg(long, requires = "require_sigv4")]
    access_key_id: Option<String>,
    /// The secret key signatures are checked with (with --require-sigv4).
    #[arg(long, requires = "require_sigv4")]
    secret_access_key: Option<String>,
    /// A session token signed requests must carry (with --require-sigv4; default:
    /// AWS_SESSION_TOKEN when the keys come from the environment, else none).
    #[arg(long, requires = "require_sigv4")]
    session_token: Option<String>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The target's URL (default: AWS_ENDPOINT_URL_ECR, else AWS_ENDPOINT_URL, else the
    /// embedded fake).
    #[arg(long)]
    endpoint: Option<String>,
    /// The signing region (default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// The choices the model follows where the spec says [chosen]: a built-in profile
    /// name (ecr, ecr-legacy-names) or a profile JSON file. The embedded fake follows it too.
    #[arg(long, default_value = "ecr")]
    profile: String,
    /// Generated sequences to run (0: none).
    #[arg(long, default_value_t = 256)]
    cases: u32,
    /// Seed of the generated sequences (default: random; the report prints it).
    #[arg(long)]
    seed: Option<u64>,
    /// Run only the scenarios (and `generated`) whose name matches this regex.
    #[arg(long)]
    filter: Option<String>,
    /// List what would run, and run nothing.
    #[arg(long)]
    list: bool,
    /// Prefix of the scratch repositories the run creates and deletes.
    #[arg(
        long,
        default_value = "ecr-conformance",
        conflicts_with = "repositories"
    )]
    repository_prefix: String,
    /// Use these existing repositories instead of scratch ones (repeatable); nothing else
    /// is created or deleted, and generated sequences skip create/delete steps.
    #[arg(long = "repository", value_name = "NAME")]
    repositories: Vec<String>,
    /// The target's registry id, with --repository (default: learned from the target's
    /// answer to a part sent out of order to a new upload in the first repository).
    #[arg(long, requires = "repositories")]
    registry_id: Option<String>,
    /// A folder of scenarios that add to the catalog embedded in this binary; one named
    /// like an embedded scenario replaces it. A folder of regression scenarios replays them.
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// Where the smallest failing generated sequence is written as a scenario.
    #[arg(long, value_name = "DIR", default_value = "fixtures/regressions")]
    regressions: PathBuf,
    /// Write the transcript of every scenario (and of a failing generated sequence) here,
    /// one JSON file each, in the snapshot format: record a registry once, keep it.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Per-request timeout in seconds, for the whole exchange (send, wait, read); the
    /// default gives a 20 MiB part (28 MB of JSON) about 1 MB/s with room.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Retry a request that gets no answer, 429 or 5xx this many times (default 0: what
    /// the target did is what the report shows).
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// Run only the I-th of N shares of the catalog and of the generated cases (`--cases`
    /// is the whole campaign's), for a CI matrix; `merge-reports` joins the JSON reports.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    #[command(flatten)]
    out: Outputs,
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The JSON reports (`--report-json`) of every shard of one campaign.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    out: Outputs,
}

fn merge_reports(args: &MergeArgs) -> Result<bool, RunError> {
    let mut reports = Vec::new();
    for path in &args.reports {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| RunError::Usage(format!("{name}: {e}")))?;
        let json =
            serde_json::from_str(&text).map_err(|e| RunError::Usage(format!("{name}: {e}")))?;
        reports.push((name, json));
    }
    let mut report = runner::merge::merge(reports).map_err(RunError::Usage)?;
    report.strict |= args.out.strict;
    write_reports(&report, &args.out)?;
    Ok(report.passed())
}

#[derive(Debug, clap::Args)]
struct ClientCheckArgs {
    /// Run only the plans whose name matches this regex.
    #[arg(long)]
    plans: Option<String>,
    /// List the plans and run nothing.
    #[arg(long)]
    list: bool,
    /// Size of the layer COMMAND pushes, in bytes.
    #[arg(long, default_value_t = ecr_conformance::client_check::DEFAULT_LAYER_SIZE)]
    layer_size: u64,
    /// The profile the fake follows: a built-in profile name (ecr, ecr-legacy-names) or a
    /// profile JSON file.
    #[arg(long, default_value = "ecr")]
    profile: String,
    /// Seconds COMMAND may run per plan before it is killed.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Seed of the layers' bytes (default: random; the report gives it).
    #[arg(long)]
    seed: Option<u64>,
    /// Write the full report as JSON here.
    #[arg(long, value_name = "PATH")]
    report_json: Option<PathBuf>,
    /// Write a JUnit XML report here (one test case per plan).
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "PATH")]
    report_html: Option<PathBuf>,
    /// The client to run, after `--`: it reads AWS_ENDPOINT_URL, ECR_CONFORMANCE_REPOSITORY,
    /// ECR_CONFORMANCE_LAYER and ECR_CONFORMANCE_LAYER_DIGEST and pushes the layer.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

fn client_check(args: &ClientCheckArgs) -> Result<bool, RunError> {
    use ecr_conformance::client_check::{self as cc, ClientCheckConfig};
    if args.list {
        print!("{}", cc::list_plans());
        return Ok(true);
    }
    let config = ClientCheckConfig {
        plans: args.plans.clone(),
        layer_size: args.layer_size,
        profile: resolve_profile(&args.profile).map_err(RunError::Usage)?,
        timeout: Duration::from_secs(args.timeout),
        seed: args.seed,
        ..ClientCheckConfig::default()
    };
    let report =
        cc::client_check(&config, &args.command).map_err(|e| RunError::Usage(e.to_string()))?;
    print!("{}", report.text());
    for (path, text) in [
        (&args.report_json, report.json()),
        (&args.junit, report.junit()),
        (&args.report_html, report.html()),
    ] {
        if let Some(p) = path {
            std::fs::write(p, text)
                .map_err(|e| RunError::Usage(format!("{}: {e}", p.display())))?;
        }
    }
    Ok(report.passed())
}

/// Reports and how verdicts end a run (`run` and `replay`).
#[derive(Debug, clap::Args)]
struct Outputs {
    /// Fail (exit 1) on a step that differs too: another legal choice on a knob of the
    /// profile. Without it only FAIL fails.
    #[arg(long)]
    strict: bool,
    /// Write the full report (every rule, every step's verdict) as JSON here.
    #[arg(long, value_name = "PATH")]
    report_json: Option<PathBuf>,
    /// Write a JUnit XML report here (one test case per scenario; a failure for FAIL, or
    /// for differs with --strict).
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write the inferred profile (the knob values that explain the most steps) here, as a
    /// profile file for --profile.
    #[arg(long, value_name = "PATH")]
    write_profile: Option<PathBuf>,
    /// Write a self-contained HTML report here (no scripts, nothing loaded from elsewhere).
    #[arg(long, value_name = "PATH")]
    report_html: Option<PathBuf>,
    /// Write a Markdown summary here (verdict per rule, inferred profile, first
    /// divergences), for a CI step summary or a pull-request comment.
    #[arg(long, value_name = "PATH")]
    report_markdown: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ReplayArgs {
    /// A folder of transcripts written by `run --record`.
    dir: PathBuf,
    /// The profile to judge them under: a built-in profile name (ecr, ecr-legacy-names)
    /// or a profile JSON file.
    #[arg(long, default_value = "ecr")]
    profile: String,
    #[command(flatten)]
    out: Outputs,
}

/// Prints the summary and writes the reports `out` asks for.
fn write_reports(report: &runner::Report, out: &Outputs) -> Result<(), RunError> {
    print!("{}", report.text());
    let files = runner::ReportFiles {
        json: out.report_json.clone(),
        junit: out.junit.clone(),
        html: out.report_html.clone(),
        markdown: out.report_markdown.clone(),
        profile: out.write_profile.clone(),
    };
    report.write_files(&files).map_err(RunError::Usage)
}

fn replay(args: &ReplayArgs) -> Result<bool, RunError> {
    let profile = resolve_profile(&args.profile).map_err(RunError::Usage)?;
    let mut report = runner::replay::replay_dir(&args.dir, &profile)?;
    report.strict = args.out.strict;
    write_reports(&report, &args.out)?;
    Ok(report.passed())
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000
}

/// Sets `stop` on Ctrl-C, so the run cleans up and ends.
fn stop_on_ctrl_c(stop: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            if wait_for_ctrl_c().is_ok() {
                eprintln!("ecr-conformance: interrupted; cleaning up");
                stop.store(true, Ordering::Relaxed);
            }
        });
}

/// Blocks until Ctrl-C (the one place the binary waits for it).
fn wait_for_ctrl_c() -> Result<(), String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(tokio::signal::ctrl_c())
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))
}

fn run(args: RunArgs) -> Result<bool, RunError> {
    let profile = resolve_profile(&args.profile).map_err(RunError::Usage)?;
    let filter = args
        .filter
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|e| RunError::Usage(format!("--filter: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let config = RunConfig {
        profile: profile.clone(),
        cases: args.cases,
        seed: args.seed.unwrap_or_else(random_seed),
        filter,
        repositories: args.repositories.clone(),
        prefix: args.repository_prefix.clone(),
        registry_id: args.registry_id.clone(),
        scenarios_dir: args.scenarios.clone(),
        regressions_dir: Some(args.regressions.clone()),
        stop: stop.clone(),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        strict: args.out.strict,
        shard: args
            .shard
            .as_deref()
            .map(runner::merge::parse_shard)
            .transpose()
            .map_err(|e| RunError::Usage(format!("--shard: {e}")))?,
    };
    if args.list {
        for (name, rules, description) in runner::list(&config)? {
            println!("{name:<28} {:<28} {description}", rules.join(","));
        }
        return Ok(true);
    }
    let environment = AwsEnvironment::read();
    let region = args
        .region
        .clone()
        .or(environment.region)
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let url = args.endpoint.clone().or(environment.endpoint_url);
    let fake;
    let (url, label) = match url {
        Some(u) => (u.clone(), u),
        None => {
            fake = FakeEcr::builder()
                .profile(profile)
                .identity(DEFAULT_REGISTRY_ID, &region)
                .start()
                .map_err(|e| RunError::Target(e.to_string()))?;
            (fake.uri(), "embedded fake".to_owned())
        }
    };
    let keys = environment.keys.unwrap_or_else(Keys::test);
    let endpoint = Endpoint::new(&url, &region, keys, Duration::from_secs(args.timeout))
        .with_retries(args.retries);
    stop_on_ctrl_c(stop);
    let report = runner::run(&endpoint, &label, &config)?;
    write_reports(&report, &args.out)?;
    if let Some(dir) = &args.record {
        record(dir, &report)
            .map_err(|e| RunError::Usage(format!("--record {}: {e}", dir.display())))?;
    }
    // Reports are written first: what the target did before it went silent is kept.
    if let Some(reason) = &report.stopped {
        return Err(RunError::Target(reason.clone()));
    }
    Ok(report.passed())
}

/// Writes each case's transcript as `<dir>/<case>.json`.
fn record(dir: &std::path::Path, report: &runner::Report) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let write = |name: &str, case: &runner::CaseResult| {
        let text = serde_json::to_string_pretty(&runner::transcript::of(case)).unwrap_or_default();
        std::fs::write(dir.join(format!("{name}.json")), text + "\n")
    };
    for case in &report.scenarios {
        write(&case.name, case)?;
    }
    if let Some(g) = &report.generated {
        if let Some(f) = &g.failure {
            write("generated", f)?;
        }
        for (i, case) in g.differing.iter().enumerate() {
            write(&format!("generated-differing-{i}"), case)?;
        }
    }
    Ok(())
}

/// A built-in profile by name, or a profile JSON file.
fn resolve_profile(name_or_path: &str) -> Result<Profile, String> {
    Profile::load(name_or_path).map_err(|e| e.to_string())
}

impl std::fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret key and the session token never reach a log or a panic message.
        f.debug_struct("ServeArgs")
            .field("port", &self.port)
            .field("repositories", &self.repositories)
            .field("profile", &self.profile)
            .field("require_sigv4", &self.require_sigv4)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The keys `serve --require-sigv4` checks signatures with: the options, else the
/// standard environment variables.
fn sigv4_keys(args: &ServeArgs) -> Result<Keys, String> {
    Keys::from_options_or_env(
        args.access_key_id.as_deref(),
        args.secret_access_key.as_deref(),
        args.session_token.as_deref(),
    )
    .ok_or_else(|| {
        "--require-sigv4 needs --access-key-id and --secret-access-key (or \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            .to_owned()
    })
}

fn serve(args: &ServeArgs) -> Result<(), String> {
    let mut builder = FakeEcr::builder()
        .port(args.port)
        .profile(resolve_profile(&args.profile)?)
        .identity(&args.registry_id, &args.region)
        .log_requests(true);
    if args.require_sigv4 {
        builder = builder.require_sigv4(sigv4_keys(args)?);
    }
    for r in &args.repositories {
        builder = builder.repository(r);
    }
    for u in &args.uploads {
        let (repo, id) = u
            .split_once('=')
            .ok_or_else(|| format!("--upload '{u}' is not REPOSITORY=UPLOAD_ID"))?;
        builder = builder.upload(repo, id);
    }
    for f in &args.faults {
        builder = builder.fault(*f);
    }
    if let Some(seed) = args.id_seed {
        builder = builder.id_seed(seed);
    }
    let fake = builder.start().map_err(|e| e.to_string())?;
    println!("{}", fake.uri());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    wait_for_ctrl_c()?;
    eprintln!(
        "ecr-conformance: stopping after {} requests",
        fake.responder().requests_handled()
    );
    Ok(())
}

fn print_rules(json: bool) -> Result<(), String> {
    if json {
        let text = serde_json::to_string_pretty(RULES).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        for rule in RULES {
            let tags: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
            println!("{:<8} [{}] {}", rule.id, tags.join(", "), rule.statement);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    // Verdicts: 0 nothing fails, 1 something fails, 2 the run could not be made.
    let verdict_exit = |result: Result<bool, RunError>| match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ecr-conformance: {e}");
            ExitCode::from(2)
        }
    };
    let done_exit = |result: Result<(), String>| match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecr-conformance: {e}");
            ExitCode::from(2)
        }
    };
    match Cli::parse().command {
        Command::Run(args) => verdict_exit(run(*args)),
        Command::Replay(args) => verdict_exit(replay(&args)),
        Command::MergeReports(args) => verdict_exit(merge_reports(&args)),
        Command::ClientCheck(args) => verdict_exit(client_check(&args)),
        Command::Rules { json } => done_exit(print_rules(json)),
        Command::Serve(args) => done_exit(serve(&args)),
        Command::Call { args } => {
            let environment = AwsEnvironment::read();
            let settings = CallSettings {
                endpoint: environment.endpoint_url,
                region: environment.region,
                keys: environment.keys,
                timeout: None,
            };
            let out = call(&args, &settings);
            print!("{}", out.stdout);
            eprint!("{}", out.stderr);
            ExitCode::from(out.code)
        }
    }
}
