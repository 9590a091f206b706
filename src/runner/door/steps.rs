//! A registry-door case: the blobs and manifests it names and its steps, as the catalog
//! (`fixtures/registry-door/catalog.json`) writes them and the generator makes them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A blob a case pushes: `length` bytes filled from the case's seed and the blob's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobSpec {
    /// Its length in bytes.
    pub length: u64,
}

/// An OCI image manifest a case puts, naming its blobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSpec {
    /// The config blob.
    pub config: String,
    /// The layer blobs.
    pub layers: Vec<String>,
}

/// One step of a registry-door case. Uploads are named by the case (`upload`), and the
/// runner keeps each name's id on the model and its `Location` on the target; a name no
/// `start` opened is an upload neither side knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "call",
    rename_all = "kebab-case",
    rename_all_fields = "kebab-case",
    deny_unknown_fields
)]
pub enum DoorStep {
    /// `GET /v2/`.
    Ping,
    /// `POST /v2/<repo>/blobs/uploads/`.
    Start {
        /// The upload's name in the case.
        upload: String,
    },
    /// `PATCH <location>` with the bytes `from..=to` of `blob`, with `Content-Range` unless
    /// `streamed`.
    Chunk {
        /// The upload.
        upload: String,
        /// The blob.
        blob: String,
        /// The first byte.
        from: u64,
        /// The last byte (inclusive).
        to: u64,
        /// No `Content-Range`: a streamed body.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        streamed: bool,
    },
    /// `PUT <location>?digest=` with the bytes `from..` of `blob` as its body (none when
    /// `from` is absent), naming the blob's digest (another one when `wrong-digest`).
    Finish {
        /// The upload.
        upload: String,
        /// The blob.
        blob: String,
        /// The body's first byte, when there is a body.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<u64>,
        /// Name a digest that is not the blob's.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        wrong_digest: bool,
    },
    /// `HEAD /v2/<repo>/blobs/<digest>`.
    BlobHead {
        /// The blob.
        blob: String,
    },
    /// `GET /v2/<repo>/blobs/<digest>` (a redirect is not followed).
    BlobGet {
        /// The blob.
        blob: String,
    },
    /// `PUT /v2/<repo>/manifests/<tag or digest>`.
    ManifestPut {
        /// The manifest.
        manifest: String,
        /// The tag; none: by digest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
    },
    /// `GET` (or `HEAD`) `/v2/<repo>/manifests/<tag or digest>`.
    ManifestGet {
        /// The manifest.
        manifest: String,
        /// The tag; none: by digest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        /// A HEAD.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        head: bool,
    },
    /// `DELETE /v2/<repo>/manifests/<digest>`.
    ManifestDelete {
        /// The manifest.
        manifest: String,
    },
    /// `GET /v2/<repo>/tags/list`.
    TagsList,
}

impl DoorStep {
    /// The case's entities the step touches, for consequences: an upload, a blob, an image.
    pub(super) fn entities(&self, manifests: &BTreeMap<String, ManifestSpec>) -> Vec<String> {
        let manifest_blobs = |m: &str| -> Vec<String> {
            manifests
                .get(m)
                .map(|s| {
                    std::iter::once(&s.config)
                        .chain(&s.layers)
                        .map(|b| format!("blob:{b}"))
                        .collect()
                })
                .unwrap_or_default()
        };
        match self {
            DoorStep::Ping => Vec::new(),
            DoorStep::Start { upload } => vec![format!("upload:{upload}")],
            DoorStep::Chunk { upload, .. } => vec![format!("upload:{upload}")],
            DoorStep::Finish { upload, blob, .. } => {
                vec![format!("upload:{upload}"), format!("blob:{blob}")]
            }
            DoorStep::BlobHead { blob } | DoorStep::BlobGet { blob } => {
                vec![format!("blob:{blob}")]
            }
            DoorStep::ManifestPut { manifest, .. } => {
                let mut e = manifest_blobs(manifest);
                e.push(format!("image:{manifest}"));
                e.push("images".to_owned());
                e
            }
            DoorStep::ManifestGet { manifest, .. } => vec![format!("image:{manifest}")],
            DoorStep::ManifestDelete { manifest } => {
                vec![format!("image:{manifest}"), "images".to_owned()]
            }
            DoorStep::TagsList => vec!["images".to_owned()],
        }
    }

    /// How reports name the step's call.
    pub(super) fn operation(&self) -> &'static str {
        match self {
            DoorStep::Ping => "GET /v2/",
            DoorStep::Start { .. } => "POST upload",
            DoorStep::Chunk {
                streamed: false, ..
            } => "PATCH chunk",
            DoorStep::Chunk { streamed: true, .. } => "PATCH streamed",
            DoorStep::Finish { .. } => "PUT upload",
            DoorStep::BlobHead { .. } => "HEAD blob",
            DoorStep::BlobGet { .. } => "GET blob",
            DoorStep::ManifestPut { .. } => "PUT manifest",
            DoorStep::ManifestGet { head: false, .. } => "GET manifest",
            DoorStep::ManifestGet { head: true, .. } => "HEAD manifest",
            DoorStep::ManifestDelete { .. } => "DELETE manifest",
            DoorStep::TagsList => "GET tags/list",
        }
    }
}

/// A registry-door case: a catalog scenario or a generated one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorScenario {
    /// Its name.
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// The rules it exercises.
    pub rules: Vec<String>,
    /// The blobs it pushes.
    #[serde(default)]
    pub blobs: BTreeMap<String, BlobSpec>,
    /// The manifests it puts.
    #[serde(default)]
    pub manifests: BTreeMap<String, ManifestSpec>,
    /// Its steps.
    pub steps: Vec<DoorStep>,
}

impl DoorScenario {
    /// Checks that every blob, manifest and byte range a step names is defined and fits.
    pub(super) fn check(&self) -> Result<(), String> {
        let blob = |b: &str| {
            self.blobs
                .get(b)
                .ok_or_else(|| format!("{}: no blob '{b}'", self.name))
        };
        for m in self.manifests.values() {
            for b in std::iter::once(&m.config).chain(&m.layers) {
                blob(b)?;
            }
        }
        for step in &self.steps {
            match step {
                DoorStep::Chunk {
                    blob: b, from, to, ..
                } => {
                    let len = blob(b)?.length;
                    if from > to || *to >= len {
                        return Err(format!(
                            "{}: bytes {from}-{to} do not fit blob '{b}' of {len} bytes",
                            self.name
                        ));
                    }
                }
                DoorStep::Finish { blob: b, from, .. } => {
                    let len = blob(b)?.length;
                    if from.is_some_and(|f| f > len) {
                        return Err(format!("{}: blob '{b}' has {len} bytes", self.name));
                    }
                }
                DoorStep::BlobHead { blob: b } | DoorStep::BlobGet { blob: b } => {
                    blob(b)?;
                }
                DoorStep::ManifestPut { manifest, .. }
                | DoorStep::ManifestGet { manifest, .. }
                | DoorStep::ManifestDelete { manifest }
                    if !self.manifests.contains_key(manifest) =>
                {
                    return Err(format!("{}: no manifest '{manifest}'", self.name));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The embedded catalog.
pub fn catalog() -> Result<Vec<DoorScenario>, String> {
    let text = include_str!("../../../fixtures/registry-door/catalog.json");
    let scenarios: Vec<DoorScenario> = serde_json::from_str(text)
        .map_err(|e| format!("fixtures/registry-door/catalog.json: {e}"))?;
    for s in &scenarios {
        s.check()?;
    }
    Ok(scenarios)
}
