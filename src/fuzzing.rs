//! Entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs` are one-line shims over
//! these), so the normal build type-checks the fuzz logic and `cargo test` replays the
//! committed corpora through the same functions (`tests/fuzz_corpus.rs`).
//!
//! Each function panics when the property it checks breaks: that is how a fuzzer learns.

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;

use crate::fake::{FakeEcr, HttpRequest, SigV4Keys};
use crate::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use crate::model::{Registry, Request};
use crate::strategy::Step;
use crate::wire::{self, Operation};

/// Every error name the fake may answer with when no fault is injected: the model's.
pub fn known_errors() -> &'static [&'static str] {
    crate::model::EcrError::model_names()
}

/// `wire_request`: arbitrary bytes as the body of each operation: decoding never panics,
/// and whatever decodes re-encodes and decodes to the same request.
pub fn wire_request(data: &[u8]) {
    for op in Operation::ALL {
        let decoded = wire::decode_operation(op, data);
        if matches!(
            decoded,
            Request::Malformed { .. } | Request::UnknownOperation { .. }
        ) {
            continue;
        }
        let Some((again_op, body)) = wire::encode_request(&decoded) else {
            panic!("{op}: a decoded request has no encoding: {decoded:?}");
        };
        assert_eq!(again_op, op);
        assert_eq!(
            wire::decode_operation(op, &body),
            decoded,
            "{op}: round trip changed the request"
        );
    }
}

const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/x-amz-json-1.1"),
    Some("application/x-amz-json-1.1; charset=utf-8"),
    Some("application/json"),
    None,
];

/// `fake_http`: an arbitrary target, content type and body through the fake's responder:
/// always a well-formed awsJson answer, 200 or 400 with a known error name, never a panic.
/// Input: one byte picks the target (an operation, none, or the next bytes as text), one
/// the content type, one the method; the rest is the body.
pub fn fake_http(data: &[u8]) {
    let [t, c, m, body @ ..] = data else { return };
    let targets: Vec<String> = Operation::ALL.iter().map(|o| o.target()).collect();
    let target = match usize::from(*t) {
        i if i < targets.len() => Some(targets[i].clone()),
        6 => None,
        _ => Some(String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned()),
    };
    // One method byte in four turns signature checking on; the body's first two lines
    // are then the Authorization and X-Amz-Date headers. No fuzzer forges HMAC-SHA256, so
    // every such request must be refused before it reaches the model.
    let signed = *m % 4 == 3;
    let mut lines = body.split(|b| *b == b'\n').map(String::from_utf8_lossy);
    let (auth, date) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let headers: Vec<(&str, &str)> = if signed {
        vec![
            ("authorization", &auth),
            ("x-amz-date", &date),
            ("host", "h"),
        ]
    } else {
        Vec::new()
    };
    let mut builder = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .id_seed(1);
    if signed {
        builder = builder.require_sigv4(SigV4Keys::new("AKIDFUZZ", "fuzz-secret"));
    }
    let responder = builder.responder().expect("the seed setup is valid");
    let before = responder.with_registry(Registry::clone);
    let answer = responder.handle(HttpRequest {
        method: if *m % 8 == 0 { "GET" } else { "POST" },
        path: if *m % 16 == 1 { "/x" } else { "/" },
        query: "",
        headers: &headers,
        content_type: CONTENT_TYPES[usize::from(*c) % CONTENT_TYPES.len()],
        target: target.as_deref(),
        body,
        shared: None,
    });
    let json: serde_json::Value = serde_json::from_slice(&answer.body).expect("the answer is JSON");
    assert!(json.is_object(), "the answer is a JSON object");
    let name = json["__type"].as_str();
    if signed {
        assert!(
            SIGNATURE_ERRORS.contains(&name.unwrap_or_default()),
            "an unsigned request got {} {name:?}",
            answer.status
        );
        assert!(matches!(answer.status, 400 | 403));
        assert!(
            responder.with_registry(|r| *r == before),
            "a refused request changed the registry"
        );
        return;
    }
    match answer.status {
        200 => assert!(answer.error_name().is_none()),
        400 => {
            let name = name.expect("__type");
            assert!(known_errors().contains(&name), "unknown error name {name}");
            assert_eq!(answer.error_name(), Some(name));
        }
        other => panic!("status {other} without an injected fault"),
    }
}

/// The errors of a signature-checking fake, given before a request reaches the model.
pub const SIGNATURE_ERRORS: &[&str] = &[
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
];

/// `model_ops`: structure-aware sequences of operations, small blobs described by length
/// and fill seed; the model's invariants ([`crate::model::Invariants`]) hold after every
/// step.
pub fn model_ops(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(mut steps) = Vec::<Step>::arbitrary(&mut u) else {
        return;
    };
    steps.truncate(64);
    for s in &mut steps {
        if let Step::Part { len, .. } = s {
            *len %= 4097; // small blobs: the fuzzer explores ranges, not megabytes
        }
    }
    if let Err(e) = crate::strategy::check_step_invariants(&steps) {
        panic!("{e}\nsteps: {steps:?}");
    }
}

/// `base64_blob`: the blob decoder agrees with the `base64` crate's strict standard engine
/// on every padded text, and with its no-padding engine on every unpadded one.
pub fn base64_blob(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = wire::blob::decode(text);
    let strict = base64::engine::general_purpose::STANDARD.decode(text);
    let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.decode(text);
    match &ours {
        Ok(b) if b.padded => assert_eq!(Some(&b.bytes()[..]), strict.as_deref().ok(), "{text:?}"),
        Ok(b) => {
            assert_eq!(Some(&b.bytes()[..]), unpadded.as_deref().ok(), "{text:?}");
            assert!(
                strict.is_err(),
                "{text:?}: unpadded, yet the strict engine took it"
            );
        }
        Err(_) => assert!(
            strict.is_err() && unpadded.is_err(),
            "{text:?}: refused, yet an engine took it"
        ),
    }
    // The check without decoding agrees with decoding, and a blob kept as its checked text
    // decodes, chunk by chunk, to the same bytes.
    let checked = wire::blob::check(data);
    assert_eq!(
        checked,
        ours.as_ref().ok().map(|b| (b.len(), b.padded)),
        "{text:?}"
    );
    if let (Ok(b), Some((len, padded))) = (&ours, checked) {
        let lazy = crate::model::PartBlob::from_checked_base64(
            bytes::Bytes::copy_from_slice(data),
            len,
            padded,
        );
        assert_eq!(&lazy, b, "{text:?}");
        assert_eq!(lazy.to_base64(), text);
    }
    if let Ok(b) = ours {
        assert_eq!(
            wire::blob::decode(&b.to_base64()).map(|x| x.bytes()),
            Ok(b.bytes())
        );
    }
}

/// `error_name`: the sanitizer never panics and is idempotent.
pub fn error_name(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let once = wire::sanitize_error_name(&text);
    assert_eq!(wire::sanitize_error_name(once), once, "{text:?}");
    assert!(
        !once.contains(':') && !once.contains('#'),
        "{text:?} -> {once:?}"
    );
}

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("wire_request", wire_request),
    ("fake_http", fake_http),
    ("model_ops", model_ops),
    ("base64_blob", base64_blob),
    ("error_name", error_name),
];

/// Seed inputs for each target, made from the fixtures: wire request bodies (blobs over
/// 4 KiB shrunk to a word), their HTTP framing for `fake_http`, the blob texts, and the
/// error-name spellings. `tests/fuzz_corpus.rs` keeps `fuzz/corpus/` in step with these.
pub fn seed_corpus(fixtures: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut bodies: Vec<(Operation, Vec<u8>)> = Vec::new();
    for case in crate::fixture::wire_cases(fixtures).unwrap_or_default() {
        let Ok(mut v) = case.request_json() else {
            continue;
        };
        if v.get("layerPartBlob").is_some_and(|b| b.is_object()) {
            v["layerPartBlob"] = "aGVsbG8=".into();
        }
        bodies.push((case.operation, v.to_string().into_bytes()));
    }
    for (i, (op, body)) in bodies.iter().enumerate() {
        out.push(("wire_request", body.clone()));
        let index = Operation::ALL.iter().position(|o| o == op).unwrap_or(0) as u8;
        let mut framed = vec![index, (i % 4) as u8, 1];
        framed.extend_from_slice(body);
        out.push(("fake_http", framed));
    }
    out.push((
        "fake_http",
        [
            &[7u8, 0, 1][..],
            b"AmazonEC2ContainerRegistry_V20150921.PutImage",
        ]
        .concat(),
    ));
    out.push(("fake_http", vec![6, 0, 1, b'{', b'}']));
    out.push(("fake_http", vec![3, 0, 8, b'[', b']']));
    for text in [
        "aGVsbG8=", "aGVsbG8", "", "YQ==", "YQ", "Y Q==", "aGk-", "aGl=", "////", "AAAA====",
    ] {
        out.push(("base64_blob", text.as_bytes().to_vec()));
    }
    for name in [
        "InvalidLayerPartException",
        "com.amazonaws.ecr#InvalidLayerPartException",
        "InvalidLayerPartException:http://internal.amazon.com/coral/com.amazonaws.ecr/",
        "com.amazonaws.ecr#UploadNotFoundException:http://x/#y",
        " a#b#c ",
    ] {
        out.push(("error_name", name.as_bytes().to_vec()));
    }
    for seed in 0..8u64 {
        out.push((
            "model_ops",
            crate::strategy::fill(64 + 32 * seed as usize, seed),
        ));
    }
    out
}
