//! The checks AWS CLI v1 (botocore's parameter validation) makes before it sends anything:
//! required members, JSON types, least lengths and values, unknown members. Any problem
//! stops the call with exit 255 and botocore's wording, all problems listed together.
//!
//! These are the client's checks, not the spec's: what the endpoint should refuse is
//! [`super::warnings`]'s, and does not stop the call.

use super::json::Json;
use super::shape::{Member, OpShape, Type};
use super::{Failure, Result};

/// Checks `body` against `shape`'s input members.
pub(super) fn body(shape: &OpShape, body: &[(String, Json)]) -> Result<()> {
    let mut problems = Vec::new();
    check_struct(
        "input",
        "",
        &Json::Obj(body.to_vec()),
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

/// A structure `value` at `label` (`input`, `tags[0]`); its members are named
/// `{prefix}{name}`.
fn check_struct(
    label: &str,
    prefix: &str,
    value: &Json,
    members: &[Member],
    problems: &mut Vec<String>,
) {
    let Json::Obj(given) = value else {
        problems.push(format!(
            "Invalid type for parameter {label}, value: {}, type: {}, valid types: object",
            value.compact(),
            value.type_name()
        ));
        return;
    };
    for member in members.iter().filter(|member| member.required) {
        if !given.iter().any(|(key, _)| key == member.name) {
            problems.push(format!(
                "Missing required parameter in {label}: \"{}\"",
                member.name
            ));
        }
    }
    for (key, v) in given {
        let Some(member) = members.iter().find(|member| member.name == key) else {
            let names: Vec<&str> = members.iter().map(|member| member.name).collect();
            problems.push(format!(
                "Unknown parameter in {label}: \"{key}\", must be one of: {}",
                names.join(", ")
            ));
            continue;
        };
        check_value(
            &format!("{prefix}{key}"),
            v,
            member.ty,
            member.min,
            problems,
        );
    }
}

/// A value `v` at `path` that should be of type `ty`, at least `min` long or large.
fn check_value(path: &str, v: &Json, ty: Type, min: Option<i64>, problems: &mut Vec<String>) {
    let wrong = |want: &str, problems: &mut Vec<String>| {
        problems.push(format!(
            "Invalid type for parameter {path}, value: {}, type: {}, valid types: {want}",
            v.compact(),
            v.type_name()
        ));
    };
    match (ty, v) {
        (Type::Str | Type::Enum(_) | Type::Timestamp | Type::Blob, Json::Str(s)) => {
            if let Some(least) = min
                && (s.chars().count() as i64) < least
            {
                problems.push(format!(
                    "Invalid length for parameter {path}, value: {}, valid min length: {least}",
                    s.chars().count()
                ));
            }
        }
        (Type::Str | Type::Enum(_) | Type::Timestamp | Type::Blob, _) => wrong("string", problems),
        (Type::Long, Json::Num(n)) if n.is_i64() || n.is_u64() => {
            if let (Some(least), Some(n)) = (min, n.as_i64())
                && n < least
            {
                problems.push(format!(
                    "Invalid value for parameter {path}, value: {n}, valid min value: {least}"
                ));
            }
        }
        (Type::Long, _) => wrong("integer", problems),
        (Type::Bool | Type::Flag, Json::Bool(_)) => {}
        // Only answers have maps; an input never holds one.
        (Type::Map(_), Json::Obj(_)) => {}
        (Type::Map(_), _) => wrong("map", problems),
        (Type::Bool | Type::Flag, _) => wrong("boolean", problems),
        (Type::List(inner), Json::List(items)) => {
            if let Some(least) = min
                && (items.len() as i64) < least
            {
                problems.push(format!(
                    "Invalid length for parameter {path}, value: {}, valid min length: {least}",
                    items.len()
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                match inner {
                    Type::Struct(members) => check_struct(
                        &item_path,
                        &format!("{item_path}."),
                        item,
                        members,
                        problems,
                    ),
                    ty => check_value(&item_path, item, *ty, None, problems),
                }
            }
        }
        (Type::List(_), _) => wrong("list", problems),
        (Type::Struct(members), _) => check_struct(path, &format!("{path}."), v, members, problems),
    }
}
