//! The fake's registry door (`/v2/`, spec §10) over HTTP: a chunked push, a streamed push and
//! a monolithic one, each seen through the API door as the same layer and image (XDOOR-1);
//! ECR's answers where it departs from the OCI spec (REG-3, REG-7); bad input answered with
//! typed errors in the OCI shape (REG-8); faults per `/v2/` call.

mod common;

use common::http::call;
use ecr_conformance::fake::{FakeEcr, Fault};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::model::limits::MAX_PART_BYTES;
use ecr_conformance::strategy::fill;

const MIB: usize = 1024 * 1024;

struct Door {
    base: String,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The OCI error code of an error answer.
    fn code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or("(none)")
            .to_owned()
    }
}

impl Door {
    fn of(fake: &FakeEcr) -> Self {
        Door { base: fake.uri() }
    }

    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let a = common::http::request(method, &url, headers, body);
        Answer {
            status: a.status,
            headers: a.headers,
            body: a.body,
        }
    }

    /// POST: the upload's `Location`.
    fn start(&self, repo: &str) -> String {
        let a = self.send("POST", &format!("/v2/{repo}/blobs/uploads/"), &[], b"");
        assert_eq!(a.status, 202, "{}", String::from_utf8_lossy(&a.body));
        let location = a.header("location").expect("Location").to_owned();
        assert!(location.starts_with("http://"), "absolute: {location}");
        assert!(a.header("docker-upload-uuid").is_none(), "ECR sends none");
        location
    }
}

/// API-door JSON of a call, as the fake answers it.
fn api(fake: &FakeEcr, operation: &str, body: serde_json::Value) -> serde_json::Value {
    call(fake.addr(), operation, body.to_string().as_bytes()).json()
}

fn manifest_for(config: &str, layers: &[(&str, usize)]) -> String {
    let layers: Vec<_> = layers
        .iter()
        .map(|(d, n)| {
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": d, "size": n
            })
        })
        .collect();
    serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": layers,
    })
    .to_string()
}

#[test]
fn xdoor_1_a_chunked_push_over_v2_is_the_api_doors_layer_and_image() {
    let fake = FakeEcr::builder()
        .repository("app/web")
        .start()
        .expect("fake");
    let door = Door::of(&fake);
    assert_eq!(door.send("GET", "/v2/", &[], b"").status, 200);

    // The config blob, monolithic: POST, then one PUT with the body (REG-5).
    let config = b"{}";
    let config_digest = digest_of(config);
    let location = door.start("app/web");
    let a = door.send(
        "PUT",
        &format!("{location}?digest={config_digest}"),
        &[],
        config,
    );
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        a.header("docker-content-digest"),
        Some(config_digest.as_str())
    );

    // A layer in three chunks with Content-Range: 6 MiB, 6 MiB, 1 MiB.
    let layer = fill(13 * MIB, 7);
    let layer_digest = digest_of(&layer);
    let location = door.start("app/web");
    let mut ranges = Vec::new();
    for (first, len) in [(0, 6 * MIB), (6 * MIB, 6 * MIB), (12 * MIB, MIB)] {
        let range = format!("{}-{}", first, first + len - 1);
        let a = door.send(
            "PATCH",
            &location,
            &[("content-range", &range)],
            &layer[first..first + len],
        );
        // REG-3: 201, not the spec's 202.
        assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
        assert_eq!(a.header("location"), Some(location.as_str()));
        ranges.push(a.header("range").expect("Range").to_owned());
    }
    // REG-3: the Range header stays at the first chunk's end.
    let stuck = format!("0-{}", 6 * MIB - 1);
    assert_eq!(ranges, [stuck.clone(), stuck.clone(), stuck]);
    let a = door.send(
        "PUT",
        &format!("{location}?digest={layer_digest}"),
        &[],
        b"",
    );
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));

    let head = door.send(
        "HEAD",
        &format!("/v2/app/web/blobs/{layer_digest}"),
        &[],
        b"",
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("13631488"));
    // Unreferenced: HEAD 200, GET 404 BLOB_UNKNOWN (REG-6).
    let get = door.send(
        "GET",
        &format!("/v2/app/web/blobs/{layer_digest}"),
        &[],
        b"",
    );
    assert_eq!((get.status, get.code()), (404, "BLOB_UNKNOWN".to_owned()));

    // XDOOR-1: the API door finds the layer AVAILABLE, of its size.
    let check = api(
        &fake,
        "BatchCheckLayerAvailability",
        serde_json::json!({"repositoryName": "app/web", "layerDigests": [layer_digest]}),
    );
    assert_eq!(check["layers"][0]["layerAvailability"], "AVAILABLE");
    assert_eq!(check["layers"][0]["layerSize"], 13 * MIB as u64);

    // The manifest: 201 without Location (REG-7), and the API door lists the image.
    let manifest = manifest_for(&config_digest, &[(&layer_digest, 13 * MIB)]);
    let media = "application/vnd.oci.image.manifest.v1+json";
    let put = door.send(
        "PUT",
        "/v2/app/web/manifests/v1",
        &[("content-type", media)],
        manifest.as_bytes(),
    );
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
    assert!(put.header("location").is_none());
    let image_digest = digest_of(manifest.as_bytes());
    assert_eq!(
        put.header("docker-content-digest"),
        Some(image_digest.as_str())
    );
    let got = api(
        &fake,
        "BatchGetImage",
        serde_json::json!({"repositoryName": "app/web", "imageIds": [{"imageTag": "v1"}]}),
    );
    assert_eq!(got["images"][0]["imageManifest"], manifest.as_str());
    assert_eq!(
        got["images"][0]["imageId"]["imageDigest"],
        image_digest.as_str()
    );

    // Manifest GET has no Docker-Content-Digest, HEAD has it (REG-7); tags/list lists v1.
    let get = door.send("GET", "/v2/app/web/manifests/v1", &[], b"");
    assert_eq!(get.status, 200);
    assert_eq!(get.body, manifest.as_bytes());
    assert_eq!(get.header("content-type"), Some(media));
    assert!(get.header("docker-content-digest").is_none());
    let head = door.send(
        "HEAD",
        &format!("/v2/app/web/manifests/{image_digest}"),
        &[],
        b"",
    );
    assert_eq!(
        head.header("docker-content-digest"),
        Some(image_digest.as_str())
    );
    let tags = door.send("GET", "/v2/app/web/tags/list", &[], b"");
    assert_eq!(tags.json()["tags"], serde_json::json!(["v1"]));
    // Referenced now: the blob GET redirects to storage (307).
    let blob = door.send(
        "GET",
        &format!("/v2/app/web/blobs/{layer_digest}"),
        &[],
        b"",
    );
    assert_eq!(blob.status, 307);
    assert!(blob.header("location").is_some());
}

#[test]
fn a_streamed_patch_is_split_into_parts_and_an_api_image_is_pulled_over_v2() {
    let fake = FakeEcr::builder().repository("rr").start().expect("fake");
    let door = Door::of(&fake);
    // One PATCH with no Content-Range carrying 25 MiB: parts of 20 MiB and 5 MiB.
    let layer = fill(25 * MIB, 3);
    let digest = digest_of(&layer);
    let location = door.start("rr");
    let a = door.send("PATCH", &location, &[], &layer);
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        a.header("range"),
        Some("0-26214399"),
        "the chunk is the PATCH"
    );
    let id = location.rsplit('/').next().expect("upload id");
    let parts = fake.with_registry(|r| r.upload(id).map(|u| (u.parts(), u.received())));
    assert_eq!(
        parts,
        Some((2, 25 * MIB as u64)),
        "parts of at most {MAX_PART_BYTES}"
    );
    let a = door.send("PUT", &format!("{location}?digest={digest}"), &[], b"");
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    fake.with_registry(|r| {
        assert_eq!(r.layer_size("rr", &digest), Some(25 * MIB as u64));
    });

    // An image put through the API door is pulled through /v2/ (XDOOR-1).
    let manifest = manifest_for(&digest, &[(&digest, 25 * MIB)]);
    let put = api(
        &fake,
        "PutImage",
        serde_json::json!({"repositoryName": "rr", "imageManifest": manifest, "imageTag": "api"}),
    );
    assert!(put["image"].is_object(), "{put}");
    let get = door.send("GET", "/v2/rr/manifests/api", &[], b"");
    assert_eq!(get.body, manifest.as_bytes());
    // ... and deleted through it.
    let image_digest = digest_of(manifest.as_bytes());
    let del = door.send(
        "DELETE",
        &format!("/v2/rr/manifests/{image_digest}"),
        &[],
        b"",
    );
    assert_eq!(del.status, 202);
    let gone = door.send("GET", "/v2/rr/manifests/api", &[], b"");
    assert_eq!(
        (gone.status, gone.code()),
        (404, "MANIFEST_UNKNOWN".to_owned())
    );
}

#[test]
fn ecr_departures_small_chunks_missing_blobs_immutable_tags() {
    let fake = FakeEcr::builder()
        .repository("rr")
        .tag_mutability("rr", "IMMUTABLE")
        .start()
        .expect("fake");
    let door = Door::of(&fake);
    // REG-4: a 1 MiB chunk before the last is taken at PATCH time; the PUT fails.
    let layer = fill(3 * MIB, 1);
    let location = door.start("rr");
    for (first, len) in [(0, MIB), (MIB, 2 * MIB)] {
        let range = format!("{}-{}", first, first + len - 1);
        let a = door.send(
            "PATCH",
            &location,
            &[("content-range", &range)],
            &layer[first..first + len],
        );
        assert_eq!(a.status, 201);
    }
    let a = door.send(
        "PUT",
        &format!("{location}?digest={}", digest_of(&layer)),
        &[],
        b"",
    );
    assert_eq!(
        (a.status, a.code()),
        (400, "BLOB_UPLOAD_INVALID".to_owned())
    );
    assert_eq!(
        a.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(
        a.json()["errors"][0].get("detail").is_none(),
        "REG-8: no detail"
    );

    // A manifest naming blobs that are not there: BLOB_UPLOAD_UNKNOWN, not the spec's code.
    let missing = format!("sha256:{}", "a".repeat(64));
    let manifest = manifest_for(&missing, &[(&missing, 10)]);
    let put = door.send("PUT", "/v2/rr/manifests/t", &[], manifest.as_bytes());
    assert_eq!(
        (put.status, put.code()),
        (400, "BLOB_UPLOAD_UNKNOWN".to_owned())
    );

    // An immutable tag moved: TAG_INVALID.
    let config = b"{}";
    let config_digest = digest_of(config);
    let location = door.start("rr");
    door.send(
        "PUT",
        &format!("{location}?digest={config_digest}"),
        &[],
        config,
    );
    let first = manifest_for(&config_digest, &[]);
    let a = door.send("PUT", "/v2/rr/manifests/t", &[], first.as_bytes());
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let second = first.replace(
        "\"layers\":[]",
        "\"layers\":[],\"annotations\":{\"x\":\"y\"}",
    );
    assert_ne!(first, second);
    let a = door.send("PUT", "/v2/rr/manifests/t", &[], second.as_bytes());
    assert_eq!((a.status, a.code()), (400, "TAG_INVALID".to_owned()));
    // The same image again under its tag is success.
    let a = door.send("PUT", "/v2/rr/manifests/t", &[], first.as_bytes());
    assert_eq!(a.status, 201);
}

/// A method, a path, headers, a body, and the status and OCI code it must get.
type BadCase<'a> = (
    &'a str,
    String,
    Vec<(&'a str, &'a str)>,
    Vec<u8>,
    u16,
    &'a str,
);

#[test]
fn bad_input_gets_typed_oci_errors_and_nothing_is_half_stored() {
    let fake = FakeEcr::builder().repository("rr").start().expect("fake");
    let door = Door::of(&fake);
    let location = door.start("rr");
    let other = door.start("rr"); // completed empty: EmptyUpload
    let cases: Vec<BadCase> = vec![
        (
            "PATCH",
            location.clone(),
            vec![("content-range", "5-1")],
            vec![0; 5],
            416,
            "BLOB_UPLOAD_INVALID",
        ),
        (
            "PATCH",
            location.clone(),
            vec![("content-range", "x")],
            vec![0; 5],
            416,
            "BLOB_UPLOAD_INVALID",
        ),
        (
            "PATCH",
            location.clone(),
            vec![("content-range", "0-18446744073709551615")],
            vec![0; 5],
            416,
            "BLOB_UPLOAD_INVALID",
        ),
        // A body longer or shorter than its range.
        (
            "PATCH",
            location.clone(),
            vec![("content-range", "0-9")],
            vec![0; 11],
            416,
            "BLOB_UPLOAD_INVALID",
        ),
        (
            "PATCH",
            location.clone(),
            vec![("content-range", "0-9")],
            vec![0; 9],
            416,
            "BLOB_UPLOAD_INVALID",
        ),
        // Not at the next byte (REG-3).
        (
            "PATCH",
            location.clone(),
            vec![("content-range", "4-9")],
            vec![0; 6],
            416,
            "BLOB_UPLOAD_INVALID",
        ),
        (
            "PATCH",
            "/v2/rr/blobs/uploads/no-such-upload".into(),
            vec![],
            vec![0; 3],
            404,
            "BLOB_UPLOAD_UNKNOWN",
        ),
        (
            "PATCH",
            "/v2/rr/blobs/uploads/..%2F..".into(),
            vec![],
            vec![0; 3],
            404,
            "BLOB_UPLOAD_UNKNOWN",
        ),
        (
            "POST",
            "/v2/R/blobs/uploads/".into(),
            vec![],
            vec![],
            400,
            "NAME_INVALID",
        ),
        (
            "POST",
            "/v2/a/../rr/blobs/uploads/".into(),
            vec![],
            vec![],
            400,
            "NAME_INVALID",
        ),
        (
            "POST",
            "/v2/nope/blobs/uploads/".into(),
            vec![],
            vec![],
            404,
            "NAME_UNKNOWN",
        ),
        (
            "HEAD",
            format!("/v2/rr/blobs/sha512:{}", "0".repeat(128)),
            vec![],
            vec![],
            400,
            "DIGEST_INVALID",
        ),
        (
            "GET",
            format!("/v2/rr/blobs/sha256:{}", "0".repeat(64)),
            vec![],
            vec![],
            404,
            "BLOB_UNKNOWN",
        ),
        (
            "PUT",
            format!("{other}?digest=sha256:{}", "0".repeat(64)),
            vec![],
            vec![],
            400,
            "BLOB_UPLOAD_INVALID",
        ),
        (
            "GET",
            "/v2/rr/tags/list?n=5000".into(),
            vec![],
            vec![],
            400,
            "UNSUPPORTED",
        ),
        (
            "PUT",
            "/v2/rr/manifests/t".into(),
            vec![],
            b"not json".to_vec(),
            405,
            "UNSUPPORTED",
        ),
        (
            "PUT",
            "/v2/rr/manifests/t".into(),
            vec![],
            vec![0xff, 0xfe],
            400,
            "MANIFEST_INVALID",
        ),
        (
            "DELETE",
            "/v2/rr/blobs/uploads/".into(),
            vec![],
            vec![],
            405,
            "UNSUPPORTED",
        ),
        (
            "GET",
            "/v2/rr/nothing".into(),
            vec![],
            vec![],
            404,
            "UNSUPPORTED",
        ),
    ];
    for (method, path, headers, body, status, code) in cases {
        let a = door.send(method, &path, &headers, &body);
        let got = if method == "HEAD" {
            (a.status, code.to_owned()) // a HEAD has no body to carry the code
        } else {
            (a.status, a.code())
        };
        assert_eq!(
            got,
            (status, code.to_owned()),
            "{method} {path} {headers:?}"
        );
    }
    // None of it was stored: the upload still takes its first byte.
    let a = door.send("PATCH", &location, &[("content-range", "0-2")], b"abc");
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
}

#[test]
fn faults_apply_per_v2_call_as_on_the_api_door() {
    let fake = FakeEcr::builder()
        .repository("rr")
        .fault(
            "UploadLayerPart:1:throttle"
                .parse::<Fault>()
                .expect("fault"),
        )
        .fault(
            "UploadLayerPart:2:server-error-after"
                .parse::<Fault>()
                .expect("fault"),
        )
        .start()
        .expect("fake");
    let door = Door::of(&fake);
    let location = door.start("rr");
    let chunk = [("content-range", "0-2")];
    let a = door.send("PATCH", &location, &chunk, b"abc");
    assert_eq!((a.status, a.code()), (429, "TOOMANYREQUESTS".to_owned()));
    // The second PATCH is applied, and its answer lost: the re-send is not at the next byte.
    let a = door.send("PATCH", &location, &chunk, b"abc");
    assert_eq!(a.status, 500);
    let a = door.send("PATCH", &location, &chunk, b"abc");
    assert_eq!(
        (a.status, a.code()),
        (416, "BLOB_UPLOAD_INVALID".to_owned())
    );
    assert!(
        a.json()["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("First byte")),
        "{}",
        a.json()
    );
}

#[test]
fn a_streamed_patch_of_100_mib_is_taken_part_by_part_and_its_bytes_stored() {
    let fake = FakeEcr::builder().repository("rr").start().expect("fake");
    let door = Door::of(&fake);
    let layer = fill(100 * MIB + 7, 12);
    let location = door.start("rr");
    // Over the 32 MiB a request body may otherwise be: streamed into the model as it comes.
    let a = door.send("PATCH", &location, &[], &layer);
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        a.header("range"),
        Some(format!("0-{}", layer.len() - 1).as_str())
    );
    let id = location.rsplit('/').next().expect("upload id");
    let parts = fake.with_registry(|r| r.upload(id).map(|u| (u.parts(), u.received())));
    assert_eq!(
        parts,
        Some((6, layer.len() as u64)),
        "five of 20 MiB and the rest"
    );
    // A body of exactly 40 MiB answers its own end, as read whole (REG-3's Range), and a
    // later streamed PATCH leaves it stuck there.
    let location_40 = door.start("rr");
    let a = door.send("PATCH", &location_40, &[], &fill(40 * MIB, 15));
    assert_eq!(
        a.header("range"),
        Some(format!("0-{}", 40 * MIB - 1).as_str())
    );
    let a = door.send("PATCH", &location_40, &[], &fill(20 * MIB, 16));
    assert_eq!(
        a.header("range"),
        Some(format!("0-{}", 40 * MIB - 1).as_str())
    );
    let id = location_40.rsplit('/').next().expect("upload id");
    let parts = fake.with_registry(|r| r.upload(id).map(|u| (u.parts(), u.received())));
    assert_eq!(parts, Some((3, 60 * MIB as u64)));
    // A final PUT streams too: its body is the last chunk.
    let tail = fill(40 * MIB, 13);
    let mut whole = layer.clone();
    whole.extend_from_slice(&tail);
    let a = door.send(
        "PUT",
        &format!("{location}?digest={}", digest_of(&whole)),
        &[],
        &tail,
    );
    assert_eq!(
        a.status, 400,
        "the 7-byte part before more parts is too small (REG-4)"
    );
    assert_eq!(a.code(), "BLOB_UPLOAD_INVALID");
    // Without the short part: one streamed PUT of 60 MiB completes.
    let location = door.start("rr");
    let blob = fill(60 * MIB, 14);
    let a = door.send(
        "PUT",
        &format!("{location}?digest={}", digest_of(&blob)),
        &[],
        &blob,
    );
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let store = fake.responder().store_dir().expect("store");
    let kept =
        std::fs::read(store.join("blobs/sha256").join(&digest_of(&blob)[7..])).expect("kept");
    assert!(kept == blob, "the stored bytes are the streamed ones");
}

#[test]
fn a_4_gib_streamed_patch_is_taken_with_the_fakes_memory_flat() {
    use sha2::Digest as _;
    use std::io::Write as _;
    let served = common::served::serve(&["--repository", "big", "--no-store"]);
    let addr: std::net::SocketAddr = served
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let started = agent
        .post(format!("{}/v2/big/blobs/uploads/", served.url))
        .send_empty()
        .expect("POST");
    let location = started
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned();
    let path = location.trim_start_matches(&served.url).to_owned();
    let total: u64 = 4 << 30;
    let block = fill(MIB, 3);
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
    )
    .expect("head");
    let mut hash = sha2::Sha256::new();
    for _ in 0..(total / MIB as u64) {
        stream.write_all(&block).expect("body");
        hash.update(&block);
    }
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .expect("timeout");
    let a = common::http::read_answer(&mut stream).expect("answer");
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.header("range"), Some(format!("0-{}", total - 1).as_str()));
    let digest = format!("sha256:{:x}", hash.finalize());
    let done = agent
        .put(format!("{location}?digest={digest}"))
        .send_empty()
        .expect("PUT");
    assert_eq!(done.status().as_u16(), 201);
    let peak = common::served::status_kib(served.child.id(), "VmHWM:").expect("VmHWM");
    eprintln!("fake peak RSS after a 4 GiB streamed PATCH: {peak} KiB");
    assert!(peak < 200 * 1024, "the fake's peak RSS was {peak} KiB");
}

#[test]
fn a_thousand_uploads_at_once_each_complete_as_their_own_blob() {
    let fake = FakeEcr::builder().repository("rr").start().expect("fake");
    let threads: Vec<_> = (0..8u8)
        .map(|t| {
            let door = Door::of(&fake);
            std::thread::spawn(move || {
                let locations: Vec<String> = (0..125).map(|_| door.start("rr")).collect();
                for (i, location) in locations.iter().enumerate() {
                    let blob = [t, i as u8, (i >> 8) as u8];
                    let a = door.send(
                        "PUT",
                        &format!("{location}?digest={}", digest_of(&blob)),
                        &[],
                        &blob,
                    );
                    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no thread failed");
    }
    fake.with_registry(|r| {
        assert_eq!(r.layers("rr").count(), 1000);
        assert_eq!(r.upload_ids().count(), 0, "none left open");
    });
}
