//! Every wire fixture replays through decode → model → encode and gives its answer, and
//! the seed page's example replays with its own ids.

mod common;

use std::path::{Path, PathBuf};

use ecr_conformance::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID, body_bytes};
use ecr_conformance::model::{Profile, Registry, Response};
use ecr_conformance::wire::{self, Operation};
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The registry a wire case starts from (see `ecr_conformance::fixture`).
fn case_registry(setup: Option<Value>) -> Registry {
    let mut r = Registry::new(Profile::ecr());
    r.apply(&common::create(SEED_REPOSITORY)).expect("create");
    r.open_upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .expect("open");
    for step in setup
        .and_then(|s| s.as_array().cloned())
        .unwrap_or_default()
    {
        let op =
            Operation::from_name(step["operation"].as_str().expect("operation")).expect("known op");
        let body = body_bytes(&step["body"]).expect("body");
        r.apply(&wire::decode_request(Some(&op.target()), &body))
            .expect("setup step succeeds");
    }
    r
}

fn cases() -> Vec<(Operation, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wire");
    let mut out = Vec::new();
    for op in Operation::ALL {
        let dir = root.join(op.snake_name());
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if let Some(case) = name.strip_suffix(".request.json") {
                out.push((op, dir.join(case)));
            }
        }
    }
    out
}

#[test]
fn every_operation_has_at_least_one_wire_fixture() {
    let found = cases();
    for op in Operation::ALL {
        assert!(found.iter().any(|(o, _)| *o == op), "no fixture for {op}");
    }
}

#[test]
fn every_wire_fixture_gets_its_recorded_answer() {
    for (op, case) in cases() {
        let with = |ext: &str| PathBuf::from(format!("{}.{ext}", case.display()));
        let setup = with("setup.json");
        let mut r = case_registry(setup.exists().then(|| read_json(&setup)));
        let body = body_bytes(&read_json(&with("request.json"))).expect("request");
        let answer =
            wire::encode_outcome(&r.apply(&wire::decode_request(Some(&op.target()), &body)));
        let got: Value = serde_json::from_slice(&answer.body).expect("answer is JSON");
        let want = read_json(&with("response.json"));
        assert_eq!(got, want, "{}", case.display());
        let is_error = want.get("__type").is_some();
        assert_eq!(answer.status == 200, !is_error, "{}", case.display());
    }
}

#[test]
fn the_seed_example_replays_through_the_model_with_its_ids() {
    let mut r = case_registry(None);
    let body = body_bytes(&read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/wire/upload_layer_part/seed-example.request.json"),
    ))
    .expect("request");
    let request = wire::decode_request(Some(&Operation::UploadLayerPart.target()), &body);
    match &request {
        ecr_conformance::model::Request::UploadLayerPart(p) => {
            assert_eq!(
                p.layer_part_blob.as_ref().map(|b| b.bytes.len()),
                Some(8_323_315)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.apply(&request),
        Ok(Response::PartAccepted {
            registry_id: "012345678910".into(),
            repository_name: "layer-test".into(),
            upload_id: "6cb64b8a-9378-0e33-2ab1-b780fab8a9e9".into(),
            last_byte_received: 8_323_314,
        })
    );
    assert_eq!(
        r.upload(SEED_UPLOAD_ID).map(|u| u.received()),
        Some(8_323_315)
    );
}
