//! The runner over each transport: the fake's responder in process (no socket), the fake's
//! own server, and a wiremock `MockServer` with the responder mounted (beside other mocks).
//! Generated sequences give the same verdicts on all three, and a defect in the mounted
//! responder fails them.

use std::time::Duration;

use ecr_conformance::fake::{FakeEcr, Quirk, Responder};
use ecr_conformance::model::Profile;
use ecr_conformance::runner::{self, Endpoint, Keys, Report, RunConfig, Transport};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config() -> RunConfig {
    RunConfig {
        cases: 48,
        seed: 9,
        ..RunConfig::new(Profile::ecr())
    }
}

fn endpoint(url: &str) -> Endpoint {
    Endpoint::new(url, "us-east-1", Keys::test(), Duration::from_secs(30))
}

fn run(transport: &dyn Transport) -> Report {
    runner::run(transport, "test", &config()).expect("run")
}

/// Per rule: verdict and how often it was checked.
fn table(report: &Report) -> Vec<(&'static str, &'static str, u32)> {
    report
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.verdict.as_str(), r.checked))
        .collect()
}

/// A wiremock server with an S3-like object beside the fake ECR endpoint, as a user would
/// mount both: every awsJson call is `POST /`, and the fake answers all of them (a request
/// with no or another `X-Amz-Target` must get its UnknownOperationException from the fake,
/// not wiremock's 404).
async fn mock_server(responder: Responder) -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording() // 20 MiB parts must not pile up in memory
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/bucket/layer.tar"))
        .respond_with(ResponseTemplate::new(200).set_body_string("an object in S3"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn generated_sequences_give_the_same_verdicts_in_process_on_the_fake_server_and_on_wiremock() {
    let in_process = run(&FakeEcr::builder().responder().expect("responder"));
    assert!(in_process.passed(), "{}", in_process.text());
    let fake = FakeEcr::builder().start().expect("fake");
    let served = run(&endpoint(&fake.uri()));
    let rt = tokio();
    let server = rt.block_on(mock_server(
        FakeEcr::builder().responder().expect("responder"),
    ));
    let mocked = run(&endpoint(&server.uri()));
    assert!(mocked.passed(), "{}", mocked.text());
    assert_eq!(table(&in_process), table(&served));
    assert_eq!(table(&in_process), table(&mocked));
}

#[test]
fn a_defect_in_the_responder_mounted_on_wiremock_fails_the_generated_sequences() {
    let rt = tokio();
    let responder = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .responder()
        .expect("responder");
    let server = rt.block_on(mock_server(responder));
    let report = runner::run(
        &endpoint(&server.uri()),
        "wiremock",
        &RunConfig {
            filter: Some(regex::Regex::new("^generated$").expect("regex")),
            ..config()
        },
    )
    .expect("run");
    let generated = report.generated.as_ref().expect("generated ran");
    let failure = generated.failure.as_ref().expect("a failing sequence");
    assert!(
        failure
            .steps
            .iter()
            .any(|s| s.divergences.iter().any(|d| d.rule == "PART-6")),
        "{}",
        report.text()
    );
    assert!(!report.passed());
}

#[test]
fn the_fake_answers_beside_a_users_other_mocks_on_one_mock_server() {
    let rt = tokio();
    let server = rt.block_on(mock_server(
        FakeEcr::builder().responder().expect("responder"),
    ));
    let report = runner::run(
        &endpoint(&server.uri()),
        "wiremock",
        &RunConfig {
            cases: 8,
            ..config()
        },
    )
    .expect("run");
    assert!(report.passed(), "{}", report.text());
    // The other mock still answers its own requests.
    let url = format!("{}/bucket/layer.tar", server.uri());
    let body = std::thread::spawn(move || {
        ureq::get(&url)
            .call()
            .expect("GET")
            .body_mut()
            .read_to_string()
            .expect("body")
    })
    .join()
    .expect("thread");
    assert_eq!(body, "an object in S3");
}
