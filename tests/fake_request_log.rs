//! The fake's opt-in request log, the `layer-exists-after` fault and layers stored
//! beforehand: what `client_check` reads a client's behaviour from.

use std::time::Duration;

use ecr_conformance::fake::{FakeEcr, FakeEcrBuilder, FaultKind, HttpRequest, Responder};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::wire::{CONTENT_TYPE, TARGET_PREFIX, blob};
use serde_json::{Value, json};

fn call(responder: &Responder, operation: &str, body: &Value) -> (u16, Value) {
    let target = format!("{TARGET_PREFIX}{operation}");
    let body = body.to_string().into_bytes();
    let answer = responder.handle(HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &[],
        content_type: Some(CONTENT_TYPE),
        x_amz_target: Some(&target),
        body: &body,
        decoded: None,
    });
    let value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (answer.status, value)
}

fn initiate(responder: &Responder) -> String {
    let (status, answer) = call(
        responder,
        "InitiateLayerUpload",
        &json!({"repositoryName": "logged"}),
    );
    assert_eq!(status, 200, "{answer}");
    answer["uploadId"].as_str().expect("uploadId").to_owned()
}

fn part(responder: &Responder, id: &str, first: usize, bytes: &[u8]) -> (u16, Value) {
    call(
        responder,
        "UploadLayerPart",
        &json!({"repositoryName": "logged", "uploadId": id, "partFirstByte": first,
                "partLastByte": first + bytes.len() - 1, "layerPartBlob": blob::encode(bytes)}),
    )
}

fn builder() -> FakeEcrBuilder {
    FakeEcr::builder().repository("logged")
}

#[test]
fn the_request_log_is_empty_unless_asked_for() {
    let responder = builder().responder().expect("responder");
    let id = initiate(&responder);
    part(&responder, &id, 0, b"hello");
    assert!(responder.request_log().is_empty());
    assert_eq!(responder.requests_handled(), 2);
}

#[test]
fn the_log_keeps_members_answers_and_faults_and_a_blob_only_as_length_and_digest() {
    let responder = builder()
        .record_requests(true)
        .fault(
            "UploadLayerPart:1:server-error-after"
                .parse()
                .expect("fault"),
        )
        .responder()
        .expect("responder");
    let id = initiate(&responder);
    assert_eq!(part(&responder, &id, 0, b"hello").0, 500);
    let (status, answer) = part(&responder, &id, 0, b"hello");
    assert_eq!(
        (status, answer["lastValidByteReceived"].as_i64()),
        (400, Some(4))
    );
    assert_eq!(part(&responder, &id, 5, b"!").0, 200);

    let log = responder.request_log();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].new_upload_id.as_deref(), Some(id.as_str()));
    assert_eq!(log[0].part_size, Some(10_485_760));
    let lost = &log[1];
    assert_eq!((lost.index, lost.status), (1, 500));
    assert_eq!(lost.fault, Some(FaultKind::ServerErrorAfter));
    assert!(lost.applied, "the part landed behind the 500");
    assert_eq!(
        (lost.part_first_byte, lost.part_last_byte),
        (Some(0), Some(4))
    );
    assert_eq!(lost.blob_length, Some(5));
    assert_eq!(
        lost.blob_sha256.as_deref(),
        Some(digest_of(b"hello").as_str())
    );
    assert_eq!(lost.upload_received, Some(5));
    let refused = &log[2];
    assert_eq!(
        refused.error,
        Some(ecr_conformance::ErrorCode::InvalidLayerPart)
    );
    assert_eq!(refused.last_valid_byte_received, Some(4));
    assert!(!refused.applied && refused.fault.is_none());
    assert_eq!(log[3].last_byte_received, Some(5));
    assert!(log.iter().all(|e| e.arrived <= e.answered));
}

#[test]
fn a_delayed_answer_is_logged_as_answered_after_its_delay() {
    let responder = builder()
        .record_requests(true)
        .fault("InitiateLayerUpload:1:delay-ms=40".parse().expect("fault"))
        .responder()
        .expect("responder");
    initiate(&responder);
    let log = responder.request_log();
    assert!(log[0].answered - log[0].arrived >= Duration::from_millis(40));
    assert_eq!(
        log[0].fault,
        Some(FaultKind::Delay(Duration::from_millis(40)))
    );
}

#[test]
fn layer_exists_after_stores_the_layer_and_answers_layer_already_exists() {
    let responder = builder()
        .record_requests(true)
        .fault(
            "CompleteLayerUpload:1:layer-exists-after"
                .parse()
                .expect("fault"),
        )
        .responder()
        .expect("responder");
    let id = initiate(&responder);
    part(&responder, &id, 0, b"layer");
    let digest = digest_of(b"layer");
    let body = json!({"repositoryName": "logged", "uploadId": id, "layerDigests": [digest]});
    let (status, answer) = call(&responder, "CompleteLayerUpload", &body);
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "LayerAlreadyExistsException");
    assert_eq!(
        responder.with_registry(|r| r.layer_size("logged", &digest)),
        Some(5)
    );
    let log = responder.request_log();
    assert!(log[2].applied);
    assert_eq!(log[2].layer_digest.as_deref(), Some(digest.as_str()));
}

#[test]
fn a_layer_stored_beforehand_is_available_and_answers_layer_already_exists() {
    let bytes = vec![7u8; 21 * 1024 * 1024]; // two parts of at most 20 MiB
    let digest = digest_of(&bytes);
    let responder = FakeEcr::builder()
        .layer("preset", bytes)
        .record_requests(true)
        .responder()
        .expect("responder");
    assert_eq!(
        responder.with_registry(|r| r.layer_size("preset", &digest)),
        Some(21 * 1024 * 1024)
    );
    let body = json!({"repositoryName": "preset", "layerDigests": [digest]});
    let (status, answer) = call(&responder, "BatchCheckLayerAvailability", &body);
    assert_eq!(status, 200);
    assert_eq!(answer["layers"][0]["layerAvailability"], "AVAILABLE");
    let log = responder.request_log();
    assert_eq!(log.len(), 1, "the setup push is not logged");
    assert_eq!(log[0].available, vec![digest]);
    assert!(responder.with_registry(|r| r.upload_ids().count()) == 0);
}
