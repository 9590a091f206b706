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

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{CreateRepository, Profile, Registry, Request};
use crate::strategy::fill;
use crate::wire::{self, Operation};

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
    expand_blobs_once(value, &mut BlobTexts::default())
}

/// Base64 texts of `$blob`s already expanded, by length and seed: a request built for the
/// model and again for the target fills and encodes each blob once.
#[derive(Debug, Default)]
pub struct BlobTexts(std::collections::HashMap<(u64, u64), String>);

/// [`expand_blobs`], taking texts from (and adding them to) `texts`.
pub fn expand_blobs_once(value: &mut Value, texts: &mut BlobTexts) -> Result<(), FixtureError> {
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
                let text = texts
                    .0
                    .entry((length, seed))
                    .or_insert_with(|| wire::blob::encode(&fill(length as usize, seed)));
                *value = Value::String(text.clone());
                return Ok(());
            }
            map.values_mut()
                .try_for_each(|v| expand_blobs_once(v, texts))
        }
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|v| expand_blobs_once(v, texts)),
        _ => Ok(()),
    }
}

/// The body bytes of a fixture value, with blobs expanded.
pub fn body_bytes(value: Value) -> Result<Vec<u8>, FixtureError> {
    body_bytes_once(value, &mut BlobTexts::default())
}

/// [`body_bytes`], with blob texts from (and added to) `texts`.
pub fn body_bytes_once(mut value: Value, texts: &mut BlobTexts) -> Result<Vec<u8>, FixtureError> {
    expand_blobs_once(&mut value, texts)?;
    serde_json::to_vec(&value).map_err(|e| FixtureError(e.to_string()))
}

/// One wire case: `fixtures/wire/<operation>/<case>.request.json` and its neighbours.
#[derive(Debug, Clone)]
pub struct WireCase {
    /// The operation (the folder's name).
    pub operation: Operation,
    /// The path without `.request.json`.
    pub stem: PathBuf,
}

impl WireCase {
    fn file(&self, ext: &str) -> PathBuf {
        PathBuf::from(format!("{}.{ext}", self.stem.display()))
    }

    fn read(path: &Path) -> Result<Value, FixtureError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FixtureError(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| FixtureError(format!("{}: {e}", path.display())))
    }

    /// The request body, with blobs expanded.
    pub fn request_body(&self) -> Result<Vec<u8>, FixtureError> {
        body_bytes(Self::read(&self.file("request.json"))?)
    }

    /// The request as written (blobs still described).
    pub fn request_json(&self) -> Result<Value, FixtureError> {
        Self::read(&self.file("request.json"))
    }

    /// The recorded answer body.
    pub fn response_json(&self) -> Result<Value, FixtureError> {
        Self::read(&self.file("response.json"))
    }

    /// The registry the case starts from: `layer-test`, the seed's open upload, then the
    /// steps of `<case>.setup.json`, each of which must succeed.
    pub fn registry(&self) -> Result<Registry, FixtureError> {
        let mut r = Registry::new(Profile::ecr());
        let create = Request::CreateRepository(CreateRepository {
            registry_id: None,
            repository_name: Some(SEED_REPOSITORY.to_owned()),
        });
        r.apply(&create).map_err(|e| FixtureError(e.to_string()))?;
        r.open_upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
            .map_err(|e| FixtureError(e.to_string()))?;
        let setup = self.file("setup.json");
        if setup.exists() {
            for step in Self::read(&setup)?.as_array().cloned().unwrap_or_default() {
                let op = step["operation"]
                    .as_str()
                    .and_then(Operation::from_name)
                    .ok_or_else(|| {
                        FixtureError(format!(
                            "{}: a step without a known operation",
                            setup.display()
                        ))
                    })?;
                let body = body_bytes(step["body"].clone())?;
                r.apply(&wire::decode_request(Some(&op.x_amz_target()), &body))
                    .map_err(|e| {
                        FixtureError(format!("{}: setup step failed: {e}", setup.display()))
                    })?;
            }
        }
        Ok(r)
    }
}

/// Every wire case under `fixtures_dir/wire`, by operation, then name.
pub fn wire_cases(fixtures_dir: &Path) -> Result<Vec<WireCase>, FixtureError> {
    let mut out = Vec::new();
    for operation in Operation::ALL {
        let dir = fixtures_dir.join("wire").join(operation.snake_name());
        let entries =
            std::fs::read_dir(&dir).map_err(|e| FixtureError(format!("{}: {e}", dir.display())))?;
        let mut stems: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| {
                p.to_str()
                    .and_then(|s| s.strip_suffix(".request.json"))
                    .map(PathBuf::from)
            })
            .collect();
        stems.sort();
        out.extend(stems.into_iter().map(|stem| WireCase { operation, stem }));
    }
    Ok(out)
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
