//! One member's command-line text as the JSON the AWS CLI sends: Python's `int()` for
//! longs, `true`/`false` for booleans, shorthand (`Key=k,Value="a,b"`) or JSON for
//! structures, one value per word for lists, a blob's bytes as base64.
//!
//! It converts; it does not check. A value of the wrong type is sent as the CLI would send
//! it and [`super::validate`] refuses it, with the CLI's message.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::args::Given;
use super::input::{self, BinaryFormat};
use super::json::{self, Json};
use super::shape::{self, Member, Type};
use super::{Failure, Result};

/// Python's `int()` of a command-line value (within i64).
fn parse_int(option: &str, value: &str) -> Result<i64> {
    let trimmed = value.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::Usage(format!(
            "argument {option}: invalid int value: '{value}'"
        )));
    }
    trimmed.trim_start_matches('+').parse().map_err(|_| {
        Failure::Usage(format!(
            "argument {option}: invalid int value: '{value}' (beyond 64 bits)"
        ))
    })
}

/// A scalar from text: booleans and longs typed by the member, the rest strings.
fn typed_scalar(ty: Type, text: &str) -> Json {
    match ty {
        Type::Bool | Type::Flag if text.eq_ignore_ascii_case("true") => Json::Bool(true),
        Type::Bool | Type::Flag if text.eq_ignore_ascii_case("false") => Json::Bool(false),
        Type::Long => text
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Json::Str(text.to_owned()), |n| Json::Num(n.into())),
        _ => Json::Str(text.to_owned()),
    }
}

/// Shorthand `key=value,key2="a,b"` for a structure with `members`.
fn shorthand(option: &str, text: &str, members: &[Member]) -> Result<Json> {
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
            Some(quote @ ('"' | '\'')) => {
                let inner = &after[1..];
                let end = inner.find(quote).ok_or_else(|| {
                    Failure::Fatal(format!(
                        "Error parsing parameter '{option}': unterminated quote in {text}"
                    ))
                })?;
                let next = inner[end + 1..].trim_start_matches(',');
                (&inner[..end], next)
            }
            _ => match after.split_once(',') {
                Some((value, next)) => (value, next),
                None => (after, ""),
            },
        };
        let ty = members
            .iter()
            .find(|member| member.name == key)
            .map_or(Type::Str, |member| member.ty);
        out.push((key.to_owned(), typed_scalar(ty, value)));
        rest = next;
    }
    Ok(Json::Obj(out))
}

/// A member's command-line values as JSON.
pub(super) fn from_cli(
    member: &Member,
    given: &Given,
    format: BinaryFormat,
    warnings: &mut Vec<String>,
) -> Result<Json> {
    let option = format!("--{}", shape::option_name(member.name));
    let values = match given {
        Given::Flag(b) => return Ok(Json::Bool(*b)),
        Given::Values(values) => values,
    };
    // A value as text: the file's contents for `file://` and `fileb://`.
    let text = |value: &str| -> Result<String> {
        Ok(match input::load_paramfile(&option, value)? {
            Some(file) => file.into_text(),
            None => value.to_owned(),
        })
    };
    let json = |text: &str| {
        json::parse(text).map_err(|e| {
            Failure::Fatal(format!(
                "Error parsing parameter '{option}': Invalid JSON: {e}\nJSON received: {text}"
            ))
        })
    };
    // A structure: JSON when it looks like an object, else shorthand.
    let structure = |text: &str, members: &[Member]| {
        if text.trim_start().starts_with('{') {
            json(text)
        } else {
            shorthand(&option, text, members)
        }
    };
    let single = values.last().map(String::as_str).unwrap_or_default();
    Ok(match member.ty {
        Type::Blob => {
            let bytes = input::blob_from_cli(&option, single, format, warnings)?;
            Json::Str(STANDARD.encode(bytes))
        }
        Type::Long => Json::Num(parse_int(&option, &text(single)?)?.into()),
        Type::Struct(members) => structure(&text(single)?, members)?,
        Type::List(inner) => {
            let texts: Vec<String> = values
                .iter()
                .map(|value| text(value))
                .collect::<Result<_>>()?;
            match (texts.as_slice(), inner) {
                ([one], _) if one.trim_start().starts_with('[') => json(one)?,
                (_, Type::Struct(members)) => Json::List(
                    texts
                        .iter()
                        .map(|text| structure(text, members))
                        .collect::<Result<_>>()?,
                ),
                _ => Json::List(texts.into_iter().map(Json::Str).collect()),
            }
        }
        Type::Str | Type::Enum(_) | Type::Timestamp | Type::Bool | Type::Flag => {
            typed_scalar(member.ty, &text(single)?)
        }
        // No input member is a map: read as JSON.
        Type::Map(_) => json(&text(single)?)?,
    })
}
