//! Regression snapshots (insta, all in `snapshots/`): the transcript of every catalog
//! scenario against the embedded fake, every wire fixture's request and answer, and the
//! seed example. A change in what the fake answers shows up as a snapshot diff to review.

mod common;

use std::path::Path;
use std::time::Duration;

use ecr_conformance::fake::FakeEcr;
use ecr_conformance::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID, body_bytes, wire_cases};
use ecr_conformance::model::Profile;
use ecr_conformance::runner::{self, Endpoint, Keys, RunConfig, transcript};
use ecr_conformance::wire;
use serde_json::{Value, json};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    // Download URLs point at the fake's storage, on the port it happened to get.
    s.add_filter(
        r"http://localhost:\d+/storage/",
        "http://localhost:[port]/storage/",
    );
    s
}

fn manifest(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn every_catalog_scenario_against_the_fake() {
    let fake = FakeEcr::builder().id_seed(1).start().expect("fake");
    let endpoint = Endpoint::new(
        &fake.uri(),
        "us-east-1",
        Keys::test(),
        Duration::from_secs(30),
    );
    settings().bind(|| {
        insta::glob!("../fixtures/scenarios", "*.json", |path| {
            let name = path.file_stem().and_then(|n| n.to_str()).expect("name");
            let config = RunConfig {
                cases: 0,
                seed: 1,
                filter: Some(
                    regex::Regex::new(&format!("^{}$", regex::escape(name))).expect("regex"),
                ),
                prefix: "snap".into(),
                scenarios_dir: None,
                ..RunConfig::new(Profile::ecr())
            };
            let report = runner::run(&endpoint, "embedded fake", &config).expect("run");
            assert!(report.passed(), "{}", report.text());
            insta::assert_json_snapshot!("scenario", transcript::of(&report.scenarios[0]));
        });
    });
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

fn summarize(mut body: Value) -> Value {
    if let Some(Value::String(text)) = body.get("layerPartBlob") {
        let bytes = wire::blob::decode(text).expect("base64").bytes();
        body["layerPartBlob"] = json!({"length": bytes.len(), "sha256": ecr_conformance::model::digest::digest_of(&bytes)});
    }
    body
}

#[test]
fn every_wire_fixture_request_and_answer() {
    settings().bind(|| {
        insta::glob!("../fixtures/wire", "*/*.request.json", |path| {
            let stem = path.display().to_string().replace(".request.json", "");
            let case = wire_cases(&manifest("fixtures"))
                .expect("wire fixtures")
                .into_iter()
                .find(|c| c.stem.display().to_string() == stem)
                .expect("the glob's case");
            let mut r = case.registry().expect("setup");
            let body = case.request_body().expect("request");
            let op = case.operation;
            let answer = wire::encode_outcome(&r.apply(&wire::decode_request(Some(&op.x_amz_target()), &body)));
            let shown = json!({
                "request": {"target": op.x_amz_target(), "body": summarize(serde_json::from_slice(&body).expect("JSON"))},
                "answer": {"status": answer.status, "body": answer.body.clone()},
            });
            insta::assert_json_snapshot!("wire", shown);
        });
    });
}

#[test]
fn the_seed_example_equals_the_seed_page() {
    // The seed page's answer, with its literal ids, as printed by `aws ecr upload-layer-part`.
    let page_answer = json!({
        "uploadId": "6cb64b8a-9378-0e33-2ab1-b780fab8a9e9",
        "registryId": "012345678910",
        "lastByteReceived": 8323314,
        "repositoryName": "layer-test"
    });
    let request = read(&manifest(
        "fixtures/wire/upload_layer_part/seed-example.request.json",
    ));
    // The page's arguments: --repository-name, --upload-id, --part-first-byte, --part-last-byte.
    assert_eq!(request["repositoryName"], "layer-test");
    assert_eq!(request["uploadId"], "6cb64b8a-9378-0e33-2ab1-b780fab8a9e9");
    assert_eq!(
        (
            request["partFirstByte"].as_i64(),
            request["partLastByte"].as_i64()
        ),
        (Some(0), Some(8323314))
    );
    let fake = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .start()
        .expect("fake");
    let body = body_bytes(request).expect("body");
    let a = common::http::call(fake.addr(), "UploadLayerPart", &body);
    assert_eq!(a.json(), page_answer);
    settings().bind(|| {
        insta::assert_json_snapshot!(
            "seed-example",
            json!({"request": summarize(serde_json::from_slice(&body).expect("JSON")), "answer": a.json()})
        );
    });
}

#[test]
fn no_snapshot_is_orphaned() {
    let scenarios: Vec<String> = std::fs::read_dir(manifest("fixtures/scenarios"))
        .expect("catalog")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let wire_cases: Vec<String> = std::fs::read_dir(manifest("fixtures/wire"))
        .expect("wire")
        .filter_map(|e| e.ok())
        .flat_map(|d| {
            let dir = d.file_name().into_string().unwrap_or_default();
            std::fs::read_dir(d.path())
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|f| f.ends_with(".request.json"))
                .map(move |f| format!("{dir}__{f}"))
        })
        .collect();
    for entry in std::fs::read_dir(manifest("snapshots")).expect("snapshots/") {
        let file = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("utf-8");
        // Tests outside this file that hold a snapshot here.
        let held_elsewhere = ["conformance_in_cargo_test_rule_table.snap"];
        let known = file == "seed-example.snap"
            || held_elsewhere.contains(&file.as_str())
            || file
                .strip_prefix("scenario@")
                .and_then(|f| f.strip_suffix(".snap"))
                .is_some_and(|f| scenarios.iter().any(|s| s == f))
            || file
                .strip_prefix("wire@")
                .and_then(|f| f.strip_suffix(".snap"))
                .is_some_and(|f| wire_cases.iter().any(|w| w == f));
        assert!(
            known,
            "snapshots/{file} belongs to no scenario, wire fixture or test: delete it"
        );
    }
}
