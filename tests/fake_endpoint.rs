//! The fake over HTTP: protocol errors instead of 404s, body limits, slow bodies, faults,
//! and the same behaviour mounted on a wiremock MockServer.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::http::{call, read_answer, send_raw};
use ecr_conformance::fake::{FakeEcr, Fault, MAX_BODY_BYTES};
use ecr_conformance::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use ecr_conformance::model::limits::MAX_PART_BYTES;
use ecr_conformance::strategy::fill;
use ecr_conformance::wire::blob;

fn part_body(first: u64, bytes: &[u8]) -> Vec<u8> {
    serde_json::json!({
        "repositoryName": SEED_REPOSITORY,
        "uploadId": SEED_UPLOAD_ID,
        "partFirstByte": first,
        "partLastByte": first + bytes.len() as u64 - 1,
        "layerPartBlob": blob::encode(bytes),
    })
    .to_string()
    .into_bytes()
}

fn seed_fake() -> FakeEcr {
    FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .start()
        .expect("fake")
}

#[test]
fn requests_outside_the_protocol_get_its_errors_not_404s() {
    let fake = seed_fake();
    let addr = fake.addr();
    let cases = [
        (
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "UnknownOperationException",
        ),
        (
            "POST /v3/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            "UnknownOperationException",
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.TagResource\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{}",
            "UnknownOperationException",
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{}",
            "UnknownOperationException",
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.InitiateLayerUpload\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{}",
            "SerializationException",
        ),
    ];
    for (raw, want) in cases {
        let a = send_raw(addr, raw, b"").expect("answer");
        assert_eq!(a.status, 400, "{raw}");
        assert_eq!(a.json()["__type"], want, "{raw}");
        assert_eq!(a.header("x-amzn-errortype"), Some(want));
        assert_eq!(a.header("content-type"), Some("application/x-amz-json-1.1"));
        assert!(a.header("x-amzn-requestid").is_some());
    }
}

#[test]
fn a_20_mib_part_is_accepted_and_one_byte_more_is_invalid_parameter() {
    let fake = seed_fake();
    let max = MAX_PART_BYTES as usize;
    let over = call(
        fake.addr(),
        "UploadLayerPart",
        &part_body(0, &fill(max + 1, 1)),
    );
    assert_eq!(
        (over.status, over.json()["__type"].as_str()),
        (400, Some("InvalidParameterException"))
    );
    let ok = call(fake.addr(), "UploadLayerPart", &part_body(0, &fill(max, 1)));
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.json()["lastByteReceived"], max as u64 - 1);
}

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_read() {
    let fake = seed_fake();
    // Declares 1 GiB and sends almost none of it: the answer comes at once.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.UploadLayerPart\r\n\
         Content-Length: {}\r\n\r\n",
        1u64 << 30
    );
    let started = Instant::now();
    let a = send_raw(fake.addr(), &head, b"{").expect("answer");
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["__type"], "RequestEntityTooLargeException");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Chunked, with no length declared: cut off at the limit.
    let mut stream = TcpStream::connect(fake.addr()).expect("connect");
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
              X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.UploadLayerPart\r\n\
              Transfer-Encoding: chunked\r\n\r\n",
        )
        .expect("head");
    let chunk = vec![b'A'; 1 << 20];
    let mut sent = 0;
    while sent <= MAX_BODY_BYTES {
        let head = format!("{:x}\r\n", chunk.len());
        if stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(&chunk))
            .and_then(|_| stream.write_all(b"\r\n"))
            .is_err()
        {
            break; // the fake may close as soon as the limit is passed
        }
        sent += chunk.len();
    }
    let a = read_answer(&mut stream).expect("answer");
    assert_eq!(a.status, 413);
}

#[test]
fn a_body_that_stops_halfway_times_out_without_blocking_other_clients() {
    let fake = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .body_timeout(Duration::from_millis(500))
        .start()
        .expect("fake");
    let mut stalled = TcpStream::connect(fake.addr()).expect("connect");
    stalled
        .write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
              X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.UploadLayerPart\r\n\
              Content-Length: 1000\r\n\r\n{\"repositoryName\":",
        )
        .expect("half a body");
    // Meanwhile another client is served.
    let a = call(fake.addr(), "UploadLayerPart", &part_body(0, b"hello"));
    assert_eq!(a.status, 200);
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let late = read_answer(&mut stalled).expect("answer");
    assert_eq!(late.status, 408);
    assert_eq!(late.json()["__type"], "RequestTimeoutException");
    // The stalled request changed nothing.
    assert_eq!(
        fake.responder()
            .with_registry(|r| r.upload(SEED_UPLOAD_ID).map(|u| u.received())),
        Some(5)
    );
}

#[test]
fn faults_before_apply_change_nothing_and_after_apply_keep_the_part() {
    let fake = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .fault(
            "UploadLayerPart:1:throttle"
                .parse::<Fault>()
                .expect("fault"),
        )
        .fault(
            "UploadLayerPart:2:server-error"
                .parse::<Fault>()
                .expect("fault"),
        )
        .fault(
            "UploadLayerPart:3:server-error-after"
                .parse::<Fault>()
                .expect("fault"),
        )
        .fault(
            "UploadLayerPart:5:delay-ms=300"
                .parse::<Fault>()
                .expect("fault"),
        )
        .start()
        .expect("fake");
    let received = || {
        fake.responder()
            .with_registry(|r| r.upload(SEED_UPLOAD_ID).map(|u| u.received()))
    };
    let body = part_body(0, b"hello");
    let a = call(fake.addr(), "UploadLayerPart", &body);
    assert_eq!(
        (a.status, a.json()["__type"].as_str()),
        (400, Some("ThrottlingException"))
    );
    assert_eq!(a.json()["message"], "Rate exceeded");
    assert_eq!(received(), Some(0));
    let a = call(fake.addr(), "UploadLayerPart", &body);
    assert_eq!(
        (a.status, a.json()["__type"].as_str()),
        (500, Some("ServerException"))
    );
    assert_eq!(received(), Some(0));
    let a = call(fake.addr(), "UploadLayerPart", &body);
    assert_eq!(
        (a.status, a.json()["__type"].as_str()),
        (500, Some("ServerException"))
    );
    assert_eq!(received(), Some(5), "applied before the 500");
    // The client's retry is a re-send, refused with where to resume.
    let a = call(fake.addr(), "UploadLayerPart", &body);
    assert_eq!(a.json()["__type"], "InvalidLayerPartException");
    assert_eq!(a.json()["lastValidByteReceived"], 4);
    let started = Instant::now();
    let a = call(fake.addr(), "UploadLayerPart", &part_body(5, b"world"));
    assert_eq!(a.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn the_responder_mounts_on_a_wiremock_mock_server() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let responder = FakeEcr::builder()
            .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
            .responder()
            .expect("responder");
        let server = wiremock::MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(responder.clone())
            .mount(&server)
            .await;
        let addr = *server.address();
        let answers = tokio::task::spawn_blocking(move || {
            (
                call(addr, "UploadLayerPart", &part_body(0, b"hello")),
                call(addr, "TagResource", b"{}"),
            )
        })
        .await
        .expect("calls");
        assert_eq!(answers.0.status, 200);
        assert_eq!(answers.0.json()["lastByteReceived"], 4);
        assert_eq!(answers.1.json()["__type"], "UnknownOperationException");
        assert_eq!(
            responder.with_registry(|r| r.upload(SEED_UPLOAD_ID).map(|u| u.received())),
            Some(5)
        );
    });
}
