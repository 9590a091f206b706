//! The `ecr-conformance` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecr_conformance::model::{RULES, Source};

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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecr-conformance: {e}");
            ExitCode::from(2)
        }
    }
}
