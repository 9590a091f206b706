//! `client-check --door registry`: judges a registry client (skopeo, oras, crane, docker,
//! a client of your own) that pushes an image through ECR's registry door, `/v2/`.
//!
//! For each plan ([`REGISTRY_PLANS`]) it starts a fresh embedded fake that demands
//! credentials as ECR does (REG-1), writes a random image as an OCI image layout (several
//! layers, the largest over 20 MiB), takes a token from the fake's GetAuthorizationToken,
//! and runs COMMAND with the registry's address, the credentials, the layout and the
//! reference to push it to in its environment ([`ENV_REGISTRY`], [`ENV_REGISTRY_USER`],
//! [`ENV_REGISTRY_PASSWORD`], [`ENV_OCI_LAYOUT`], [`ENV_REFERENCE`], [`ENV_DIRECTION`], …).
//! In the one pull plan (`storage-redirect`) the image is in the registry already and
//! COMMAND pulls it into the (empty) layout directory instead. Then it judges the client by
//! the registry client rules ([`REGISTRY_CLIENT_RULES`]) from the fake's request log, what
//! the repository (or the pulled layout) holds, and COMMAND's exit status.

mod judge;
mod layout;
pub mod plans;
pub mod rules;

use std::time::Instant;

pub use layout::{OCI_CONFIG, OCI_LAYER, OCI_MANIFEST};
pub use plans::{
    REGISTRY_PLANS, RegistryPlan, RegistrySetup, list_registry_plans, select_registry_plans,
};
pub use rules::REGISTRY_CLIENT_RULES;

use super::report::{ClientReport, ImageResult, PlanResult, RequestView, StoredLayer};
use super::{ClientCheckConfig, ClientCheckError, ImageSetup, TAG};
use crate::fake::{FakeEcr, Fault};
use crate::model::limits::{DEFAULT_REGION, MAX_PART_BYTES};

/// The variable that holds the registry's address, `host:port` (no scheme).
pub const ENV_REGISTRY: &str = "ECR_CONFORMANCE_REGISTRY";
/// The variable that holds the registry's URL, `http://host:port` (plain HTTP).
pub const ENV_REGISTRY_URL: &str = "ECR_CONFORMANCE_REGISTRY_URL";
/// The variable that holds the user for HTTP Basic (`AWS`).
pub const ENV_REGISTRY_USER: &str = "ECR_CONFORMANCE_REGISTRY_USER";
/// The variable that holds the password for HTTP Basic (a token from GetAuthorizationToken).
pub const ENV_REGISTRY_PASSWORD: &str = "ECR_CONFORMANCE_REGISTRY_PASSWORD";
/// The variable that holds the OCI image layout directory: the image to push, or (a pull)
/// the empty directory to write the pulled image in.
pub const ENV_OCI_LAYOUT: &str = "ECR_CONFORMANCE_OCI_LAYOUT";
/// The variable that holds the reference to push to (or pull): `host:port/repository:tag`.
pub const ENV_REFERENCE: &str = "ECR_CONFORMANCE_REFERENCE";
/// The variable that says what COMMAND is to do: `push` or `pull`.
pub const ENV_DIRECTION: &str = "ECR_CONFORMANCE_DIRECTION";

/// The default size of the largest layer: 24 MiB and a byte, over the 20 MiB a part holds.
pub const DEFAULT_LARGEST_LAYER: u64 = 24 * 1024 * 1024 + 1;
/// The other layers' sizes (a small one, one over the 5 MiB chunk minimum).
pub const OTHER_LAYERS: [u64; 2] = [300_001, 6 * 1024 * 1024 + 17];

/// The layer sizes of an image whose largest layer is `largest` bytes.
pub fn layer_sizes(largest: u64) -> Vec<u64> {
    vec![OTHER_LAYERS[0], OTHER_LAYERS[1], largest]
}

/// A `/v2/` or storage request of the log as one line (as findings show it).
pub(crate) fn judge_line(
    e: &crate::fake::LoggedRequest,
    d: &crate::fake::DoorLogged,
    start: Instant,
) -> String {
    judge::describe_door(e, d, start)
}

/// Runs COMMAND once per selected registry plan against a fresh fake and judges it.
pub(crate) fn client_check_registry(
    config: &ClientCheckConfig,
    command: &[String],
) -> Result<ClientReport, ClientCheckError> {
    if config.layer_size <= MAX_PART_BYTES || config.layer_size > super::MAX_LAYER_SIZE {
        return Err(ClientCheckError::Usage(format!(
            "--layer-size {} is out of range for --door registry: the largest layer must be over 20 MiB ({MAX_PART_BYTES}) and at most {}",
            config.layer_size,
            super::MAX_LAYER_SIZE
        )));
    }
    if config.layer_only {
        return Err(ClientCheckError::Usage(
            "--layer-only is for the API door; a registry client pushes the whole image".to_owned(),
        ));
    }
    let plans = select_registry_plans(config.plans.as_deref(), config.push_only)?;
    let seed = config.seed.unwrap_or_else(super::random_seed);
    let stopped = || config.stop.load(std::sync::atomic::Ordering::Relaxed);
    let count = plans.len();
    let mut results = Vec::with_capacity(count);
    for (i, plan) in plans.into_iter().enumerate() {
        if stopped() {
            break;
        }
        match run_plan(config, command, plan, seed.wrapping_add(i as u64))? {
            Some(r) => results.push(r),
            None => break,
        }
    }
    let done = results.len();
    let mut report = ClientReport::new(
        command,
        config.layer_size,
        &config.profile.name,
        0,
        seed,
        results,
    )
    .on_registry_door();
    if stopped() {
        report.stopped = Some(format!(
            "interrupted (Ctrl-C) after {done} of {count} plans; COMMAND was killed"
        ));
        report.passed = false;
    }
    Ok(report)
}

fn run_plan(
    config: &ClientCheckConfig,
    command: &[String],
    plan: &RegistryPlan,
    seed: u64,
) -> Result<Option<PlanResult>, ClientCheckError> {
    let setup = |e: &dyn std::fmt::Display| ClientCheckError::Setup(format!("{}: {e}", plan.name));
    let image = layout::ImageLayout::create(&layer_sizes(config.layer_size), seed)
        .map_err(|e| setup(&e))?;
    let repo = config.repository.as_str();
    let mut builder = FakeEcr::builder()
        .profile(config.profile.clone())
        .repository(repo)
        .id_seed(seed)
        .record_requests(true)
        .require_auth(true);
    for spec in plan.faults {
        builder = builder.fault(spec.parse::<Fault>().map_err(|e| setup(&e))?);
    }
    let read = |path: &std::path::Path| std::fs::read(path).map_err(|e| setup(&e));
    let config_blob = image.blobs.last().ok_or_else(|| setup(&"no config"))?;
    match plan.setup {
        RegistrySetup::Free => {}
        RegistrySetup::LayerPresent => builder = builder.layer(repo, read(&image.largest().path)?),
        RegistrySetup::TagTaken => {
            builder = builder
                .layer(repo, read(&image.blobs[0].path)?)
                .layer(repo, read(&config_blob.path)?)
                .image(repo, &image.other, Some(TAG))
                .tag_mutability(repo, "IMMUTABLE");
        }
        RegistrySetup::Pull => {
            for blob in &image.blobs {
                builder = builder.layer(repo, read(&blob.path)?);
            }
            builder = builder.image(repo, &image.manifest, Some(TAG));
        }
    }
    let fake = builder.start().map_err(|e| setup(&e))?;
    let (user, password) =
        crate::runner::door::token_from_api(fake.responder()).map_err(|e| setup(&e))?;
    let before = fake.responder().request_log().len();
    let uri = fake.uri();
    let host = uri
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let reference = format!("{host}/{repo}:{TAG}");
    let layout_dir = if plan.pulls() {
        image.pull_dir().map_err(|e| setup(&e))?
    } else {
        image.layout.clone()
    };
    let mut env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", uri.as_str()),
        ("AWS_ENDPOINT_URL_ECR", uri.as_str()),
        ("AWS_ACCESS_KEY_ID", super::TEST_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", super::TEST_SECRET_ACCESS_KEY),
        ("AWS_REGION", DEFAULT_REGION),
        ("AWS_DEFAULT_REGION", DEFAULT_REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        (ENV_REGISTRY, host.as_str()),
        (ENV_REGISTRY_URL, uri.trim_end_matches('/')),
        (ENV_REGISTRY_USER, user.as_str()),
        (ENV_REGISTRY_PASSWORD, password.as_str()),
        (ENV_REFERENCE, reference.as_str()),
        (ENV_DIRECTION, if plan.pulls() { "pull" } else { "push" }),
        (super::ENV_REPOSITORY, repo),
        (super::ENV_TAG, TAG),
        (super::ENV_MANIFEST_DIGEST, image.manifest_digest.as_str()),
        (super::ENV_MANIFEST_MEDIA_TYPE, OCI_MANIFEST),
        (super::ENV_PLAN, plan.name),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.push((ENV_OCI_LAYOUT.to_owned(), layout_dir.display().to_string()));
    env.extend(config.env.iter().cloned());

    let start = Instant::now();
    let ran = super::command::run(command, &env, super::UNSET, config.timeout, &config.stop)
        .map_err(|e| ClientCheckError::CannotStart(format!("{}: {e}", command[0])))?;
    if ran.interrupted {
        return Ok(None);
    }
    let seconds = start.elapsed().as_secs_f64();
    let mut log = fake.responder().request_log();
    let log = log.split_off(before.min(log.len()));
    let (stored, tagged): (Vec<(String, u64)>, Option<String>) =
        fake.responder().with_registry(|r| {
            (
                r.layers(repo).map(|(d, s)| (d.to_owned(), s)).collect(),
                r.tag_digest(repo, TAG).map(str::to_owned),
            )
        });
    drop(fake);
    let pulled: Vec<(String, bool)> = if plan.pulls() {
        let blobs = layout_dir.join("blobs/sha256");
        let mut want: Vec<(String, u64)> = image
            .blobs
            .iter()
            .map(|b| (b.digest.clone(), b.size))
            .collect();
        want.push((image.manifest_digest.clone(), image.manifest.len() as u64));
        want.into_iter()
            .map(|(digest, size)| {
                let got = layout::file_digest(&blobs.join(&digest[7..]));
                let ok = got == Some((digest.clone(), size));
                (digest, ok)
            })
            .collect()
    } else {
        Vec::new()
    };
    let judged = judge::judge(&judge::RegistryEvidence {
        plan,
        log: &log,
        image: &image,
        stored: &stored,
        tagged: tagged.as_deref(),
        pulled: &pulled,
        exit: &ran.exit,
        stderr: &ran.stderr,
        start,
        timeout: config.timeout,
    });
    let largest = image.largest();
    Ok(Some(PlanResult {
        plan: plan.name,
        what: plan.what,
        faults: plan.faults.to_vec(),
        layer_present: plan.setup == RegistrySetup::LayerPresent,
        verdict: if judged.findings.is_empty() {
            "pass"
        } else {
            "FAIL"
        },
        findings: judged.findings,
        checked: judged.checked,
        notes: judged.notes,
        exit: ran.exit,
        seconds,
        part_sizes: judged.part_sizes,
        advertised_part_size: 0,
        expected: StoredLayer {
            digest: largest.digest.clone(),
            size: largest.size,
        },
        stored: stored
            .into_iter()
            .map(|(digest, size)| StoredLayer { digest, size })
            .collect(),
        image: Some(ImageResult {
            setup: match plan.setup {
                RegistrySetup::TagTaken => ImageSetup::TagTaken,
                RegistrySetup::Pull => ImageSetup::Present,
                RegistrySetup::Free | RegistrySetup::LayerPresent => ImageSetup::Free,
            },
            tag: TAG.to_owned(),
            digest: image.manifest_digest.clone(),
            manifest_length: image.manifest.len() as u64,
            tagged,
        }),
        seed,
        requests: log.iter().map(|e| RequestView::of(e, start)).collect(),
        stdout: ran.stdout,
        stderr: ran.stderr,
    }))
}
