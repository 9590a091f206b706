//! Verdicts (spec §8) end to end: another legal choice differs and does not fail the run,
//! `--strict` makes it fail, the inferred profile clears it, inference sends nothing, and a
//! recording replays offline to the same verdicts.

mod common;

use common::{cli, run_against};
use std::path::Path;

use ecr_conformance::fake::FakeEcr;
use ecr_conformance::model::{NothingReceivedYet, Profile};
use ecr_conformance::runner::{self, Report, RunConfig, transcript};

/// A legal variant: `nothing-received-yet=zero` and `failed-completion=consumes-upload`.
fn variant() -> Profile {
    Profile::ecr()
        .with_knob("nothing-received-yet", "zero")
        .and_then(|p| p.with_knob("failed-completion", "consumes-upload"))
        .expect("legal values")
}

fn config(cases: u32) -> RunConfig {
    RunConfig {
        cases,
        seed: 3,
        ..RunConfig::new(Profile::ecr())
    }
}

/// Every rule's verdict and counts, as the text table shows them.
fn table(report: &Report) -> Vec<(String, &'static str, u32, u32, u32)> {
    report
        .rules
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                r.verdict.as_str(),
                r.fail,
                r.differs,
                r.consequence,
            )
        })
        .collect()
}

fn record(report: &Report, dir: &Path) {
    std::fs::create_dir_all(dir).expect("dir");
    let generated = report.generated.iter().flat_map(|g| &g.differing);
    for (i, case) in report.scenarios.iter().chain(generated).enumerate() {
        let text = serde_json::to_string_pretty(&transcript::of(case)).expect("JSON");
        std::fs::write(dir.join(format!("{i:02}-{}.json", case.name)), text).expect("write");
    }
}

#[test]
fn a_legal_variant_differs_without_failing_and_its_inferred_profile_clears_every_differs() {
    let fake = FakeEcr::builder().profile(variant()).start().expect("fake");
    let report = run_against(&fake, &config(32));
    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.fail, 0);
    assert!(report.differs > 0, "{}", report.text());
    assert_eq!(
        report
            .inferred
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "nothing-received-yet=zero",
            "failed-completion=consumes-upload"
        ]
    );
    assert_eq!(
        report.inferred_profile.nothing_received_yet,
        NothingReceivedYet::Zero
    );
    // Every differing step names a knob value that explains it, and only those name any.
    let mut differing = 0;
    for case in report.cases() {
        for step in &case.steps {
            let differs = step.verdict == runner::Verdict::Differs;
            differing += usize::from(differs);
            assert_eq!(differs, !step.knobs.is_empty(), "{step:?}");
            assert!(
                step.knobs.iter().all(|k| k.to_string().contains('=')),
                "{:?}",
                step.knobs
            );
        }
    }
    assert!(differing > 0);
    let again = run_against(
        &fake,
        &RunConfig {
            profile: report.inferred_profile.clone(),
            ..config(32)
        },
    );
    assert_eq!((again.fail, again.differs), (0, 0), "{}", again.text());
}

#[test]
fn a_recording_replays_offline_to_the_live_verdicts_under_any_profile() {
    let fake = FakeEcr::builder().profile(variant()).start().expect("fake");
    let live = run_against(&fake, &config(32));
    let dir = common::tempdir("replay");
    record(&live, &dir);
    drop(fake); // the target is gone: replay needs none
    let replayed = runner::replay::replay_dir(&dir, &Profile::ecr()).expect("replays");
    assert_eq!(table(&replayed), table(&live), "{}", replayed.text());
    assert_eq!(replayed.inferred, live.inferred);
    let under_inferred = runner::replay::replay_dir(&dir, &live.inferred_profile).expect("replays");
    assert_eq!(
        (under_inferred.fail, under_inferred.differs),
        (0, 0),
        "{}",
        under_inferred.text()
    );
}

#[test]
fn a_recording_that_cannot_be_replayed_is_an_error_naming_the_step() {
    let fake = FakeEcr::builder().start().expect("fake");
    let live = run_against(
        &fake,
        &RunConfig {
            filter: Some(regex::Regex::new("^seed-example$").expect("regex")),
            ..config(0)
        },
    );
    let dir = common::tempdir("replay-broken");
    record(&live, &dir);
    let path = std::fs::read_dir(&dir)
        .expect("dir")
        .next()
        .expect("a transcript")
        .expect("entry")
        .path();
    // A blob kept only as its length and digest cannot be rebuilt.
    let text = std::fs::read_to_string(&path).expect("read");
    let broken = text.replace("\"seed\": 101,", "");
    assert_ne!(broken, text, "the seed example's blob keeps its seed");
    std::fs::write(&path, broken).expect("write");
    let err = runner::replay::replay_dir(&dir, &Profile::ecr()).expect_err("not replayable");
    let message = err.to_string();
    assert!(message.contains("step "), "{message}");
    assert!(message.contains("only as"), "{message}");
}

#[test]
fn inference_sends_no_request_beyond_the_steps_the_report_shows() {
    let fake = FakeEcr::builder().profile(variant()).start().expect("fake");
    let report = run_against(&fake, &config(0));
    assert!(report.differs > 0, "inference had work to do");
    let steps: usize = report.scenarios.iter().map(|c| c.steps.len()).sum();
    // The probe creates and deletes one repository; after each scenario, its three scratch
    // names and the `$oci-name` one are deleted.
    let expected = 2 + steps + 4 * report.scenarios.len();
    assert_eq!(fake.responder().requests_handled() as usize, expected);
}

#[test]
fn differs_exit_0_and_exit_1_under_strict_and_the_written_profile_clears_them() {
    let fake = FakeEcr::builder().profile(variant()).start().expect("fake");
    let dir = common::tempdir("strict");
    let profile = dir.join("inferred.json");
    // A failing generated sequence (under --strict) is written with the temporary files.
    let regressions = dir.join("regressions");
    let args = [
        "run",
        "--endpoint",
        &fake.uri(),
        "--cases",
        "8",
        "--seed",
        "2",
        "--regressions",
        regressions.to_str().expect("utf-8"),
    ];
    let out = cli(&[
        &args[..],
        &["--write-profile", profile.to_str().expect("utf-8")],
    ]
    .concat());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("STATE-1  differs"), "{text}");
    assert!(
        text.contains("inferred profile: ecr with nothing-received-yet=zero"),
        "{text}"
    );
    let out = cli(&[&args[..], &["--strict"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let out = cli(&[&args[..], &["--profile", profile.to_str().expect("utf-8")]].concat());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 FAIL, 0 differs"), "{text}");
}

/// What a report says, without the scratch names each run makes anew.
fn verdicts_of(report: &Report) -> serde_json::Value {
    let cases = |cases: &mut dyn Iterator<Item = &runner::CaseResult>| -> Vec<serde_json::Value> {
        cases
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "index": c.index,
                    "verdicts": c.steps.iter().map(|s| (s.verdict.as_str(), s.knobs.clone(), s.follows_from)).collect::<Vec<_>>(),
                })
            })
            .collect()
    };
    let generated = report.generated.as_ref().map(|g| {
        serde_json::json!({
            "cases": g.cases,
            "seed": g.seed,
            "failure": cases(&mut g.failure.iter()),
            "differing": cases(&mut g.differing.iter()),
        })
    });
    serde_json::json!({
        "table": table(report),
        "totals": [report.fail, report.differs, report.consequence],
        "inferred": report.inferred,
        "scenarios": cases(&mut report.scenarios.iter()),
        "generated": generated,
    })
}

#[test]
fn merged_shards_report_what_one_unsharded_run_with_the_same_seed_reports() {
    for fake in [
        FakeEcr::builder().profile(variant()).start().expect("fake"),
        FakeEcr::builder()
            .quirk(ecr_conformance::fake::Quirk::LastByteOffByOne)
            .start()
            .expect("fake"),
    ] {
        let whole = run_against(&fake, &config(24));
        let shards: Vec<(String, serde_json::Value)> = (1..=4)
            .map(|i| {
                let part = run_against(
                    &fake,
                    &RunConfig {
                        shard: Some((i, 4)),
                        ..config(24)
                    },
                );
                assert_eq!(part.shard.as_deref(), Some(format!("{i}/4").as_str()));
                let json = serde_json::to_value(&part).expect("JSON");
                (format!("shard {i}"), json)
            })
            .collect();
        // Each scenario runs in exactly one shard.
        let ran: usize = shards
            .iter()
            .map(|(_, j)| j["scenarios"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(ran, whole.scenarios.len());
        let merged = runner::merge::merge(shards.clone()).expect("merges");
        assert_eq!(
            verdicts_of(&merged),
            verdicts_of(&whole),
            "{}",
            merged.text()
        );
        // A campaign with a shard missing, or given twice, does not merge.
        assert!(runner::merge::merge(shards[..3].to_vec()).is_err());
        let twice = vec![
            shards[0].clone(),
            shards[0].clone(),
            shards[2].clone(),
            shards[3].clone(),
        ];
        assert!(runner::merge::merge(twice).is_err());
    }
}

#[test]
fn junit_parses_as_junit_and_fails_a_case_only_on_fail_or_on_differs_under_strict() {
    let fake = FakeEcr::builder().profile(variant()).start().expect("fake");
    let mut report = run_against(&fake, &config(8));
    let failures = |report: &Report| {
        let parsed = quick_junit::Report::deserialize_from_str(&report.junit()).expect("JUnit");
        let generated = usize::from(report.generated.is_some());
        assert_eq!(
            parsed.tests,
            report.scenarios.len() + generated,
            "one case per scenario, and one for the generated runs"
        );
        parsed.failures
    };
    assert!(report.differs > 0);
    assert_eq!(failures(&report), 0, "differs alone fail nothing");
    report.strict = true;
    let differing = report
        .scenarios
        .iter()
        .filter(|c| {
            c.steps
                .iter()
                .any(|s| s.verdict == runner::Verdict::Differs)
        })
        .count();
    assert!(differing > 0);
    assert_eq!(failures(&report), differing);
    let broken = FakeEcr::builder()
        .quirk(ecr_conformance::fake::Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let report = run_against(&broken, &config(0));
    let failing = report.scenarios.iter().filter(|c| !c.passed(false)).count();
    assert!(failing > 0);
    assert_eq!(failures(&report), failing);
}
