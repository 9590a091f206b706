//! AWS CLI v1 (the seed page's tool) against the fake: the seed's command sequence, and
//! what the seed's literal `file://…layer.b64` example really sends, with v1 and with v2.

mod common;

use std::path::Path;
use std::process::Command;

use common::clients::{aws, json_of, run, with_test_env};
use ecr_conformance::fake::FakeEcr;
use ecr_conformance::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::strategy::fill;
use ecr_conformance::wire::blob;

const MIB: usize = 1024 * 1024;

fn ecr(endpoint: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = with_test_env(Command::new(aws()));
    cmd.args(["ecr", "--endpoint-url", endpoint, "--output", "json"])
        .args(args);
    run(cmd)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

#[test]
fn the_seed_command_sequence_pushes_a_layer_as_ecr_would_answer_it() {
    let fake = FakeEcr::builder().start().expect("fake");
    let url = fake.uri();
    let dir = common::tempdir("aws-cli");
    let made = json_of(&ecr(
        &url,
        &["create-repository", "--repository-name", "layer-test"],
    ));
    assert_eq!(made["repository"]["repositoryName"], "layer-test");

    let init = json_of(&ecr(
        &url,
        &["initiate-layer-upload", "--repository-name", "layer-test"],
    ));
    let upload_id = init["uploadId"].as_str().expect("uploadId").to_owned();
    assert_eq!(init["partSize"], 10_485_760);

    let layer = fill(5 * MIB + 1000, 42);
    let parts = [&layer[..5 * MIB], &layer[5 * MIB..]];
    let mut first = 0usize;
    for (i, part) in parts.iter().enumerate() {
        let file = write(&dir, &format!("part{i}.bin"), part);
        let last = first + part.len() - 1;
        let out = json_of(&ecr(
            &url,
            &[
                "upload-layer-part",
                "--repository-name",
                "layer-test",
                "--upload-id",
                &upload_id,
                "--part-first-byte",
                &first.to_string(),
                "--part-last-byte",
                &last.to_string(),
                "--layer-part-blob",
                &format!("fileb://{file}"),
            ],
        ));
        assert_eq!(out["lastByteReceived"], last as u64);
        assert_eq!(out["registryId"], "012345678910");
        assert_eq!(out["uploadId"], upload_id.as_str());
        first = last + 1;
    }
    let digest = digest_of(&layer);
    let done = json_of(&ecr(
        &url,
        &[
            "complete-layer-upload",
            "--repository-name",
            "layer-test",
            "--upload-id",
            &upload_id,
            "--layer-digests",
            &digest,
        ],
    ));
    assert_eq!(done["layerDigest"], digest.as_str());
    let check = json_of(&ecr(
        &url,
        &[
            "batch-check-layer-availability",
            "--repository-name",
            "layer-test",
            "--layer-digests",
            &digest,
        ],
    ));
    assert_eq!(check["layers"][0]["layerAvailability"], "AVAILABLE");
    assert_eq!(check["layers"][0]["layerSize"], layer.len() as u64);
    assert_eq!(
        fake.responder()
            .with_registry(|r| r.layer_size("layer-test", &digest)),
        Some(layer.len() as u64)
    );
}

#[test]
fn the_seed_example_with_file_uri_uploads_the_base64_text_itself() {
    let fake = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .start()
        .expect("fake");
    let dir = common::tempdir("aws-cli");
    // What the seed's layer.b64 plausibly holds: the base64 of an 8323315-byte layer.
    let layer = fill(8_323_315, 1);
    let text = blob::encode(&layer);
    let file = write(&dir, "layer.b64", text.as_bytes());
    let seed_args = |last: &str| {
        vec![
            "upload-layer-part".to_owned(),
            "--repository-name".into(),
            "layer-test".into(),
            "--upload-id".into(),
            SEED_UPLOAD_ID.into(),
            "--part-first-byte".into(),
            "0".into(),
            "--part-last-byte".into(),
            last.to_owned(),
            "--layer-part-blob".into(),
            format!("file://{file}"),
        ]
    };
    // As written: CLI v1 sends the file's 11097756 characters as the layer bytes, so the
    // range 0..=8323314 does not fit the blob (PART-4), and nothing is stored.
    let args = seed_args("8323314");
    let out = ecr(
        &fake.uri(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("An error occurred (InvalidLayerPartException) when calling the UploadLayerPart operation"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}-byte blob", text.len())),
        "{stderr}"
    );
    assert_eq!(
        fake.responder()
            .with_registry(|r| r.upload(SEED_UPLOAD_ID).map(|u| u.received())),
        Some(0)
    );

    // With the range of the text's length, the upload takes the text, not the layer.
    let last = (text.len() - 1).to_string();
    let args = seed_args(&last);
    let answer = json_of(&ecr(
        &fake.uri(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_eq!(answer["lastByteReceived"], text.len() as u64 - 1);
    let stored = fake
        .responder()
        .with_registry(|r| r.upload(SEED_UPLOAD_ID).map(|u| u.digest()));
    assert_eq!(stored, Some(digest_of(text.as_bytes())));
    assert_ne!(
        stored,
        Some(digest_of(&layer)),
        "the layer's own bytes never arrived"
    );
}

#[test]
fn aws_cli_v2_takes_the_seed_examples_file_uri_as_base64_and_stores_the_layer_itself() {
    let fake = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .start()
        .expect("fake");
    let dir = common::tempdir("aws-cli-v2");
    let layer = fill(8_323_315, 1);
    let file = write(&dir, "layer.b64", blob::encode(&layer).as_bytes());
    let mut cmd = with_test_env(Command::new(common::clients::aws_v2()));
    cmd.args(["ecr", "--endpoint-url", &fake.uri(), "--output", "json"])
        .args(["upload-layer-part", "--repository-name", "layer-test"])
        .args(["--upload-id", SEED_UPLOAD_ID, "--part-first-byte", "0"])
        .args(["--part-last-byte", "8323314", "--layer-part-blob"])
        .arg(format!("file://{file}"));
    // v2 reads blob arguments as base64 (cli_binary_format=base64): the seed's example, as
    // written, sends the layer's own bytes, where v1 sends the text.
    let answer = json_of(&run(cmd));
    assert_eq!(answer["lastByteReceived"], 8_323_314);
    let stored = fake
        .responder()
        .with_registry(|r| r.upload(SEED_UPLOAD_ID).map(|u| u.digest()));
    assert_eq!(stored, Some(digest_of(&layer)));
}
