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

mod json;
mod shape;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use self::json::J;
use self::shape::{Member, OPERATIONS, OpShape, Ty};
use crate::fake::FakeEcr;
use crate::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use crate::model::limits::{DEFAULT_REGION, MAX_PART_BYTES};
use crate::model::validate;
use crate::model::{Profile, digest};
use crate::runner::{Endpoint, SigningKeys};
use crate::wire::CONTENT_TYPE;

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
    pub keys: Option<SigningKeys>,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

/// How blob values are read (`--cli-binary-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryFormat {
    /// AWS CLI v1's only behaviour and v2's opt-in: a value is raw bytes, sent base64-encoded.
    RawInBase64Out,
    /// AWS CLI v2's default: a value (and a `file://` file's text) is base64 already.
    Base64,
}

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
        Err(Failure::Usage(m)) => {
            out.stderr
                .push_str(&format!("{USAGE}\necr-conformance call: error: {m}\n"));
            out.code = 2;
        }
        Err(Failure::Fatal(m)) => {
            out.stderr.push_str(&format!("\n{m}\n"));
            out.code = 255;
        }
    }
    out
}

fn run(args: &[String], settings: &CallSettings, out: &mut CallOutput) -> Result<()> {
    let Some(first) = args.first() else {
        return Err(Failure::Usage(
            "the following arguments are required: operation".into(),
        ));
    };
    if matches!(first.as_str(), "help" | "--help" | "-h") {
        out.stdout = help_all();
        return Ok(());
    }
    let Some(shape) = shape::operation(first) else {
        let names: Vec<&str> = OPERATIONS.iter().map(|o| o.cli).collect();
        return Err(Failure::Usage(format!(
            "argument operation: Invalid choice '{first}', valid choices are: {}",
            names.join(" | ")
        )));
    };
    // Help where the AWS CLI takes it: right after the operation (a value may be "help").
    if args
        .get(1)
        .is_some_and(|a| matches!(a.as_str(), "help" | "--help" | "-h"))
    {
        out.stdout = help_operation(shape);
        return Ok(());
    }
    let parsed = parse_args(shape, &args[1..])?;
    if let Some(which) = parsed.skeleton {
        let skeleton = match which {
            Skeleton::Input => shape::input_skeleton(shape.input),
            Skeleton::Output => shape::output_skeleton(shape.output),
        };
        out.stdout = skeleton.pretty() + "\n";
        return Ok(());
    }
    let mut warnings = Vec::new();
    let body = build_body(shape, &parsed, &mut warnings)?;
    validate_body(shape, &body)?;
    local_checks(shape, &body, &mut warnings);
    for w in &warnings {
        out.stderr.push_str(&format!("warning: {w}\n"));
    }
    send(shape, &parsed, settings, &body, out)
}

#[derive(Debug, Clone, Copy)]
enum Skeleton {
    Input,
    Output,
}

/// The command line, sorted out.
struct Parsed {
    /// Members given on the command line: values as typed, or a flag.
    given: Vec<(&'static Member, Given)>,
    endpoint: Option<String>,
    region: Option<String>,
    input_json: Option<String>,
    skeleton: Option<Skeleton>,
    format: BinaryFormat,
}

enum Given {
    Values(Vec<String>),
    Flag(bool),
}

const GLOBAL_WITH_VALUE: &[&str] = &[
    "endpoint-url",
    "region",
    "cli-input-json",
    "cli-binary-format",
    "output",
];

fn parse_args(shape: &'static OpShape, args: &[String]) -> Result<Parsed> {
    let mut parsed = Parsed {
        given: Vec::new(),
        endpoint: None,
        region: None,
        input_json: None,
        skeleton: None,
        format: BinaryFormat::RawInBase64Out,
    };
    // Every option this operation takes, for exact and unique-prefix matching.
    let mut options: Vec<String> = shape
        .input
        .iter()
        .map(|m| shape::option_name(m.name))
        .collect();
    options.extend(
        shape
            .input
            .iter()
            .filter(|m| matches!(m.ty, Ty::Flag))
            .map(|m| format!("no-{}", shape::option_name(m.name))),
    );
    options.extend(GLOBAL_WITH_VALUE.iter().map(|s| (*s).to_owned()));
    options.push("generate-cli-skeleton".to_owned());
    let mut unknown = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(option) = arg.strip_prefix("--") else {
            unknown.push(arg.clone());
            continue;
        };
        let (name, inline) = match option.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (option, None),
        };
        let matches: Vec<&String> = options
            .iter()
            .filter(|o| *o == name || o.starts_with(name))
            .collect();
        let name = match matches.iter().find(|o| o.as_str() == name) {
            Some(exact) => (*exact).clone(),
            None if matches.len() == 1 => matches[0].clone(),
            None if matches.len() > 1 => {
                let names: Vec<String> = matches.iter().map(|m| format!("--{m}")).collect();
                return Err(Failure::Usage(format!(
                    "ambiguous option: --{name} could match {}",
                    names.join(", ")
                )));
            }
            None => {
                unknown.push(arg.clone());
                continue;
            }
        };
        // The values that follow, up to the next option.
        let mut following = |all: bool| -> Vec<String> {
            let mut values: Vec<String> = inline.clone().into_iter().collect();
            if inline.is_none() {
                while i < args.len() && !args[i].starts_with("--") {
                    values.push(args[i].clone());
                    i += 1;
                    if !all {
                        break;
                    }
                }
            }
            values
        };
        if name == "generate-cli-skeleton" {
            let value = match &inline {
                Some(v) => Some(v.clone()),
                None if i < args.len() && matches!(args[i].as_str(), "input" | "output") => {
                    i += 1;
                    Some(args[i - 1].clone())
                }
                None => None,
            };
            parsed.skeleton = Some(match value.as_deref() {
                None | Some("input") => Skeleton::Input,
                Some("output") => Skeleton::Output,
                Some(other) => {
                    return Err(Failure::Usage(format!(
                        "argument --generate-cli-skeleton: Invalid choice '{other}', valid \
                         choices are: input | output"
                    )));
                }
            });
            continue;
        }
        if let Some(member) = shape.input.iter().find(|m| {
            matches!(m.ty, Ty::Flag) && name == format!("no-{}", shape::option_name(m.name))
        }) {
            parsed.given.retain(|(m, _)| m.name != member.name);
            parsed.given.push((member, Given::Flag(false)));
            continue;
        }
        if let Some(member) = shape
            .input
            .iter()
            .find(|m| shape::option_name(m.name) == name)
        {
            let given = match member.ty {
                Ty::Flag => {
                    if inline.is_some() {
                        return Err(Failure::Usage(format!(
                            "argument --{name}: ignored explicit argument"
                        )));
                    }
                    Given::Flag(true)
                }
                Ty::List(_) => Given::Values(following(true)),
                _ => {
                    let v = following(false);
                    if v.is_empty() {
                        return Err(Failure::Usage(format!(
                            "argument --{name}: expected one argument"
                        )));
                    }
                    Given::Values(v)
                }
            };
            // A repeated option: the last one wins, as with argparse.
            parsed.given.retain(|(m, _)| m.name != member.name);
            parsed.given.push((member, given));
            continue;
        }
        let Some(value) = following(false).pop() else {
            return Err(Failure::Usage(format!(
                "argument --{name}: expected one argument"
            )));
        };
        match name.as_str() {
            "endpoint-url" => parsed.endpoint = Some(value),
            "region" => parsed.region = Some(value),
            "cli-input-json" => parsed.input_json = Some(value),
            "cli-binary-format" => {
                parsed.format = match value.as_str() {
                    "raw-in-base64-out" => BinaryFormat::RawInBase64Out,
                    "base64" => BinaryFormat::Base64,
                    other => {
                        return Err(Failure::Usage(format!(
                            "argument --cli-binary-format: Invalid choice '{other}', valid \
                             choices are: base64 | raw-in-base64-out"
                        )));
                    }
                }
            }
            "output" if value == "json" => {}
            "output" => {
                return Err(Failure::Usage(format!(
                    "argument --output: only json is supported, not '{value}'"
                )));
            }
            _ => unknown.push(arg.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(Failure::Fatal(format!(
            "Unknown options: {}",
            unknown.join(", ")
        )));
    }
    if parsed.skeleton.is_none() && parsed.input_json.is_none() {
        let missing: Vec<String> = shape
            .input
            .iter()
            .filter(|m| m.required && !parsed.given.iter().any(|(g, _)| g.name == m.name))
            .map(|m| format!("--{}", shape::option_name(m.name)))
            .collect();
        if !missing.is_empty() {
            return Err(Failure::Usage(format!(
                "the following arguments are required: {}",
                missing.join(", ")
            )));
        }
    }
    Ok(parsed)
}

/// `~/x` → `$HOME/x`.
fn expand_path(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// A `file://` or `fileb://` value as the AWS CLI loads it: `file://` as UTF-8 text with
/// CRLF made LF, `fileb://` as bytes. `None` for a plain value.
fn load_paramfile(option: &str, value: &str) -> Result<Option<(bool, Vec<u8>)>> {
    let (binary, path) = if let Some(p) = value.strip_prefix("fileb://") {
        (true, p)
    } else if let Some(p) = value.strip_prefix("file://") {
        (false, p)
    } else {
        return Ok(None);
    };
    let bytes = std::fs::read(expand_path(path)).map_err(|e| {
        Failure::Fatal(format!(
            "Error parsing parameter '{option}': Unable to load paramfile {value}: {e}"
        ))
    })?;
    if binary {
        return Ok(Some((true, bytes)));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::Fatal(format!(
            "Error parsing parameter '{option}': Unable to load paramfile ({path}), text \
             contents could not be decoded.  If this is a binary file, please use the \
             fileb:// prefix instead of the file:// prefix."
        ))
    })?;
    Ok(Some((false, text.replace("\r\n", "\n").into_bytes())))
}

/// The decoded length of `text` when it is non-empty standard padded base64 (what a
/// `.b64` file holds), checked without decoding it.
fn base64_text_len(text: &[u8]) -> Option<usize> {
    let trimmed = text.trim_ascii();
    match crate::wire::blob::check(trimmed) {
        Some((len, true)) if !trimmed.is_empty() => Some(len),
        _ => None,
    }
}

fn decode_base64(option: &str, text: &[u8]) -> Result<Vec<u8>> {
    STANDARD.decode(text.trim_ascii_end()).map_err(|e| {
        Failure::Fatal(format!(
            "Error parsing parameter '{option}': Invalid base64 (--cli-binary-format base64 \
             reads blob values as base64): {e}"
        ))
    })
}

/// A blob value from the command line, as bytes.
fn blob_from_cli(
    option: &str,
    value: &str,
    format: BinaryFormat,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>> {
    match (load_paramfile(option, value)?, format) {
        (Some((true, bytes)), _) => Ok(bytes),
        (Some((false, text)), BinaryFormat::RawInBase64Out) => {
            if let Some(decoded) = base64_text_len(&text) {
                warnings.push(format!(
                    "{option} {value} holds base64 text; it is sent as the layer's bytes and \
                     encoded again ({} bytes, not the {decoded} bytes it encodes). Use fileb:// \
                     for the raw layer, or --cli-binary-format base64 to send the text as base64.",
                    text.len(),
                ));
            }
            Ok(text)
        }
        (Some((false, text)), BinaryFormat::Base64) => decode_base64(option, &text),
        (None, BinaryFormat::RawInBase64Out) => Ok(value.as_bytes().to_vec()),
        (None, BinaryFormat::Base64) => decode_base64(option, value.as_bytes()),
    }
}

/// Python's `int()` of a command-line value (within i64).
fn parse_int(option: &str, value: &str) -> Result<i64> {
    let t = value.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::Usage(format!(
            "argument {option}: invalid int value: '{value}'"
        )));
    }
    t.trim_start_matches('+').parse().map_err(|_| {
        Failure::Usage(format!(
            "argument {option}: invalid int value: '{value}' (beyond 64 bits)"
        ))
    })
}

/// A scalar from text: booleans and longs typed by the member, the rest strings.
fn typed_scalar(ty: Ty, text: &str) -> J {
    match ty {
        Ty::Bool | Ty::Flag if text.eq_ignore_ascii_case("true") => J::Bool(true),
        Ty::Bool | Ty::Flag if text.eq_ignore_ascii_case("false") => J::Bool(false),
        Ty::Long => text
            .trim()
            .parse::<i64>()
            .map_or_else(|_| J::Str(text.to_owned()), |n| J::Num(n.into())),
        _ => J::Str(text.to_owned()),
    }
}

/// Shorthand `key=value,key2="a,b"` for a structure with `members`.
fn shorthand(option: &str, text: &str, members: &[Member]) -> Result<J> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            return Err(Failure::Fatal(format!(
                "Error parsing parameter '{option}': Expected: '=', received: 'EOF' for input:\n{text}"
            )));
        };
        let key = key.trim();
        let (value, next) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = &after[1..];
                let end = inner.find(q).ok_or_else(|| {
                    Failure::Fatal(format!(
                        "Error parsing parameter '{option}': unterminated quote in {text}"
                    ))
                })?;
                let next = inner[end + 1..].trim_start_matches(',');
                (&inner[..end], next)
            }
            _ => match after.split_once(',') {
                Some((v, n)) => (v, n),
                None => (after, ""),
            },
        };
        let ty = members
            .iter()
            .find(|m| m.name == key)
            .map_or(Ty::Str, |m| m.ty);
        out.push((key.to_owned(), typed_scalar(ty, value)));
        rest = next;
    }
    Ok(J::Obj(out))
}

/// A member's command-line values as JSON.
fn value_from_cli(
    member: &Member,
    given: &Given,
    format: BinaryFormat,
    warnings: &mut Vec<String>,
) -> Result<J> {
    let option = format!("--{}", shape::option_name(member.name));
    let values = match given {
        Given::Flag(b) => return Ok(J::Bool(*b)),
        Given::Values(v) => v,
    };
    let text = |v: &str| -> Result<String> {
        Ok(match load_paramfile(&option, v)? {
            Some((_, bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            None => v.to_owned(),
        })
    };
    let json = |t: &str| {
        json::parse(t).map_err(|e| {
            Failure::Fatal(format!(
                "Error parsing parameter '{option}': Invalid JSON: {e}\nJSON received: {t}"
            ))
        })
    };
    let single = values.last().map(String::as_str).unwrap_or_default();
    Ok(match member.ty {
        Ty::Blob => J::Str(STANDARD.encode(blob_from_cli(&option, single, format, warnings)?)),
        Ty::Long => J::Num(parse_int(&option, &text(single)?)?.into()),
        Ty::Struct(members) => {
            let t = text(single)?;
            if t.trim_start().starts_with('{') {
                json(&t)?
            } else {
                shorthand(&option, &t, members)?
            }
        }
        Ty::List(inner) => {
            let texts: Vec<String> = values.iter().map(|v| text(v)).collect::<Result<_>>()?;
            match (texts.as_slice(), inner) {
                ([one], _) if one.trim_start().starts_with('[') => json(one)?,
                (_, Ty::Struct(members)) => J::List(
                    texts
                        .iter()
                        .map(|t| {
                            if t.trim_start().starts_with('{') {
                                json(t)
                            } else {
                                shorthand(&option, t, members)
                            }
                        })
                        .collect::<Result<_>>()?,
                ),
                _ => J::List(texts.into_iter().map(J::Str).collect()),
            }
        }
        Ty::Str | Ty::Enum(_) | Ty::Timestamp | Ty::Bool | Ty::Flag => {
            typed_scalar(member.ty, &text(single)?)
        }
    })
}

/// The request body: command-line members in the model's order, then the members of
/// `--cli-input-json` the command line did not give, in the JSON's order.
fn build_body(
    shape: &'static OpShape,
    parsed: &Parsed,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, J)>> {
    let mut body: Vec<(String, J)> = Vec::new();
    for member in shape.input {
        if let Some((_, given)) = parsed.given.iter().find(|(m, _)| m.name == member.name) {
            body.push((
                member.name.to_owned(),
                value_from_cli(member, given, parsed.format, warnings)?,
            ));
        }
    }
    let Some(input) = &parsed.input_json else {
        return Ok(body);
    };
    let text = match load_paramfile("--cli-input-json", input)? {
        Some((_, bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        None => input.clone(),
    };
    let members = match json::parse(&text) {
        Ok(J::Obj(members)) => members,
        Ok(other) => {
            return Err(Failure::Fatal(format!(
                "Error parsing parameter 'cli-input-json': a JSON object is needed, not a {}",
                other.type_name()
            )));
        }
        Err(e) => {
            return Err(Failure::Fatal(format!(
                "Error parsing parameter 'cli-input-json': Invalid JSON: {e}\nJSON received: {text}"
            )));
        }
    };
    for (key, value) in members {
        if body.iter().any(|(k, _)| *k == key) {
            continue;
        }
        // A blob in the JSON is a string: raw text (v1), or base64 (--cli-binary-format
        // base64); either way it is sent as base64 of its bytes.
        let is_blob = shape
            .input
            .iter()
            .any(|m| m.name == key && matches!(m.ty, Ty::Blob));
        let value = match (is_blob, value) {
            (true, J::Str(s)) => J::Str(STANDARD.encode(match parsed.format {
                BinaryFormat::RawInBase64Out => s.into_bytes(),
                BinaryFormat::Base64 => decode_base64("cli-input-json", s.as_bytes())?,
            })),
            (_, v) => v,
        };
        body.push((key, value));
    }
    Ok(body)
}

/// The checks the AWS CLI makes before sending (botocore's): required members, types,
/// least lengths and values, unknown members.
fn validate_body(shape: &OpShape, body: &[(String, J)]) -> Result<()> {
    let mut problems = Vec::new();
    check_struct(
        "input",
        "",
        &J::Obj(body.to_vec()),
        shape.input,
        &mut problems,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Fatal(format!(
            "Parameter validation failed:\n{}",
            problems.join("\n")
        )))
    }
}

fn check_struct(
    label: &str,
    prefix: &str,
    value: &J,
    members: &[Member],
    problems: &mut Vec<String>,
) {
    let J::Obj(given) = value else {
        problems.push(format!(
            "Invalid type for parameter {label}, value: {}, type: {}, valid types: object",
            value.compact(),
            value.type_name()
        ));
        return;
    };
    for m in members.iter().filter(|m| m.required) {
        if !given.iter().any(|(k, _)| k == m.name) {
            problems.push(format!(
                "Missing required parameter in {label}: \"{}\"",
                m.name
            ));
        }
    }
    for (key, v) in given {
        let Some(m) = members.iter().find(|m| m.name == key) else {
            let names: Vec<&str> = members.iter().map(|m| m.name).collect();
            problems.push(format!(
                "Unknown parameter in {label}: \"{key}\", must be one of: {}",
                names.join(", ")
            ));
            continue;
        };
        check_value(&format!("{prefix}{key}"), v, m.ty, m.min, problems);
    }
}

fn check_value(path: &str, v: &J, ty: Ty, min: Option<i64>, problems: &mut Vec<String>) {
    let wrong = |want: &str, problems: &mut Vec<String>| {
        problems.push(format!(
            "Invalid type for parameter {path}, value: {}, type: {}, valid types: {want}",
            v.compact(),
            v.type_name()
        ));
    };
    match (ty, v) {
        (Ty::Str | Ty::Enum(_) | Ty::Timestamp | Ty::Blob, J::Str(s)) => {
            if let Some(least) = min
                && (s.chars().count() as i64) < least
            {
                problems.push(format!(
                    "Invalid length for parameter {path}, value: {}, valid min length: {least}",
                    s.chars().count()
                ));
            }
        }
        (Ty::Str | Ty::Enum(_) | Ty::Timestamp | Ty::Blob, _) => wrong("string", problems),
        (Ty::Long, J::Num(n)) if n.is_i64() || n.is_u64() => {
            if let (Some(least), Some(n)) = (min, n.as_i64())
                && n < least
            {
                problems.push(format!(
                    "Invalid value for parameter {path}, value: {n}, valid min value: {least}"
                ));
            }
        }
        (Ty::Long, _) => wrong("integer", problems),
        (Ty::Bool | Ty::Flag, J::Bool(_)) => {}
        (Ty::Bool | Ty::Flag, _) => wrong("boolean", problems),
        (Ty::List(inner), J::List(items)) => {
            if let Some(least) = min
                && (items.len() as i64) < least
            {
                problems.push(format!(
                    "Invalid length for parameter {path}, value: {}, valid min length: {least}",
                    items.len()
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                match inner {
                    Ty::Struct(members) => {
                        check_struct(&p, &format!("{p}."), item, members, problems)
                    }
                    t => check_value(&p, item, *t, None, problems),
                }
            }
        }
        (Ty::List(_), _) => wrong("list", problems),
        (Ty::Struct(members), _) => check_struct(path, &format!("{path}."), v, members, problems),
    }
}

/// The spec's stateless rules, checked before sending; each problem is a warning.
fn local_checks(shape: &OpShape, body: &[(String, J)], warnings: &mut Vec<String>) {
    let get = |k: &str| body.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let string = |k: &str| match get(k) {
        Some(J::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let profile = Profile::ecr();
    if let Some(id) = string("registryId")
        && !validate::is_registry_id(id)
    {
        warnings.push(format!(
            "registryId '{id}' is not 12 digits: the endpoint should answer \
             InvalidParameterException (VAL-2)"
        ));
    }
    if let Some(name) = string("repositoryName")
        && !validate::is_repository_name(name, profile.repository_name_pattern)
    {
        warnings.push(format!(
            "repositoryName '{name}' does not match the repository-name pattern: the endpoint \
             should answer InvalidParameterException (VAL-2)"
        ));
    }
    if let Some(id) = string("uploadId")
        && !validate::is_upload_id(id)
    {
        warnings.push(format!(
            "uploadId '{id}' is not in the UploadId pattern: the endpoint should answer \
             InvalidParameterException (VAL-2)"
        ));
    }
    if let Some(J::List(digests)) = get("layerDigests") {
        for d in digests {
            if let J::Str(d) = d
                && !digest::is_layer_digest(d)
            {
                warnings.push(format!(
                    "'{d}' is not in the LayerDigest pattern ({})",
                    if shape.cli == "batch-check-layer-availability" {
                        "it should be listed under failures as InvalidLayerDigest, CHECK-2"
                    } else {
                        "the endpoint should answer InvalidParameterException, VAL-2"
                    }
                ));
            }
        }
    }
    let long = |k: &str| match get(k) {
        Some(J::Num(n)) => n.as_i64(),
        _ => None,
    };
    let blob_len = string("layerPartBlob")
        .and_then(|b| crate::wire::blob::check(b.as_bytes()))
        .map(|(len, _)| len as i64);
    if let (Some(first), Some(last), Some(len)) =
        (long("partFirstByte"), long("partLastByte"), blob_len)
    {
        let span = i128::from(last) - i128::from(first) + 1;
        if last < first {
            warnings.push(format!(
                "partLastByte {last} is before partFirstByte {first}: the endpoint should \
                 answer InvalidLayerPartException (PART-4)"
            ));
        } else if span != i128::from(len) {
            warnings.push(format!(
                "the range {first}..={last} covers {span} bytes but the blob holds {len}: the \
                 endpoint should answer InvalidLayerPartException (PART-4)"
            ));
        }
    }
    if let Some(len) = blob_len
        && len as u64 > MAX_PART_BYTES
    {
        warnings.push(format!(
            "the blob holds {len} bytes, over the {MAX_PART_BYTES}-byte part limit: the \
             endpoint should answer InvalidParameterException (PART-2)"
        ));
    }
}

/// Sends the request and prints the answer as the AWS CLI does.
fn send(
    shape: &OpShape,
    parsed: &Parsed,
    settings: &CallSettings,
    body: &[(String, J)],
    out: &mut CallOutput,
) -> Result<()> {
    let region = parsed
        .region
        .clone()
        .or_else(|| settings.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let timeout = settings.timeout.unwrap_or(Duration::from_secs(60));
    let url = parsed
        .endpoint
        .clone()
        .or_else(|| settings.endpoint.clone());
    // Without an endpoint: the embedded fake, holding the seed's repository and upload,
    // for the lifetime of this one call.
    let fake = match &url {
        Some(_) => None,
        None => Some(
            FakeEcr::builder()
                .identity(crate::model::limits::DEFAULT_REGISTRY_ID, &region)
                .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
                .start()
                .map_err(|e| Failure::Fatal(e.to_string()))?,
        ),
    };
    let url = url.unwrap_or_else(|| fake.as_ref().map(FakeEcr::uri).unwrap_or_default());
    let keys = match (&settings.keys, &fake) {
        (Some(k), _) => k.clone(),
        (None, Some(_)) => SigningKeys::test(),
        (None, None) => {
            return Err(Failure::Fatal(
                "Unable to locate credentials. Set AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if you have one)."
                    .to_owned(),
            ));
        }
    };
    let endpoint = Endpoint::new(&url, &region, keys, timeout);
    let request = J::Obj(body.to_vec()).compact();
    let target = shape.op.target();
    let (observed, _) = endpoint
        .send(Some(&target), Some(CONTENT_TYPE), request.as_bytes())
        .map_err(|e| {
            Failure::Fatal(format!(
                "Could not connect to the endpoint URL: \"{}/\" ({e})",
                url.trim_end_matches('/')
            ))
        })?;
    if observed.status < 300 {
        let answer = observed
            .body
            .as_ref()
            .map(json::from_value)
            .unwrap_or(J::Null);
        let shown = shape::reshape(&answer, shape.output);
        if shown != J::Obj(Vec::new()) {
            out.stdout = shown.pretty() + "\n";
        }
        return Ok(());
    }
    let body = observed.body.as_ref();
    let field = |k: &str| body.and_then(|b| b.get(k)).and_then(|v| v.as_str());
    let code = field("__type")
        .or_else(|| field("code"))
        .map(|t| crate::wire::error::sanitize_error_name(t).to_owned())
        .or_else(|| observed.error_name.clone())
        .unwrap_or_else(|| observed.status.to_string());
    let message = field("message")
        .or_else(|| field("Message"))
        .map(str::to_owned)
        .or_else(|| observed.raw.clone())
        .unwrap_or_default();
    Err(Failure::Fatal(format!(
        "An error occurred ({code}) when calling the {} operation: {message}",
        shape.op.name()
    )))
}

fn help_all() -> String {
    let mut s = String::from(
        "ecr-conformance call <operation> [--endpoint-url URL] [--region R] [options]\n\n\
         Sends one request with the AWS CLI's arguments and prints the answer as the AWS CLI \
         does.\nWithout --endpoint-url (or AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL) it talks to \
         an embedded fake\nthat holds the repository layer-test and the open upload \
         6cb64b8a-9378-0e33-2ab1-b780fab8a9e9,\nfor this one call.\n\nOperations:\n",
    );
    for o in OPERATIONS {
        s.push_str(&format!("  {:<32} {}\n", o.cli, o.summary));
    }
    s.push_str(
        "\nEvery operation takes --cli-input-json JSON|file://PATH, --generate-cli-skeleton \
         [input|output],\n--cli-binary-format raw-in-base64-out|base64, --endpoint-url, \
         --region, --output json.\nBefore sending, the request is checked against the spec; \
         problems are warnings on stderr.\nExit status: 0 success, 255 error answer or invalid \
         parameter, 2 usage error.\n",
    );
    s
}

fn type_label(ty: Ty) -> String {
    match ty {
        Ty::Str | Ty::Timestamp => "string".into(),
        Ty::Enum(values) => format!("string: {}", values.join(" | ")),
        Ty::Long => "long".into(),
        Ty::Bool | Ty::Flag => "boolean".into(),
        Ty::Blob => "blob: file://PATH (text), fileb://PATH (bytes) or the value".into(),
        Ty::List(inner) => format!("list of {}", type_label(*inner)),
        Ty::Struct(members) => {
            let names: Vec<String> = members
                .iter()
                .map(|m| format!("{}={}", m.name, type_label(m.ty)))
                .collect();
            format!("structure: {}", names.join(","))
        }
    }
}

fn help_operation(shape: &OpShape) -> String {
    let mut s = format!(
        "ecr-conformance call {} — {}\n\nOptions (required ones marked *):\n",
        shape.cli, shape.summary
    );
    for m in shape.input {
        let name = match m.ty {
            Ty::Flag => format!("--{0} | --no-{0}", shape::option_name(m.name)),
            _ => format!("--{}", shape::option_name(m.name)),
        };
        s.push_str(&format!(
            "  {}{name:<40} {}\n",
            if m.required { "*" } else { " " },
            type_label(m.ty)
        ));
    }
    s.push_str("\nAnswer members: ");
    let names: Vec<&str> = shape.output.iter().map(|m| m.name).collect();
    s.push_str(&names.join(", "));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
