//! The fixture file conventions shared by tests, the runner and the fuzz corpus seeds.
//!
//! A fixture is JSON as it goes on the wire, with one extension so that multi-MiB blobs
//! need not be stored: an object `{"$blob": {"length": N, "seed": S}}` in place of a base64
//! string stands for the base64 of [`fill`]`(N, S)`.
//!
//! Wire cases live in `fixtures/wire/<operation>/<case>.request.json` with the answer body
//! in `<case>.response.json`. Before the request, a case's registry holds the repository
//! `layer-test` and the open upload [`SEED_UPLOAD_ID`], and then, if present, the steps of
//! `<case>.setup.json` (an array of `{"operation": "...", "body": {...}}`), each of which
//! must succeed.

use serde_json::Value;

use crate::strategy::fill;
use crate::wire;

/// The repository of the seed page's example.
pub const SEED_REPOSITORY: &str = "layer-test";

/// The upload id of the seed page's example.
pub const SEED_UPLOAD_ID: &str = "6cb64b8a-9378-0e33-2ab1-b780fab8a9e9";

/// The largest `$blob` length a fixture may ask for: a little over the part limit, so that
/// the PART-2 boundary can be described.
pub const MAX_BLOB_LENGTH: u64 = 2 * crate::model::limits::MAX_PART_BYTES;

/// Why a fixture could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError(pub String);

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FixtureError {}

/// Replaces every `{"$blob": {"length": N, "seed": S}}` in `value` by its base64 text.
pub fn expand_blobs(value: &mut Value) -> Result<(), FixtureError> {
    match value {
        Value::Object(map) => {
            if let Some(spec) = map.get("$blob") {
                if map.len() != 1 {
                    return Err(FixtureError(
                        "a $blob object must have no other keys".into(),
                    ));
                }
                let length = spec.get("length").and_then(Value::as_u64);
                let seed = spec.get("seed").and_then(Value::as_u64).unwrap_or(0);
                let Some(length) = length.filter(|l| *l <= MAX_BLOB_LENGTH) else {
                    return Err(FixtureError(format!(
                        "$blob needs a length of at most {MAX_BLOB_LENGTH}: {spec}"
                    )));
                };
                *value = Value::String(wire::blob::encode(&fill(length as usize, seed)));
                return Ok(());
            }
            map.values_mut().try_for_each(expand_blobs)
        }
        Value::Array(items) => items.iter_mut().try_for_each(expand_blobs),
        _ => Ok(()),
    }
}

/// The body bytes of a fixture value, with blobs expanded.
pub fn body_bytes(value: &Value) -> Result<Vec<u8>, FixtureError> {
    let mut v = value.clone();
    expand_blobs(&mut v)?;
    serde_json::to_vec(&v).map_err(|e| FixtureError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_descriptions_expand_to_the_base64_of_their_fill() {
        let mut v = serde_json::json!({"a": [{"$blob": {"length": 5, "seed": 3}}]});
        expand_blobs(&mut v).expect("expands");
        assert_eq!(v["a"][0], Value::String(wire::blob::encode(&fill(5, 3))));
    }

    #[test]
    fn bad_blob_descriptions_are_errors() {
        for bad in [
            serde_json::json!({"$blob": {"seed": 3}}),
            serde_json::json!({"$blob": {"length": u64::MAX}}),
            serde_json::json!({"$blob": {"length": 1}, "x": 1}),
        ] {
            let mut v = bad.clone();
            assert!(expand_blobs(&mut v).is_err(), "{bad}");
        }
    }
}
