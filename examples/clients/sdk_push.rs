//! Pushes `$ECR_CONFORMANCE_LAYER` into `$ECR_CONFORMANCE_REPOSITORY` with aws-sdk-ecr (its
//! default retry settings) in parts of 5 MiB, resuming from `lastValidByteReceived + 1`
//! after InvalidLayerPartException and taking LayerAlreadyExistsException as success, then
//! puts `$ECR_CONFORMANCE_MANIFEST` byte for byte with `$ECR_CONFORMANCE_TAG`, taking
//! ImageAlreadyExistsException as success (no manifest is given under `--layer-only`).
//! Endpoint, region and credentials come from the environment (`AWS_ENDPOINT_URL_ECR`,
//! `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).
//!
//! ```sh
//! cargo build --example sdk_push
//! ecr-conformance client-check -- target/debug/examples/sdk_push
//! ```

use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecr::operation::complete_layer_upload::CompleteLayerUploadError;
use aws_sdk_ecr::operation::put_image::PutImageError;
use aws_sdk_ecr::operation::upload_layer_part::UploadLayerPartError;
use aws_sdk_ecr::primitives::Blob;

const PART: usize = 5 * 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).map_err(|e| format!("{name}: {e}"));
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(env("AWS_ENDPOINT_URL_ECR")?)
        .region(Region::new(env("AWS_REGION")?))
        .credentials_provider(Credentials::new(
            env("AWS_ACCESS_KEY_ID")?,
            env("AWS_SECRET_ACCESS_KEY")?,
            None,
            None,
            "environment",
        ))
        .build();
    let ecr = aws_sdk_ecr::Client::from_conf(config);
    let (repo, digest) = (
        env("ECR_CONFORMANCE_REPOSITORY")?,
        env("ECR_CONFORMANCE_LAYER_DIGEST")?,
    );
    let data = std::fs::read(env("ECR_CONFORMANCE_LAYER")?)?;

    let check = ecr
        .batch_check_layer_availability()
        .repository_name(&repo)
        .layer_digests(&digest);
    if check.send().await?.layers().is_empty() {
        push_layer(&ecr, &repo, &digest, &data).await?;
    }
    let Ok(manifest) = std::env::var("ECR_CONFORMANCE_MANIFEST") else {
        return Ok(()); // --layer-only
    };
    // The bytes as they are: the image digest is of them.
    let manifest = String::from_utf8(std::fs::read(manifest)?)?;
    let put = ecr
        .put_image()
        .repository_name(&repo)
        .image_manifest(manifest)
        .image_tag(env("ECR_CONFORMANCE_TAG")?);
    match put.send().await.map_err(|e| e.into_service_error()) {
        Ok(_) | Err(PutImageError::ImageAlreadyExistsException(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

async fn push_layer(
    ecr: &aws_sdk_ecr::Client,
    repo: &str,
    digest: &str,
    data: &[u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let upload = ecr
        .initiate_layer_upload()
        .repository_name(repo)
        .send()
        .await?;
    let id = upload.upload_id().ok_or("no uploadId")?;
    let (mut first, mut resumed) = (0usize, 0);
    while first < data.len() {
        let part = &data[first..(first + PART).min(data.len())];
        let sent = ecr
            .upload_layer_part()
            .repository_name(repo)
            .upload_id(id)
            .part_first_byte(first as i64)
            .part_last_byte((first + part.len() - 1) as i64)
            .layer_part_blob(Blob::new(part))
            .send()
            .await;
        match sent.map_err(|e| e.into_service_error()) {
            Ok(_) => first += part.len(),
            // A retried part that had landed: go on after the last byte the registry holds.
            Err(UploadLayerPartError::InvalidLayerPartException(e)) if resumed < 3 => {
                resumed += 1;
                first = usize::try_from(e.last_valid_byte_received().unwrap_or(-1) + 1)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let done = ecr
        .complete_layer_upload()
        .repository_name(repo)
        .upload_id(id)
        .layer_digests(digest);
    match done.send().await.map_err(|e| e.into_service_error()) {
        Ok(_) | Err(CompleteLayerUploadError::LayerAlreadyExistsException(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
