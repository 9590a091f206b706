//! Generated runs: random operation sequences (valid and near-miss ranges, blobs, names and
//! ids) against the target, with the model as reference. A failing sequence is shrunk by
//! proptest to the smallest that still fails, and written as a scenario file.

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::Value;

use super::config::RunConfig;
use super::judge::{CaseLog, Verdict};
use super::report::{CaseResult, GeneratedResult};
use super::scenario::{RawStep, Scenario, ScenarioStep};
use super::session::{Session, WireRequest};
use super::target::{NO_ANSWER, Target};
use crate::model::Request;
use crate::protocol::INTERRUPTED;
use crate::strategy::{Step, steps};

/// Steps per generated sequence, at most.
pub(super) const MAX_STEPS: usize = 24;

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &seed
                .wrapping_add(i as u64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .to_le_bytes(),
        );
    }
    out
}

/// Runs one sequence against the target and judges it.
fn run_case(target: &Target<'_>, config: &RunConfig, generated: &[Step], case: u64) -> Ran {
    let repos = target.case_repositories(config, &format!("g{case}"));
    let mut session = Session::new(target.endpoint, target.model(config, &repos, case));
    let mut sent = Vec::new();
    let mut error = None;
    for step in generated {
        if config.stopped() {
            error = Some(INTERRUPTED.to_owned());
            break;
        }
        if config.existing() && matches!(step, Step::Create(_) | Step::Delete(_)) {
            continue; // kept repositories are not created or deleted
        }
        // Kept repositories hold images and tags of earlier runs the model cannot know, and
        // their tag mutability is the user's: the image steps are not sent to them.
        if config.existing() && step.is_image_step() {
            continue;
        }
        // Kept repositories keep the layers of earlier cases: new bytes in every case.
        let mut step = step.clone();
        if let (true, Step::Part { seed, .. }) = (config.existing(), &mut step) {
            *seed ^= config.seed ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ target.salt();
        }
        let request = step.concretize(session.model(), session.minted(), &repos);
        let minted_before = session.minted().len();
        if let Err(e) = session.exchange_request(&request) {
            error = Some(if config.stopped() {
                INTERRUPTED.to_owned()
            } else {
                format!("{NO_ANSWER}: {e}")
            });
            break;
        }
        sent.push((request, session.minted().len() > minted_before));
    }
    target.cleanup(config, &repos);
    if error.as_deref() != Some(INTERRUPTED) {
        target.case_ended(error.as_deref());
    }
    let log = session.finish(&config.profile);
    let minted = session.minted().to_vec();
    let case = CaseResult {
        name: "generated".to_owned(),
        index: Some(case),
        rules: Vec::new(),
        repositories: repos,
        existing: config.existing(),
        registry_id: target.registry_id.clone(),
        steps: session.records,
        error,
    };
    Ran {
        case,
        log,
        sent,
        minted,
    }
}

/// One generated case as run.
struct Ran {
    case: CaseResult,
    /// The exchanges, when any step diverged (for inference).
    log: Option<CaseLog>,
    /// The model requests sent, with whether each opened an upload.
    sent: Vec<(Request, bool)>,
    /// The model's upload ids, in order.
    minted: Vec<String>,
}

/// Diverging generated cases kept for inference, at most.
const KEPT_FOR_INFERENCE: usize = 32;

/// Diverging generated cases shown in the report (their steps counted in the rule table).
pub(super) const KEPT_FOR_REPORT: usize = 4;

/// How many of the `config.cases` generated cases are this shard's (all, unsharded):
/// computed, not counted, so a huge `--cases` costs nothing.
pub(super) fn cases_in_shard(config: &RunConfig) -> u64 {
    let cases = u64::from(config.cases);
    match config.shard {
        None => cases,
        Some((i, n)) => {
            let (i, n) = (u64::from(i), u64::from(n));
            // Case k is shard i's when k % n == i - 1.
            cases / n + u64::from(cases % n >= i)
        }
    }
}

/// Why a generated case ended the proptest run without failing: the interrupt, or a
/// target that stopped answering. Shrinking it is pointless, and nothing is rerun.
const ENDED: &str = "the run ended";

/// Runs `config.cases` generated sequences.
/// Cases that diverged are added to `inference` (at most [`KEPT_FOR_INFERENCE`]).
pub(super) fn run(
    target: &Target<'_>,
    config: &RunConfig,
    inference: &mut Vec<CaseLog>,
) -> GeneratedResult {
    let proptest_config = Config {
        cases: config.cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(config.seed));
    let mut runner = TestRunner::new_with_rng(proptest_config, rng);
    let counter = std::cell::Cell::new(0u64);
    // Cases after the first failure are proptest shrinking it: not new evidence.
    let shrinking = std::cell::Cell::new(false);
    // The number of the first case that failed, before shrinking.
    let first_failed = std::cell::Cell::new(None);
    let kept = std::cell::RefCell::new((Vec::new(), Vec::new()));
    let done = std::cell::Cell::new(0u64);
    // The first failing case as it ran, kept in case shrinking is cut short.
    let first_failure = std::cell::RefCell::new(None::<CaseResult>);
    let outcome = runner.run(&steps(MAX_STEPS), |generated| {
        // Once stopped, every further call fails at once, so proptest ends after a few
        // cheap shrinking steps instead of generating the remaining cases.
        if config.stopped() || target.unusable().is_some() {
            return Err(TestCaseError::fail(ENDED));
        }
        let n = counter.get();
        counter.set(n + 1);
        if config.progress && n.is_multiple_of(16) {
            super::config::progress(format_args!(
                "\r\x1b[Kgenerated case {n} of {} (and shrinking)",
                config.cases
            ));
        }
        // Another shard's case (shrinking stays with the shard that failed).
        if !shrinking.get() && !config.in_shard(n) {
            return Ok(());
        }
        let ran = run_case(target, config, &generated, n);
        if ran.case.error.as_deref() == Some(INTERRUPTED) {
            return Err(TestCaseError::fail(ENDED)); // cut short: neither passed nor failed
        }
        if !shrinking.get() {
            done.set(done.get() + 1);
        }
        let failed = !ran.case.passed(config.strict);
        if !shrinking.get() {
            let (logs, shown) = &mut *kept.borrow_mut();
            if let Some(log) = ran.log
                && logs.len() < KEPT_FOR_INFERENCE
            {
                logs.push(log);
            }
            if !failed && !ran.case.agreed() && shown.len() < KEPT_FOR_REPORT {
                shown.push(ran.case.clone());
            }
        }
        if !failed || config.stopped() || target.unusable().is_some() {
            Ok(())
        } else {
            if !shrinking.get() {
                first_failed.set(Some(n));
                *first_failure.borrow_mut() = Some(ran.case.clone());
            }
            shrinking.set(true);
            Err(TestCaseError::fail(format!(
                "{} failing steps",
                ran.case.count(Verdict::Fail)
            )))
        }
    });
    let (kept_logs, differing) = kept.into_inner();
    inference.extend(kept_logs);
    if config.progress {
        super::config::progress(format_args!("\r\x1b[K"));
    }
    let mut result = GeneratedResult {
        cases: config.cases,
        ran: done.get(),
        seed: config.seed,
        failure: None,
        regression: None,
        differing,
    };
    let ended = config.stopped() || target.unusable().is_some();
    if ended {
        // Shrinking (if a case failed) was cut short: the failure as it first ran stands.
        result.failure = first_failure.into_inner();
        if let Some(f) = &mut result.failure {
            f.index = first_failed.get();
        }
    } else if let Err(TestError::Fail(_, minimal)) = outcome
        && first_failed.get().is_some()
    {
        let n = counter.get();
        let Ran {
            mut case,
            sent,
            minted,
            ..
        } = run_case(target, config, &minimal, n);
        case.index = first_failed.get();
        if let Some(dir) = &config.regressions_dir {
            let repos = target.case_repositories(config, &format!("g{n}"));
            let scenario = regression_scenario(&sent, &repos, &minted, config);
            let name = format!("generated-seed-{}-{}-steps", config.seed, sent.len());
            let path = dir.join(format!("{name}.json"));
            let written = std::fs::create_dir_all(dir).and_then(|_| {
                std::fs::write(
                    &path,
                    serde_json::to_string_pretty(&scenario).unwrap_or_default() + "\n",
                )
            });
            result.regression = Some(match written {
                Ok(()) => path.display().to_string(),
                Err(e) => format!("(not written: {}: {e})", path.display()),
            });
        }
        result.failure = Some(case);
    }
    result
}

/// The sequence as a scenario: model ids become `$u0`, `$u1`, ..., repository names
/// `$repo`, `$repo2`, `$repo3`, and undecodable requests raw steps.
fn regression_scenario(
    sent: &[(Request, bool)],
    repos: &[String],
    minted: &[String],
    config: &RunConfig,
) -> Scenario {
    let mut names: Vec<(String, String)> = Vec::new();
    for (i, r) in repos.iter().enumerate() {
        let token = if i == 0 {
            "$repo".to_owned()
        } else {
            format!("$repo{}", i + 1)
        };
        names.push((r.clone(), token));
    }
    for (k, id) in minted.iter().enumerate() {
        names.push((id.clone(), format!("$u{k}")));
        names.push((id.to_uppercase(), format!("$u{k}:upper")));
    }
    let mut uploads = 0usize;
    let mut steps = Vec::new();
    for (request, opened) in sent {
        let wire = WireRequest::of(request);
        let op = wire
            .x_amz_target
            .as_deref()
            .and_then(crate::wire::Operation::from_x_amz_target);
        let mut step = match (op, request) {
            (Some(op), r)
                if !matches!(
                    r,
                    Request::Malformed { .. } | Request::UnknownOperation { .. }
                ) =>
            {
                let mut body: Value = serde_json::from_slice(&wire.body).unwrap_or(Value::Null);
                templatize(&mut body, &names);
                ScenarioStep {
                    op: Some(op.name().to_owned()),
                    body: Some(body),
                    raw: None,
                    name: None,
                    checks: None,
                }
            }
            _ => ScenarioStep {
                op: None,
                body: None,
                raw: Some(RawStep {
                    x_amz_target: wire.x_amz_target.clone(),
                    content_type: wire.content_type.clone(),
                    body: String::from_utf8_lossy(&wire.body).into_owned(),
                }),
                name: None,
                checks: None,
            },
        };
        if *opened {
            step.name = Some(format!("u{uploads}"));
            uploads += 1;
        }
        steps.push(step);
    }
    Scenario {
        name: String::new(),
        description: format!(
            "Smallest failing generated sequence (seed {}, profile {}); rerun with `ecr-conformance run --scenarios {} --filter '^generated-seed-{}-{}-steps$' --cases 0`.",
            config.seed,
            config.profile.name,
            config
                .regressions_dir
                .as_deref()
                .map_or_else(|| "<its folder>".into(), |d| d.display().to_string()),
            config.seed,
            sent.len()
        ),
        rules: Vec::new(),
        repositories: 0,
        fresh: false,
        steps,
    }
}

fn templatize(value: &mut Value, names: &[(String, String)]) {
    match value {
        Value::String(s) => {
            if let Some((_, token)) = names.iter().find(|(n, _)| n == s) {
                *s = token.clone();
            }
        }
        Value::Object(map) => map.values_mut().for_each(|v| templatize(v, names)),
        Value::Array(items) => items.iter_mut().for_each(|v| templatize(v, names)),
        _ => {}
    }
}
