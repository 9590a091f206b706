//! aws-sdk-ecr (Rust) against the fake: a full push, the typed InvalidLayerPartException,
//! a resume after a fault, and 16 uploads at once with interleaved parts.

use aws_sdk_ecr::config::retry::RetryConfig;
use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecr::operation::upload_layer_part::UploadLayerPartError;
use aws_sdk_ecr::primitives::Blob;
use ecr_conformance::fake::{FakeEcr, Fault};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::strategy::fill;

const MIB: usize = 1024 * 1024;

fn client(endpoint: &str, attempts: u32) -> aws_sdk_ecr::Client {
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "interop-test-secret",
            None,
            None,
            "test",
        ))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .build();
    aws_sdk_ecr::Client::from_conf(config)
}

/// Pushes `layer` in parts of `part` bytes, resuming from `lastValidByteReceived + 1`
/// whenever a part is refused as out of place. Returns the digest and the resumptions.
async fn push(
    ecr: &aws_sdk_ecr::Client,
    repo: &str,
    layer: &[u8],
    part: usize,
) -> (String, Vec<i64>) {
    let id = ecr
        .initiate_layer_upload()
        .repository_name(repo)
        .send()
        .await
        .expect("initiate")
        .upload_id
        .expect("uploadId");
    let (mut first, mut resumed) = (0usize, Vec::new());
    while first < layer.len() {
        let chunk = &layer[first..(first + part).min(layer.len())];
        let last = first + chunk.len() - 1;
        let sent = ecr
            .upload_layer_part()
            .repository_name(repo)
            .upload_id(&id)
            .part_first_byte(first as i64)
            .part_last_byte(last as i64)
            .layer_part_blob(Blob::new(chunk.to_vec()))
            .send()
            .await;
        match sent {
            Ok(out) => {
                assert_eq!(out.last_byte_received, Some(last as i64));
                first = last + 1;
            }
            Err(e) => match e.into_service_error() {
                UploadLayerPartError::InvalidLayerPartException(p) => {
                    let lvb = p.last_valid_byte_received().expect("lastValidByteReceived");
                    resumed.push(lvb);
                    first = usize::try_from(lvb + 1).expect("non-negative");
                }
                other => panic!("part {first}..={last}: {other:?}"),
            },
        }
    }
    let digest = ecr
        .complete_layer_upload()
        .repository_name(repo)
        .upload_id(&id)
        .layer_digests(digest_of(layer))
        .send()
        .await
        .expect("complete")
        .layer_digest
        .expect("layerDigest");
    (digest, resumed)
}

#[tokio::test]
async fn the_rust_sdk_pushes_a_layer_and_reads_its_availability() {
    let fake = FakeEcr::builder()
        .repository("sdk-push")
        .start()
        .expect("fake");
    let ecr = client(&fake.uri(), 1);
    let layer = fill(5 * MIB + 3, 9);
    let (digest, resumed) = push(&ecr, "sdk-push", &layer, 5 * MIB).await;
    assert_eq!(digest, digest_of(&layer));
    assert!(resumed.is_empty());
    let check = ecr
        .batch_check_layer_availability()
        .repository_name("sdk-push")
        .layer_digests(&digest)
        .send()
        .await
        .expect("check");
    let layer_info = &check.layers()[0];
    assert_eq!(layer_info.layer_size(), Some(layer.len() as i64));
    assert_eq!(
        layer_info.layer_availability().map(|a| a.as_str()),
        Some("AVAILABLE")
    );
}

#[tokio::test]
async fn invalid_layer_part_reaches_the_rust_sdk_as_its_typed_error_with_last_valid_byte() {
    let fake = FakeEcr::builder()
        .repository("sdk-errors")
        .start()
        .expect("fake");
    let ecr = client(&fake.uri(), 1);
    let id = ecr
        .initiate_layer_upload()
        .repository_name("sdk-errors")
        .send()
        .await
        .expect("init")
        .upload_id
        .expect("id");
    let part = |first: i64, bytes: &'static [u8]| {
        ecr.upload_layer_part()
            .repository_name("sdk-errors")
            .upload_id(&id)
            .part_first_byte(first)
            .part_last_byte(first + bytes.len() as i64 - 1)
            .layer_part_blob(Blob::new(bytes))
            .send()
    };
    part(0, b"hello").await.expect("first part");
    let err = part(0, b"hello").await.expect_err("a re-send is refused");
    match err.into_service_error() {
        UploadLayerPartError::InvalidLayerPartException(e) => {
            assert_eq!(e.last_valid_byte_received(), Some(4));
            assert_eq!(e.upload_id(), Some(id.as_str()));
            assert_eq!(e.repository_name(), Some("sdk-errors"));
            assert_eq!(e.registry_id(), Some("012345678910"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_rust_sdk_retry_of_a_landed_part_is_refused_and_the_client_resumes() {
    let fake = FakeEcr::builder()
        .repository("sdk-resume")
        .fault(
            "UploadLayerPart:2:server-error-after"
                .parse::<Fault>()
                .expect("fault"),
        )
        .start()
        .expect("fake");
    // Three attempts: the SDK retries the 500 itself, and its retry is a re-send.
    let ecr = client(&fake.uri(), 3);
    let layer = fill(3 * 5 * MIB + 10, 11);
    let (digest, resumed) = push(&ecr, "sdk-resume", &layer, 5 * MIB).await;
    assert_eq!(resumed, vec![(10 * MIB - 1) as i64]);
    assert_eq!(digest, digest_of(&layer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_interleaved_uploads_through_one_fake_keep_their_bytes_apart() {
    let fake = FakeEcr::builder()
        .repository("sdk-many")
        .start()
        .expect("fake");
    let ecr = client(&fake.uri(), 1);
    // Parts of 5 MiB so that completion is legal; three parts per layer; every upload is
    // opened before any part is sent, so the parts of all 16 interleave.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for i in 0..16u64 {
        let (ecr, barrier) = (ecr.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let layer = fill(2 * 5 * MIB + 100 + i as usize, 1000 + i);
            barrier.wait().await;
            let (digest, resumed) = push(&ecr, "sdk-many", &layer, 5 * MIB).await;
            assert!(resumed.is_empty());
            (digest, digest_of(&layer), layer.len() as u64)
        }));
    }
    for t in tasks {
        let (got, want, size) = t.await.expect("task");
        assert_eq!(got, want);
        assert_eq!(
            fake.responder()
                .with_registry(|r| r.layer_size("sdk-many", &want)),
            Some(size)
        );
    }
    assert_eq!(
        fake.responder()
            .with_registry(|r| r.layers("sdk-many").count()),
        16
    );
}
