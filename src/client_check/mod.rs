//! `client-check`: judges a client that pushes an image through the ECR API: a layer
//! (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload), then PutImage.
//!
//! For each fault plan ([`PLANS`]) it starts a fresh embedded fake (a scratch repository,
//! the selected profile, the plan's faults and image setup, a request log), writes a random
//! layer file and a manifest that names it (and a config blob the fake already holds),
//! runs COMMAND with the fake's endpoint, the layer and the manifest in its environment
//! ([`ENV_REPOSITORY`], [`ENV_LAYER`], [`ENV_LAYER_DIGEST`], [`ENV_MANIFEST`], [`ENV_TAG`],
//! `AWS_ENDPOINT_URL`, …), then
//! judges the client by the client rules ([`CLIENT_RULES`]) from the fake's request log,
//! its final state and COMMAND's exit status.
//!
//! - [`plans`]: the fault plans, `--plans` selection, `--list`;
//! - [`rules`]: the client rules, with where each comes from;
//! - `judge`: the rules applied to one plan's evidence;
//! - [`report`]: [`ClientReport`] as text, JSON and JUnit; [`html`] as HTML;
//! - `layer`, `image`, `command`: the layer file, the manifest, and running COMMAND with a
//!   time limit.
//!
//! With [`ClientCheckConfig::layer_only`] the client pushes the layer and nothing more: no
//! manifest is given, the plans about the image are not run and CLIENT-8 is not judged.

mod command;
pub mod html;
mod image;
mod judge;
mod layer;
pub mod plans;
pub mod registry;
pub mod report;
pub mod rules;

use std::fmt;
use std::time::{Duration, Instant};

pub use command::ExitInfo;
pub use image::TAG;
pub use plans::{ImageSetup, PLANS, Plan, list_plans, select_plans};
pub use report::{
    ClientReport, Finding, ImageResult, PlanResult, RequestView, RuleResult, StoredLayer,
};
pub use rules::{CLIENT_RULES, ClientRule, client_rule};

use crate::fake::{FakeEcr, Fault};
use crate::model::Profile;
use crate::model::limits::DEFAULT_REGION;

/// The variable that names the repository to push to.
pub const ENV_REPOSITORY: &str = "ECR_CONFORMANCE_REPOSITORY";
/// The variable that holds the layer file's path.
pub const ENV_LAYER: &str = "ECR_CONFORMANCE_LAYER";
/// The variable that holds the layer's digest (`sha256:<hex>`).
pub const ENV_LAYER_DIGEST: &str = "ECR_CONFORMANCE_LAYER_DIGEST";
/// The variable that holds the layer's size in bytes.
pub const ENV_LAYER_SIZE: &str = "ECR_CONFORMANCE_LAYER_SIZE";
/// The variable that holds the manifest file's path (absent with `--layer-only`).
pub const ENV_MANIFEST: &str = "ECR_CONFORMANCE_MANIFEST";
/// The variable that holds the image digest: `sha256:<hex>` of the manifest file's bytes.
pub const ENV_MANIFEST_DIGEST: &str = "ECR_CONFORMANCE_MANIFEST_DIGEST";
/// The variable that holds the manifest's media type.
pub const ENV_MANIFEST_MEDIA_TYPE: &str = "ECR_CONFORMANCE_MANIFEST_MEDIA_TYPE";
/// The variable that holds the tag to put.
pub const ENV_TAG: &str = "ECR_CONFORMANCE_TAG";
/// The variable that names the plan being run.
pub const ENV_PLAN: &str = "ECR_CONFORMANCE_PLAN";

/// The access key id COMMAND gets (`AWS_ACCESS_KEY_ID`).
pub const TEST_ACCESS_KEY_ID: &str = "AKIDCLIENTCHECK";
/// The secret key COMMAND gets (`AWS_SECRET_ACCESS_KEY`).
pub const TEST_SECRET_ACCESS_KEY: &str = "client-check-secret";

/// The default layer size: 12 MiB, two or three parts at the usual part sizes.
pub const DEFAULT_LAYER_SIZE: u64 = 12 * 1024 * 1024;
/// The largest layer size accepted. The `layer-present` plan stores the layer through the
/// model before COMMAND starts, holding its bytes in memory for that moment.
pub const MAX_LAYER_SIZE: u64 = 1024 * 1024 * 1024;

/// Variables removed from COMMAND's environment: credentials other than the test ones.
const UNSET: &[&str] = &["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"];

/// Settings of a client check.
#[derive(Debug, Clone)]
pub struct ClientCheckConfig {
    /// Run only the plans whose name matches this regex (`--plans`).
    pub plans: Option<String>,
    /// The layer's size in bytes (`--layer-size`).
    pub layer_size: u64,
    /// The profile the fake follows (`--profile`).
    pub profile: Profile,
    /// How long COMMAND may run per plan before it is killed (a CLIENT-7 finding).
    pub timeout: Duration,
    /// Seed of the layers' bytes (default: random; the report gives it).
    pub seed: Option<u64>,
    /// The repository the fake holds and COMMAND pushes to.
    pub repository: String,
    /// The client pushes a layer only (`--layer-only`): no manifest, no plan about the
    /// image, CLIENT-8 not judged.
    pub layer_only: bool,
    /// Which door the client goes through: the API (`UploadLayerPart` and the rest) or the
    /// registry (`/v2/`, [`registry`]).
    pub door: ClientDoor,
    /// The registry door without its pull plan (`--push-only`).
    pub push_only: bool,
    /// More variables for COMMAND's environment (set last, so they win).
    pub env: Vec<(String, String)>,
    /// Set (Ctrl-C) to kill COMMAND's process group and end the check: the plans done so
    /// far are reported, the one cut short is not judged.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Default for ClientCheckConfig {
    fn default() -> Self {
        ClientCheckConfig {
            plans: None,
            layer_size: DEFAULT_LAYER_SIZE,
            profile: Profile::ecr(),
            timeout: Duration::from_secs(120),
            seed: None,
            repository: "client-check".to_owned(),
            layer_only: false,
            door: ClientDoor::Api,
            push_only: false,
            env: Vec::new(),
            stop: Default::default(),
        }
    }
}

/// The door a checked client pushes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientDoor {
    /// The ECR API (awsJson 1.1): the plans of [`PLANS`], the rules of [`CLIENT_RULES`].
    #[default]
    Api,
    /// The registry door (`/v2/`): the plans of [`registry::REGISTRY_PLANS`], the rules
    /// of [`registry::REGISTRY_CLIENT_RULES`].
    Registry,
}

impl ClientCheckConfig {
    /// The settings of a registry-door check: the largest layer
    /// [`registry::DEFAULT_LARGEST_LAYER`] bytes, the rest as [`Default`].
    pub fn registry() -> Self {
        ClientCheckConfig {
            door: ClientDoor::Registry,
            layer_size: registry::DEFAULT_LARGEST_LAYER,
            ..ClientCheckConfig::default()
        }
    }
}

/// Why a client check could not be made (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCheckError {
    /// Bad settings: no COMMAND, a layer size out of range, a `--plans` that matches nothing.
    Usage(String),
    /// COMMAND could not be started.
    CannotStart(String),
    /// The fake or the layer file could not be set up.
    Setup(String),
}

impl fmt::Display for ClientCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientCheckError::Usage(m) => write!(f, "{m}"),
            ClientCheckError::CannotStart(m) => write!(f, "cannot start COMMAND: {m}"),
            ClientCheckError::Setup(m) => write!(f, "cannot set up the plan: {m}"),
        }
    }
}

impl std::error::Error for ClientCheckError {}

/// Runs COMMAND once per selected plan against a fresh fake and judges it.
pub fn client_check(
    config: &ClientCheckConfig,
    command: &[String],
) -> Result<ClientReport, ClientCheckError> {
    if command.is_empty() {
        return Err(ClientCheckError::Usage(
            "no COMMAND: give the client to run after --".to_owned(),
        ));
    }
    if config.door == ClientDoor::Registry {
        return registry::client_check_registry(config, command);
    }
    if config.push_only {
        return Err(ClientCheckError::Usage(
            "--push-only is for --door registry (the API door has no pull plan)".to_owned(),
        ));
    }
    if config.layer_size == 0 || config.layer_size > MAX_LAYER_SIZE {
        return Err(ClientCheckError::Usage(format!(
            "--layer-size {} is out of range 1..={MAX_LAYER_SIZE}",
            config.layer_size
        )));
    }
    config
        .profile
        .check()
        .map_err(|e| ClientCheckError::Usage(e.to_string()))?;
    let plans = select_plans(config.plans.as_deref(), config.layer_only)?;
    let seed = config.seed.unwrap_or_else(random_seed);
    let mut results = Vec::with_capacity(plans.len());
    let count = plans.len();
    let stopped = || config.stop.load(std::sync::atomic::Ordering::Relaxed);
    for (i, plan) in plans.into_iter().enumerate() {
        if stopped() {
            break;
        }
        match run_plan(config, command, plan, seed.wrapping_add(i as u64))? {
            Some(result) => results.push(result),
            None => break, // cut short by the interrupt: not judged
        }
    }
    let done = results.len();
    let mut report = ClientReport::new(
        command,
        config.layer_size,
        &config.profile.name,
        config.profile.advertised_part_size,
        seed,
        results,
    );
    report.layer_only = config.layer_only;
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
    plan: &Plan,
    seed: u64,
) -> Result<Option<PlanResult>, ClientCheckError> {
    let setup = |e: &dyn fmt::Display| ClientCheckError::Setup(format!("{}: {e}", plan.name));
    let layer = layer::LayerFile::create(config.layer_size, seed).map_err(|e| setup(&e))?;
    let image = if config.layer_only {
        None
    } else {
        Some(image::ImageFiles::create(&layer, seed, plan.image).map_err(|e| setup(&e))?)
    };
    let repo = config.repository.as_str();
    let mut builder = FakeEcr::builder()
        .profile(config.profile.clone())
        .repository(&config.repository)
        .id_seed(seed)
        .record_requests(true);
    for spec in plan.faults {
        builder = builder.fault(spec.parse::<Fault>().map_err(|e| setup(&e))?);
    }
    if plan.layer_present {
        builder = builder.layer(repo, layer.bytes().map_err(|e| setup(&e))?);
    }
    if let Some(image) = &image {
        builder = builder.layer(repo, image.config.clone());
        match plan.image {
            ImageSetup::Present => builder = builder.image(repo, &image.manifest, Some(TAG)),
            ImageSetup::TagTaken => {
                let other = image.other.as_deref().unwrap_or_default();
                builder = builder
                    .image(repo, other, Some(TAG))
                    .tag_mutability(repo, "IMMUTABLE");
            }
            ImageSetup::Free | ImageSetup::LayerForgotten => {}
        }
    }
    let fake = builder.start().map_err(|e| setup(&e))?;
    let uri = fake.uri();
    let mut env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", uri.as_str()),
        ("AWS_ENDPOINT_URL_ECR", uri.as_str()),
        ("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY),
        ("AWS_REGION", DEFAULT_REGION),
        ("AWS_DEFAULT_REGION", DEFAULT_REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        (ENV_REPOSITORY, config.repository.as_str()),
        (ENV_LAYER_DIGEST, layer.digest()),
        (ENV_PLAN, plan.name),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.push((ENV_LAYER.to_owned(), layer.path().display().to_string()));
    env.push((ENV_LAYER_SIZE.to_owned(), layer.size().to_string()));
    if let Some(image) = &image {
        env.push((ENV_MANIFEST.to_owned(), image.path.display().to_string()));
        env.push((ENV_MANIFEST_DIGEST.to_owned(), image.digest.clone()));
        env.push((
            ENV_MANIFEST_MEDIA_TYPE.to_owned(),
            crate::model::manifest::DOCKER_MANIFEST.to_owned(),
        ));
        env.push((ENV_TAG.to_owned(), TAG.to_owned()));
    }
    env.extend(config.env.iter().cloned());

    let start = Instant::now();
    let ran = command::run(command, &env, UNSET, config.timeout, &config.stop)
        .map_err(|e| ClientCheckError::CannotStart(format!("{}: {e}", command[0])))?;
    if ran.interrupted {
        return Ok(None);
    }
    let seconds = start.elapsed().as_secs_f64();
    let log = fake.responder().request_log();
    let (stored, tagged): (Vec<(String, u64)>, Option<String>) =
        fake.responder().with_registry(|r| {
            let layers = r
                .layers(repo)
                .filter(|(d, _)| image.as_ref().is_none_or(|i| *d != i.config_digest))
                .map(|(d, s)| (d.to_owned(), s))
                .collect();
            (layers, r.tag_digest(repo, TAG).map(str::to_owned))
        });
    drop(fake);
    let image = image.map(|i| ImageResult {
        setup: plan.image,
        tag: TAG.to_owned(),
        digest: i.digest,
        manifest_length: i.manifest.len() as u64,
        tagged,
    });

    let judged = judge::judge(&judge::Evidence {
        plan,
        log: &log,
        layer: &layer,
        stored: &stored,
        exit: &ran.exit,
        stderr: &ran.stderr,
        start,
        timeout: config.timeout,
        image: image.as_ref(),
    });
    let requests = log.iter().map(|e| RequestView::of(e, start)).collect();
    Ok(Some(report::plan_result(
        plan,
        judged,
        ran.exit,
        seconds,
        config.profile.advertised_part_size,
        StoredLayer {
            digest: layer.digest().to_owned(),
            size: layer.size(),
        },
        stored
            .into_iter()
            .map(|(digest, size)| StoredLayer { digest, size })
            .collect(),
        image,
        seed,
        requests,
        ran.stdout,
        ran.stderr,
    )))
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
