//! The fake's blob store (spec §11) and its storage: layer bytes pushed through either door
//! are kept in a content-addressed directory as the model accepts them, a blob GET of a
//! referenced blob redirects to the fake's storage (REG-6), which refuses a request that
//! carries `Authorization` as the real storage does and serves the bytes otherwise;
//! `GetDownloadUrlForLayer` points there too; nothing of a failed upload is kept.

mod common;

use std::path::{Path, PathBuf};

use common::http::call;
use ecr_conformance::fake::{FakeEcr, StoreAt};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::model::{Profile, UnreferencedBlobGet};
use ecr_conformance::strategy::fill;

const MIB: usize = 1024 * 1024;

/// Status, `Location` and body of a request.
fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Option<String>, Vec<u8>) {
    let a = common::http::request(method, url, headers, body);
    let location = a.header("location").map(str::to_owned);
    (a.status, location, a.body)
}

/// Pushes `bytes` over `/v2/` in chunks of `chunk` bytes; the upload's Location.
fn push(fake: &FakeEcr, repo: &str, bytes: &[u8], chunk: usize) -> String {
    let (status, location, _) = send(
        "POST",
        &format!("{}/v2/{repo}/blobs/uploads/", fake.uri()),
        &[],
        b"",
    );
    assert_eq!(status, 202);
    let location = location.expect("Location");
    for (i, part) in bytes.chunks(chunk).enumerate() {
        let range = format!("{}-{}", i * chunk, i * chunk + part.len() - 1);
        let (status, _, body) = send("PATCH", &location, &[("content-range", &range)], part);
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    }
    let (status, _, body) = send(
        "PUT",
        &format!("{location}?digest={}", digest_of(bytes)),
        &[],
        b"",
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    location
}

fn put_image(fake: &FakeEcr, repo: &str, config: &str, layer: &str, size: usize) {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size}],
    })
    .to_string();
    let (status, _, body) = send(
        "PUT",
        &format!("{}/v2/{repo}/manifests/v1", fake.uri()),
        &[("content-type", "application/vnd.oci.image.manifest.v1+json")],
        manifest.as_bytes(),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(entry.path());
    }
    out.sort();
    out
}

fn blob_file(store: &Path, digest: &str) -> PathBuf {
    store
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

#[test]
fn reg_6_a_referenced_blobs_get_redirects_to_storage_that_refuses_authorization_and_serves_the_bytes()
 {
    let fake = FakeEcr::builder().repository("app").start().expect("fake");
    let store = fake.responder().store_dir().expect("a store by default");
    let layer = fill(13 * MIB, 5);
    let digest = digest_of(&layer);
    push(&fake, "app", &layer, 6 * MIB);
    push(&fake, "app", b"{}", 2);
    put_image(&fake, "app", &digest_of(b"{}"), &digest, layer.len());
    // Bytes on disk, under their digest, and no upload file left.
    assert_eq!(
        std::fs::read(blob_file(&store, &digest)).expect("stored"),
        layer
    );
    assert!(files_under(&store.join("uploads")).is_empty());

    let (status, location, _) = send(
        "GET",
        &format!("{}/v2/app/blobs/{digest}", fake.uri()),
        &[],
        b"",
    );
    assert_eq!(status, 307);
    let location = location.expect("Location");
    let own = format!("http://localhost:{}/storage/", fake.addr().port());
    assert!(location.starts_with(&own), "{location}");
    // The storage is another origin, whose URL carries its own authority.
    let (status, _, body) = send(
        "GET",
        &location,
        &[("authorization", "Basic QVdTOnRva2Vu")],
        b"",
    );
    assert_eq!(status, 400);
    assert!(
        String::from_utf8_lossy(&body).contains("Only one auth mechanism allowed"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _, body) = send("GET", &location, &[], b"");
    assert_eq!(status, 200);
    assert_eq!(body.len(), layer.len());
    assert!(body == layer, "the stored bytes are the pushed bytes");

    // The API door's download URL is the same storage.
    let url = call(
        fake.addr(),
        "GetDownloadUrlForLayer",
        serde_json::json!({"repositoryName": "app", "layerDigest": digest})
            .to_string()
            .as_bytes(),
    )
    .json()["downloadUrl"]
        .as_str()
        .expect("downloadUrl")
        .to_owned();
    assert_eq!(url, location);

    // A temporary store goes with the fake.
    drop(fake);
    assert!(!store.exists(), "{} is left", store.display());
}

#[test]
fn a_layer_pushed_through_the_api_door_is_stored_and_served_from_its_download_url() {
    use base64::Engine as _;
    let fake = FakeEcr::builder().repository("api").start().expect("fake");
    let layer = fill(7 * MIB, 9);
    let digest = digest_of(&layer);
    let answer = |op: &str, body: serde_json::Value| {
        call(fake.addr(), op, body.to_string().as_bytes()).json()
    };
    let id = answer(
        "InitiateLayerUpload",
        serde_json::json!({"repositoryName": "api"}),
    )["uploadId"]
        .as_str()
        .expect("uploadId")
        .to_owned();
    for (first, part) in [(0, &layer[..5 * MIB]), (5 * MIB, &layer[5 * MIB..])] {
        let blob = base64::engine::general_purpose::STANDARD.encode(part);
        let a = answer(
            "UploadLayerPart",
            serde_json::json!({"repositoryName": "api", "uploadId": id,
                "partFirstByte": first, "partLastByte": first + part.len() - 1,
                "layerPartBlob": blob}),
        );
        assert!(a["lastByteReceived"].is_number(), "{a}");
    }
    let done = answer(
        "CompleteLayerUpload",
        serde_json::json!({"repositoryName": "api", "uploadId": id, "layerDigests": [digest]}),
    );
    assert_eq!(done["layerDigest"], digest.as_str(), "{done}");
    push(&fake, "api", b"{}", 2);
    put_image(&fake, "api", &digest_of(b"{}"), &digest, layer.len());
    let url = answer(
        "GetDownloadUrlForLayer",
        serde_json::json!({"repositoryName": "api", "layerDigest": digest}),
    )["downloadUrl"]
        .as_str()
        .expect("downloadUrl")
        .to_owned();
    let (status, _, body) = send("GET", &url, &[], b"");
    assert_eq!(status, 200);
    assert!(body == layer, "served bytes differ from the pushed ones");
}

#[test]
fn nothing_of_a_failed_or_unfinished_upload_is_kept_as_a_blob() {
    let dir = std::env::temp_dir().join(format!("ecr-store-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fake = FakeEcr::builder()
        .repository("rr")
        .store(StoreAt::Directory(dir.clone()))
        .start()
        .expect("fake");
    let layer = fill(6 * MIB, 2);
    // A wrong digest: the upload is refused and its bytes are not a blob.
    let (_, location, _) = send(
        "POST",
        &format!("{}/v2/rr/blobs/uploads/", fake.uri()),
        &[],
        b"",
    );
    let location = location.expect("Location");
    let (status, _, _) = send(
        "PATCH",
        &location,
        &[("content-range", "0-6291455")],
        &layer,
    );
    assert_eq!(status, 201);
    assert_eq!(
        files_under(&dir.join("uploads")).len(),
        1,
        "written as it arrives"
    );
    let wrong = digest_of(b"other");
    let (status, _, _) = send("PUT", &format!("{location}?digest={wrong}"), &[], b"");
    assert_eq!(status, 400);
    assert!(files_under(&dir.join("blobs/sha256")).is_empty());
    // A chunk refused for its offset writes nothing more.
    let (status, _, _) = send("PATCH", &location, &[("content-range", "5-10")], b"abcdef");
    assert_eq!(status, 416);
    let open = files_under(&dir.join("uploads"));
    let held: u64 = open
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    assert_eq!(held, layer.len() as u64, "only accepted bytes are written");
    // An upload its repository takes with it when deleted leaves no file either.
    let deleted = call(
        fake.addr(),
        "DeleteRepository",
        br#"{"repositoryName": "rr", "force": true}"#,
    );
    assert_eq!(deleted.status, 200);
    assert!(
        files_under(&dir.join("uploads")).is_empty(),
        "a dropped upload's file is left"
    );
    let created = call(
        fake.addr(),
        "CreateRepository",
        br#"{"repositoryName": "rr"}"#,
    );
    assert_eq!(created.status, 200);
    // A directory the user names is kept when the fake stops, with its blobs.
    push(&fake, "rr", &layer, 6 * MIB);
    drop(fake);
    assert_eq!(
        std::fs::read(blob_file(&dir, &digest_of(&layer))).expect("kept"),
        layer
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreferenced_blob_get_served_answers_the_bytes_from_the_store() {
    let profile = Profile::ecr()
        .with_knob("unreferenced-blob-get", "served")
        .expect("a door knob");
    assert_eq!(profile.unreferenced_blob_get, UnreferencedBlobGet::Served);
    let fake = FakeEcr::builder()
        .profile(profile.clone())
        .repository("ss")
        .start()
        .expect("a fake with a store serves blobs");
    let layer = fill(3 * MIB, 4);
    push(&fake, "ss", &layer, 3 * MIB);
    let (status, _, body) = send(
        "GET",
        &format!("{}/v2/ss/blobs/{}", fake.uri(), digest_of(&layer)),
        &[],
        b"",
    );
    assert_eq!(status, 200);
    assert!(body == layer);
    // Without a store it cannot, and says so.
    let refused = FakeEcr::builder()
        .profile(profile)
        .store(StoreAt::Off)
        .responder()
        .expect_err("no store, no served blobs");
    assert!(refused.to_string().contains("blob store"), "{refused}");
}

#[test]
fn a_blob_the_store_does_not_hold_is_the_storages_404() {
    let fake = FakeEcr::builder().start().expect("fake");
    let digest = digest_of(b"never pushed");
    for path in [
        format!("/storage/012345678910/x/{digest}"),
        "/storage/../../etc/passwd".to_owned(),
        "/storage/x/sha256:ABC".to_owned(),
    ] {
        let (status, _, body) = send("GET", &format!("{}{path}", fake.uri()), &[], b"");
        assert_eq!(status, 404, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("NoSuchKey"));
    }
    let (status, _, _) = send(
        "PUT",
        &format!("{}/storage/x/{digest}", fake.uri()),
        &[],
        b"x",
    );
    assert_eq!(status, 405);
}
