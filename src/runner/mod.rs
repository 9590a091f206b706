//! The conformance runner: drives any endpoint with the catalog's scenarios and with
//! generated sequences, compares every answer with the model's, and reports every
//! divergence by rule.

mod compare;
mod endpoint;
mod generated;
pub mod html;
pub mod judge;
pub mod merge;
pub mod replay;
mod report;
pub mod scenario;
mod session;
pub mod transcript;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use regex::Regex;

pub use crate::protocol::{Observed, Transport, TransportError, WireRequest, observe};
pub use compare::{Divergence, IdMap, compare};
pub use endpoint::{Endpoint, MAX_ANSWER_BYTES, SigningKeys};
pub use judge::{CaseLog, Verdict};
pub use report::{CaseResult, GeneratedResult, Report, RuleResult};
pub use scenario::Scenario;
pub use session::{Session, StepRecord};

use crate::model::{CreateRepository, DeleteRepository, Profile, Registry, Request, rules};
use scenario::Bindings;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The profile the model follows.
    pub profile: Profile,
    /// Generated cases (0: none).
    pub cases: u32,
    /// Seed of the generated cases and of the scratch names.
    pub seed: u64,
    /// Only scenarios (and `generated`) whose name matches.
    pub filter: Option<Regex>,
    /// Existing repositories to use instead of scratch ones.
    pub repositories: Vec<String>,
    /// Prefix of scratch repository names.
    pub prefix: String,
    /// The target's registry id when it cannot be learned (with `repositories`).
    pub registry_id: Option<String>,
    /// The catalog folder.
    pub scenarios_dir: PathBuf,
    /// Where a shrunk failing sequence is written (none: not written).
    pub regressions_dir: Option<PathBuf>,
    /// Set to stop between steps (Ctrl-C).
    pub stop: Arc<AtomicBool>,
    /// Show progress on stderr (the CLI sets it when stderr is a terminal).
    pub progress: bool,
    /// Differs fail the run too.
    pub strict: bool,
    /// Run only this share of the catalog and of the generated cases: `(i, n)`, the i-th
    /// of n (from 1), for campaigns split across CI jobs (`merge-reports` joins them).
    pub shard: Option<(u32, u32)>,
}

impl RunConfig {
    /// The defaults of `run`: the catalog this crate was built with, 256 generated cases
    /// with seed 0, scratch repositories, nothing written.
    pub fn new(profile: Profile) -> Self {
        RunConfig {
            profile,
            cases: 256,
            seed: 0,
            filter: None,
            repositories: Vec::new(),
            prefix: "ecr-conformance".to_owned(),
            registry_id: None,
            scenarios_dir: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/scenarios"
            )),
            regressions_dir: None,
            stop: Arc::new(AtomicBool::new(false)),
            progress: false,
            strict: false,
            shard: None,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn existing(&self) -> bool {
        !self.repositories.is_empty()
    }

    fn selected(&self, name: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.is_match(name))
    }

    /// Whether the case numbered `n` (a catalog scenario's place in the catalog, or a
    /// generated case's number) is this shard's.
    fn in_shard(&self, n: u64) -> bool {
        self.shard
            .is_none_or(|(i, count)| n % u64::from(count) == u64::from(i - 1))
    }
}

/// Why a run could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The arguments or the catalog are wrong.
    Usage(String),
    /// The target cannot be used.
    Target(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Usage(m) | RunError::Target(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RunError {}

/// The target, with what the runner learned of it.
pub struct Target<'a> {
    endpoint: &'a dyn Transport,
    registry_id: String,
    run_id: String,
    /// Cases in a row that ended with a request the target did not answer.
    silent_cases: std::cell::Cell<u32>,
    /// Why the run stopped early, once the target is unusable.
    unusable: std::cell::RefCell<Option<String>>,
}

/// Cases in a row that may end without an answer before the target counts as unusable
/// and the run ends (exit 2) instead of waiting out a timeout in every case.
pub const MAX_SILENT_CASES: u32 = 3;

/// The case error of a request that got no answer.
const NO_ANSWER: &str = "the target stopped answering";

fn create(name: &str) -> Request {
    Request::CreateRepository(CreateRepository {
        registry_id: None,
        repository_name: Some(name.to_owned()),
    })
}

fn delete_force(name: &str) -> WireRequest {
    WireRequest::of(&Request::DeleteRepository(DeleteRepository {
        registry_id: None,
        repository_name: Some(name.to_owned()),
        force: Some(true),
    }))
}

/// The registry id of an endpoint, from the first answer that carries one: a part sent
/// out of order to a new upload in `repository` is refused with InvalidLayerPartException,
/// whose members name the registry (the part changes nothing; the upload stays open).
fn learn_registry_id(endpoint: &dyn Transport, repository: &str) -> Result<String, RunError> {
    use crate::model::{InitiateLayerUpload, PartBlob, UploadLayerPart};
    let send = |request: &Request| {
        let w = WireRequest::of(request);
        endpoint
            .send(w.target.as_deref(), w.content_type.as_deref(), &w.body)
            .map(|(observed, _)| observed)
            .map_err(|e| RunError::Target(format!("the target cannot be reached: {e}")))
    };
    let carried = |o: &Observed| {
        o.body
            .as_ref()
            .and_then(|b| b.get("registryId"))
            .and_then(|v| v.as_str())
            .filter(|id| crate::model::validate::registry_id(&Some((*id).to_owned())).is_ok())
            .map(str::to_owned)
    };
    let opened = send(&Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: None,
        repository_name: Some(repository.to_owned()),
    }))?;
    let upload_id = opened
        .body
        .as_ref()
        .and_then(|b| b.get("uploadId"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let Some(upload_id) = upload_id.filter(|_| opened.status == 200) else {
        return Err(RunError::Target(format!(
            "the target did not open an upload in '{repository}' (to learn its registry id; \
             or give --registry-id): HTTP {} {}",
            opened.status,
            opened
                .error_name
                .clone()
                .or(opened.raw.clone())
                .unwrap_or_default()
        )));
    };
    let refused = send(&Request::UploadLayerPart(UploadLayerPart {
        registry_id: None,
        repository_name: Some(repository.to_owned()),
        upload_id: Some(upload_id),
        part_first_byte: Some(1),
        part_last_byte: Some(1),
        layer_part_blob: Some(PartBlob::new(vec![0u8])),
    }))?;
    carried(&refused).ok_or_else(|| {
        RunError::Target(format!(
            "no answer of the target named its registry id (give --registry-id): HTTP {} {}",
            refused.status,
            refused
                .error_name
                .clone()
                .or(refused.raw.clone())
                .unwrap_or_default()
        ))
    })
}

impl<'a> Target<'a> {
    /// Learns the registry id by creating and deleting a probe repository (which also
    /// shows the target answers), unless existing repositories are used.
    pub fn probe(endpoint: &'a dyn Transport, config: &RunConfig) -> Result<Self, RunError> {
        // Random per run, so concurrent runs against one registry never share a name.
        let run_id = {
            use std::hash::{BuildHasher, RandomState};
            let n = RandomState::new().hash_one((config.seed, std::process::id()));
            format!("{:08x}", n as u32)
        };
        if config.existing() {
            let registry_id = match &config.registry_id {
                Some(id) => id.clone(),
                None => learn_registry_id(endpoint, &config.repositories[0])?,
            };
            return Ok(Target::new(endpoint, registry_id, run_id));
        }
        let probe = format!("{}-{run_id}-probe", config.prefix);
        let req = WireRequest::of(&create(&probe));
        let (observed, _) = endpoint
            .send(
                req.target.as_deref(),
                req.content_type.as_deref(),
                &req.body,
            )
            .map_err(|e| RunError::Target(format!("the target cannot be reached: {e}")))?;
        let registry_id = observed
            .body
            .as_ref()
            .and_then(|b| b.pointer("/repository/registryId"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let Some(registry_id) = registry_id.filter(|_| observed.status == 200) else {
            return Err(RunError::Target(format!(
                "the target did not create a scratch repository '{probe}': HTTP {} {}",
                observed.status,
                observed
                    .error_name
                    .clone()
                    .or(observed.raw.clone())
                    .unwrap_or_default()
            )));
        };
        let d = delete_force(&probe);
        let _ = endpoint.send(d.target.as_deref(), d.content_type.as_deref(), &d.body);
        Ok(Target::new(endpoint, registry_id, run_id))
    }

    fn new(endpoint: &'a dyn Transport, registry_id: String, run_id: String) -> Self {
        Target {
            endpoint,
            registry_id,
            run_id,
            silent_cases: Default::default(),
            unusable: Default::default(),
        }
    }

    /// A number of this run's own, mixed into blob seeds so that runs against kept
    /// repositories never send the bytes of a layer an earlier run stored.
    fn salt(&self) -> u64 {
        u64::from_str_radix(&self.run_id, 16).unwrap_or(0)
    }

    /// Notes how a case ended; after [`MAX_SILENT_CASES`] cases in a row without an
    /// answer the target is unusable.
    fn case_ended(&self, error: Option<&str>) {
        match error {
            Some(e) if e.starts_with(NO_ANSWER) => {
                let n = self.silent_cases.get() + 1;
                self.silent_cases.set(n);
                if n >= MAX_SILENT_CASES {
                    *self.unusable.borrow_mut() =
                        Some(format!("{e} ({n} cases in a row got no answer)"));
                }
            }
            _ => self.silent_cases.set(0),
        }
    }

    /// Why the target is unusable, once it is.
    fn unusable(&self) -> Option<String> {
        self.unusable.borrow().clone()
    }

    /// The repositories a case uses: three scratch names, or the existing ones.
    fn case_repositories(&self, config: &RunConfig, case: &str) -> Vec<String> {
        if config.existing() {
            return config.repositories.clone();
        }
        ["a", "b", "c"]
            .iter()
            .map(|x| format!("{}-{}-{case}-{x}", config.prefix, self.run_id))
            .collect()
    }

    /// A model with the target's identity, holding the existing repositories if any.
    fn model(&self, config: &RunConfig, repos: &[String], case: u64) -> Registry {
        let mut model = Registry::new(config.profile.clone())
            .with_identity(&self.registry_id, self.endpoint.region())
            .with_id_seed(config.seed ^ case.wrapping_mul(0x9e37_79b9));
        if config.existing() {
            for r in repos {
                let _ = model.apply(&create(r));
            }
        }
        model
    }

    /// Deletes a case's scratch repositories (never existing ones); answers are not
    /// compared, only sent.
    fn cleanup(&self, config: &RunConfig, repos: &[String]) {
        if config.existing() {
            return;
        }
        let extra = repos.first().map(|r| scenario::oci_name(r));
        for r in repos.iter().chain(&extra) {
            let d = delete_force(r);
            let sent = self
                .endpoint
                .send(d.target.as_deref(), d.content_type.as_deref(), &d.body);
            if sent.is_err() {
                break; // a target that does not answer is not asked again
            }
        }
    }
}

fn run_scenario(
    target: &Target<'_>,
    config: &RunConfig,
    scenario: &Scenario,
    index: usize,
) -> (CaseResult, Option<CaseLog>) {
    let repos = target.case_repositories(config, &format!("s{index}"));
    let mut session = Session::new(target.endpoint, target.model(config, &repos, index as u64));
    let mut error = None;
    let created = if config.existing() {
        0
    } else {
        scenario.repositories.min(repos.len())
    };
    for r in &repos[..created] {
        if let Err(e) = session.exchange_request(&create(r)) {
            error = Some(format!("{NO_ANSWER}: {e}"));
            break;
        }
    }
    let salt = if config.existing() {
        config.seed ^ target.salt()
    } else {
        0
    };
    let mut uploads: Vec<(String, String)> = Vec::new();
    // The digest of each named upload's bytes, kept after it completes.
    let mut digests: std::collections::HashMap<String, String> = Default::default();
    for step in &scenario.steps {
        if error.is_some() {
            break;
        }
        if config.stopped() {
            error = Some("interrupted".to_owned());
            break;
        }
        let side = |target_side: bool| Bindings {
            repos: repos.clone(),
            registry_id: target.registry_id.clone(),
            uploads: uploads
                .iter()
                .map(|(n, id)| {
                    (
                        n.clone(),
                        if target_side {
                            session.ids().target(id).to_owned()
                        } else {
                            id.clone()
                        },
                    )
                })
                .collect(),
            digests: digests.clone(),
            salt,
        };
        let requests = side(false)
            .request(step)
            .and_then(|m| side(true).request(step).map(|t| (m, t)));
        let (to_model, to_target) = match requests {
            Ok(pair) => pair,
            Err(e) => {
                error = Some(format!("bad step: {e}"));
                break;
            }
        };
        let attribute = step.checks.as_deref().and_then(rules::rule).map(|r| r.id);
        let minted = session.minted().len();
        if let Err(e) = session.exchange(&to_model, &to_target, attribute) {
            error = Some(format!("{NO_ANSWER}: {e}"));
            break;
        }
        if let (Some(name), true, Some(id)) = (
            &step.name,
            session.minted().len() > minted,
            session.minted().last(),
        ) {
            uploads.push((name.clone(), id.clone()));
        }
        for (name, id) in &uploads {
            if let Some(u) = session.model().upload(id) {
                digests.insert(name.clone(), u.digest());
            }
        }
    }
    target.cleanup(config, &repos);
    target.case_ended(error.as_deref());
    let log = session.finish(&config.profile);
    let case = CaseResult {
        name: scenario.name.clone(),
        index: None,
        rules: scenario.rules.clone(),
        repositories: repos,
        existing: config.existing(),
        registry_id: target.registry_id.clone(),
        steps: session.records,
        error,
    };
    (case, log)
}

/// Runs the catalog and the generated sequences against `endpoint`: an [`Endpoint`] over
/// HTTP, or any other [`Transport`] (the fake's `Responder` in process).
pub fn run(
    endpoint: &dyn Transport,
    target_label: &str,
    config: &RunConfig,
) -> Result<Report, RunError> {
    let catalog =
        scenario::load_dir(&config.scenarios_dir).map_err(|e| RunError::Usage(e.to_string()))?;
    let target = Target::probe(endpoint, config)?;
    let mut results = Vec::new();
    let mut logs = Vec::new();
    let mut not_run = Vec::new();
    for (i, s) in catalog
        .iter()
        .enumerate()
        .filter(|(i, s)| config.selected(&s.name) && config.in_shard(*i as u64))
    {
        if config.existing() && config.repositories.len() < s.repositories {
            not_run.push(format!(
                "{}: needs {} repositories, --repository gave {}",
                s.name,
                s.repositories,
                config.repositories.len()
            ));
            continue;
        }
        if config.stopped() {
            not_run.push(format!("{}: interrupted", s.name));
            continue;
        }
        // The report gives the reason once, as `stopped`.
        if target.unusable().is_some() {
            not_run.push(format!("{}: the target stopped answering", s.name));
            continue;
        }
        if config.progress {
            eprint!("\r\x1b[Kscenario {}/{}: {}", i + 1, catalog.len(), s.name);
        }
        let (case, log) = run_scenario(&target, config, s, i);
        results.push(case);
        logs.extend(log);
    }
    if config.progress {
        eprint!("\r\x1b[K");
    }
    let generated = (config.cases > 0
        && config.selected("generated")
        && !config.stopped()
        && target.unusable().is_none())
    .then(|| generated::run(&target, config, &mut logs));
    let inferred = judge::infer(&config.profile, &logs);
    let mut report = Report::new(
        target_label.to_owned(),
        &config.profile,
        results,
        generated,
        not_run,
        inferred,
    );
    report.stopped = target.unusable();
    report.strict = config.strict;
    report.shard = config.shard.map(|(i, n)| format!("{i}/{n}"));
    Ok(report)
}

/// Lists the catalog: name, rules and description of each scenario, and the generated runs.
pub fn list(config: &RunConfig) -> Result<Vec<(String, Vec<String>, String)>, RunError> {
    let catalog =
        scenario::load_dir(&config.scenarios_dir).map_err(|e| RunError::Usage(e.to_string()))?;
    let mut out: Vec<_> = catalog
        .into_iter()
        .filter(|s| config.selected(&s.name))
        .map(|s| (s.name, s.rules, s.description))
        .collect();
    if config.selected("generated") {
        out.push((
            "generated".to_owned(),
            Vec::new(),
            format!(
                "{} random sequences of up to {} steps (--cases, --seed)",
                config.cases,
                generated::MAX_STEPS
            ),
        ));
    }
    Ok(out)
}
