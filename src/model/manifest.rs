//! Image manifests, parsed only as far as the image rules need (IMG-3, IMG-4, IMG-5): the
//! media type, the config, the layers, an index's children. The bytes are never rewritten:
//! an image keeps its manifest exactly as sent (IMG-1).
//!
//! Parsing is bounded: serde_json refuses nesting deeper than 128, the text is at most
//! [`MAX_MANIFEST_CHARS`](super::limits::MAX_MANIFEST_CHARS) long (checked before this
//! runs), and only the members read here are kept.

use serde::Deserialize;

use super::digest::is_layer_digest;

/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker schema 1 (unsigned).
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker schema 1, signed.
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// What a manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    /// An image manifest (Docker schema 2 or OCI): a config and layers.
    Image,
    /// An index or manifest list: children that are images.
    Index,
    /// Docker schema 1: layers (`fsLayers[].blobSum`), no config.
    Schema1,
}

/// A content descriptor: what a manifest says of a blob or a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// `mediaType`, if given.
    pub media_type: Option<String>,
    /// `digest`.
    pub digest: String,
}

/// A manifest, as far as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The media type that applies (the manifest's own `mediaType`, else the request's).
    pub media_type: String,
    /// Image, index or schema 1.
    pub kind: ManifestKind,
    /// The config (image manifests).
    pub config: Option<Descriptor>,
    /// The layers (image manifests, schema 1).
    pub layers: Vec<Descriptor>,
    /// The children (indexes).
    pub children: Vec<Descriptor>,
}

impl Manifest {
    /// Every blob digest the manifest references: its config, then its layers.
    pub fn blobs(&self) -> impl Iterator<Item = &str> {
        self.config
            .iter()
            .chain(&self.layers)
            .map(|d| d.digest.as_str())
    }
}

/// Why a manifest is refused (IMG-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestProblem {
    /// Not a JSON object, or a member of the wrong type (ECR says "Invalid JSON syntax").
    NotJson(String),
    /// No `mediaType` in the manifest and no `imageManifestMediaType` in the request.
    NoMediaType,
    /// A media type that is none of the four the model accepts.
    UnsupportedMediaType(String),
    /// A schema 1 manifest, where the profile refuses them.
    Schema1Refused,
    /// A descriptor without a digest in the `LayerDigest` pattern.
    BadDescriptor(String),
}

impl std::fmt::Display for ManifestProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // ECR's own words for every manifest it cannot read (facts S3).
            ManifestProblem::NotJson(detail) => write!(f, "Invalid JSON syntax ({detail})"),
            ManifestProblem::NoMediaType => write!(
                f,
                "Invalid JSON syntax (no mediaType in the manifest and no imageManifestMediaType)"
            ),
            ManifestProblem::UnsupportedMediaType(m) => {
                write!(f, "unsupported manifest media type '{m}'")
            }
            ManifestProblem::Schema1Refused => {
                write!(f, "schema 1 manifests are not supported")
            }
            ManifestProblem::BadDescriptor(d) => write!(f, "invalid descriptor digest '{d}'"),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDescriptor {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    digest: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBlobSum {
    #[serde(default)]
    blob_sum: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    #[serde(default)]
    schema_version: Option<i64>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<RawDescriptor>,
    #[serde(default)]
    layers: Option<Vec<RawDescriptor>>,
    #[serde(default)]
    manifests: Option<Vec<RawDescriptor>>,
    #[serde(default)]
    fs_layers: Option<Vec<RawBlobSum>>,
}

fn descriptor(raw: RawDescriptor) -> Result<Descriptor, ManifestProblem> {
    match raw.digest {
        Some(d) if is_layer_digest(&d) => Ok(Descriptor {
            media_type: raw.media_type,
            digest: d,
        }),
        other => Err(ManifestProblem::BadDescriptor(other.unwrap_or_default())),
    }
}

/// Parses `text` with the request's `imageManifestMediaType` (`given`); schema 1 manifests
/// are accepted only when `schema1` is true (knob `schema1-manifest`).
pub fn parse(text: &str, given: Option<&str>, schema1: bool) -> Result<Manifest, ManifestProblem> {
    if !text.trim_start().starts_with('{') {
        return Err(ManifestProblem::NotJson("not a JSON object".to_owned()));
    }
    let raw: RawManifest =
        serde_json::from_str(text).map_err(|e| ManifestProblem::NotJson(e.to_string()))?;
    let media_type = match (&raw.media_type, given) {
        (Some(m), _) => m.clone(),
        (None, Some(g)) => g.to_owned(),
        // A schema 1 manifest names no media type: its `schemaVersion` says what it is.
        (None, None) if raw.schema_version == Some(1) => DOCKER_SCHEMA1.to_owned(),
        (None, None) => return Err(ManifestProblem::NoMediaType),
    };
    let kind = match media_type.as_str() {
        DOCKER_MANIFEST | OCI_MANIFEST => ManifestKind::Image,
        DOCKER_MANIFEST_LIST | OCI_INDEX => ManifestKind::Index,
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED if schema1 => ManifestKind::Schema1,
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED => return Err(ManifestProblem::Schema1Refused),
        other => return Err(ManifestProblem::UnsupportedMediaType(other.to_owned())),
    };
    let mut manifest = Manifest {
        media_type,
        kind,
        config: None,
        layers: Vec::new(),
        children: Vec::new(),
    };
    match kind {
        ManifestKind::Image => {
            manifest.config = raw.config.map(descriptor).transpose()?;
            if manifest.config.is_none() {
                return Err(ManifestProblem::NotJson(
                    "an image manifest needs a config".to_owned(),
                ));
            }
            manifest.layers = raw
                .layers
                .unwrap_or_default()
                .into_iter()
                .map(descriptor)
                .collect::<Result<_, _>>()?;
        }
        ManifestKind::Index => {
            manifest.children = raw
                .manifests
                .unwrap_or_default()
                .into_iter()
                .map(descriptor)
                .collect::<Result<_, _>>()?;
        }
        ManifestKind::Schema1 => {
            manifest.layers = raw
                .fs_layers
                .unwrap_or_default()
                .into_iter()
                .map(|l| {
                    descriptor(RawDescriptor {
                        media_type: None,
                        digest: l.blob_sum,
                    })
                })
                .collect::<Result<_, _>>()?;
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn an_image_manifest_names_its_config_and_layers() {
        let text = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{D}","size":2}},"layers":[{{"digest":"{D}","size":1}}]}}"#
        );
        let m = parse(&text, None, false).expect("parses");
        assert_eq!(m.kind, ManifestKind::Image);
        assert_eq!(m.blobs().count(), 2);
    }

    #[test]
    fn the_request_media_type_applies_only_when_the_manifest_has_none() {
        let text = format!(r#"{{"schemaVersion":2,"config":{{"digest":"{D}"}}}}"#);
        assert_eq!(parse(&text, None, false), Err(ManifestProblem::NoMediaType));
        let m = parse(&text, Some(OCI_MANIFEST), false).expect("parses");
        assert_eq!(m.media_type, OCI_MANIFEST);
    }

    #[test]
    fn deep_nesting_is_a_typed_refusal_not_a_stack_overflow() {
        let text = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            parse(&text, Some(OCI_MANIFEST), false),
            Err(ManifestProblem::NotJson(_))
        ));
    }

    #[test]
    fn schema1_follows_the_knob() {
        let text = format!(r#"{{"schemaVersion":1,"fsLayers":[{{"blobSum":"{D}"}}]}}"#);
        assert_eq!(
            parse(&text, None, false),
            Err(ManifestProblem::Schema1Refused)
        );
        assert_eq!(
            parse(&text, None, true).map(|m| m.kind),
            Ok(ManifestKind::Schema1)
        );
    }
}
