//! `require_sigv4`: clients that sign correctly (aws-sdk-ecr, botocore, the runner) are
//! served; unsigned, wrongly keyed, tampered and stale requests are refused with the error
//! AWS gives, and nothing of them reaches the model.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as SigningCredentials;
use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use common::clients;
use common::http::{RawAnswer, send_raw};
use ecr_conformance::fake::{FakeEcr, Keys};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::runner::{self, Endpoint, RunConfig};
use ecr_conformance::strategy::fill;

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "interop-test-secret";
const TOKEN: &str = "interop-token";
const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.CreateRepository";

fn signing_fake() -> FakeEcr {
    FakeEcr::builder()
        .require_sigv4(Keys::new(KEY, SECRET).with_session_token(TOKEN))
        .start()
        .expect("fake")
}

/// Signs a CreateRepository request as aws-sigv4 does, at `time`, with `secret`.
fn signed_headers(
    addr: SocketAddr,
    body: &[u8],
    secret: &str,
    time: SystemTime,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("host".to_owned(), addr.to_string()),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("x-amz-target".to_owned(), TARGET.to_owned()),
    ];
    let identity =
        SigningCredentials::new(KEY, secret, Some(TOKEN.to_owned()), None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("ecr")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let url = format!("http://{addr}/");
    let request = SignableRequest::new(
        "POST",
        &url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _) = sign(request, &params).expect("sign").into_parts();
    for (k, v) in instructions.headers() {
        headers.push((k.to_owned(), v.to_owned()));
    }
    headers
}

fn send(addr: SocketAddr, headers: &[(String, String)], body: &[u8]) -> RawAnswer {
    let mut head = String::from("POST / HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    send_raw(addr, &head, body).expect("answer")
}

fn refused_as(answer: &RawAnswer, status: u16, name: &str) -> String {
    let json = answer.json();
    assert_eq!(
        (answer.status, json["__type"].as_str()),
        (status, Some(name)),
        "{json}"
    );
    assert_eq!(answer.header("x-amzn-ErrorType"), Some(name));
    json["message"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn signed_requests_are_served_and_unsigned_tampered_stale_or_foreign_ones_are_refused() {
    let fake = signing_fake();
    let addr = fake.addr();
    let body = br#"{"repositoryName":"signed"}"#;
    let now = SystemTime::now();

    let good = signed_headers(addr, body, SECRET, now);
    assert_eq!(send(addr, &good, body).status, 200, "a correct signature");

    let without = |drop: &str| -> Vec<(String, String)> {
        good.iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(drop))
            .cloned()
            .collect()
    };
    let replaced = |name: &str, value: &str| -> Vec<(String, String)> {
        good.iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case(name) {
                    (k.clone(), value.to_owned())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect()
    };
    let auth = good
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone())
        .expect("authorization");

    type Case<'a> = (&'a str, Vec<(String, String)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "unsigned",
            without("authorization"),
            body.to_vec(),
            403,
            "MissingAuthenticationTokenException",
        ),
        (
            "tampered body",
            good.clone(),
            br#"{"repositoryName":"signee"}"#.to_vec(),
            403,
            "InvalidSignatureException",
        ),
        (
            "tampered target header",
            replaced(
                "x-amz-target",
                "AmazonEC2ContainerRegistry_V20150921.DeleteRepository",
            ),
            body.to_vec(),
            403,
            "InvalidSignatureException",
        ),
        (
            "wrong secret",
            signed_headers(addr, body, "not-the-secret", now),
            body.to_vec(),
            403,
            "InvalidSignatureException",
        ),
        (
            "unknown key",
            replaced("authorization", &auth.replace(KEY, "AKIDUNKNOWN")),
            body.to_vec(),
            403,
            "UnrecognizedClientException",
        ),
        (
            "wrong session token",
            replaced("x-amz-security-token", "another-token"),
            body.to_vec(),
            403,
            "UnrecognizedClientException",
        ),
        (
            "stale date",
            signed_headers(addr, body, SECRET, now - Duration::from_secs(20 * 60)),
            body.to_vec(),
            403,
            "InvalidSignatureException",
        ),
        (
            "date from the future",
            signed_headers(addr, body, SECRET, now + Duration::from_secs(20 * 60)),
            body.to_vec(),
            403,
            "InvalidSignatureException",
        ),
        (
            "target header left out of the signature",
            replaced(
                "authorization",
                &auth
                    .replace(";x-amz-target", "")
                    .replace("x-amz-target;", ""),
            ),
            body.to_vec(),
            403,
            "InvalidSignatureException",
        ),
        (
            "malformed authorization",
            replaced("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE"),
            body.to_vec(),
            400,
            "IncompleteSignatureException",
        ),
        (
            "no date",
            without("x-amz-date"),
            body.to_vec(),
            400,
            "IncompleteSignatureException",
        ),
    ];
    let before = fake.responder().with_registry(Clone::clone);
    for (label, headers, body, status, name) in &cases {
        let answer = send(addr, headers, body);
        let message = refused_as(&answer, *status, name);
        assert!(
            !message.contains(SECRET) && !message.contains(TOKEN),
            "{label}: the message repeats a secret: {message}"
        );
        if *label == "stale date" {
            assert!(message.starts_with("Signature expired"), "{message}");
        }
        if *label == "target header left out of the signature" {
            assert!(message.contains("must be a signed header"), "{message}");
        }
    }
    assert!(
        fake.responder().with_registry(|r| *r == before),
        "a refused request reached the model"
    );
}

fn sdk_client(endpoint: &str, key: &str, secret: &str) -> aws_sdk_ecr::Client {
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            key,
            secret,
            Some(TOKEN.to_owned()),
            None,
            "test",
        ))
        .build();
    aws_sdk_ecr::Client::from_conf(config)
}

#[tokio::test]
async fn aws_sdk_ecr_signatures_are_accepted_and_a_wrong_secret_or_key_is_refused() {
    let fake = signing_fake();
    let ecr = sdk_client(&fake.uri(), KEY, SECRET);
    ecr.create_repository()
        .repository_name("sdk-signed")
        .send()
        .await
        .expect("create");
    let layer = fill(6 * 1024 * 1024 + 5, 9);
    let id = ecr
        .initiate_layer_upload()
        .repository_name("sdk-signed")
        .send()
        .await
        .expect("initiate")
        .upload_id
        .expect("uploadId");
    let mut first = 0;
    for chunk in layer.chunks(5 * 1024 * 1024) {
        let last = first + chunk.len() - 1;
        ecr.upload_layer_part()
            .repository_name("sdk-signed")
            .upload_id(&id)
            .part_first_byte(first as i64)
            .part_last_byte(last as i64)
            .layer_part_blob(aws_sdk_ecr::primitives::Blob::new(chunk.to_vec()))
            .send()
            .await
            .expect("part");
        first = last + 1;
    }
    let done = ecr
        .complete_layer_upload()
        .repository_name("sdk-signed")
        .upload_id(&id)
        .layer_digests(digest_of(&layer))
        .send()
        .await
        .expect("complete");
    assert_eq!(done.layer_digest(), Some(digest_of(&layer).as_str()));

    for (key, secret, name) in [
        (KEY, "not-the-secret", "InvalidSignatureException"),
        ("AKIDUNKNOWN", SECRET, "UnrecognizedClientException"),
    ] {
        let err = sdk_client(&fake.uri(), key, secret)
            .create_repository()
            .repository_name("sdk-refused")
            .send()
            .await
            .expect_err("refused");
        let meta = aws_sdk_ecr::error::ProvideErrorMetadata::meta(&err);
        assert_eq!(meta.code(), Some(name), "{err:?}");
    }
    assert!(
        !fake
            .responder()
            .with_registry(|r| r.has_repository("sdk-refused"))
    );
}

#[test]
fn botocore_signatures_are_accepted_and_a_wrong_secret_key_or_token_is_refused() {
    let fake = signing_fake();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/boto3_client.py");
    let mut cmd = clients::with_test_env(std::process::Command::new(clients::python()));
    cmd.arg(script).arg(fake.uri()).arg("signed");
    let out = clients::json_of(&clients::run(cmd));
    assert_eq!(out["size"], 5 * 1024 * 1024 + 1);
    assert_eq!(
        out["refused"],
        serde_json::json!({
            "wrong secret": [403, "InvalidSignatureException"],
            "unknown key": [403, "UnrecognizedClientException"],
            "no token": [403, "UnrecognizedClientException"],
        })
    );
    fake.responder().with_registry(|r| {
        assert!(r.has_repository("signed"));
        for label in ["wrong-secret", "unknown-key", "no-token"] {
            assert!(!r.has_repository(&format!("refused-{label}")));
        }
    });
}

#[test]
fn the_runner_signs_every_request_so_a_signature_checking_fake_passes_the_suite() {
    let fake = signing_fake();
    let config = RunConfig {
        cases: 16,
        ..RunConfig::new(ecr_conformance::model::Profile::ecr())
    };
    let keys = Keys::new(KEY, SECRET).with_session_token(TOKEN);
    let endpoint = Endpoint::new(&fake.uri(), "us-east-1", keys, Duration::from_secs(30));
    let report = runner::run(&endpoint, "signing fake", &config).expect("run");
    assert!(report.passed(), "{}", report.text());

    let wrong = Endpoint::new(
        &fake.uri(),
        "us-east-1",
        Keys::new(KEY, "not-the-secret").with_session_token(TOKEN),
        Duration::from_secs(30),
    );
    // The refused setup is a report that says so, with the target's error name.
    let refused = runner::run(&wrong, "signing fake", &config).expect("a report");
    let stopped = refused.stopped.clone().expect("stopped");
    assert!(
        matches!(
            &stopped.reason,
            runner::StopReason::SetupRefused {
                error_name: Some(ecr_conformance::ErrorCode::InvalidSignature),
                ..
            }
        ),
        "{stopped:?}"
    );
    assert!(!refused.passed());
}
