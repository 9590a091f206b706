//! The image a plan's client puts at the end of its push: a Docker schema 2 manifest that
//! names a config blob (stored before the client starts, as a base image's would be) and
//! the layer file, written beside the layer as docker writes manifests (three-space
//! indents, so a client that re-serialises it changes its bytes and its digest, IMG-1).

use std::path::PathBuf;

use super::layer::LayerFile;
use super::plans::ImageSetup;
use crate::model::digest::digest_of;
use crate::model::manifest::DOCKER_MANIFEST;

/// The tag the client puts.
pub const TAG: &str = "client-check-1";

const CONFIG_TYPE: &str = "application/vnd.docker.container.image.v1+json";
const LAYER_TYPE: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// The files and digests of one plan's image.
#[derive(Debug)]
pub(crate) struct ImageFiles {
    /// The config blob's bytes (stored before the client starts).
    pub(crate) config: Vec<u8>,
    /// `sha256:<hex>` of the config.
    pub(crate) config_digest: String,
    /// The manifest's text, as the client is given it.
    pub(crate) manifest: String,
    /// `sha256:<hex>` of the manifest's bytes: the image digest.
    pub(crate) digest: String,
    /// Where the manifest file is.
    pub(crate) path: PathBuf,
    /// For [`ImageSetup::TagTaken`]: the other image that holds the tag beforehand.
    pub(crate) other: Option<String>,
}

/// A descriptor as docker writes it, its closing brace at `indent` and its members three
/// spaces further in.
fn descriptor(indent: &str, media_type: &str, size: u64, digest: &str) -> String {
    format!(
        "{{\n{indent}   \"mediaType\": \"{media_type}\",\n{indent}   \"size\": {size},\n{indent}   \"digest\": \"{digest}\"\n{indent}}}"
    )
}

fn manifest(config: (u64, &str), layers: &[(u64, String)]) -> String {
    let layers: Vec<String> = layers
        .iter()
        .map(|(size, digest)| format!("      {}", descriptor("      ", LAYER_TYPE, *size, digest)))
        .collect();
    let config = descriptor("   ", CONFIG_TYPE, config.0, config.1);
    format!(
        "{{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"{DOCKER_MANIFEST}\",\n   \"config\": {config},\n   \"layers\": [\n{}\n   ]\n}}",
        layers.join(",\n")
    )
}

impl ImageFiles {
    /// The image of `layer` for a plan set up as `setup`, its manifest written beside the
    /// layer file.
    pub(crate) fn create(
        layer: &LayerFile,
        seed: u64,
        setup: ImageSetup,
    ) -> std::io::Result<ImageFiles> {
        let config = format!(
            "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"ecr-conformance.seed\":\"{seed}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{}\"]}}}}",
            layer.digest()
        )
        .into_bytes();
        let config_digest = digest_of(&config);
        let cfg = (config.len() as u64, config_digest.as_str());
        let mut layers = vec![(layer.size(), layer.digest().to_owned())];
        if setup == ImageSetup::LayerForgotten {
            let forgotten = format!("a layer nobody pushed, seed {seed}");
            layers.push((forgotten.len() as u64, digest_of(forgotten.as_bytes())));
        }
        let text = manifest(cfg, &layers);
        let other = (setup == ImageSetup::TagTaken).then(|| manifest(cfg, &[]));
        let path = layer.beside("manifest.json");
        std::fs::write(&path, &text)?;
        Ok(ImageFiles {
            digest: digest_of(text.as_bytes()),
            config_digest,
            config,
            manifest: text,
            path,
            other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::manifest::parse;

    #[test]
    fn the_manifest_names_the_config_then_the_layer_and_a_forgotten_layer_only_when_planned() {
        let layer = LayerFile::create(1000, 7).expect("layer");
        let free = ImageFiles::create(&layer, 7, ImageSetup::Free).expect("image");
        let parsed = parse(&free.manifest, None, false).expect("a manifest the model reads");
        let blobs: Vec<&str> = parsed.blobs().collect();
        assert_eq!(blobs, vec![free.config_digest.as_str(), layer.digest()]);
        assert_eq!(free.digest, digest_of(free.manifest.as_bytes()));
        assert_eq!(
            std::fs::read_to_string(&free.path).expect("file"),
            free.manifest
        );
        assert!(free.other.is_none());

        let forgot = ImageFiles::create(&layer, 7, ImageSetup::LayerForgotten).expect("image");
        assert_eq!(
            parse(&forgot.manifest, None, false)
                .expect("read")
                .layers
                .len(),
            2
        );
        let taken = ImageFiles::create(&layer, 7, ImageSetup::TagTaken).expect("image");
        let other = taken.other.expect("another image");
        assert_ne!(digest_of(other.as_bytes()), taken.digest);
        assert_eq!(parse(&other, None, false).expect("read").layers.len(), 0);
    }

    #[test]
    fn the_manifest_is_not_what_a_json_library_writes_so_re_serialising_shows() {
        let layer = LayerFile::create(10, 1).expect("layer");
        let image = ImageFiles::create(&layer, 1, ImageSetup::Free).expect("image");
        let value: serde_json::Value = serde_json::from_str(&image.manifest).expect("JSON");
        assert_ne!(serde_json::to_string(&value).expect("text"), image.manifest);
        assert_ne!(
            serde_json::to_string_pretty(&value).expect("text"),
            image.manifest
        );
        let (c, l) = (&image.config_digest, layer.digest());
        let n = image.config.len();
        let want = format!(
            "{{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"{DOCKER_MANIFEST}\",\n   \"config\": {{\n      \"mediaType\": \"{CONFIG_TYPE}\",\n      \"size\": {n},\n      \"digest\": \"{c}\"\n   }},\n   \"layers\": [\n      {{\n         \"mediaType\": \"{LAYER_TYPE}\",\n         \"size\": 10,\n         \"digest\": \"{l}\"\n      }}\n   ]\n}}"
        );
        assert_eq!(
            image.manifest, want,
            "docker's layout, three spaces a level"
        );
    }
}
