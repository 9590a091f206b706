//! Running the catalog and the generated sequences against a target, and listing them.

use super::config::{RunConfig, RunError};
use super::generated;
use super::judge::{self, CaseLog};
use super::report::{CaseResult, Report};
use super::scenario::{self, Bindings, Scenario};
use super::session::Session;
use super::target::{NO_ANSWER, Target, create};
use crate::model::rules;
use crate::protocol::Transport;

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
        let mut texts = crate::fixture::BlobTexts::summarizing();
        let requests = side(false)
            .request_once(step, &mut texts)
            .and_then(|m| side(true).request_once(step, &mut texts).map(|t| (m, t)));
        let (to_model, to_target) = match requests {
            Ok(pair) => pair,
            Err(e) => {
                error = Some(format!("bad step: {e}"));
                break;
            }
        };
        let attribute = step.checks.as_deref().and_then(rules::rule).map(|r| r.id);
        let minted = session.minted().len();
        if let Err(e) = session.exchange(&to_model, &to_target, attribute, &texts) {
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

/// Runs the catalog and the generated sequences against `endpoint`: an [`Endpoint`](super::Endpoint) over
/// HTTP, or any other [`Transport`] (the fake's `Responder` in process).
pub fn run(
    endpoint: &dyn Transport,
    target_label: &str,
    config: &RunConfig,
) -> Result<Report, RunError> {
    let catalog = scenario::catalog(config.scenarios_dir.as_deref())
        .map_err(|e| RunError::Usage(e.to_string()))?;
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
    let catalog = scenario::catalog(config.scenarios_dir.as_deref())
        .map_err(|e| RunError::Usage(e.to_string()))?;
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
