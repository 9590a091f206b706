//! The runner's own power: the embedded fake passes, every defect is flagged on the rule it
//! breaks, legal protocol variants are not flagged, and a failing generated sequence comes
//! back as a scenario that replays.

mod common;

use common::{cli, run_against};
use std::path::{Path, PathBuf};

use ecr_conformance::fake::{FakeEcr, Quirk};
use ecr_conformance::model::{FailedCompletion, Profile, RULES};
use ecr_conformance::runner::{RunConfig, scenario};

fn catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios")
}

fn config(cases: u32) -> RunConfig {
    RunConfig {
        cases,
        seed: 7,
        scenarios_dir: None,
        ..RunConfig::new(Profile::ecr())
    }
}

#[test]
fn the_catalog_names_every_rule_and_the_fake_exercises_every_rule() {
    let scenarios = scenario::load_dir(&catalog()).expect("catalog loads");
    // The registry door's rules have their own catalog and runs (tests/registry_door_runner.rs).
    let api_rules: Vec<_> = RULES.iter().filter(|r| !r.id.is_door()).collect();
    for rule in &api_rules {
        assert!(
            scenarios
                .iter()
                .any(|s| s.rules.iter().any(|r| r == rule.id.as_str())),
            "no scenario names {}",
            rule.id
        );
    }
    let fake = FakeEcr::builder().start().expect("fake");
    let report = run_against(&fake, &config(0));
    assert_eq!(report.rules.len(), api_rules.len());
    for r in &report.rules {
        assert!(r.checked > 0, "{} was never exercised", r.id);
    }
    assert!(report.passed(), "{}", report.text());
}

#[test]
fn every_defect_fails_the_rule_it_breaks_and_at_most_one_other() {
    let mut others = 0;
    let mut defects = 0;
    let mut wrong = Vec::new();
    for quirk in Quirk::ALL.iter().copied() {
        let Some(rule) = quirk.breaks() else { continue };
        let fake = FakeEcr::builder().quirk(quirk).start().expect("fake");
        let report = run_against(&fake, &config(0));
        let failing: Vec<&str> = report
            .rules
            .iter()
            .filter(|r| r.verdict.as_str() == "FAIL")
            .map(|r| r.id.as_str())
            .collect();
        eprintln!("{quirk:?}: {failing:?}");
        if failing.len() > 1 {
            eprintln!("{}", report.text());
        }
        if !failing.contains(&rule.as_str()) || failing.len() > 2 {
            wrong.push(format!(
                "{quirk:?} breaks {rule} but {failing:?} FAIL:\n{}",
                report.text()
            ));
        }
        others += failing.len().saturating_sub(1);
        defects += 1;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Quirks change answers, never the registry, so a lie about an accepted part can cost
    // a second rule; on average far less.
    assert!(
        others * 4 <= defects,
        "{others} other rules over {defects} defects"
    );
}

#[test]
fn legal_protocol_variants_are_not_flagged() {
    for quirk in Quirk::ALL.iter().copied().filter(|q| q.breaks().is_none()) {
        let fake = FakeEcr::builder().quirk(quirk).start().expect("fake");
        let report = run_against(&fake, &config(16));
        assert!(
            report.passed(),
            "{quirk:?} is legal but was flagged:\n{}",
            report.text()
        );
    }
}

#[test]
fn state_1_a_target_whose_failed_completion_consumes_the_upload_differs_naming_the_knob() {
    let consuming = Profile {
        failed_completion: FailedCompletion::ConsumesUpload,
        ..Profile::ecr()
    };
    let fake = FakeEcr::builder()
        .profile(consuming.clone())
        .start()
        .expect("fake");
    let report = run_against(&fake, &config(16));
    let state = report
        .rules
        .iter()
        .find(|r| r.id == "STATE-1")
        .expect("STATE-1");
    assert_eq!(state.verdict.as_str(), "differs", "{}", report.text());
    let first = state.first.as_ref().expect("STATE-1 differs");
    assert!(
        first
            .step
            .knobs
            .iter()
            .any(|k| k.to_string() == "failed-completion=consumes-upload"),
        "{:?}",
        first.step
    );
    // Another legal choice does not fail the run, and is the inferred profile.
    assert!(report.passed(), "{}", report.text());
    assert_eq!(
        report
            .inferred
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["failed-completion=consumes-upload"]
    );
    assert_eq!(
        report.inferred_profile.failed_completion,
        FailedCompletion::ConsumesUpload
    );
    // Under --strict it fails.
    let strict = run_against(
        &fake,
        &RunConfig {
            strict: true,
            ..config(0)
        },
    );
    assert!(!strict.passed());
    // Selecting the inferred profile shows no differs.
    let report = run_against(
        &fake,
        &RunConfig {
            profile: report.inferred_profile.clone(),
            ..config(16)
        },
    );
    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.differs, 0, "{}", report.text());
}

#[test]
fn the_run_command_exits_0_on_the_fake_1_on_a_defect_and_2_when_unreachable() {
    let dir = common::tempdir("cli");
    let json = dir.join("report.json");
    let junit = dir.join("junit.xml");
    let out = cli(&[
        "run",
        "--cases",
        "16",
        "--seed",
        "3",
        "--report-json",
        json.to_str().expect("utf-8"),
        "--junit",
        junit.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report")).expect("JSON");
    assert_eq!(report["fail"], 0);
    assert_eq!(report["differs"], 0);
    let api_rules = RULES.iter().filter(|r| !r.id.is_door()).count();
    assert_eq!(report["rules"].as_array().map(Vec::len), Some(api_rules));
    let xml = std::fs::read_to_string(&junit).expect("junit");
    // One case per embedded scenario, and one for the generated cases.
    let scenarios = scenario::embedded().expect("the embedded catalog").len();
    assert_eq!(xml.matches("<testcase ").count(), scenarios + 1, "{xml}");
    assert!(!xml.contains("<failure"));

    let fake = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let out = cli(&[
        "run",
        "--endpoint",
        &fake.uri(),
        "--cases",
        "0",
        "--junit",
        junit.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PART-6   FAIL"), "{text}");
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains("<failure")
    );

    let out = cli(&[
        "run",
        "--endpoint",
        "http://127.0.0.1:9",
        "--cases",
        "0",
        "--timeout",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot be reached"), "{err}");

    let out = cli(&["run", "--filter", "(unclosed"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_failing_generated_sequence_is_shrunk_and_written_as_a_scenario_that_replays() {
    let dir = common::tempdir("regressions");
    let fake = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let cfg = RunConfig {
        filter: Some(regex::Regex::new("^generated$").expect("regex")),
        regressions_dir: Some(dir.clone()),
        ..config(64)
    };
    let report = run_against(&fake, &cfg);
    let generated = report.generated.as_ref().expect("generated ran");
    let failure = generated.failure.as_ref().expect("a failure");
    let path = PathBuf::from(generated.regression.as_ref().expect("written"));
    // Shrunk: creating the repository, opening an upload and one accepted part suffice.
    assert!(
        failure.steps.len() <= 3,
        "not shrunk: {} steps",
        failure.steps.len()
    );
    let written = scenario::load(&path).expect("a loadable scenario");
    assert_eq!(written.steps.len(), failure.steps.len());
    // Its own advice reruns it: `--scenarios <its folder> --filter '<pattern>'` selects it.
    let advice = written.description.clone();
    assert!(
        advice.contains(&format!("--scenarios {}", dir.display())),
        "{advice}"
    );
    let pattern = advice
        .split("--filter '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a --filter in the advice");
    let filter = regex::Regex::new(pattern).expect("a regex");
    assert!(
        filter.is_match(&written.name),
        "{pattern} vs {}",
        written.name
    );
    assert!(!filter.is_match("generated"), "{pattern}");

    let replay = RunConfig {
        scenarios_dir: Some(dir.clone()),
        ..config(0)
    };
    let again = run_against(&fake, &replay);
    assert!(
        !again.passed(),
        "the regression no longer fails on the defective target"
    );
    let clean = FakeEcr::builder().start().expect("fake");
    let fixed = run_against(&clean, &replay);
    assert!(fixed.passed(), "{}", fixed.text());
}

/// Every knob value other than the `ecr` one (spec §7), as a profile.
fn knob_variants() -> Vec<(String, Profile)> {
    let ecr = Profile::ecr();
    let mut out = Vec::new();
    for knob in ecr.knobs() {
        for value in Profile::candidate_values(knob.name) {
            if *value == knob.value {
                continue;
            }
            let profile = ecr.with_knob(knob.name, value).expect("a legal value");
            out.push((format!("{}={value}", knob.name), profile));
        }
    }
    out
}

#[test]
fn the_catalog_shows_every_knob_value_and_each_is_inferred_as_differs_not_fail() {
    let mut problems = Vec::new();
    let variants = knob_variants();
    assert!(variants.len() >= 14, "{variants:?}");
    for (name, profile) in variants {
        let fake = FakeEcr::builder().profile(profile).start().expect("fake");
        let report = run_against(&fake, &config(0));
        if report.differs == 0 {
            problems.push(format!("{name}: no catalog step's answer changes with it"));
        } else if !report.passed() || !report.inferred.iter().any(|k| k.to_string() == *name) {
            problems.push(format!(
                "{name}: passed {}, inferred {:?}\n{}",
                report.passed(),
                report.inferred,
                report.text()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_run_on_existing_repositories_learns_the_registry_id_from_the_target() {
    let fake = FakeEcr::builder()
        .identity("123456789012", "us-east-1")
        .repository("kept-a")
        .repository("kept-b")
        .start()
        .expect("fake");
    let existing = RunConfig {
        repositories: vec!["kept-a".into(), "kept-b".into()],
        ..config(8)
    };
    let report = run_against(&fake, &existing);
    assert!(report.passed(), "{}", report.text());
    // Told a wrong one, every echoed registryId diverges.
    let told = RunConfig {
        registry_id: Some("012345678910".into()),
        ..existing
    };
    assert!(!run_against(&fake, &told).passed());
}
