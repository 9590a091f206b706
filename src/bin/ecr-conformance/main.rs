//! The `ecr-conformance` command line: the arguments, the outputs and how a run ends,
//! and the dispatch; `run_command` runs and replays, `serve_command` serves.

mod run_command;
mod serve_command;

use run_command::*;
use serve_command::*;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand};
use ecr_conformance::call::{CallSettings, call};
use ecr_conformance::fake::{FakeEcr, Fault};
use ecr_conformance::model::limits::{DEFAULT_REGION, DEFAULT_REGISTRY_ID};
use ecr_conformance::model::{Profile, RULES};
use ecr_conformance::protocol::{AwsEnvironment, Keys, check_url, incomplete_keys, redact_url};
use ecr_conformance::runner::{self, Endpoint, RunConfig, RunError};

/// The longest per-request timeout, in seconds (a day).
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// The most retries of one request.
const MAX_RETRIES: u32 = 100;
/// The most generated cases of one campaign.
const MAX_CASES: u32 = 100_000_000;
/// The largest profile file read.
const MAX_PROFILE_BYTES: u64 = 1024 * 1024;
/// The largest JSON report `merge-reports` reads.
const MAX_REPORT_BYTES: u64 = 512 * 1024 * 1024;

/// `text` on stdout, with an error (not a panic) when stdout cannot take it: full, closed
/// (EPIPE comes back as an error: Rust ignores SIGPIPE), or gone.
fn out(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

/// A line on stderr; a stderr that cannot take it is ignored (never a panic).
fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ecr-conformance: {text}");
}

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
    /// Judge a client: for each fault plan, start a fresh fake, make a random layer file and
    /// a manifest naming it, run COMMAND (after `--`) to push the layer and put the image,
    /// and check what reached the fake against the client
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
    /// A layer stored from the start: the bytes of FILE, as REPOSITORY=FILE (repeatable).
    #[arg(long = "layer", value_name = "REPOSITORY=FILE")]
    layers: Vec<String>,
    /// An image stored from the start, after the layers: the manifest text of FILE, as
    /// REPOSITORY=FILE or REPOSITORY:TAG=FILE (repeatable). Its layers must be stored.
    #[arg(long = "image", value_name = "REPOSITORY[:TAG]=FILE")]
    images: Vec<String>,
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
    /// Keep layer bytes in DIR (blobs/sha256/<hex>), kept when the fake stops (default: a
    /// temporary directory, removed when it stops on Ctrl-C or SIGTERM).
    #[arg(long, value_name = "DIR", conflicts_with = "no_store")]
    store: Option<std::path::PathBuf>,
    /// Keep no layer bytes: blob GETs and download URLs then find nothing to serve.
    #[arg(long)]
    no_store: bool,
    /// Make /v2/ demand what ECR's does (REG-1): HTTP Basic with user AWS and a password
    /// from this fake's GetAuthorizationToken (`aws ecr get-login-password`); 401 without
    /// one, 403 DENIED once it expired.
    #[arg(long)]
    require_auth: bool,
    /// How long issued tokens are good for, in seconds (default 43200: 12 hours, as ECR's).
    #[arg(long, value_name = "SECS")]
    token_lifetime: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The target's URL (default: AWS_ENDPOINT_URL_ECR, else AWS_ENDPOINT_URL, else the
    /// embedded fake). With --registry-endpoint: the API door where the run creates its
    /// scratch repositories.
    #[arg(long)]
    endpoint: Option<String>,
    /// Which door to judge: `api` (awsJson 1.1, the default) or `registry` (`/v2/`, spec
    /// §10: the registry-door catalog and generated chunk sequences). `registry` without
    /// --registry-endpoint judges the embedded fake's `/v2/`.
    #[arg(long, value_enum, default_value = "api")]
    door: DoorChoice,
    /// A `/v2/` target's base URL (`http://host:port`): judges its registry door (implies
    /// --door registry). Without --repository or --endpoint, each case works in a scratch
    /// repository the target must make on first push (as an OCI registry does).
    #[arg(long, value_name = "URL")]
    registry_endpoint: Option<String>,
    /// HTTP Basic credentials for the registry door, `USER:PASSWORD` (never written to a
    /// report or log; from the environment, out of `ps`, with ECR_CONFORMANCE_REGISTRY_AUTH).
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "ECR_CONFORMANCE_REGISTRY_AUTH",
        hide_env_values = true
    )]
    registry_auth: Option<String>,
    /// The signing region (default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// The choices the model follows where the spec says [chosen]: a built-in profile
    /// name (ecr, ecr-legacy-names) or a profile JSON file. The embedded fake follows it too.
    #[arg(long, default_value = "ecr")]
    profile: String,
    /// Generated sequences to run (0: none; at most 100000000).
    #[arg(long, default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_CASES)))]
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
    /// From 1 to 86400.
    #[arg(long, default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    timeout: u64,
    /// Retry a request that gets no answer, 429 or 5xx this many times (default 0: what
    /// the target did is what the report shows; at most 100).
    #[arg(long, default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_RETRIES)))]
    retries: u32,
    /// Run only the I-th of N shares of the catalog and of the generated cases (`--cases`
    /// is the whole campaign's), for a CI matrix; `merge-reports` joins the JSON reports.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    #[command(flatten)]
    out: Outputs,
}

/// The door `run` judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DoorChoice {
    /// The awsJson 1.1 API.
    Api,
    /// The registry door, `/v2/`.
    Registry,
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The JSON reports (`--report-json`) of every shard of one campaign.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    out: Outputs,
}

fn merge_reports(args: &MergeArgs) -> Result<Outcome, RunError> {
    args.out.check()?;
    let mut reports = Vec::new();
    for path in &args.reports {
        let name = path.display().to_string();
        let text = ecr_conformance::fixture::read_limited_text(path, MAX_REPORT_BYTES)
            .map_err(RunError::Usage)?;
        let json =
            serde_json::from_str(&text).map_err(|e| RunError::Usage(format!("{name}: {e}")))?;
        reports.push((name, json));
    }
    let mut report = runner::merge::merge(reports).map_err(RunError::Usage)?;
    report.strict |= args.out.strict;
    Ok(finish(&report, &args.out, Vec::new()))
}

#[derive(Debug, clap::Args)]
struct ClientCheckArgs {
    /// Run only the plans whose name matches this regex.
    #[arg(long)]
    plans: Option<String>,
    /// List the plans and run nothing.
    #[arg(long)]
    list: bool,
    /// COMMAND pushes a layer and puts no image: no manifest is given, the plans about the
    /// image are not run and CLIENT-8 is not judged.
    #[arg(long)]
    layer_only: bool,
    /// The door COMMAND pushes through: `api` (the ECR API's layer operations and PutImage)
    /// or `registry` (`/v2/`, as docker, skopeo, oras and crane push).
    #[arg(long, value_enum, default_value_t = ClientDoorArg::Api)]
    door: ClientDoorArg,
    /// With --door registry: skip the pull plan (storage-redirect), for a client that only
    /// pushes.
    #[arg(long)]
    push_only: bool,
    /// Size of the layer COMMAND pushes, in bytes (default 12582912); with --door registry,
    /// the largest layer's, over 20 MiB (default 25165825).
    #[arg(long)]
    layer_size: Option<u64>,
    /// The profile the fake follows: a built-in profile name (ecr, ecr-legacy-names) or a
    /// profile JSON file.
    #[arg(long, default_value = "ecr")]
    profile: String,
    /// Seconds COMMAND may run per plan before it is killed (1 to 86400).
    #[arg(long, default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
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
    /// The client to run, after `--`. On the API door it reads AWS_ENDPOINT_URL,
    /// ECR_CONFORMANCE_REPOSITORY, ECR_CONFORMANCE_LAYER and ECR_CONFORMANCE_LAYER_DIGEST and
    /// pushes the layer, then puts ECR_CONFORMANCE_MANIFEST (a file, sent byte for byte) with
    /// ECR_CONFORMANCE_TAG. On the registry door it pushes the OCI image layout
    /// ECR_CONFORMANCE_OCI_LAYOUT to ECR_CONFORMANCE_REFERENCE (host:port/repository:tag,
    /// plain HTTP) with HTTP Basic ECR_CONFORMANCE_REGISTRY_USER and
    /// ECR_CONFORMANCE_REGISTRY_PASSWORD, or, when ECR_CONFORMANCE_DIRECTION is `pull`,
    /// pulls that reference into that (empty) layout directory.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ClientDoorArg {
    Api,
    Registry,
}

fn client_check(args: &ClientCheckArgs) -> Result<Outcome, RunError> {
    use ecr_conformance::client_check::{self as cc, ClientCheckConfig};
    let registry = args.door == ClientDoorArg::Registry;
    if args.list {
        let list = if registry {
            cc::registry::list_registry_plans()
        } else {
            cc::list_plans()
        };
        out(&list).map_err(RunError::Usage)?;
        return Ok(Outcome::verdict(true));
    }
    check_outputs(&[
        ("--report-json", args.report_json.as_deref()),
        ("--junit", args.junit.as_deref()),
        ("--report-html", args.report_html.as_deref()),
    ])?;
    let base = if registry {
        ClientCheckConfig::registry()
    } else {
        ClientCheckConfig::default()
    };
    let config = ClientCheckConfig {
        plans: args.plans.clone(),
        layer_size: args.layer_size.unwrap_or(base.layer_size),
        layer_only: args.layer_only,
        push_only: args.push_only,
        profile: resolve_profile(&args.profile).map_err(RunError::Usage)?,
        timeout: Duration::from_secs(args.timeout),
        seed: args.seed,
        ..base
    };
    // Ctrl-C kills COMMAND's process group, and the plans done so far are reported.
    stop_on_ctrl_c(config.stop.clone());
    let report =
        cc::client_check(&config, &args.command).map_err(|e| RunError::Usage(e.to_string()))?;
    // The reports first, then the summary: a broken stdout loses nothing.
    let mut errors = Vec::new();
    for (path, text) in [
        (&args.report_json, report.json()),
        (&args.junit, report.junit()),
        (&args.report_html, report.html()),
    ] {
        if let Some(p) = path
            && let Err(e) = std::fs::write(p, text)
        {
            errors.push(format!("{}: {e}", p.display()));
        }
    }
    if let Err(e) = out(&report.text()) {
        errors.push(e);
    }
    Ok(Outcome {
        code: match (&report.stopped, report.passed()) {
            (Some(_), _) => 130,
            (None, true) => 0,
            (None, false) => 1,
        },
        errors,
    })
}

/// How a verdict command ends: its exit status (0 pass, 1 FAIL, 2 stopped by the target,
/// 130 interrupted), and the outputs that could not be written (each one line on stderr;
/// they turn a 0 into 2, never a FAIL into anything else).
struct Outcome {
    code: u8,
    errors: Vec<String>,
}

impl Outcome {
    fn verdict(passed: bool) -> Self {
        Outcome {
            code: if passed { 0 } else { 1 },
            errors: Vec::new(),
        }
    }
}

/// Refuses output paths that cannot be written, before anything runs: a folder, a file in
/// a folder that does not exist, or one path given for two outputs.
fn check_outputs(paths: &[(&str, Option<&Path>)]) -> Result<(), RunError> {
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for (option, path) in paths {
        let Some(path) = path else { continue };
        let shown = path.display();
        if path.as_os_str().is_empty() {
            return Err(RunError::Usage(format!("{option}: an empty path")));
        }
        if path.is_dir() && *option != "--record" {
            return Err(RunError::Usage(format!(
                "{option} {shown}: a folder, not a file"
            )));
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let Ok(parent) = parent.canonicalize() else {
            return Err(RunError::Usage(format!(
                "{option} {shown}: its folder {} does not exist",
                parent.display()
            )));
        };
        if !parent.is_dir() {
            return Err(RunError::Usage(format!(
                "{option} {shown}: {} is not a folder",
                parent.display()
            )));
        }
        let full = parent.join(path.file_name().unwrap_or_default());
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == full) {
            return Err(RunError::Usage(format!(
                "{option} and {other} are both {shown}: give each report its own path"
            )));
        }
        seen.push((full, option));
    }
    Ok(())
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

impl Outputs {
    fn paths(&self) -> [(&'static str, Option<&Path>); 5] {
        [
            ("--report-json", self.report_json.as_deref()),
            ("--junit", self.junit.as_deref()),
            ("--write-profile", self.write_profile.as_deref()),
            ("--report-html", self.report_html.as_deref()),
            ("--report-markdown", self.report_markdown.as_deref()),
        ]
    }

    fn check(&self) -> Result<(), RunError> {
        check_outputs(&self.paths())
    }
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

/// Writes the reports `out` asks for (every one that can be written), then prints the
/// summary; `errors` are earlier outputs that could not be written.
fn finish(report: &runner::Report, out_files: &Outputs, mut errors: Vec<String>) -> Outcome {
    let files = runner::ReportFiles {
        json: out_files.report_json.clone(),
        junit: out_files.junit.clone(),
        html: out_files.report_html.clone(),
        markdown: out_files.report_markdown.clone(),
        profile: out_files.write_profile.clone(),
    };
    errors.extend(report.write_all_files(&files));
    if let Err(e) = out(&report.text()) {
        errors.push(e);
    }
    if let Some(stopped) = report.stopped.as_ref().filter(|s| !s.interrupted()) {
        // One line on stderr says why, for a CI log; the reports say it too.
        warn(&format!("run stopped: {stopped}"));
    }
    let code = match &report.stopped {
        Some(s) if s.interrupted() => 130,
        Some(_) => 2,
        None if report.passed() => 0,
        None => 1,
    };
    Outcome { code, errors }
}

fn replay(args: &ReplayArgs) -> Result<Outcome, RunError> {
    args.out.check()?;
    let profile = resolve_profile(&args.profile).map_err(RunError::Usage)?;
    let mut report = runner::replay::replay_dir(&args.dir, &profile)?;
    report.strict = args.out.strict;
    Ok(finish(&report, &args.out, Vec::new()))
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000
}

fn main() -> ExitCode {
    // Verdicts: 0 nothing fails, 1 something fails, 2 the run could not be made (or an
    // output could not be written), 130 interrupted.
    let verdict_exit = |result: Result<Outcome, RunError>| match result {
        Ok(Outcome { code, errors }) => {
            for e in &errors {
                warn(e);
            }
            ExitCode::from(if errors.is_empty() || code != 0 {
                code
            } else {
                2
            })
        }
        Err(e) => {
            warn(&e.to_string());
            ExitCode::from(2)
        }
    };
    let done_exit = |result: Result<(), String>| match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            warn(&e);
            ExitCode::from(2)
        }
    };
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version on stdout (exit 0), usage errors on stderr (exit 2); a
            // stdout that cannot take them is an error, not a panic.
            let code = e.exit_code();
            let text = e.render().to_string();
            if e.use_stderr() {
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            } else if let Err(err) = out(&text) {
                warn(&err);
                return ExitCode::from(2);
            }
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    match cli.command {
        Command::Run(args) => verdict_exit(run(*args)),
        Command::Replay(args) => verdict_exit(replay(&args)),
        Command::MergeReports(args) => verdict_exit(merge_reports(&args)),
        Command::ClientCheck(args) => verdict_exit(client_check(&args)),
        Command::Rules { json } => done_exit(print_rules(json)),
        Command::Serve(args) => done_exit(serve(&args)),
        Command::Call { args } => {
            if let Some(m) = incomplete_keys() {
                let _ = writeln!(std::io::stderr().lock(), "\n{m}");
                return ExitCode::from(253);
            }
            let environment = AwsEnvironment::read();
            let settings = CallSettings {
                endpoint: environment.endpoint_url,
                region: environment.region,
                keys: environment.keys,
                timeout: None,
            };
            let result = call(&args, &settings);
            let _ = std::io::stderr().lock().write_all(result.stderr.as_bytes());
            if let Err(e) = out(&result.stdout) {
                warn(&e);
                return ExitCode::from(if result.code == 0 { 2 } else { result.code });
            }
            ExitCode::from(result.code)
        }
    }
}
