//! The command line as AWS CLI v1's argparse reads it: `--option value`, `--option=value`,
//! a unique prefix of an option, a list option taking every value up to the next option,
//! `--flag`/`--no-flag`, the last of a repeated option winning, unknown options reported
//! together, required options checked unless `--cli-input-json` may give them.
//!
//! It only sorts the words out: values stay the text that was typed. Turning them into
//! JSON (reading files, shorthand, ints) is [`super::value`]'s job.

use super::input::BinaryFormat;
use super::shape::{self, Member, OpShape, Type};
use super::{Failure, Result};

/// Which skeleton `--generate-cli-skeleton` asks for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Skeleton {
    Input,
    Output,
}

/// The command line, sorted out.
pub(super) struct Parsed {
    /// Members given on the command line: values as typed, or a flag.
    pub(super) given: Vec<(&'static Member, Given)>,
    /// `--endpoint-url`.
    pub(super) endpoint: Option<String>,
    /// `--region`.
    pub(super) region: Option<String>,
    /// `--cli-input-json`, as typed (JSON, or `file://`).
    pub(super) input_json: Option<String>,
    /// `--generate-cli-skeleton`.
    pub(super) skeleton: Option<Skeleton>,
    /// `--cli-binary-format`.
    pub(super) format: BinaryFormat,
}

/// What the command line gave for one member.
pub(super) enum Given {
    /// The values that followed the option, as typed.
    Values(Vec<String>),
    /// `--flag` (true) or `--no-flag` (false).
    Flag(bool),
}

/// Options every operation takes, each with one value.
const GLOBAL_WITH_VALUE: &[&str] = &[
    "endpoint-url",
    "region",
    "cli-input-json",
    "cli-binary-format",
    "output",
];

/// The `--no-<flag>` option of a flag member.
fn negated(member: &Member) -> String {
    format!("no-{}", shape::option_name(member.name))
}

/// Every option `shape` takes, for exact and unique-prefix matching.
fn option_names(shape: &OpShape) -> Vec<String> {
    let mut options: Vec<String> = shape
        .input
        .iter()
        .map(|member| shape::option_name(member.name))
        .collect();
    options.extend(
        shape
            .input
            .iter()
            .filter(|member| matches!(member.ty, Type::Flag))
            .map(negated),
    );
    options.extend(GLOBAL_WITH_VALUE.iter().map(|s| (*s).to_owned()));
    options.push("generate-cli-skeleton".to_owned());
    // A global flag of the AWS CLI; `call` sends one request (one page) anyway.
    options.push("no-paginate".to_owned());
    options
}

/// `--generate-cli-skeleton [input|output]`.
fn skeleton_choice(value: Option<&str>) -> Result<Skeleton> {
    match value {
        None | Some("input") => Ok(Skeleton::Input),
        Some("output") => Ok(Skeleton::Output),
        Some(other) => Err(Failure::Usage(format!(
            "argument --generate-cli-skeleton: Invalid choice '{other}', valid choices are: \
             input | output"
        ))),
    }
}

/// One of [`GLOBAL_WITH_VALUE`] with its value; false when `name` is none of them.
fn set_global(parsed: &mut Parsed, name: &str, value: String) -> Result<bool> {
    match name {
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
        _ => return Ok(false),
    }
    Ok(true)
}

/// Sorts out the command line after the operation.
pub(super) fn parse(shape: &'static OpShape, args: &[String]) -> Result<Parsed> {
    let mut parsed = Parsed {
        given: Vec::new(),
        endpoint: None,
        region: None,
        input_json: None,
        skeleton: None,
        format: BinaryFormat::RawInBase64Out,
    };
    let options = option_names(shape);
    let mut unknown = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(option) = arg.strip_prefix("--") else {
            unknown.push(arg.clone());
            continue;
        };
        let (typed, inline) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (option, None),
        };
        let candidates: Vec<&String> = options
            .iter()
            .filter(|o| *o == typed || o.starts_with(typed))
            .collect();
        let name = match candidates.iter().find(|o| o.as_str() == typed) {
            Some(exact) => (*exact).clone(),
            None if candidates.len() == 1 => candidates[0].clone(),
            None if candidates.len() > 1 => {
                let names: Vec<String> = candidates.iter().map(|o| format!("--{o}")).collect();
                return Err(Failure::Usage(format!(
                    "ambiguous option: --{typed} could match {}",
                    names.join(", ")
                )));
            }
            None => {
                unknown.push(arg.clone());
                continue;
            }
        };
        // The values that follow, up to the next option: all of them, or just one.
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
        if name == "no-paginate" {
            continue;
        }
        if name == "generate-cli-skeleton" {
            let value = match &inline {
                Some(v) => Some(v.clone()),
                // Any value that is not an option is the choice (and a wrong one is
                // refused, as the AWS CLI's "Invalid choice", exit 2).
                None if i < args.len() && !args[i].starts_with("--") => {
                    i += 1;
                    Some(args[i - 1].clone())
                }
                None => None,
            };
            parsed.skeleton = Some(skeleton_choice(value.as_deref())?);
            continue;
        }
        if let Some(member) = shape
            .input
            .iter()
            .find(|member| matches!(member.ty, Type::Flag) && name == negated(member))
        {
            parsed
                .given
                .retain(|(earlier, _)| earlier.name != member.name);
            parsed.given.push((member, Given::Flag(false)));
            continue;
        }
        if let Some(member) = shape
            .input
            .iter()
            .find(|member| shape::option_name(member.name) == name)
        {
            let given = match member.ty {
                Type::Flag => {
                    if inline.is_some() {
                        return Err(Failure::Usage(format!(
                            "argument --{name}: ignored explicit argument"
                        )));
                    }
                    Given::Flag(true)
                }
                Type::List(_) => Given::Values(following(true)),
                _ => {
                    let values = following(false);
                    if values.is_empty() {
                        return Err(Failure::Usage(format!(
                            "argument --{name}: expected one argument"
                        )));
                    }
                    Given::Values(values)
                }
            };
            // A repeated option: the last one wins, as with argparse.
            parsed
                .given
                .retain(|(earlier, _)| earlier.name != member.name);
            parsed.given.push((member, given));
            continue;
        }
        let Some(value) = following(false).pop() else {
            return Err(Failure::Usage(format!(
                "argument --{name}: expected one argument"
            )));
        };
        if !set_global(&mut parsed, &name, value)? {
            unknown.push(arg.clone());
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
            .filter(|member| {
                member.required
                    && !parsed
                        .given
                        .iter()
                        .any(|(given, _)| given.name == member.name)
            })
            .map(|member| format!("--{}", shape::option_name(member.name)))
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
