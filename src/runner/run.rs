//! Running the catalog and the generated sequences against a target, and listing them.

use super::config::{RunConfig, RunError};
use super::generated;
use super::judge::{self, CaseLog};
use super::report::{CaseResult, Report, StopReason, Stopped};
use super::scenario::{self, Bindings, Scenario};
use super::session::Session;
use super::target::{NO_ANSWER, Target, create};
use crate::model::rules;
use crate::protocol::{INTERRUPTED, Transport};

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
    // An error that comes with the interrupt is the interrupt's, not the target's.
    let no_answer = |e: &dyn std::fmt::Display| {
        if config.stopped() {
            INTERRUPTED.to_owned()
        } else {
            format!("{NO_ANSWER}: {e}")
        }
    };
    for r in &repos[..created] {
        if let Err(e) = session.exchange_request(&create(r)) {
            error = Some(no_answer(&e));
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
    let mut sizes: std::collections::HashMap<String, u64> = Default::default();
    let manifests = scenario::manifest_specs(scenario);
    // Listing steps' names to the tokens the model and the target answered.
    let mut tokens: (
        std::collections::HashMap<String, String>,
        std::collections::HashMap<String, String>,
    ) = Default::default();
    for step in &scenario.steps {
        if error.is_some() {
            break;
        }
        if config.stopped() {
            error = Some(INTERRUPTED.to_owned());
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
            sizes: sizes.clone(),
            manifests: manifests.clone(),
            image_digests: if target_side {
                session.ids().pairs().clone()
            } else {
                Default::default()
            },
            tokens: if target_side {
                tokens.1.clone()
            } else {
                tokens.0.clone()
            },
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
            error = Some(no_answer(&e));
            break;
        }
        if let (Some(name), true, Some(id)) = (
            &step.name,
            session.minted().len() > minted,
            session.minted().last(),
        ) {
            uploads.push((name.clone(), id.clone()));
        }
        if let (Some(name), Some(record)) = (&step.name, session.records.last()) {
            let token = |v: &serde_json::Value| {
                v.pointer("/body/nextToken")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            if let Some(t) = token(&record.expected) {
                tokens.0.insert(name.clone(), t);
            }
            if let Some(t) = token(&record.actual) {
                tokens.1.insert(name.clone(), t);
            }
        }
        for (name, id) in &uploads {
            if let Some(u) = session.model().upload(id) {
                digests.insert(name.clone(), u.digest());
                sizes.insert(name.clone(), u.received());
            }
        }
    }
    target.cleanup(config, &repos);
    if error.as_deref() != Some(INTERRUPTED) {
        target.case_ended(error.as_deref());
    }
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

/// The catalog, refused when it cannot be run: it does not load, holds nothing, or
/// `--filter` (with the generated cases) selects nothing from it.
fn load_catalog(config: &RunConfig) -> Result<Vec<Scenario>, RunError> {
    let catalog = scenario::catalog(config.scenarios_dir.as_deref())
        .map_err(|e| RunError::Usage(e.to_string()))?;
    // A folder given that holds no scenario is a mistake (a typo in CI), even though the
    // embedded catalog would still run.
    if let Some(dir) = &config.scenarios_dir
        && scenario::load_dir(dir)
            .map_err(|e| RunError::Usage(e.to_string()))?
            .is_empty()
    {
        return Err(RunError::Usage(format!(
            "{}: no scenario (*.json) in the folder",
            dir.display()
        )));
    }
    let generated = config.cases > 0 && config.selected("generated");
    if !generated && !catalog.iter().any(|s| config.selected(&s.name)) {
        return Err(RunError::Usage(match &config.filter {
            Some(f) => format!(
                "--filter '{f}' matches no scenario of the catalog ({} scenarios){}",
                catalog.len(),
                if config.cases == 0 {
                    ""
                } else {
                    " and not `generated`"
                }
            ),
            None => "nothing to run".to_owned(),
        }));
    }
    Ok(catalog)
}

/// Runs the catalog and the generated sequences against `endpoint`: an [`Endpoint`](super::Endpoint) over
/// HTTP, or any other [`Transport`] (the fake's `Responder` in process).
///
/// A catalog that cannot be run is a [`RunError::Usage`] before anything is sent. A target
/// that cannot be reached or refuses the setup, an interrupt (`config.stop`) and a target
/// that stops answering all give a report with [`Report::stopped`] saying why and how far
/// the run got; a case the interrupt cut short is not run, not judged.
pub fn run(
    endpoint: &dyn Transport,
    target_label: &str,
    config: &RunConfig,
) -> Result<Report, RunError> {
    let catalog = load_catalog(config)?;
    let chosen: Vec<(usize, &Scenario)> = catalog
        .iter()
        .enumerate()
        .filter(|(i, s)| config.selected(&s.name) && config.in_shard(*i as u64))
        .collect();
    let generated_chosen = config.cases > 0 && config.selected("generated");
    let target = match Target::probe(endpoint, config) {
        Ok(t) => t,
        Err(reason) => {
            let mut not_run: Vec<String> = chosen
                .iter()
                .map(|(_, s)| format!("{}: {reason}", s.name))
                .collect();
            if generated_chosen {
                not_run.push(format!("generated: {reason}"));
            }
            let mut report = Report::new(
                target_label.to_owned(),
                &config.profile,
                Vec::new(),
                None,
                not_run,
                config.profile.clone(),
            );
            report.stopped = Some(Stopped::new(reason));
            report.strict = config.strict;
            report.shard = config.shard.map(|(i, n)| format!("{i}/{n}"));
            return Ok(report);
        }
    };
    let mut results = Vec::new();
    let mut logs = Vec::new();
    let mut not_run = Vec::new();
    for &(i, s) in &chosen {
        if config.existing() && s.fresh {
            not_run.push(format!(
                "{}: needs scratch repositories, empty at its start (it lists images or \
                 deletes its repository); --repository names existing ones",
                s.name
            ));
            continue;
        }
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
            not_run.push(format!("{}: {INTERRUPTED}", s.name));
            continue;
        }
        // The report gives the reason once, as `stopped`.
        if target.unusable().is_some() {
            not_run.push(format!("{}: the target stopped answering", s.name));
            continue;
        }
        if config.progress {
            super::config::progress(format_args!(
                "\r\x1b[Kscenario {}/{}: {}",
                i + 1,
                catalog.len(),
                s.name
            ));
        }
        let (case, log) = run_scenario(&target, config, s, i);
        if case.error.as_deref() == Some(INTERRUPTED) {
            // Cut short: neither passed nor failed.
            not_run.push(format!(
                "{}: {INTERRUPTED} after {} of its {} steps",
                s.name,
                case.steps.len(),
                s.steps.len()
            ));
            continue;
        }
        results.push(case);
        logs.extend(log);
    }
    if config.progress {
        super::config::progress(format_args!("\r\x1b[K"));
    }
    let generated = (generated_chosen && !config.stopped() && target.unusable().is_none())
        .then(|| generated::run(&target, config, &mut logs));
    if generated_chosen && generated.is_none() {
        not_run.push(format!(
            "generated: {}",
            if config.stopped() {
                INTERRUPTED
            } else {
                "the target stopped answering"
            }
        ));
    }
    let inferred = judge::infer(&config.profile, &logs);
    let scenarios_run = results.len() as u64;
    let generated_run = generated.as_ref().map_or(0, |g| g.ran);
    let mut report = Report::new(
        target_label.to_owned(),
        &config.profile,
        results,
        generated,
        not_run,
        inferred,
    );
    let reason = if config.stopped() {
        Some(StopReason::Interrupted)
    } else {
        target
            .unusable()
            .map(|detail| StopReason::TargetStoppedAnswering { detail })
    };
    report.stopped = reason.map(|reason| Stopped {
        reason,
        scenarios_run,
        generated_run,
    });
    report.strict = config.strict;
    report.shard = config.shard.map(|(i, n)| format!("{i}/{n}"));
    Ok(report)
}

/// Lists the catalog: name, rules and description of each scenario, and the generated runs.
///
/// With `--shard I/N`, only this shard's scenarios, and its share of the generated cases.
pub fn list(config: &RunConfig) -> Result<Vec<(String, Vec<String>, String)>, RunError> {
    let catalog = load_catalog(config)?;
    let mut out: Vec<_> = catalog
        .into_iter()
        .enumerate()
        .filter(|(i, s)| config.selected(&s.name) && config.in_shard(*i as u64))
        .map(|(_, s)| (s.name, s.rules, s.description))
        .collect();
    if config.cases > 0 && config.selected("generated") {
        let share = generated::cases_in_shard(config);
        out.push((
            "generated".to_owned(),
            Vec::new(),
            match config.shard {
                Some((i, n)) => format!(
                    "{share} of {} random sequences of up to {} steps (shard {i}/{n}; --cases, --seed)",
                    config.cases,
                    generated::MAX_STEPS
                ),
                None => format!(
                    "{} random sequences of up to {} steps (--cases, --seed)",
                    config.cases,
                    generated::MAX_STEPS
                ),
            },
        ));
    }
    Ok(out)
}
