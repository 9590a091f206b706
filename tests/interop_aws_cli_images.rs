//! AWS CLI v1 pushes an image to `serve` and works with it as with ECR: a layer (and its
//! config) pushed, the image put from a manifest file, fetched back byte for byte with
//! `batch-get-image`, a download URL for its layer, listed and described, a tag moved (the
//! old image stays, untagged), and deleted.

mod common;

use std::process::{Command, Output};

use common::clients::{aws, json_of, run, with_test_env};
use common::served;
use ecr_conformance::model::digest::digest_of;

fn ecr(endpoint: &str, args: &[&str]) -> Output {
    let mut cmd = with_test_env(Command::new(aws()));
    cmd.args(["ecr", "--endpoint-url", endpoint, "--output", "json"])
        .args(args);
    run(cmd)
}

fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(out)
}

/// Pushes `bytes` as one layer of `repo`; returns its digest.
fn push_layer(url: &str, dir: &std::path::Path, repo: &str, bytes: &[u8]) -> String {
    let init = ok(&ecr(
        url,
        &["initiate-layer-upload", "--repository-name", repo],
    ));
    let id = init["uploadId"].as_str().expect("uploadId").to_owned();
    let file = dir.join(format!("{}.bin", &digest_of(bytes)[7..15]));
    std::fs::write(&file, bytes).expect("write");
    ok(&ecr(
        url,
        &[
            "upload-layer-part",
            "--repository-name",
            repo,
            "--upload-id",
            &id,
            "--part-first-byte",
            "0",
            "--part-last-byte",
            &(bytes.len() - 1).to_string(),
            "--layer-part-blob",
            &format!("fileb://{}", file.display()),
        ],
    ));
    let digest = digest_of(bytes);
    let done = ok(&ecr(
        url,
        &[
            "complete-layer-upload",
            "--repository-name",
            repo,
            "--upload-id",
            &id,
            "--layer-digests",
            &digest,
        ],
    ));
    assert_eq!(done["layerDigest"], digest.as_str());
    digest
}

#[test]
fn the_aws_cli_puts_fetches_lists_retags_and_deletes_an_image_as_on_ecr() {
    let server = served::serve(&["--repository", "app"]);
    let url = server.url.clone();
    let dir = common::tempdir("aws-cli-images");
    let config = push_layer(
        &url,
        &dir,
        "app",
        br#"{"architecture":"amd64","os":"linux"}"#,
    );
    let layer = push_layer(&url, &dir, "app", b"layer bytes");

    // Before an image references it, a layer has no download URL.
    let early = ecr(
        &url,
        &[
            "get-download-url-for-layer",
            "--repository-name",
            "app",
            "--layer-digest",
            &layer,
        ],
    );
    assert_eq!(early.status.code(), Some(255));
    assert!(String::from_utf8_lossy(&early.stderr).contains("LayerInaccessibleException"));

    // A manifest as docker writes it, indented: kept byte for byte.
    let manifest = format!(
        "{{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n   \"config\": {{\"mediaType\": \"application/vnd.docker.container.image.v1+json\", \"size\": 37, \"digest\": \"{config}\"}},\n   \"layers\": [{{\"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\", \"size\": 11, \"digest\": \"{layer}\"}}]\n}}"
    );
    let file = dir.join("manifest.json");
    std::fs::write(&file, &manifest).expect("write");
    let put = ok(&ecr(
        &url,
        &[
            "put-image",
            "--repository-name",
            "app",
            "--image-tag",
            "v1",
            "--image-manifest",
            &format!("file://{}", file.display()),
        ],
    ));
    let digest = digest_of(manifest.as_bytes());
    assert_eq!(put["image"]["imageId"]["imageDigest"], digest.as_str());

    let got = ok(&ecr(
        &url,
        &[
            "batch-get-image",
            "--repository-name",
            "app",
            "--image-ids",
            "imageTag=v1",
        ],
    ));
    assert_eq!(got["images"][0]["imageManifest"], manifest.as_str());
    assert_eq!(got["failures"], serde_json::json!([]));

    for d in [&layer, &config] {
        let u = ok(&ecr(
            &url,
            &[
                "get-download-url-for-layer",
                "--repository-name",
                "app",
                "--layer-digest",
                d,
            ],
        ));
        assert_eq!(u["layerDigest"], d.as_str());
        assert!(u["downloadUrl"].as_str().is_some_and(|s| !s.is_empty()));
    }

    let listed = ok(&ecr(&url, &["list-images", "--repository-name", "app"]));
    assert_eq!(
        listed["imageIds"],
        serde_json::json!([{"imageDigest": digest, "imageTag": "v1"}])
    );
    let described = ok(&ecr(&url, &["describe-images", "--repository-name", "app"]));
    let detail = &described["imageDetails"][0];
    assert_eq!(detail["imageTags"], serde_json::json!(["v1"]));
    assert_eq!(detail["imageSizeInBytes"], 37 + 11);
    assert_eq!(
        detail["artifactMediaType"],
        "application/vnd.docker.container.image.v1+json"
    );

    // Another image takes the tag: the first stays, untagged.
    let other = manifest.replace("\"schemaVersion\": 2,", "\"schemaVersion\": 2, ");
    let other_file = dir.join("other.json");
    std::fs::write(&other_file, &other).expect("write");
    ok(&ecr(
        &url,
        &[
            "put-image",
            "--repository-name",
            "app",
            "--image-tag",
            "v1",
            "--image-manifest",
            &format!("file://{}", other_file.display()),
        ],
    ));
    let untagged = ok(&ecr(
        &url,
        &[
            "list-images",
            "--repository-name",
            "app",
            "--filter",
            "tagStatus=UNTAGGED",
        ],
    ));
    assert_eq!(
        untagged["imageIds"],
        serde_json::json!([{"imageDigest": digest}])
    );

    let deleted = ok(&ecr(
        &url,
        &[
            "batch-delete-image",
            "--repository-name",
            "app",
            "--image-ids",
            &format!("imageDigest={digest}"),
        ],
    ));
    assert_eq!(
        deleted["imageIds"],
        serde_json::json!([{"imageDigest": digest}])
    );
    let left = ok(&ecr(&url, &["list-images", "--repository-name", "app"]));
    assert_eq!(left["imageIds"].as_array().map(Vec::len), Some(1));
}
