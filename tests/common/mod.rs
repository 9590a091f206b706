//! Helpers shared by the black-box tests.
#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

pub mod clients;
pub mod http;
pub mod recorder;
pub mod scripted;
pub mod served;

use ecr_conformance::model::{
    CompleteLayerUpload, CreateRepository, EcrError, InitiateLayerUpload, Outcome, PartBlob,
    Profile, Registry, Request, Response, UploadLayerPart,
};

/// A registry under `profile` with the repositories `layer-test` and `other-repo`.
pub fn registry_with(profile: Profile) -> Registry {
    let mut r = Registry::new(profile);
    for name in ["layer-test", "other-repo"] {
        r.apply(&create(name)).expect("create");
    }
    r
}

/// A registry under the `ecr` profile with `layer-test` and `other-repo`.
pub fn registry() -> Registry {
    registry_with(Profile::ecr())
}

pub fn create(name: &str) -> Request {
    Request::CreateRepository(CreateRepository {
        registry_id: None,
        repository_name: Some(name.to_owned()),
        ..Default::default()
    })
}

pub fn initiate_req(repo: &str) -> Request {
    Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: None,
        repository_name: Some(repo.to_owned()),
    })
}

/// Opens an upload and returns its id.
pub fn initiate(r: &mut Registry, repo: &str) -> String {
    match r.apply(&initiate_req(repo)) {
        Ok(Response::UploadInitiated { upload_id, .. }) => upload_id,
        other => panic!("initiate failed: {other:?}"),
    }
}

pub fn part(repo: &str, id: &str, first: i64, last: i64, bytes: Vec<u8>) -> Request {
    Request::UploadLayerPart(UploadLayerPart {
        registry_id: None,
        repository_name: Some(repo.to_owned()),
        upload_id: Some(id.to_owned()),
        part_first_byte: Some(first),
        part_last_byte: Some(last),
        layer_part_blob: Some(PartBlob::new(bytes)),
    })
}

/// A part that fits its range: `bytes` starting at `first`.
pub fn part_at(repo: &str, id: &str, first: i64, bytes: Vec<u8>) -> Request {
    let last = first + bytes.len() as i64 - 1;
    part(repo, id, first, last, bytes)
}

pub fn complete(repo: &str, id: &str, digests: &[&str]) -> Request {
    Request::CompleteLayerUpload(CompleteLayerUpload {
        registry_id: None,
        repository_name: Some(repo.to_owned()),
        upload_id: Some(id.to_owned()),
        layer_digests: Some(digests.iter().map(|d| (*d).to_owned()).collect()),
    })
}

/// Applies `request` and asserts it failed without changing the registry (STATE-1).
pub fn rejected(r: &mut Registry, request: &Request) -> EcrError {
    let before = r.clone();
    let outcome: Outcome = r.apply(request);
    let err = outcome.expect_err("the request was accepted");
    assert_eq!(*r, before, "a rejected request changed the registry: {err}");
    err
}

/// The name of the error, for short assertions.
pub fn name(e: &EcrError) -> &'static str {
    e.name()
}

/// A fresh, empty temporary folder named after `tag` and this process.
pub fn tempdir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("ecr-conformance-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary with `args` in the repository's folder, without AWS_ENDPOINT_URL.
pub fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs")
}

/// The runner against a fake over HTTP, with test credentials; the report (the run itself
/// must be possible).
pub fn run_against(
    fake: &ecr_conformance::fake::FakeEcr,
    config: &ecr_conformance::runner::RunConfig,
) -> ecr_conformance::runner::Report {
    use ecr_conformance::runner::{self, Endpoint, Keys};
    let endpoint = Endpoint::new(
        &fake.uri(),
        "us-east-1",
        Keys::test(),
        std::time::Duration::from_secs(30),
    );
    runner::run(&endpoint, "test", config).expect("run")
}
