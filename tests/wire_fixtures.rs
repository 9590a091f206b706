//! Every wire fixture replays through decode → model → encode and gives its answer, and
//! the seed page's example replays with its own ids.

use std::path::Path;

use ecr_conformance::fixture::{SEED_UPLOAD_ID, WireCase, wire_cases};
use ecr_conformance::model::Response;
use ecr_conformance::wire::{self, Operation};
use serde_json::Value;

fn cases() -> Vec<WireCase> {
    wire_cases(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")).expect("wire fixtures")
}

#[test]
fn every_operation_has_at_least_one_wire_fixture() {
    let found = cases();
    for op in Operation::ALL {
        assert!(
            found.iter().any(|c| c.operation == op),
            "no fixture for {op}"
        );
    }
}

#[test]
fn every_wire_fixture_gets_its_recorded_answer() {
    for case in cases() {
        let mut r = case.registry().expect("setup");
        let body = case.request_body().expect("request");
        let answer = wire::encode_outcome(&r.apply(&wire::decode_request(
            Some(&case.operation.x_amz_target()),
            &body,
        )));
        let got: Value = answer.body.clone();
        let want = case.response_json().expect("response");
        assert_eq!(got, want, "{}", case.stem.display());
        let is_error = want.get("__type").is_some();
        assert_eq!(answer.status == 200, !is_error, "{}", case.stem.display());
    }
}

#[test]
fn the_seed_example_replays_through_the_model_with_its_ids() {
    let seed = cases()
        .into_iter()
        .find(|c| c.stem.ends_with("seed-example"))
        .expect("seed case");
    let mut r = seed.registry().expect("setup");
    let body = seed.request_body().expect("request");
    let request = wire::decode_request(Some(&Operation::UploadLayerPart.x_amz_target()), &body);
    match &request {
        ecr_conformance::model::Request::UploadLayerPart(p) => {
            assert_eq!(p.layer_part_blob.as_ref().map(|b| b.len()), Some(8_323_315));
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
