//! Catalog scenarios: named step lists in `fixtures/scenarios/*.json`, embedded in the
//! crate ([`embedded`]); a folder of more ([`catalog`]) adds to them or replaces some.
//!
//! A scenario names the rules it exercises and lists steps; expected answers are not
//! written down: the model computes them as the steps run. Placeholders in bodies:
//! - `"$repo"`, `"$repo2"`, `"$repo3"`: the run's scratch repository names;
//! - `"$oci-name"`: `$repo` + `__oci`, a name only the 2026 name pattern accepts;
//! - `"$registry"`: the target's registry id;
//! - `"$NAME"` / `"$NAME:upper"`: the id of the upload a step opened with `"as": "NAME"`
//!   (the model's id for the model, the target's for the target), in upper case;
//! - `{"$blob": {"length": N, "seed": S}}`: base64 of N pattern bytes (see
//!   [`crate::fixture`]); `{"$digest": "NAME"}`: `sha256:` of what upload NAME has received
//!   (`"NAME:upper-hex"`: its hex in upper case; `"NAME:upper-prefix"`: `SHA256:`).
//!
//! - `{"$manifest": {"config": U, "layers": [U, ...], "mediaType": M, "note": N, "name": X}}`:
//!   the text of an image manifest whose config and layers are the layers uploads `U` made
//!   (digest and size; a literal `sha256:…` names a layer nobody pushed), `M` is `oci`
//!   (default), `docker`, `none` (no `mediaType` member) or a media type written out, and
//!   `N` an annotation that makes otherwise equal manifests differ; `{"$manifest": "X"}` is
//!   the same text again;
//! - `{"$index": {"manifests": [X, ...], "name": Y}}`: an OCI index of named manifests (a
//!   literal `sha256:…` names an image nobody pushed);
//! - `{"$image-digest": "X"}`: `sha256:` of manifest (or index) `X`'s text, the target's
//!   digest for it on the target's side once the target named another;
//! - `{"$token": "NAME"}`: the `nextToken` the listing step named `NAME` answered (each
//!   side's own).
//!
//! A raw step (`"raw": {"target", "contentType", "body"}`) sends its body text as is, after
//! replacing the same `$` names; it is how malformed requests are written.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::session::WireRequest;
use crate::fixture::{BlobTexts, FixtureError, body_bytes_once};
use crate::wire::{CONTENT_TYPE, Operation, TARGET_PREFIX};

/// A named step list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The name (the file's stem).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What it shows.
    pub description: String,
    /// The rule ids it exercises.
    pub rules: Vec<String>,
    /// Scratch repositories to create before the steps (default 2).
    #[serde(default = "two")]
    pub repositories: usize,
    /// Whether the scenario needs repositories of its own, empty at its start (it lists
    /// or counts images, or deletes its repository): with `--repository` it is not run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// The steps.
    pub steps: Vec<ScenarioStep>,
}

fn two() -> usize {
    2
}

/// One step.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioStep {
    /// The operation, for a well-formed call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// The JSON body of a well-formed call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A raw request instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawStep>,
    /// Names the upload an `InitiateLayerUpload` opens.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rule this step checks, when it checks an earlier step (e.g. STATE-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<String>,
}

/// A raw request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawStep {
    /// `X-Amz-Target` (`target` in the catalog); an operation name is prefixed with the
    /// service's.
    #[serde(default, rename = "target")]
    pub x_amz_target: Option<String>,
    /// `Content-Type` (default the awsJson one; `""` sends none).
    #[serde(default)]
    pub content_type: Option<String>,
    /// The body text.
    pub body: String,
}

/// The largest scenario file read (a catalog scenario is a few KiB; a shrunk regression
/// with raw steps a few hundred).
pub const MAX_SCENARIO_BYTES: u64 = 16 * 1024 * 1024;

/// Scenarios in one folder, at most.
pub const MAX_SCENARIOS: usize = 10_000;

/// Names a scenario may not have: the transcripts `run --record` writes for the generated
/// cases are named so.
fn reserved_name(name: &str) -> bool {
    name == "generated"
        || name
            .strip_prefix("generated-differing-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Loads every scenario of a folder, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, FixtureError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| FixtureError(format!("{}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| FixtureError(e.to_string()))?.path();
        if path.extension().is_some_and(|e| e == "json") {
            if out.len() >= MAX_SCENARIOS {
                return Err(FixtureError(format!(
                    "{}: more than {MAX_SCENARIOS} scenarios",
                    dir.display()
                )));
            }
            out.push(load(&path)?);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Loads one scenario file, and checks it whole ([`parse`]).
pub fn load(path: &Path) -> Result<Scenario, FixtureError> {
    let text = crate::fixture::read_limited_text(path, MAX_SCENARIO_BYTES).map_err(FixtureError)?;
    let name = path
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    parse(name, &text, &path.display().to_string())
}

/// A scenario from its text, checked whole: every placeholder names something the scenario
/// defines (an upload named by an earlier step), every `$blob` is within the limit, every
/// `checks` names a rule. A mistake is the catalog's, found before anything is sent, never
/// a FAIL of the target. `origin` names it in errors.
pub fn parse(name: &str, text: &str, origin: &str) -> Result<Scenario, FixtureError> {
    let mut s: Scenario =
        serde_json::from_str(text).map_err(|e| FixtureError(format!("{origin}: {e}")))?;
    name.clone_into(&mut s.name);
    for (i, step) in s.steps.iter().enumerate() {
        let ok = match (&step.op, &step.body, &step.raw) {
            (Some(op), _, None) => Operation::from_name(op).is_some(),
            (None, None, Some(_)) => true,
            _ => false,
        };
        if !ok {
            return Err(FixtureError(format!(
                "{origin}: step {i} needs a known \"op\" (with an optional \"body\") or a \"raw\""
            )));
        }
    }
    if reserved_name(&s.name) {
        return Err(FixtureError(format!(
            "{origin}: a scenario may not be named '{}' (the name of a generated case's transcript)",
            s.name
        )));
    }
    check(&s).map_err(|e| FixtureError(format!("{origin}: {e}")))?;
    Ok(s)
}

/// The catalog this crate carries: every file of `fixtures/scenarios`, embedded when the
/// crate is built, so a copied binary or a crate that depends on this one has it (a unit
/// test holds this list to the folder).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "availability",
        include_str!("../../fixtures/scenarios/availability.json"),
    ),
    (
        "completion",
        include_str!("../../fixtures/scenarios/completion.json"),
    ),
    (
        "duplicate-layer",
        include_str!("../../fixtures/scenarios/duplicate-layer.json"),
    ),
    (
        "images-get-delete",
        include_str!("../../fixtures/scenarios/images-get-delete.json"),
    ),
    (
        "images-list",
        include_str!("../../fixtures/scenarios/images-list.json"),
    ),
    (
        "images-put",
        include_str!("../../fixtures/scenarios/images-put.json"),
    ),
    (
        "images-tags",
        include_str!("../../fixtures/scenarios/images-tags.json"),
    ),
    (
        "interleaved-uploads",
        include_str!("../../fixtures/scenarios/interleaved-uploads.json"),
    ),
    (
        "malformed-requests",
        include_str!("../../fixtures/scenarios/malformed-requests.json"),
    ),
    (
        "part-order",
        include_str!("../../fixtures/scenarios/part-order.json"),
    ),
    (
        "part-ranges",
        include_str!("../../fixtures/scenarios/part-ranges.json"),
    ),
    (
        "part-resend",
        include_str!("../../fixtures/scenarios/part-resend.json"),
    ),
    (
        "part-size-limit",
        include_str!("../../fixtures/scenarios/part-size-limit.json"),
    ),
    (
        "part-too-small",
        include_str!("../../fixtures/scenarios/part-too-small.json"),
    ),
    (
        "repositories",
        include_str!("../../fixtures/scenarios/repositories.json"),
    ),
    (
        "seed-example",
        include_str!("../../fixtures/scenarios/seed-example.json"),
    ),
    (
        "two-repositories",
        include_str!("../../fixtures/scenarios/two-repositories.json"),
    ),
];

/// The embedded catalog, sorted by name.
pub fn embedded() -> Result<Vec<Scenario>, FixtureError> {
    EMBEDDED
        .iter()
        .map(|(name, text)| parse(name, text, &format!("embedded scenario {name}")))
        .collect()
}

/// The catalog a run uses: the embedded one, with the scenarios of `extra` (a folder)
/// added, each replacing an embedded scenario of the same name; sorted by name.
pub fn catalog(extra: Option<&Path>) -> Result<Vec<Scenario>, FixtureError> {
    let mut out = embedded()?;
    if let Some(dir) = extra {
        for s in load_dir(dir)? {
            out.retain(|e| e.name != s.name);
            out.push(s);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(out)
}

/// Every manifest and index a scenario names (`"name"` in a `$manifest` or `$index`), with
/// its description.
pub fn manifest_specs(s: &Scenario) -> HashMap<String, Value> {
    fn walk(v: &Value, out: &mut HashMap<String, Value>) {
        match v {
            Value::Object(map) => {
                for key in ["$manifest", "$index"] {
                    if let Some(spec) = map.get(key).filter(|s| s.is_object())
                        && let Some(name) = spec.get("name").and_then(Value::as_str)
                    {
                        out.insert(name.to_owned(), Value::Object(map.clone()));
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = HashMap::new();
    for step in &s.steps {
        if let Some(b) = &step.body {
            walk(b, &mut out);
        }
    }
    out
}

/// The static checks of [`parse`].
fn check(s: &Scenario) -> Result<(), String> {
    let manifests = manifest_specs(s);
    let mut named: Vec<&str> = Vec::new();
    for (i, step) in s.steps.iter().enumerate() {
        if let Some(id) = &step.checks
            && crate::model::rules::rule(id).is_none()
        {
            return Err(format!("step {i}: \"checks\": '{id}' is not a rule id"));
        }
        if let Some(body) = &step.body {
            check_value(body, &named, &manifests).map_err(|e| format!("step {i}: {e}"))?;
        }
        if let Some(name) = &step.name {
            if name.is_empty() || name.starts_with('$') || name.contains(':') {
                return Err(format!("step {i}: \"as\": '{name}' is not an upload name"));
            }
            named.push(name);
        }
    }
    Ok(())
}

fn check_image_value(
    key: &str,
    spec: &Value,
    named: &[&str],
    manifests: &HashMap<String, Value>,
) -> Result<(), String> {
    let upload_or_literal = |v: &Value| match v.as_str() {
        Some(d) if d.starts_with("sha256:") => Ok(()),
        Some(n) if named.contains(&n) => Ok(()),
        _ => Err(format!(
            "{key}: {v} is neither an upload an earlier step named nor a sha256: digest"
        )),
    };
    let manifest_or_literal = |v: &Value| match v.as_str() {
        Some(d) if d.starts_with("sha256:") => Ok(()),
        Some(n) if manifests.contains_key(n) => Ok(()),
        _ => Err(format!("{key}: {v} is no manifest the scenario names")),
    };
    match (key, spec) {
        ("$manifest" | "$image-digest", Value::String(n)) => {
            manifest_or_literal(&n.as_str().into())
        }
        ("$token", Value::String(n)) if named.contains(&n.as_str()) => Ok(()),
        ("$token", v) => Err(format!("$token: {v} is no step an earlier step named")),
        ("$manifest", Value::Object(m)) => {
            for k in m.keys() {
                if !["config", "layers", "mediaType", "note", "name"].contains(&k.as_str()) {
                    return Err(format!("$manifest: unknown key '{k}'"));
                }
            }
            if let Some(c) = m.get("config") {
                upload_or_literal(c)?;
            }
            for l in m
                .get("layers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                upload_or_literal(l)?;
            }
            Ok(())
        }
        ("$index", Value::Object(m)) => {
            for c in m
                .get("manifests")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                manifest_or_literal(c)?;
            }
            Ok(())
        }
        (k, v) => Err(format!("{k}: {v} is not a description")),
    }
}

fn check_value(
    value: &Value,
    named: &[&str],
    manifests: &HashMap<String, Value>,
) -> Result<(), String> {
    match value {
        Value::Object(map)
            if map.len() == 1
                && ["$manifest", "$index", "$image-digest", "$token"]
                    .iter()
                    .any(|k| map.contains_key(*k)) =>
        {
            let (k, v) = map
                .iter()
                .next()
                .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
            check_image_value(k, v, named, manifests)
        }
        Value::String(token) if token.starts_with('$') => {
            let name = &token[1..];
            let fixed = ["repo", "repo2", "repo3", "oci-name", "registry"];
            let upload = name.strip_suffix(":upper").unwrap_or(name);
            if fixed.contains(&name) || named.contains(&upload) {
                Ok(())
            } else {
                Err(format!(
                    "unknown placeholder {token} (known: $repo, $repo2, $repo3, $oci-name, \
                     $registry, and $NAME or $NAME:upper of an upload an earlier step named \
                     with \"as\")"
                ))
            }
        }
        Value::Object(map) if map.contains_key("$digest") => {
            let spec = map["$digest"].as_str().unwrap_or_default();
            let (name, form) = spec.split_once(':').unwrap_or((spec, ""));
            if map.len() != 1 {
                Err("a $digest object must have no other keys".to_owned())
            } else if !named.contains(&name) {
                Err(format!(
                    "$digest '{spec}': no upload named '{name}' by an earlier step"
                ))
            } else if !["", "upper-hex", "upper-prefix"].contains(&form) {
                Err(format!(
                    "$digest {spec}: unknown form '{form}' (upper-hex, upper-prefix)"
                ))
            } else {
                Ok(())
            }
        }
        Value::Object(map) if map.contains_key("$blob") => {
            let mut probe = Value::Object(map.clone());
            // Only the description is checked (length, keys): no blob is made here.
            if let Some(b) = probe.get_mut("$blob").and_then(Value::as_object_mut)
                && b.get("length")
                    .and_then(Value::as_u64)
                    .is_some_and(|l| l <= crate::fixture::MAX_BLOB_LENGTH)
            {
                b.insert("length".to_owned(), 0.into());
            }
            crate::fixture::expand_blobs(&mut probe).map_err(|e| e.0)
        }
        Value::Object(map) => map
            .values()
            .try_for_each(|v| check_value(v, named, manifests)),
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_value(v, named, manifests)),
        _ => Ok(()),
    }
}

/// `$oci-name`: a name the 2026 repository-name pattern accepts and the legacy one does
/// not (it holds `__`), made from the first repository's.
pub fn oci_name(repo: &str) -> String {
    format!("{repo}__oci")
}

/// What placeholders stand for on one side (model or target).
#[derive(Debug, Clone)]
pub struct Bindings {
    /// `$repo`, `$repo2`, `$repo3`.
    pub repos: Vec<String>,
    /// `$registry`.
    pub registry_id: String,
    /// Upload names to ids.
    pub uploads: HashMap<String, String>,
    /// Upload names to the digest of their bytes so far.
    pub digests: HashMap<String, String>,
    /// Upload names to their byte count so far.
    pub sizes: HashMap<String, u64>,
    /// The manifests the scenario names ([`manifest_specs`]).
    pub manifests: HashMap<String, Value>,
    /// Image digests the model computed to the target's, on the target's side.
    pub image_digests: HashMap<String, String>,
    /// Listing steps' names to the `nextToken` this side answered.
    pub tokens: HashMap<String, String>,
    /// Added to every `$blob` seed, so that reruns against kept repositories make new layers.
    pub salt: u64,
}

impl Bindings {
    fn lookup(&self, token: &str) -> Option<String> {
        let name = token.strip_prefix('$')?;
        match name {
            "repo" => return self.repos.first().cloned(),
            "repo2" => return self.repos.get(1).cloned(),
            "repo3" => return self.repos.get(2).cloned(),
            "oci-name" => return self.repos.first().map(|r| oci_name(r)),
            "registry" => return Some(self.registry_id.clone()),
            _ => {}
        }
        if let Some(n) = name.strip_suffix(":upper") {
            return self.uploads.get(n).map(|id| id.to_uppercase());
        }
        self.uploads.get(name).cloned()
    }

    /// The text of manifest `spec` (a `$manifest` or `$index` object, or a name).
    fn manifest_text(&self, spec: &Value, depth: usize) -> Result<String, FixtureError> {
        if depth > 8 {
            return Err(FixtureError("manifests name each other in a loop".into()));
        }
        if let Some(name) = spec.as_str() {
            let named = self
                .manifests
                .get(name)
                .ok_or_else(|| FixtureError(format!("no manifest named {name}")))?;
            return self.manifest_text(named, depth + 1);
        }
        let blob = |v: &Value, media: &str| -> Result<String, FixtureError> {
            let n = v.as_str().unwrap_or_default();
            let (digest, size) = if n.starts_with("sha256:") {
                (n.to_owned(), 1)
            } else {
                let d = self
                    .digests
                    .get(n)
                    .cloned()
                    .ok_or_else(|| FixtureError(format!("no upload named {n}")))?;
                (d, self.sizes.get(n).copied().unwrap_or(0))
            };
            Ok(format!(
                r#"{{"mediaType":"{media}","digest":"{digest}","size":{size}}}"#
            ))
        };
        if let Some(m) = spec.get("$manifest") {
            use crate::model::manifest::{DOCKER_MANIFEST, OCI_MANIFEST};
            let kind = m.get("mediaType").and_then(Value::as_str).unwrap_or("oci");
            let (media, config_media, layer_media) = match kind {
                "docker" => (
                    Some(DOCKER_MANIFEST),
                    "application/vnd.docker.container.image.v1+json",
                    "application/vnd.docker.image.rootfs.diff.tar.gzip",
                ),
                "none" => (
                    None,
                    "application/vnd.oci.image.config.v1+json",
                    "application/vnd.oci.image.layer.v1.tar",
                ),
                "oci" => (
                    Some(OCI_MANIFEST),
                    "application/vnd.oci.image.config.v1+json",
                    "application/vnd.oci.image.layer.v1.tar",
                ),
                other => (
                    Some(other),
                    "application/vnd.oci.image.config.v1+json",
                    "application/vnd.oci.image.layer.v1.tar",
                ),
            };
            let mut out = String::from(r#"{"schemaVersion":2,"#);
            if let Some(media) = media {
                out.push_str(&format!(r#""mediaType":"{media}","#));
            }
            if let Some(c) = m.get("config") {
                out.push_str(&format!(r#""config":{},"#, blob(c, config_media)?));
            }
            let layers: Vec<String> = m
                .get("layers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|l| blob(l, layer_media))
                .collect::<Result<_, _>>()?;
            out.push_str(&format!(r#""layers":[{}]"#, layers.join(",")));
            if let Some(note) = m.get("note").and_then(Value::as_str) {
                out.push_str(&format!(
                    r#","annotations":{{"org.example.note":{}}}"#,
                    Value::from(note)
                ));
            }
            out.push('}');
            return Ok(out);
        }
        if let Some(i) = spec.get("$index") {
            use crate::model::manifest::{OCI_INDEX, OCI_MANIFEST};
            let children: Vec<String> = i
                .get("manifests")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| {
                    let n = c.as_str().unwrap_or_default();
                    let (digest, size) = if n.starts_with("sha256:") {
                        (n.to_owned(), 1)
                    } else {
                        let text = self.manifest_text(c, depth + 1)?;
                        (crate::model::digest::digest_of(text.as_bytes()), text.len())
                    };
                    Ok(format!(
                        r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":{size}}}"#
                    ))
                })
                .collect::<Result<_, FixtureError>>()?;
            return Ok(format!(
                r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
                children.join(",")
            ));
        }
        Err(FixtureError(format!("not a manifest: {spec}")))
    }

    fn resolve(&self, value: &mut Value) -> Result<(), FixtureError> {
        match value {
            Value::Object(map) if map.contains_key("$manifest") || map.contains_key("$index") => {
                let spec = match map.get("$manifest") {
                    Some(Value::String(name)) => Value::String(name.clone()),
                    _ => Value::Object(map.clone()),
                };
                *value = Value::String(self.manifest_text(&spec, 0)?);
            }
            Value::Object(map) if map.contains_key("$image-digest") => {
                let spec = map["$image-digest"].clone();
                let digest = match spec.as_str() {
                    Some(d) if d.starts_with("sha256:") => d.to_owned(),
                    _ => crate::model::digest::digest_of(self.manifest_text(&spec, 0)?.as_bytes()),
                };
                let digest = self.image_digests.get(&digest).cloned().unwrap_or(digest);
                *value = Value::String(digest);
            }
            Value::Object(map) if map.contains_key("$token") => {
                let name = map["$token"].as_str().unwrap_or_default();
                // A side that answered no token is sent one it never issued.
                let token = self
                    .tokens
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("no-token-was-answered-by-{name}"));
                *value = Value::String(token);
            }
            Value::String(s) if s.starts_with('$') => {
                *s = self
                    .lookup(s)
                    .ok_or_else(|| FixtureError(format!("unknown placeholder {s}")))?;
            }
            Value::Object(map) if map.contains_key("$digest") => {
                let spec = map["$digest"].as_str().unwrap_or_default().to_owned();
                let (name, form) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
                let digest = self
                    .digests
                    .get(name)
                    .cloned()
                    .ok_or_else(|| FixtureError(format!("no upload named {name}")))?;
                let (algo, hex) = digest.split_once(':').unwrap_or(("", &digest));
                *value = Value::String(match form {
                    "" => digest.clone(),
                    "upper-hex" => format!("{algo}:{}", hex.to_uppercase()),
                    "upper-prefix" => format!("{}:{hex}", algo.to_uppercase()),
                    other => {
                        return Err(FixtureError(format!(
                            "$digest {spec}: unknown form '{other}' (upper-hex, upper-prefix)"
                        )));
                    }
                });
            }
            Value::Object(map) if map.contains_key("$blob") => {
                if let Some(seed) = map["$blob"].get("seed").and_then(Value::as_u64) {
                    map["$blob"]["seed"] = (seed ^ self.salt).into();
                }
            }
            Value::Object(map) => {
                for v in map.values_mut() {
                    self.resolve(v)?;
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.resolve(v)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The wire request of `step` on this side.
    pub fn request(&self, step: &ScenarioStep) -> Result<WireRequest, FixtureError> {
        self.request_once(step, &mut BlobTexts::default())
    }

    /// [`Bindings::request`], with blob texts from (and added to) `texts`: the model's
    /// request and the target's share each blob's filling and encoding.
    pub fn request_once(
        &self,
        step: &ScenarioStep,
        texts: &mut BlobTexts,
    ) -> Result<WireRequest, FixtureError> {
        if let Some(raw) = &step.raw {
            let mut body = raw.body.clone();
            // Longest names first, so `$repo2` is not read as `$repo` + "2".
            let mut names: Vec<String> = ["repo", "repo2", "repo3", "registry", "oci-name"]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(
                    self.uploads
                        .keys()
                        .flat_map(|k| [format!("{k}:upper"), k.clone()]),
                )
                .collect();
            names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            for n in names {
                let token = format!("${n}");
                if let Some(v) = self.lookup(&token) {
                    body = body.replace(&token, &v);
                }
            }
            let target = raw.x_amz_target.as_ref().map(|t| {
                if t.contains('.') || t.is_empty() {
                    t.clone()
                } else {
                    format!("{TARGET_PREFIX}{t}")
                }
            });
            let content_type = match raw.content_type.as_deref() {
                None => Some(CONTENT_TYPE.to_owned()),
                Some("") => None,
                Some(c) => Some(c.to_owned()),
            };
            return Ok(WireRequest {
                x_amz_target: target,
                content_type,
                body: body.into_bytes(),
            });
        }
        let op = step
            .op
            .as_deref()
            .and_then(Operation::from_name)
            .ok_or_else(|| FixtureError("a step without a known op".into()))?;
        let mut body = step
            .body
            .clone()
            .unwrap_or_else(|| Value::Object(Default::default()));
        self.resolve(&mut body)?;
        Ok(WireRequest::call(op, body_bytes_once(body, texts)?))
    }
}

#[cfg(test)]
mod embedded_tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_is_every_file_of_the_scenarios_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
        let on_disk = load_dir(&dir).expect("the folder loads");
        let embedded = embedded().expect("the embedded catalog parses");
        let names = |v: &[Scenario]| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&on_disk));
        for (e, d) in embedded.iter().zip(&on_disk) {
            assert_eq!(
                serde_json::to_value(e).expect("json"),
                serde_json::to_value(d).expect("json"),
                "{} differs from its file",
                e.name
            );
        }
    }

    #[test]
    fn a_folder_adds_scenarios_and_replaces_those_of_the_same_name() {
        let dir = std::env::temp_dir().join(format!("ecr-catalog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let one = r#"{"description": "d", "rules": ["WIRE-1"], "steps": [{"op": "CreateRepository", "body": {}}]}"#;
        std::fs::write(dir.join("completion.json"), one).expect("write");
        std::fs::write(dir.join("zz-extra.json"), one).expect("write");
        let merged = catalog(Some(&dir)).expect("catalog");
        let _ = std::fs::remove_dir_all(&dir);
        let embedded = embedded().expect("embedded");
        assert_eq!(merged.len(), embedded.len() + 1);
        let completion = merged
            .iter()
            .find(|s| s.name == "completion")
            .expect("kept");
        assert_eq!(completion.steps.len(), 1, "replaced by the folder's");
        assert_eq!(merged.last().map(|s| s.name.as_str()), Some("zz-extra"));
    }
}
