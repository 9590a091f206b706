//! Entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs` are one-line shims over
//! these), so the normal build type-checks the fuzz logic and `cargo test` replays the
//! committed corpora through the same functions (`tests/fuzz_corpus.rs`).
//!
//! Each function panics when the property it checks breaks: that is how a fuzzer learns.

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;

use crate::fake::{FakeEcr, HttpRequest, Keys};
use crate::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use crate::model::{Registry, Request};
use crate::protocol::WireRequest;
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
    let targets: Vec<String> = Operation::ALL.iter().map(|o| o.x_amz_target()).collect();
    let target = match usize::from(*t) {
        i if i < targets.len() => Some(targets[i].clone()),
        i if i == targets.len() => None,
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
    // No blob store: a directory made and removed per input would cost more than the
    // input (the store's own paths are tested, not fuzzed).
    let mut builder = FakeEcr::builder()
        .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
        .id_seed(1)
        .store(crate::fake::StoreAt::Off);
    if signed {
        builder = builder.require_sigv4(Keys::new("AKIDFUZZ", "fuzz-secret"));
    }
    let responder = builder.responder().expect("the seed setup is valid");
    let before = responder.with_registry(Registry::clone);
    let answer = responder.handle(HttpRequest {
        method: if *m % 8 == 0 { "GET" } else { "POST" },
        path: if *m % 16 == 1 { "/x" } else { "/" },
        query: "",
        headers: &headers,
        content_type: CONTENT_TYPES[usize::from(*c) % CONTENT_TYPES.len()],
        x_amz_target: target.as_deref(),
        body,
        decoded: None,
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

/// `put_image`: arbitrary text as a manifest (the first byte picks a tag and whether the
/// media type goes as a parameter), put through the fake's responder into a repository
/// holding one layer: parsing never panics, the answer is the model's, and a stored image
/// has the SHA-256 of the text as its digest and comes back byte for byte.
pub fn put_image(data: &[u8]) {
    let [mode, rest @ ..] = data else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    let _ = crate::model::manifest::parse(&text, None, mode & 4 != 0);
    let responder = FakeEcr::builder()
        .layer(SEED_REPOSITORY, &b"hello"[..])
        .id_seed(1)
        .store(crate::fake::StoreAt::Off)
        .responder()
        .expect("the setup is valid");
    let tag = ["v1", "", "bad/tag", "latest"][usize::from(mode & 3)];
    let mut body = serde_json::json!({"repositoryName": SEED_REPOSITORY, "imageManifest": text});
    if !tag.is_empty() {
        body["imageTag"] = tag.into();
    }
    if mode & 8 != 0 {
        body["imageManifestMediaType"] = crate::model::manifest::OCI_MANIFEST.into();
    }
    let send = |op: Operation, body: &serde_json::Value| {
        let bytes = body.to_string().into_bytes();
        let target = op.x_amz_target();
        let answer = responder.handle(HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &[],
            content_type: Some(wire::CONTENT_TYPE),
            x_amz_target: Some(&target),
            body: &bytes,
            decoded: None,
        });
        let json: serde_json::Value =
            serde_json::from_slice(&answer.body).expect("the answer is JSON");
        (answer.status, json)
    };
    let (status, answer) = send(Operation::PutImage, &body);
    match status {
        200 => {
            let digest = crate::model::digest::digest_of(text.as_bytes());
            assert_eq!(answer["image"]["imageId"]["imageDigest"], digest.as_str());
            assert_eq!(answer["image"]["imageManifest"], text.as_str());
            let (_, got) = send(
                Operation::BatchGetImage,
                &serde_json::json!({"repositoryName": SEED_REPOSITORY,
                    "imageIds": [{"imageDigest": digest}]}),
            );
            assert_eq!(got["images"][0]["imageManifest"], text.as_str());
        }
        400 => {
            let name = answer["__type"].as_str().expect("__type");
            assert!(known_errors().contains(&name), "unknown error name {name}");
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
    // The check without decoding agrees with decoding, and the streaming decoder, fed the
    // text a character at a time and in two pieces cut anywhere, decodes the same bytes.
    let checked = wire::blob::check(data);
    assert_eq!(
        checked,
        ours.as_ref().ok().map(|b| (b.len(), b.padded)),
        "{text:?}"
    );
    let cut = data.first().map_or(0, |b| usize::from(*b)) % (data.len() + 1);
    let pieces: [Vec<&[u8]>; 2] = [data.chunks(1).collect(), vec![&data[..cut], &data[cut..]]];
    for pieces in pieces {
        let mut decoder = wire::blob::Decoder::new();
        let mut out = Vec::new();
        let mut sink = |b: &[u8]| out.extend_from_slice(b);
        let fed = pieces.iter().all(|p| decoder.push(p, &mut sink).is_ok());
        let streamed = if fed {
            decoder.finish(&mut sink).ok()
        } else {
            None
        };
        assert_eq!(
            streamed,
            ours.as_ref().ok().map(|b| (b.len(), b.padded)),
            "{text:?}: the streaming decoder disagrees"
        );
        if let Ok(b) = &ours {
            assert_eq!(&out[..], &b.bytes()[..], "{text:?}");
        }
    }
    if let Ok(b) = ours {
        assert_eq!(
            wire::blob::decode(&b.to_base64()).map(|x| x.bytes()),
            Ok(b.bytes())
        );
    }
}

/// `part_stream`: an `UploadLayerPart` body cut into frames at fuzzer-chosen points is
/// decoded as it arrives ([`wire::stream::PartIngest`]) to exactly the request the
/// whole-body decoder gives, and applying either leaves the same answer and the same upload
/// hash. Input: one byte says how many frame sizes follow (0 to 7, each 1 to 256 bytes,
/// cycled); the rest is the body, with `@id` standing for the open upload's id.
pub fn part_stream(data: &[u8]) {
    let [n, rest @ ..] = data else { return };
    let n = usize::from(*n % 8).min(rest.len());
    let (sizes, body) = rest.split_at(n);
    let body = replace_all(body, b"@id", SEED_UPLOAD_ID.as_bytes());
    let sizes: Vec<usize> = sizes.iter().map(|s| usize::from(*s) + 1).collect();
    let frames = cut_frames(&body, &sizes);
    let _ = streamed_and_whole_agree_on(&body, &frames);
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// `body` cut into frames of these sizes, cycled (one frame when `sizes` is empty).
pub fn cut_frames(body: &[u8], sizes: &[usize]) -> Vec<bytes::Bytes> {
    let body = bytes::Bytes::copy_from_slice(body);
    if sizes.is_empty() {
        return vec![body];
    }
    let mut frames = Vec::new();
    let mut at = 0;
    for size in sizes.iter().cycle() {
        if at >= body.len() {
            break;
        }
        let end = (at + (*size).max(1)).min(body.len());
        frames.push(body.slice(at..end));
        at = end;
    }
    frames
}

/// How a body went through [`streamed_and_whole_agree_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamPath {
    /// Decoded as it arrived, the upload's hash carried over the blob on the way.
    Speculated,
    /// Decoded as it arrived, the blob hashed again when applied.
    Streamed,
    /// Handed to the whole-body decoder.
    Whole,
}

/// Feeds `frames` (the cut `body`) to the streaming ingest, asking a registry holding the
/// seed upload (one part in already) for its hash, and `body` whole to the whole-body
/// decoder; panics unless both give the same request, the same answer when applied, and
/// the same registry after. Tells which path the stream took.
pub fn streamed_and_whole_agree_on(body: &[u8], frames: &[bytes::Bytes]) -> StreamPath {
    let target = Operation::UploadLayerPart.x_amz_target();
    let ct = Some(wire::CONTENT_TYPE);
    let mut whole_registry = Registry::new(crate::model::Profile::ecr());
    let created =
        whole_registry.apply(&Request::CreateRepository(crate::model::CreateRepository {
            repository_name: Some(SEED_REPOSITORY.to_owned()),
            ..Default::default()
        }));
    assert!(created.is_ok(), "{created:?}");
    let opened = whole_registry.open_upload(SEED_REPOSITORY, SEED_UPLOAD_ID);
    assert!(opened.is_ok(), "{opened:?}");
    let first = whole_registry.apply(&Request::UploadLayerPart(crate::model::UploadLayerPart {
        repository_name: Some(SEED_REPOSITORY.to_owned()),
        upload_id: Some(SEED_UPLOAD_ID.to_owned()),
        part_first_byte: Some(0),
        part_last_byte: Some(2),
        layer_part_blob: Some(crate::model::PartBlob::new(&b"abc"[..])),
        ..Default::default()
    }));
    assert!(first.is_ok(), "{first:?}");
    let mut streamed_registry = whole_registry.clone();

    let call = |body: &[u8]| WireRequest {
        x_amz_target: Some(target.clone()),
        content_type: ct.map(str::to_owned),
        body: body.to_vec(),
    };
    let whole = wire::decode_http(&call(body).as_http());
    let mut ingest = wire::stream::PartIngest::new(true);
    for frame in frames {
        ingest.push(frame, &mut |id| streamed_registry.speculate(id));
    }
    let (streamed, path) = match ingest.finish(bytes::Bytes::copy_from_slice(body)) {
        wire::stream::Ingested::Decoded(r) => {
            let r = *r;
            let speculated = matches!(&r, Request::UploadLayerPart(p)
                if p.layer_part_blob.as_ref().is_some_and(|b| b.speculation().is_some()));
            let path = if speculated {
                StreamPath::Speculated
            } else {
                StreamPath::Streamed
            };
            (r, path)
        }
        wire::stream::Ingested::Whole(b) => {
            assert_eq!(&b[..], body, "the whole body handed on is not the body");
            (wire::decode_http(&call(&b).as_http()), StreamPath::Whole)
        }
    };
    assert_eq!(
        streamed, whole,
        "the streaming decoder disagrees ({path:?})"
    );
    let (a, b) = (
        whole_registry.apply(&whole),
        streamed_registry.apply(&streamed),
    );
    assert_eq!(a, b, "the answers differ ({path:?})");
    assert_eq!(
        whole_registry
            .upload(SEED_UPLOAD_ID)
            .map(crate::model::Upload::digest),
        streamed_registry
            .upload(SEED_UPLOAD_ID)
            .map(crate::model::Upload::digest),
        "the upload hashes differ ({path:?})"
    );
    assert_eq!(whole_registry, streamed_registry, "({path:?})");
    path
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

/// `registry_door`: a sequence of `/v2/` calls (split at `0xff`; each is a method byte, then
/// the path, the query and `Content-Range` as lines, then the body; a path starting with
/// `@` continues the last upload's `Location`) against one fake. No call panics; every
/// answer has a known status; every refusal but a HEAD's is one OCI error of a known code
/// (REG-8); no fault is configured, so nothing is a 500. A path outside `/v2` gets the API
/// door's awsJson error.
pub fn registry_door(data: &[u8]) {
    const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"];
    const STATUSES: [u16; 10] = [200, 201, 202, 204, 307, 400, 404, 405, 416, 429];
    let responder = FakeEcr::builder()
        .repository("fuzz/repo")
        .id_seed(1)
        .store(crate::fake::StoreAt::Off)
        .responder()
        .expect("the setup is valid");
    let mut location = String::from("/v2/fuzz/repo/blobs/uploads/");
    for call in data.split(|b| *b == 0xff).take(16) {
        let [m, rest @ ..] = call else { continue };
        let mut lines = rest.splitn(4, |b| *b == b'\n');
        let mut line = || String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
        let (path, query, range) = (line(), line(), line());
        let body = lines.next().unwrap_or_default();
        let path = match path.strip_prefix('@') {
            Some(tail) => format!("{location}{tail}"),
            None => path,
        };
        let method = METHODS[usize::from(*m) % METHODS.len()];
        let headers: Vec<(&str, &str)> = if range.is_empty() {
            Vec::new()
        } else {
            vec![("content-range", range.as_str())]
        };
        let answer = responder.handle(HttpRequest {
            method,
            path: &path,
            query: &query,
            headers: &headers,
            content_type: None,
            x_amz_target: None,
            body,
            decoded: None,
        });
        assert!(
            STATUSES.contains(&answer.status),
            "{method} {path:?}: status {}",
            answer.status
        );
        if !wire::oci::is_door_path(&path) {
            // Not the registry door's: the API door answers, in its own shape.
            let json: serde_json::Value =
                serde_json::from_slice(&answer.body).expect("an awsJson answer");
            assert!(json["__type"].is_string(), "{path:?}: {json}");
            continue;
        }
        if answer.status >= 400 && method != "HEAD" {
            let json: serde_json::Value =
                serde_json::from_slice(&answer.body).expect("an OCI error body");
            let errors = json["errors"].as_array().expect("errors");
            assert_eq!(errors.len(), 1, "{json}");
            assert!(errors[0]["code"].is_string() && errors[0]["message"].is_string());
            assert!(errors[0].get("detail").is_none(), "{json}");
        }
        if let Some((_, l)) = answer.headers.iter().find(|(k, _)| *k == "location")
            && l.contains("/blobs/uploads/")
        {
            location = l.clone();
        }
    }
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
    ("part_stream", part_stream),
    ("put_image", put_image),
    ("registry_door", registry_door),
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
    // A push through the registry door: POST, two chunks, a stray chunk, the final PUT.
    let door: &[&[u8]] = &[
        b"\x02/v2/fuzz/repo/blobs/uploads/\n\n\n",
        b"\x03@\n\n0-2\nabc",
        b"\x03@\n\n\ndef",
        b"\x03@\n\n9-99\nxyz",
        b"\x04@\ndigest=sha256:bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721\n\n",
        b"\x01/v2/fuzz/repo/blobs/sha256:bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721\n\n\n",
        b"\x04/v2/fuzz/repo/manifests/t\n\n\n{\"schemaVersion\":2}",
        b"\x00/v2/fuzz/repo/tags/list\nn=1\n\n",
    ];
    out.push(("registry_door", door.join(&0xffu8)));
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
    let blob = base64::engine::general_purpose::STANDARD.encode(crate::strategy::fill(300, 1));
    for (sizes, body) in [
        (&[][..], format!(r#"{{"repositoryName":"layer-test","uploadId":"@id","partFirstByte":3,"partLastByte":302,"layerPartBlob":"{blob}"}}"#)),
        (&[1][..], format!(r#"{{"uploadId":"@id","layerPartBlob":"{blob}","repositoryName":"layer-test","partFirstByte":3,"partLastByte":302}}"#)),
        (&[7, 60, 3][..], format!(r#"{{"layerPartBlob":"{blob}","uploadId":"@id","repositoryName":"layer-test","partFirstByte":3,"partLastByte":302}}"#)),
        (&[16][..], r#"{"repositoryName":"layer-test","uploadId":"@id","partFirstByte":3,"partLastByte":4,"layerPartBlob":"YW\/i"}"#.to_owned()),
        (&[5, 9][..], r#"{"uploadId":"@id","layerPart\u0042lob":"YWJj","layerPartBlob":"YWJj","x":[{"y":"\"}"}]}"#.to_owned()),
        (&[2][..], r#"{"uploadId":"@id","layerPartBlob":"YWJ","partFirstByte":3"#.to_owned()),
    ] {
        let mut input = vec![sizes.len() as u8];
        input.extend_from_slice(sizes);
        input.extend_from_slice(body.as_bytes());
        out.push(("part_stream", input));
    }
    let layer = crate::model::digest::digest_of(b"hello");
    for (mode, manifest) in [
        (
            0u8,
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"digest":"{layer}","size":5}},"layers":[{{"digest":"{layer}","size":5}}]}}"#,
                crate::model::manifest::OCI_MANIFEST
            ),
        ),
        (
            9,
            format!(r#"{{"schemaVersion":2,"config":{{"digest":"{layer}"}},"layers":[]}}"#),
        ),
        (
            1,
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[{{"digest":"{layer}"}}]}}"#,
                crate::model::manifest::OCI_INDEX
            ),
        ),
        (
            4,
            format!(r#"{{"schemaVersion":1,"fsLayers":[{{"blobSum":"{layer}"}}]}}"#),
        ),
        (2, "not json".to_owned()),
        (0, format!("{{\"a\":{}}}", "[".repeat(200))),
    ] {
        let mut input = vec![mode];
        input.extend_from_slice(manifest.as_bytes());
        out.push(("put_image", input));
    }
    for seed in 0..8u64 {
        out.push((
            "model_ops",
            crate::strategy::fill(64 + 32 * seed as usize, seed),
        ));
    }
    out
}
