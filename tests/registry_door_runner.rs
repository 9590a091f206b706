//! The runner's registry door (`run --registry-endpoint`, spec §10): the embedded fake's
//! `/v2/` passes, each door knob value the fake is set to is inferred as differs (never
//! FAIL), and a registry written from the spec alone (`tests/independent/registry.py`) FAILs
//! the rule each of its defects breaks, alone and several at once, while its legal variants
//! exit clean with their knob values inferred.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ecr_conformance::fake::FakeEcr;
use ecr_conformance::model::{CreateRepository, Profile, Request, RuleId};
use ecr_conformance::runner::door::{DoorConfig, run_registry_door};
use ecr_conformance::runner::{Endpoint, Keys, Report, WireRequest};

fn config(url: &str, cases: u32) -> DoorConfig {
    DoorConfig {
        cases,
        seed: 5,
        timeout: Duration::from_secs(30),
        ..DoorConfig::new(url, Profile::ecr())
    }
}

/// A run of the fake's `/v2/`, its scratch repositories made through its API door.
fn run_fake(fake: &FakeEcr, cases: u32) -> Report {
    let api = Endpoint::new(
        &fake.uri(),
        "us-east-1",
        Keys::test(),
        Duration::from_secs(30),
    );
    let create = |name: &str| -> Result<(), String> {
        let req = WireRequest::of(&Request::CreateRepository(CreateRepository {
            repository_name: Some(name.to_owned()),
            ..Default::default()
        }));
        let (o, _) = api.send(&req).map_err(|e| e.0)?;
        (o.status == 200)
            .then_some(())
            .ok_or(format!("status {}", o.status))
    };
    run_registry_door(&config(&fake.uri(), cases), Some(&create)).expect("the run runs")
}

fn verdict(report: &Report, rule: RuleId) -> &'static str {
    report
        .rules
        .iter()
        .find(|r| r.id == rule)
        .map(|r| r.verdict.as_str())
        .unwrap_or("absent")
}

fn failing(report: &Report) -> Vec<RuleId> {
    report
        .rules
        .iter()
        .filter(|r| r.verdict.as_str() == "FAIL")
        .map(|r| r.id)
        .collect()
}

/// The independent registry, stopped when dropped (its standard input closes).
struct Independent {
    child: Child,
    url: String,
}

impl Independent {
    fn start(args: &[&str]) -> Independent {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/independent/registry.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the independent registry");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("it prints its port");
        let port: u16 = line.trim().parse().expect("a port");
        Independent {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Independent {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_fakes_registry_door_passes_the_catalog_and_generated_chunk_sequences() {
    let fake = FakeEcr::builder().start().expect("fake");
    let report = run_fake(&fake, 24);
    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.differs, 0, "{}", report.text());
    // Only the door's rules are listed, and every one but XDOOR-1 (needs both doors) ran.
    assert!(report.rules.iter().all(|r| r.id.is_door()));
    for r in &report.rules {
        if r.id != RuleId::Xdoor1 {
            assert!(r.checked > 0, "{} was never exercised", r.id);
        }
    }
    let generated = report.generated.as_ref().expect("generated ran");
    assert_eq!(generated.ran, 24);
    assert!(generated.failure.is_none());
}

#[test]
fn every_door_knob_value_the_fake_takes_is_inferred_as_differs_not_fail() {
    let ecr = Profile::ecr();
    for knob in ecr.door_knobs() {
        for value in &Profile::candidate_values(knob.name)[1..] {
            let profile = ecr.with_knob(knob.name, value).expect("a value");
            // unreferenced-blob-get=served too: the fake serves the bytes from its store.
            let fake = FakeEcr::builder()
                .profile(profile)
                .start()
                .expect("the fake takes every door knob value");
            let report = run_fake(&fake, 8);
            assert!(
                failing(&report).is_empty(),
                "{}={value}: {}",
                knob.name,
                report.text()
            );
            assert!(report.differs > 0, "{}={value} never showed", knob.name);
            let inferred = report
                .inferred
                .iter()
                .map(|c| (c.knob, c.value.as_str()))
                .collect::<Vec<_>>();
            assert_eq!(inferred, vec![(knob.name, *value)], "{}", report.text());
        }
    }
}

#[test]
fn an_independent_registry_s_legal_variants_exit_clean_with_their_knob_values_inferred() {
    let variants = [
        ("patch-status", "202"),
        ("patch-range", "advancing"),
        ("oversize-chunk", "split"),
        ("small-chunk-error", "server-error"),
        ("unreferenced-blob-get", "served"),
        ("manifest-put-location", "present"),
        ("manifest-get-digest-header", "present"),
    ];
    let plain = Independent::start(&[]);
    let report = run_registry_door(&config(&plain.url, 8), None).expect("runs");
    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.differs, 0, "{}", report.text());
    for (knob, value) in variants {
        let reg = Independent::start(&["--variant", &format!("{knob}={value}")]);
        let report = run_registry_door(&config(&reg.url, 8), None).expect("runs");
        assert!(report.passed(), "{knob}={value}: {}", report.text());
        let inferred: Vec<(&str, &str)> = report
            .inferred
            .iter()
            .map(|c| (c.knob, c.value.as_str()))
            .collect();
        assert_eq!(inferred, vec![(knob, value)], "{}", report.text());
    }
    // All of them at once, as the OCI reference registry would choose.
    let mut args = Vec::new();
    for (knob, value) in variants {
        args.push("--variant".to_owned());
        args.push(format!("{knob}={value}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reg = Independent::start(&args);
    let report = run_registry_door(&config(&reg.url, 8), None).expect("runs");
    assert!(report.passed(), "{}", report.text());
    assert_eq!(report.inferred.len(), variants.len(), "{}", report.text());
}

/// A run of the independent registry with `defects` FAILs `rule` and nothing else.
fn defect_fails_only(defects: &str, rule: RuleId) {
    let reg = Independent::start(&["--defects", defects]);
    let report = run_registry_door(&config(&reg.url, 16), None).expect("runs");
    assert!(!report.passed(), "{defects} passed");
    let fails = failing(&report);
    assert_eq!(fails, vec![rule], "{defects}\n{}", report.text());
}

#[test]
fn reg_1_a_registry_whose_version_check_refuses_the_run_s_credentials_fails_reg_1() {
    defect_fails_only("ping-unauthorized", RuleId::Reg1);
}

#[test]
fn reg_2_a_relative_upload_location_fails_reg_2() {
    defect_fails_only("relative-location", RuleId::Reg2);
}

#[test]
fn reg_3_a_chunk_taken_at_any_offset_fails_reg_3() {
    defect_fails_only("range-unchecked", RuleId::Reg3);
}

#[test]
fn reg_4_small_chunks_that_complete_fail_reg_4() {
    defect_fails_only("small-chunks-ok", RuleId::Reg4);
}

#[test]
fn reg_5_a_digest_not_checked_at_the_final_put_fails_reg_5() {
    defect_fails_only("digest-unchecked", RuleId::Reg5);
}

#[test]
fn reg_6_a_blob_head_without_docker_content_digest_fails_reg_6() {
    defect_fails_only("head-no-digest", RuleId::Reg6);
}

#[test]
fn reg_7_a_manifest_whose_blobs_are_not_checked_fails_reg_7() {
    defect_fails_only("manifest-blobs-unchecked", RuleId::Reg7);
}

#[test]
fn reg_8_errors_not_in_the_oci_shape_fail_reg_8() {
    defect_fails_only("plain-errors", RuleId::Reg8);
}

#[test]
fn three_defects_at_once_each_fail_their_own_rule() {
    let reg = Independent::start(&["--defects", "range-unchecked,plain-errors,head-no-digest"]);
    let report = run_registry_door(&config(&reg.url, 16), None).expect("runs");
    for rule in [RuleId::Reg3, RuleId::Reg8, RuleId::Reg6] {
        assert_eq!(verdict(&report, rule), "FAIL", "{rule}: {}", report.text());
    }
}

#[test]
fn a_registry_that_does_not_answer_stops_the_run_with_a_reason() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let report = run_registry_door(&config(&format!("http://127.0.0.1:{port}"), 4), None)
        .expect("a report, not an error");
    assert!(!report.passed());
    assert!(report.stopped.is_some());
    assert!(report.scenarios.is_empty());
}

#[test]
fn registry_credentials_never_reach_the_report() {
    use base64::Engine as _;
    let reg = Independent::start(&[]);
    let mut c = config(&reg.url, 2);
    c.auth = Some(("AWS".to_owned(), "door-s3cret-token".to_owned()));
    let report = run_registry_door(&c, None).expect("runs");
    assert!(report.passed(), "{}", report.text());
    let json = serde_json::to_string(&report).expect("serializes");
    let basic = base64::engine::general_purpose::STANDARD.encode("AWS:door-s3cret-token");
    for secret in ["door-s3cret-token", basic.as_str()] {
        assert!(!json.contains(secret), "the report holds {secret}");
        assert!(!report.text().contains(secret));
    }
    assert!(!json.to_ascii_lowercase().contains("authorization"));
}
