//! The library as a dependent crate uses it: `Conformance` from a `#[tokio::test]`, from a
//! plain `#[test]`, and the binary copied out of this repository still carrying its catalog.

use std::process::Command;

use ecr_conformance::runner::scenario;
use ecr_conformance::{Conformance, FakeEcr, RunError};

#[tokio::test]
async fn run_on_a_current_thread_runtime_is_refused_at_once_instead_of_starving_it() {
    let started = std::time::Instant::now();
    let refused = Conformance::url("http://127.0.0.1:9").cases(0).run();
    match refused {
        Err(RunError::Usage(why)) => assert!(why.contains("run_async"), "{why}"),
        other => panic!("not refused: {:?}", other.map(|r| r.rule_table())),
    }
    assert!(started.elapsed().as_secs() < 5, "it tried to run first");
}

#[test]
fn run_from_a_plain_test_judges_the_in_process_fake_and_passes() {
    let fake = FakeEcr::builder().responder().expect("responder");
    let report = Conformance::transport(fake, "in-process fake")
        .cases(8)
        .seed(3)
        .run()
        .expect("run");
    report.assert_passed();
    let scenarios = scenario::embedded().expect("embedded").len();
    assert_eq!(report.scenarios.len(), scenarios);
}

#[test]
#[should_panic(expected = "did not pass")]
fn assert_passed_panics_on_a_failing_target() {
    let fake = FakeEcr::builder()
        .quirk(ecr_conformance::fake::Quirk::ExistingLayerAccepted)
        .responder()
        .expect("responder");
    Conformance::transport(fake, "defective fake")
        .cases(0)
        .run()
        .expect("run")
        .assert_passed();
}

#[test]
fn a_copied_binary_run_from_elsewhere_carries_the_whole_catalog() {
    let dir = std::env::temp_dir().join(format!("ecr-copied-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("fixtures/scenarios")).expect("dir");
    // A `fixtures/scenarios` where it runs that is not the catalog: it must not be read.
    std::fs::write(dir.join("fixtures/scenarios/bogus.json"), "not a scenario").expect("w");
    let bin = dir.join("ecr-conformance");
    std::fs::copy(env!("CARGO_BIN_EXE_ecr-conformance"), &bin).expect("copy");
    let out = Command::new(&bin)
        .current_dir(&dir)
        .args(["run", "--cases", "0", "--report-json", "r.json"])
        .output()
        .expect("runs");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("r.json")).expect("report")).expect("json");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    let embedded: Vec<String> = scenario::embedded()
        .expect("embedded")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, embedded);
}
