//! boto3 against the fake: a full push, every modeled error as its typed exception with its
//! members, and a client that resumes after a fault (tests/interop/boto3_client.py).

mod common;

use std::process::Command;

use common::clients::{json_of, python, run, with_test_env};
use ecr_conformance::fake::{FakeEcr, Fault};

fn boto3(endpoint: &str, check: &str) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/boto3_client.py");
    let mut cmd = with_test_env(Command::new(python()));
    cmd.args([script, endpoint, check]);
    json_of(&run(cmd))
}

#[test]
fn boto3_pushes_a_layer_and_finds_it_available() {
    let fake = FakeEcr::builder().start().expect("fake");
    let out = boto3(&fake.uri(), "push");
    let digest = out["layerDigest"].as_str().expect("digest");
    let size = out["size"].as_u64().expect("size");
    assert_eq!(
        fake.responder()
            .with_registry(|r| r.layer_size("boto3-push", digest)),
        Some(size)
    );
}

#[test]
fn every_spec_error_surfaces_in_boto3_as_its_typed_exception() {
    // RepositoryNotEmptyException needs the knob: under `ecr` layers need no force.
    let profile = ecr_conformance::model::Profile::ecr()
        .with_knob("delete-with-layers-needs-force", "true")
        .expect("a value");
    let fake = FakeEcr::builder().profile(profile).start().expect("fake");
    let seen = boto3(&fake.uri(), "errors");
    for name in [
        "RepositoryAlreadyExistsException",
        "InvalidParameterException",
        "RepositoryNotFoundException",
        "UploadNotFoundException",
        "EmptyUploadException",
        "InvalidLayerPartException",
        "LayerPartTooSmallException",
        "InvalidLayerException",
        "LayerAlreadyExistsException",
        "RepositoryNotEmptyException",
    ] {
        assert!(
            seen.get(name).is_some(),
            "{name} not raised as client.exceptions.{name}: {seen}"
        );
    }
    // The members of the last InvalidLayerPartException (the re-sent part).
    let part = &seen["InvalidLayerPartException"];
    assert_eq!(part["lastValidByteReceived"], 5 * 1024 * 1024 - 1);
    assert_eq!(part["registryId"], "012345678910");
    assert_eq!(part["repositoryName"], "errs");
}

#[test]
fn a_boto3_client_resumes_from_last_valid_byte_after_a_500_that_applied_the_part() {
    let fake = FakeEcr::builder()
        .fault(
            "UploadLayerPart:2:server-error-after"
                .parse::<Fault>()
                .expect("fault"),
        )
        .start()
        .expect("fake");
    let out = boto3(&fake.uri(), "resume");
    // Part 2 (bytes 5 MiB..10 MiB-1) landed; the SDK's retry was refused as a re-send.
    let resumed = out["resumed"].as_array().expect("resumed");
    assert_eq!(resumed.len(), 1, "{out}");
    assert_eq!(resumed[0]["sent"], 5 * 1024 * 1024);
    assert_eq!(resumed[0]["lastValidByteReceived"], 10 * 1024 * 1024 - 1);
    let digest = out["layerDigest"].as_str().expect("digest");
    assert!(
        fake.responder()
            .with_registry(|r| r.layer_size("resume", digest))
            .is_some()
    );
}
