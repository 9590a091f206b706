//! `ecr-conformance call <operation>`: one request with the AWS CLI's arguments, against
//! any endpoint or the embedded fake, printed as the AWS CLI prints it.
//!
//! Argument names and value rules follow AWS CLI v1 (`--repository-name`, `--layer-digests a
//! b`, `--force`/`--no-force`, shorthand `Key=k,Value=v`, `file://` and `fileb://`,
//! `--cli-input-json` with the command line winning, `--generate-cli-skeleton`); the request
//! body is byte for byte what AWS CLI v1 sends (`tests/call_vs_aws_cli.rs`). Beyond the CLI:
//! before sending, the request is checked against the spec's stateless rules and each
//! problem is a warning on stderr (the request is still sent: the endpoint's answer is the
//! point), including a `file://` blob that holds base64 text, which gets encoded again.
//!
//! Exit status as the AWS CLI: 0 success, 255 an error answer or an invalid parameter,
//! 2 a command-line usage error.
//!
//! A call goes through these rooms, in this order:
//!
//! - `help`: `call help` and `call <operation> help`, answered before anything else;
//! - `args`: the command line as AWS CLI v1's argparse reads it (options, prefixes,
//!   repeated options, help, skeletons);
//! - `input`: `file://` and `fileb://` values and blobs (`--cli-binary-format`);
//! - `value`: one member's command-line text as JSON (ints, booleans, shorthand, lists);
//! - `body`: the request body, command line first, then `--cli-input-json`;
//! - `validate`: the checks the AWS CLI makes before sending (types, required, least sizes);
//! - `warnings`: what the spec says the endpoint should refuse, asked of the model;
//! - `transport`: sending it and printing the answer or the error.
//!
//! Beside them, `shape` describes the operations' members and `json` prints JSON as
//! Python does. This module is not a general AWS CLI: it knows ECR's push-path operations
//! only (the layer upload, the image operations, the repository plumbing), prints JSON
//! only, and sends one request per call: `list-images` and `describe-images` answer one
//! page, as the AWS CLI does with `--no-paginate` (pass `--next-token` for the next).

mod args;
mod body;
mod help;
mod input;
mod json;
mod shape;
mod transport;
mod validate;
mod value;
mod warnings;

use std::time::Duration;

use self::args::Skeleton;
use self::shape::OPERATIONS;
use crate::protocol::Keys;

/// What `call` prints and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutput {
    /// Standard output: the answer JSON, a skeleton, or help.
    pub stdout: String,
    /// Standard error: warnings and errors.
    pub stderr: String,
    /// 0, 2 (usage) or 255 (error answer, invalid parameter), as the AWS CLI.
    pub code: u8,
}

/// What `call` takes from its environment.
#[derive(Debug, Clone, Default)]
pub struct CallSettings {
    /// The endpoint when `--endpoint-url` is not given (`AWS_ENDPOINT_URL_ECR`,
    /// `AWS_ENDPOINT_URL`); neither: the embedded fake.
    pub endpoint: Option<String>,
    /// The region when `--region` is not given (`AWS_REGION`, `AWS_DEFAULT_REGION`).
    pub region: Option<String>,
    /// Credentials to sign with (the environment's); the embedded fake takes any.
    pub keys: Option<Keys>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// Why a call stops before printing an answer.
enum Failure {
    /// Exit 2: the command line itself is wrong.
    Usage(String),
    /// Exit 255: printed after a blank line, as the AWS CLI does.
    Fatal(String),
}

type Result<T> = std::result::Result<T, Failure>;

const USAGE: &str = "usage: ecr-conformance call <operation> [--endpoint-url URL] [--region R] \
                     [options]\nTo see help text, you can run:\n\n  ecr-conformance call help\n  \
                     ecr-conformance call <operation> help\n";

/// Runs `call` with `args` (the operation first).
pub fn call(args: &[String], settings: &CallSettings) -> CallOutput {
    let mut out = CallOutput {
        stdout: String::new(),
        stderr: String::new(),
        code: 0,
    };
    match run(args, settings, &mut out) {
        Ok(()) => {}
        Err(Failure::Usage(message)) => {
            out.stderr.push_str(&format!(
                "{USAGE}\necr-conformance call: error: {message}\n"
            ));
            out.code = 2;
        }
        Err(Failure::Fatal(message)) => {
            out.stderr.push_str(&format!("\n{message}\n"));
            out.code = 255;
        }
    }
    out
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "help" | "--help" | "-h")
}

fn run(args: &[String], settings: &CallSettings, out: &mut CallOutput) -> Result<()> {
    let Some(first) = args.first() else {
        return Err(Failure::Usage(
            "the following arguments are required: operation".into(),
        ));
    };
    if is_help(first) {
        out.stdout = help::all();
        return Ok(());
    }
    let Some(shape) = shape::operation(first) else {
        let names: Vec<&str> = OPERATIONS.iter().map(|shape| shape.cli).collect();
        return Err(Failure::Usage(format!(
            "argument operation: Invalid choice '{first}', valid choices are: {}",
            names.join(" | ")
        )));
    };
    // Help where the AWS CLI takes it: right after the operation (a value may be "help").
    if args.get(1).is_some_and(|arg| is_help(arg)) {
        out.stdout = help::operation(shape);
        return Ok(());
    }
    let parsed = args::parse(shape, &args[1..])?;
    if let Some(which) = parsed.skeleton {
        let skeleton = match which {
            Skeleton::Input => shape::input_skeleton(shape.input),
            Skeleton::Output => shape::output_skeleton(shape.output),
        };
        out.stdout = skeleton.pretty() + "\n";
        return Ok(());
    }
    let mut warnings = Vec::new();
    let body = body::build(shape, &parsed, &mut warnings)?;
    validate::body(shape, &body)?;
    warnings::check(shape, &body, &mut warnings);
    for warning in &warnings {
        out.stderr.push_str(&format!("warning: {warning}\n"));
    }
    transport::send(shape, &parsed, settings, &body, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::SEED_UPLOAD_ID;

    fn run(args: &[&str]) -> CallOutput {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        call(&args, &CallSettings::default())
    }

    const PART: &[&str] = &[
        "upload-layer-part",
        "--repository-name",
        "layer-test",
        "--upload-id",
        SEED_UPLOAD_ID,
        "--part-first-byte",
        "0",
        "--part-last-byte",
        "4",
    ];

    #[test]
    fn base64_binary_format_takes_values_as_base64_and_refuses_text_that_is_not() {
        let ok = run(&[
            PART,
            &[
                "--cli-binary-format",
                "base64",
                "--layer-part-blob",
                "aGVsbG8=",
            ],
        ]
        .concat());
        assert_eq!(ok.code, 0, "{}", ok.stderr);
        assert!(
            ok.stdout.contains("\"lastByteReceived\": 4"),
            "{}",
            ok.stdout
        );
        let bad = run(&[
            PART,
            &[
                "--cli-binary-format",
                "base64",
                "--layer-part-blob",
                "hello!",
            ],
        ]
        .concat());
        assert_eq!(bad.code, 255);
        assert!(bad.stderr.contains("Invalid base64"), "{}", bad.stderr);
        let unknown = run(&[
            PART,
            &["--cli-binary-format", "hex", "--layer-part-blob", "x"],
        ]
        .concat());
        assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    }

    #[test]
    fn local_checks_warn_about_what_the_endpoint_should_refuse_and_still_send_it() {
        let out = run(&[
            "upload-layer-part",
            "--repository-name",
            "Layer-Test",
            "--upload-id",
            "not-an-id",
            "--part-first-byte",
            "3",
            "--part-last-byte",
            "1",
            "--layer-part-blob",
            "x",
        ]);
        for expected in [
            "repositoryName 'Layer-Test'",
            "uploadId 'not-an-id'",
            "(PART-4)",
        ] {
            assert!(out.stderr.contains(expected), "{expected}: {}", out.stderr);
        }
        // Sent anyway: the answer is the endpoint's.
        assert!(
            out.stderr
                .contains("An error occurred (InvalidParameterException)"),
            "{}",
            out.stderr
        );
        // The widest legal range is reported, not overflowed.
        let wide = run(&[
            &PART[..PART.len() - 1],
            &["9223372036854775807", "--layer-part-blob", "x"],
        ]
        .concat());
        assert!(
            wide.stderr.contains("covers 9223372036854775808 bytes"),
            "{}",
            wide.stderr
        );
        let clean = run(&[PART, &["--layer-part-blob", "hello"]].concat());
        assert_eq!((clean.code, clean.stderr.as_str()), (0, ""));
    }

    #[test]
    fn help_lists_every_operation_and_each_operations_options() {
        let all = run(&["help"]);
        for o in OPERATIONS {
            assert!(all.stdout.contains(o.cli));
            let one = run(&[o.cli, "help"]);
            for m in o.input {
                assert!(
                    one.stdout.contains(&shape::option_name(m.name)),
                    "{}",
                    o.cli
                );
            }
        }
        assert_eq!(run(&["push-image"]).code, 2);
        assert_eq!(run(&[]).code, 2);
    }
}
