//! The request body, assembled as AWS CLI v1 assembles it: the command line's members in
//! the service model's order, then the members of `--cli-input-json` the command line did
//! not give, in the JSON's order (a blob among them encoded as base64 of its bytes).
//!
//! It assembles; it neither checks the body (that is [`super::validate`]) nor sends it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::args::Parsed;
use super::input::{self, BinaryFormat};
use super::json::{self, Json};
use super::shape::{OpShape, Type};
use super::{Failure, Result, value};

/// The body's members, in the order they are sent.
pub(super) type Body = Vec<(String, Json)>;

/// The request body of `parsed`; `warnings` gets what reading blob values found.
pub(super) fn build(
    shape: &'static OpShape,
    parsed: &Parsed,
    warnings: &mut Vec<String>,
) -> Result<Body> {
    let mut body: Body = Vec::new();
    for member in shape.input {
        if let Some((_, given)) = parsed
            .given
            .iter()
            .find(|(given_member, _)| given_member.name == member.name)
        {
            body.push((
                member.name.to_owned(),
                value::from_cli(member, given, parsed.format, warnings)?,
            ));
        }
    }
    let Some(input) = &parsed.input_json else {
        return Ok(body);
    };
    let text = match input::load_paramfile("--cli-input-json", input)? {
        Some(file) => file.into_text(),
        None => input.clone(),
    };
    let members = match json::parse(&text) {
        Ok(Json::Obj(members)) => members,
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
    // The command line's members, looked up by name (not searched for each key).
    let given: std::collections::HashSet<String> = body.iter().map(|(k, _)| k.clone()).collect();
    for (key, value) in members {
        if given.contains(&key) {
            continue;
        }
        // A blob in the JSON is a string: raw text (v1), or base64 (--cli-binary-format
        // base64); either way it is sent as base64 of its bytes.
        let is_blob = shape
            .input
            .iter()
            .any(|member| member.name == key && matches!(member.ty, Type::Blob));
        let value = match (is_blob, value) {
            (true, Json::Str(s)) => Json::Str(STANDARD.encode(match parsed.format {
                BinaryFormat::RawInBase64Out => s.into_bytes(),
                BinaryFormat::Base64 => input::decode_base64("cli-input-json", s.as_bytes())?,
            })),
            (_, v) => v,
        };
        body.push((key, value));
    }
    Ok(body)
}
