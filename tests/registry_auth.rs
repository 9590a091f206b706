//! REG-1 on the fake: `require_auth` makes `/v2/` demand HTTP Basic `AWS:<password>` with a
//! password the fake's `GetAuthorizationToken` issued; none or a wrong one is 401 with ECR's
//! `Www-Authenticate: Basic`, an expired one 403 `DENIED`; the storage a blob GET redirects
//! to takes no credentials at all.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::http::{RawAnswer, call};
use ecr_conformance::fake::FakeEcr;
use ecr_conformance::model::digest::digest_of;

fn send(method: &str, url: &str, auth: Option<&str>, body: &[u8]) -> RawAnswer {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
    common::http::request(method, url, &headers, body)
}

/// The OCI error code of an answer.
fn code(a: &RawAnswer) -> String {
    let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_default();
    v["errors"][0]["code"]
        .as_str()
        .unwrap_or("(none)")
        .to_owned()
}

/// `Basic <token>` from the fake's GetAuthorizationToken, and its proxyEndpoint.
fn login(fake: &FakeEcr) -> (String, String) {
    let answer = call(fake.addr(), "GetAuthorizationToken", b"{}").json();
    let data = &answer["authorizationData"][0];
    let token = data["authorizationToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&token)
        .expect("base64");
    assert!(decoded.starts_with(b"AWS:"), "the token is AWS:<password>");
    assert!(
        data["expiresAt"].as_f64().is_some_and(|t| t > 1.7e9),
        "{data}"
    );
    let endpoint = data["proxyEndpoint"].as_str().expect("endpoint").to_owned();
    (format!("Basic {token}"), endpoint)
}

#[test]
fn reg_1_v2_demands_a_token_the_fake_issued_and_the_storage_takes_none() {
    let fake = FakeEcr::builder()
        .repository("team/app")
        .require_auth(true)
        .start()
        .expect("fake");
    let ping = format!("{}/v2/", fake.uri());
    let none = send("GET", &ping, None, b"");
    assert_eq!((none.status, code(&none)), (401, "UNAUTHORIZED".to_owned()));
    let host = fake.addr().to_string();
    assert_eq!(
        none.header("www-authenticate"),
        Some(format!("Basic realm=\"http://{host}/\",service=\"ecr.amazonaws.com\"").as_str())
    );
    // Another user, another scheme, a password never issued: all 401.
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    for wrong in [
        format!("Basic {}", b64("root:secret")),
        format!("Basic {}", b64("AWS:never-issued")),
        "Bearer abc".to_owned(),
    ] {
        assert_eq!(send("GET", &ping, Some(&wrong), b"").status, 401, "{wrong}");
    }

    let (auth, endpoint) = login(&fake);
    assert_eq!(endpoint, fake.uri(), "proxyEndpoint is where /v2/ answers");
    assert_eq!(send("GET", &ping, Some(&auth), b"").status, 200);
    // Every route asks, not only the ping.
    let uploads = format!("{}/v2/team/app/blobs/uploads/", fake.uri());
    assert_eq!(send("POST", &uploads, None, b"").status, 401);

    // A push with the token, then a pull: the blob GET's redirect goes to the storage,
    // which refuses the registry's credentials and serves without them.
    let blob = b"layer bytes";
    let digest = digest_of(blob);
    let started = send("POST", &uploads, Some(&auth), b"");
    assert_eq!(started.status, 202);
    let location = started.header("location").expect("Location").to_owned();
    let put = send(
        "PUT",
        &format!("{location}?digest={digest}"),
        Some(&auth),
        blob,
    );
    assert_eq!(put.status, 201);
    let config_digest = digest_of(b"{}");
    let started = send("POST", &uploads, Some(&auth), b"");
    let location = started.header("location").expect("Location").to_owned();
    send(
        "PUT",
        &format!("{location}?digest={config_digest}"),
        Some(&auth),
        b"{}",
    );
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": blob.len()}],
    })
    .to_string();
    let put = common::http::request(
        "PUT",
        &format!("{}/v2/team/app/manifests/v1", fake.uri()),
        &[
            ("authorization", &auth),
            ("content-type", "application/vnd.oci.image.manifest.v1+json"),
        ],
        manifest.as_bytes(),
    );
    assert_eq!(put.status, 201);
    let get = send(
        "GET",
        &format!("{}/v2/team/app/blobs/{digest}", fake.uri()),
        Some(&auth),
        b"",
    );
    assert_eq!(get.status, 307);
    let storage = get.header("location").expect("Location").to_owned();
    assert_eq!(send("GET", &storage, Some(&auth), b"").status, 400);
    let served = send("GET", &storage, None, b"");
    assert_eq!((served.status, served.body.as_slice()), (200, &blob[..]));
}

#[test]
fn reg_1_an_expired_token_is_403_denied_with_ecrs_message() {
    let fake = FakeEcr::builder()
        .require_auth(true)
        .token_lifetime(Duration::from_secs(2))
        .start()
        .expect("fake");
    let (auth, _) = login(&fake);
    let ping = format!("{}/v2/", fake.uri());
    assert_eq!(send("GET", &ping, Some(&auth), b"").status, 200);
    // The clock counts whole seconds: a 2 s token has expired 3.1 s on.
    std::thread::sleep(Duration::from_millis(3100));
    let expired = send("GET", &ping, Some(&auth), b"");
    assert_eq!((expired.status, code(&expired)), (403, "DENIED".to_owned()));
    let v: serde_json::Value = serde_json::from_slice(&expired.body).expect("JSON");
    assert_eq!(
        v["errors"][0]["message"],
        "Your authorization token has expired. Reauthenticate and try again."
    );
    // A fresh token works again.
    let (auth, _) = login(&fake);
    assert_eq!(send("GET", &ping, Some(&auth), b"").status, 200);
}

#[test]
fn without_require_auth_v2_takes_any_or_no_credentials() {
    let fake = FakeEcr::builder().start().expect("fake");
    let ping = format!("{}/v2/", fake.uri());
    assert_eq!(send("GET", &ping, None, b"").status, 200);
    assert_eq!(
        send("GET", &ping, Some("Basic Zm9vOmJhcg=="), b"").status,
        200
    );
}
