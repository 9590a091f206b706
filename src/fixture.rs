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

/// `$blob`s already made, by length and seed: a request built for the model and again for
/// the target fills, encodes and summarizes each blob once.
#[derive(Debug, Default)]
pub struct BlobTexts {
    made: std::collections::HashMap<(u64, u64), KnownBlob>,
    summarize: bool,
}

/// A `$blob` made: its base64 text, and how a report shows it ([`blob_summary`]).
#[derive(Debug)]
struct KnownBlob {
    text: String,
    summary: Option<Value>,
}

impl BlobTexts {
    /// Texts that also keep each blob's report summary ([`BlobTexts::summary_of`]), made
    /// while its bytes are at hand.
    pub fn summarizing() -> Self {
        BlobTexts {
            made: Default::default(),
            summarize: true,
        }
    }

    /// The text of `fill(length, seed)`, made on first use.
    fn text(&mut self, length: u64, seed: u64) -> &str {
        let summarize = self.summarize;
        let known = self.made.entry((length, seed)).or_insert_with(|| {
            let bytes = fill(length as usize, seed);
            let text = wire::blob::encode(&bytes);
            // What `blob_summary` gives, without filling again to find the seed.
            let summary = summarize
                .then(|| summary_with(&bytes, true, &text, (bytes.len() >= 8).then_some(seed | 1)));
            KnownBlob { text, summary }
        });
        &known.text
    }

    /// The report summary of a blob whose text is `text`, if it is one of these and they
    /// are [`BlobTexts::summarizing`].
    pub fn summary_of(&self, text: &str) -> Option<&Value> {
        self.made
            .values()
            .find(|k| k.text.len() == text.len() && k.text == text)
            .and_then(|k| k.summary.as_ref())
    }
}

/// Blobs up to this many bytes that no seed describes are kept whole in reports, so that
/// a recording can be replayed.
pub const KEPT_BLOB_BYTES: usize = 4096;

/// How a report shows a blob of `bytes` (decoded from `text`): `{length, sha256}` plus what
/// rebuilds it: the [`fill`] seed (and `unpadded` when its text was), else the text itself
/// when short.
pub fn blob_summary(bytes: &[u8], padded: bool, text: &str) -> Value {
    summary_with(bytes, padded, text, crate::strategy::fill_seed(bytes))
}

/// [`blob_summary`] with the seed that made `bytes`, if one did.
fn summary_with(bytes: &[u8], padded: bool, text: &str, seed: Option<u64>) -> Value {
    let mut s = serde_json::json!({
        "length": bytes.len(),
        "sha256": crate::model::digest::digest_of(bytes),
    });
    if let Some(seed) = seed {
        s["seed"] = seed.into();
        if !padded {
            s["unpadded"] = true.into();
        }
    } else if text.len() <= KEPT_BLOB_BYTES * 4 / 3 + 4 {
        s["base64"] = text.to_owned().into();
    }
    s
}

/// The `(length, seed)` of a `$blob` description, checked.
fn blob_spec(map: &serde_json::Map<String, Value>) -> Result<Option<(u64, u64)>, FixtureError> {
    let Some(spec) = map.get("$blob") else {
        return Ok(None);
    };
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
    Ok(Some((length, seed)))
}

/// [`expand_blobs`], taking texts from (and adding them to) `texts`.
pub fn expand_blobs_once(value: &mut Value, texts: &mut BlobTexts) -> Result<(), FixtureError> {
    match value {
        Value::Object(map) => {
            if let Some((length, seed)) = blob_spec(map)? {
                *value = Value::String(texts.text(length, seed).to_owned());
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

/// [`body_bytes`], with blob texts from (and added to) `texts`. The bytes are what
/// `serde_json::to_vec` gives for the expanded value; each blob's text is copied in once,
/// without the escaping pass (base64 has nothing to escape).
pub fn body_bytes_once(value: Value, texts: &mut BlobTexts) -> Result<Vec<u8>, FixtureError> {
    let mut size = 0;
    make_blobs(&value, texts, &mut size)?;
    let mut out = Vec::with_capacity(size + 1024);
    write_json(&value, texts, &mut out)?;
    Ok(out)
}

/// Makes the texts of the `$blob`s in `value`, adding their lengths to `size`.
fn make_blobs(value: &Value, texts: &mut BlobTexts, size: &mut usize) -> Result<(), FixtureError> {
    match value {
        Value::Object(map) => {
            if let Some((length, seed)) = blob_spec(map)? {
                *size += texts.text(length, seed).len() + 2;
                return Ok(());
            }
            map.values().try_for_each(|v| make_blobs(v, texts, size))
        }
        Value::Array(items) => items.iter().try_for_each(|v| make_blobs(v, texts, size)),
        _ => Ok(()),
    }
}

/// Writes `value` as compact JSON (as `serde_json::to_vec` does), each `$blob` as its text.
fn write_json(value: &Value, texts: &mut BlobTexts, out: &mut Vec<u8>) -> Result<(), FixtureError> {
    match value {
        Value::Object(map) => {
            if let Some((length, seed)) = blob_spec(map)? {
                out.push(b'"');
                out.extend_from_slice(texts.text(length, seed).as_bytes());
                out.push(b'"');
                return Ok(());
            }
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(out, k)?;
                out.push(b':');
                write_json(v, texts, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(v, texts, out)?;
            }
            out.push(b']');
        }
        scalar => write_scalar(out, scalar)?,
    }
    Ok(())
}

/// A key or scalar, written by `serde_json` itself.
fn write_scalar<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    v: &T,
) -> Result<(), FixtureError> {
    serde_json::to_writer(out, v).map_err(|e| FixtureError(e.to_string()))
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
            ..Default::default()
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

/// Reads a regular file of at most `limit` bytes: a FIFO, a device or a folder is refused
/// (never read without a bound), and so is a longer file, with an error naming the path.
/// Every file input of the CLI is read through here.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.file_type().is_file() {
        return Err(format!(
            "{shown}: not a regular file (a folder, FIFO or device is not read)"
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "{shown}: {} bytes, over the limit of {limit}",
            meta.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut bytes = Vec::new();
    // The file may grow between the check and the read: read one byte past the limit.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{shown}: over the limit of {limit} bytes"));
    }
    Ok(bytes)
}

/// [`read_limited`], as UTF-8 text.
pub fn read_limited_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_limited(path, limit)?;
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_in_a_body(v: Value) -> Value {
        serde_json::json!({"uploadId": "u", "layerPartBlob": v})
    }

    #[test]
    fn blob_descriptions_expand_to_the_base64_of_their_fill() {
        let mut v = serde_json::json!({"a": [{"$blob": {"length": 5, "seed": 3}}]});
        expand_blobs(&mut v).expect("expands");
        assert_eq!(v["a"][0], Value::String(wire::blob::encode(&fill(5, 3))));
    }

    /// JSON values with `$blob` descriptions (short ones, so that many cases run) among
    /// members and items whose keys and strings need escaping.
    fn fixture_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            (0u64..40, any::<u64>())
                .prop_map(|(l, s)| serde_json::json!({"$blob": {"length": l, "seed": s}})),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map(".{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn written_bodies_are_byte_for_byte_what_serde_json_writes_for_the_expanded_value(
            v in fixture_value()
        ) {
            let mut expanded = v.clone();
            let mut texts = BlobTexts::default();
            let expected = expand_blobs_once(&mut expanded, &mut texts)
                .map(|()| serde_json::to_vec(&expanded).expect("JSON"));
            // Made afresh, and again from texts already made.
            proptest::prop_assert_eq!(&body_bytes(v.clone()), &expected);
            proptest::prop_assert_eq!(&body_bytes_once(v, &mut texts), &expected);
        }
    }

    #[test]
    fn a_known_blob_has_the_summary_its_text_would_give() {
        let mut texts = BlobTexts::summarizing();
        for (length, seed) in [(0, 0), (7, 1), (7, 6), (8, 2), (9, 0), (5000, 3), (5000, 4)] {
            let text = texts.text(length, seed).to_owned();
            let blob = wire::blob::decode(&text).expect("base64");
            let summary = texts.summary_of(&text).expect("known").clone();
            assert_eq!(summary, blob_summary(&blob.bytes(), blob.padded, &text));
        }
        assert!(texts.summary_of("AAAA").is_none());
        let mut plain = BlobTexts::default();
        let text = plain.text(100, 1).to_owned();
        assert!(plain.summary_of(&text).is_none(), "made without its hash");
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
            assert!(body_bytes(json_in_a_body(bad.clone())).is_err(), "{bad}");
        }
    }
}
