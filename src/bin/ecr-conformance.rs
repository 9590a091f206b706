//! The `ecr-conformance` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecr_conformance::fake::{FakeEcr, Fault};
use ecr_conformance::model::{Profile, RULES, Source};

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
    /// Serve a fake ECR endpoint on 127.0.0.1 until interrupted. Prints its URL on the
    /// first line of stdout and one line per request (peer, operation, status, error) on
    /// stderr.
    Serve {
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
        /// server-error-after, delay-ms=MS (repeatable).
        #[arg(long = "fault", value_name = "SPEC")]
        faults: Vec<Fault>,
        /// The registry id the fake answers as.
        #[arg(long, default_value = "012345678910")]
        registry_id: String,
        /// The region in the repository ARNs and URIs.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Seed for the upload ids the fake mints (default: random).
        #[arg(long)]
        id_seed: Option<u64>,
    },
}

/// A built-in profile by name, or a profile JSON file.
fn resolve_profile(name_or_path: &str) -> Result<Profile, String> {
    if let Some(p) = Profile::built_in(name_or_path) {
        return Ok(p);
    }
    let text = std::fs::read_to_string(name_or_path).map_err(|e| {
        format!(
            "--profile '{name_or_path}' is neither a built-in profile ({}) nor a readable file: {e}",
            Profile::BUILT_IN.join(", ")
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("profile file '{name_or_path}': {e}"))
}

#[allow(clippy::too_many_arguments)] // one argument per command-line option
fn serve(
    port: u16,
    repositories: Vec<String>,
    uploads: Vec<String>,
    profile: &str,
    faults: Vec<Fault>,
    registry_id: &str,
    region: &str,
    id_seed: Option<u64>,
) -> Result<(), String> {
    let mut builder = FakeEcr::builder()
        .port(port)
        .profile(resolve_profile(profile)?)
        .identity(registry_id, region)
        .log_requests(true);
    for r in &repositories {
        builder = builder.repository(r);
    }
    for u in &uploads {
        let (repo, id) = u
            .split_once('=')
            .ok_or_else(|| format!("--upload '{u}' is not REPOSITORY=UPLOAD_ID"))?;
        builder = builder.upload(repo, id);
    }
    for f in faults {
        builder = builder.fault(f);
    }
    if let Some(seed) = id_seed {
        builder = builder.id_seed(seed);
    }
    let fake = builder.start().map_err(|e| e.to_string())?;
    println!("{}", fake.uri());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(tokio::signal::ctrl_c())
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    eprintln!(
        "ecr-conformance: stopping after {} requests",
        fake.responder().requests_handled()
    );
    Ok(())
}

fn source_tag(s: Source) -> &'static str {
    match s {
        Source::Model => "model",
        Source::Docs => "docs",
        Source::Seen => "seen",
        Source::Chosen => "chosen",
    }
}

fn print_rules(json: bool) -> Result<(), String> {
    if json {
        let text = serde_json::to_string_pretty(RULES).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        for rule in RULES {
            let tags: Vec<&str> = rule.sources.iter().map(|s| source_tag(*s)).collect();
            println!("{:<8} [{}] {}", rule.id, tags.join(", "), rule.statement);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Rules { json } => print_rules(json),
        Command::Serve {
            port,
            repositories,
            uploads,
            profile,
            faults,
            registry_id,
            region,
            id_seed,
        } => serve(
            port,
            repositories,
            uploads,
            &profile,
            faults,
            &registry_id,
            &region,
            id_seed,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecr-conformance: {e}");
            ExitCode::from(2)
        }
    }
}
