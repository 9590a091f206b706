//! The runner against an ECR endpoint written from the spec alone (`tests/independent/endpoint.rs`,
//! which uses nothing of the crate's model, wire types or fake): a conforming endpoint
//! passes with nothing differing; every defect FAILs the rule it breaks and at most one
//! other; every legal knob value passes and is inferred; and inferring costs no requests.
//! Two more tests check the endpoint itself on points the catalog does not send, and that
//! the defects it may miss are real.
//!
//! `INDEPENDENT_REPORT_DIR=DIR` keeps every run's report there (text and JSON).

mod common;
#[path = "independent/endpoint.rs"]
mod independent;

use std::time::Duration;

use common::http::call;
use ecr_conformance::model::Profile;
use ecr_conformance::runner::{self, Endpoint, Keys, Report, RunConfig};
use independent::{Defect, Independent, KNOBS, Variant};
use serde_json::json;

fn config() -> RunConfig {
    RunConfig {
        cases: 32,
        seed: 5,
        ..RunConfig::new(Profile::ecr())
    }
}

fn run(server: &Independent) -> Report {
    let endpoint = Endpoint::new(
        &server.url,
        "us-east-1",
        Keys::test(),
        Duration::from_secs(30),
    );
    runner::run(&endpoint, "independent", &config()).expect("run")
}

/// With `INDEPENDENT_REPORT_DIR` set, writes the report's text and JSON there as
/// `<label>.txt` and `<label>.json`, to read every divergence, not only each rule's first.
fn keep(label: &str, report: &Report) {
    let Some(dir) = std::env::var_os("INDEPENDENT_REPORT_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("report dir");
    let name: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '=' {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::fs::write(dir.join(format!("{name}.txt")), report.text()).expect("write report");
    let json = serde_json::to_string_pretty(report).expect("report as JSON");
    std::fs::write(dir.join(format!("{name}.json")), json).expect("write report");
}

/// The rules whose verdict is FAIL.
fn failing(report: &Report) -> Vec<&'static str> {
    report
        .rules
        .iter()
        .filter(|r| r.verdict.as_str() == "FAIL")
        .map(|r| r.id.as_str())
        .collect()
}

/// One line: what FAILs, what differs, what was inferred.
fn summary(label: &str, report: &Report) -> String {
    let with = |verdict: &str| {
        report
            .rules
            .iter()
            .filter(|r| r.verdict.as_str() == verdict)
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "{label}: passed={} FAIL [{}] differs [{}] unseen [{}] consequences {} inferred [{}]",
        report.passed(),
        with("FAIL"),
        with("differs"),
        with("unseen"),
        report.consequence,
        report
            .inferred
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[test]
fn a_conforming_independent_endpoint_passes_with_nothing_differing() {
    let server = Independent::start(Variant::ecr(), &[]);
    let report = run(&server);
    keep("conforming", &report);
    eprintln!("{}", summary("conforming", &report));
    let not_pass: Vec<String> = report
        .rules
        .iter()
        .filter(|r| r.verdict.as_str() != "pass")
        .map(|r| format!("{} {}", r.id, r.verdict))
        .collect();
    assert!(
        report.passed() && not_pass.is_empty() && report.inferred.is_empty(),
        "not pass: {not_pass:?}, inferred: {:?}\n{}",
        report.inferred,
        report.text()
    );
}

#[test]
fn every_state_changing_defect_fails_its_rule_and_at_most_one_other() {
    let mut problems = Vec::new();
    let mut others_total = 0usize;
    for &defect in Defect::ALL {
        let server = Independent::start(Variant::ecr(), &[defect]);
        let report = run(&server);
        let label = format!("{defect:?} (breaks {})", defect.rule());
        keep(&format!("{defect:?}"), &report);
        eprintln!("{}", summary(&label, &report));
        let fails = failing(&report);
        let others: Vec<&str> = fails
            .iter()
            .copied()
            .filter(|r| *r != defect.rule())
            .collect();
        others_total += others.len();
        let mut wrong = Vec::new();
        if !fails.contains(&defect.rule()) {
            wrong.push(format!("{} does not FAIL", defect.rule()));
        }
        if others.len() > 1 {
            wrong.push(format!("{} other rules FAIL: {others:?}", others.len()));
        }
        if !wrong.is_empty() {
            problems.push(format!("{label}: {}\n{}", wrong.join("; "), report.text()));
        }
    }
    let average = others_total as f64 / Defect::ALL.len() as f64;
    if average > 0.5 {
        problems.push(format!(
            "on average {average:.2} other rules FAIL per defect (at most 0.5)"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// The pairs of defects the two-defect test runs: every defect with the next one in
/// `Defect::ALL` (so each is in two pairs), and the pair of the example that motivated
/// entity-grained consequences (an empty upload completed, a duplicate layer stored).
fn defect_pairs() -> Vec<(Defect, Defect)> {
    let all = Defect::ALL;
    let mut pairs: Vec<(Defect, Defect)> = (0..all.len())
        .map(|i| (all[i], all[(i + 1) % all.len()]))
        .collect();
    pairs.push((Defect::CompletesEmpty, Defect::AcceptsDuplicateLayer));
    // Pairs the all-pairs run once found wanting (one defect's divergence excused the
    // other's, or the catalog let one pre-empt the other).
    pairs.extend([
        (
            Defect::ConsumesUploadOnRefusedPart,
            Defect::ResendIsIdempotent,
        ),
        (Defect::StoresWrongDigest, Defect::LastByteIsCount),
        (Defect::AcceptsDuplicateLayer, Defect::LastByteIsCount),
        (Defect::NoMinimumPartSize, Defect::LastByteIsCount),
        (Defect::LastByteIsCount, Defect::OmitsLastValidByte),
    ]);
    pairs
}

#[test]
fn with_two_defects_at_once_each_fails_its_own_rule() {
    two_defects_each_fail_their_own_rule(&defect_pairs());
}

/// Every pair of defects (136 runs, about 5 minutes here): `cargo test --test
/// runner_independent -- --ignored`.
#[test]
#[ignore = "slow: every pair of defects"]
fn with_any_two_defects_at_once_each_fails_its_own_rule() {
    let all = Defect::ALL;
    let pairs: Vec<(Defect, Defect)> = (0..all.len())
        .flat_map(|i| (i + 1..all.len()).map(move |j| (all[i], all[j])))
        .collect();
    two_defects_each_fail_their_own_rule(&pairs);
}

fn two_defects_each_fail_their_own_rule(pairs: &[(Defect, Defect)]) {
    let mut problems = Vec::new();
    for &(a, b) in pairs {
        let server = Independent::start(Variant::ecr(), &[a, b]);
        let report = run(&server);
        let label = format!("{a:?}+{b:?} (break {} and {})", a.rule(), b.rule());
        keep(&format!("{a:?}+{b:?}"), &report);
        eprintln!("{}", summary(&label, &report));
        let fails = failing(&report);
        let missing: Vec<&str> = [a.rule(), b.rule()]
            .into_iter()
            .filter(|r| !fails.contains(r))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{label}: {missing:?} do not FAIL (FAIL: {fails:?})\n{}",
                report.text()
            ));
        }
    }
    eprintln!(
        "{} of {} pairs: each defect FAILs its own rule",
        pairs.len() - problems.len(),
        pairs.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// An endpoint that completes an empty upload and stores duplicates: DONE-5's completion step of a layer is not a consequence
/// of an empty upload completed earlier in the same repository (a different layer).
#[test]
fn a_duplicate_layer_stored_is_not_excused_by_an_empty_layer_completed_before_it() {
    let server = Independent::start(
        Variant::ecr(),
        &[Defect::CompletesEmpty, Defect::AcceptsDuplicateLayer],
    );
    let report = run(&server);
    let done5 = report
        .rules
        .iter()
        .find(|r| r.id.as_str() == "DONE-5")
        .expect("DONE-5");
    assert!(
        done5.fail > 0 && done5.verdict == runner::RuleVerdict::Fail,
        "DONE-5: {} FAIL, {} consequences\n{}",
        done5.fail,
        done5.consequence,
        report.text()
    );
}

#[test]
fn every_legal_knob_value_passes_and_is_inferred() {
    let mut problems = Vec::new();
    for &(knob, values) in KNOBS {
        if knob == "advertised-part-size" {
            continue; // any value in range conforms; nothing to infer
        }
        // The `ecr` value first; for max-part-bytes the second is 10485760.
        for &value in &values[1..] {
            let server = Independent::start(Variant::ecr().with(knob, value), &[]);
            let report = run(&server);
            let pair = format!("{knob}={value}");
            keep(&pair, &report);
            eprintln!("{}", summary(&pair, &report));
            let mut wrong = Vec::new();
            if !report.passed() {
                wrong.push(format!("run FAILs on {:?}", failing(&report)));
            }
            if !report.inferred.iter().any(|k| k.to_string() == *pair) {
                wrong.push(format!("not inferred (inferred: {:?})", report.inferred));
            }
            if !wrong.is_empty() {
                problems.push(format!("{pair}: {}\n{}", wrong.join("; "), report.text()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn inference_sends_no_extra_requests() {
    let conforming = Independent::start(Variant::ecr(), &[]);
    let baseline = run(&conforming);
    let expected = conforming.requests();
    assert!(baseline.passed(), "{}", baseline.text());
    // Exactly equal: every scenario step and generated step is one request whatever the
    // answer (a generated step is concretized from the model, which may differ, but it is
    // still one request); each case's cleanup deletes its three scratch names whether they
    // exist or not; the generated sequences come from the seeded RNG; knobs are inferred by
    // replaying cases against the model only. Only a FAIL in a generated case would add
    // requests (proptest shrinking reruns it), so both runs must pass for this to hold.
    // One knob changes only answers, the other changes state.
    let mut problems = Vec::new();
    for (knob, value) in [
        ("nothing-received-yet", "zero"),
        ("failed-completion", "consumes-upload"),
    ] {
        let server = Independent::start(Variant::ecr().with(knob, value), &[]);
        let report = run(&server);
        let sent = server.requests();
        let pair = format!("{knob}={value}");
        eprintln!(
            "{}; requests {sent} (conforming: {expected})",
            summary(&pair, &report)
        );
        assert!(
            report.differs > 0,
            "{pair} was never noticed: {}",
            report.text()
        );
        if sent != expected {
            problems.push(format!(
                "{pair}: {sent} requests, the conforming endpoint got {expected}\n{}",
                report.text()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The sanitized error name of a raw answer, or `""` on success.
fn error_name(answer: &common::http::RawAnswer) -> String {
    answer.json()["__type"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Creates `repo`, pushes `bytes` as one layer and returns its digest.
fn push_layer(server: &Independent, repo: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let addr = server.addr();
    let created = call(
        addr,
        "CreateRepository",
        &json_body(&json!({"repositoryName": repo})),
    );
    assert_eq!(created.status, 200, "{}", error_name(&created));
    let init = call(
        addr,
        "InitiateLayerUpload",
        &json_body(&json!({"repositoryName": repo})),
    );
    let id = init.json()["uploadId"]
        .as_str()
        .expect("uploadId")
        .to_owned();
    let part = json!({
        "repositoryName": repo,
        "uploadId": id,
        "partFirstByte": 0,
        "partLastByte": bytes.len() - 1,
        "layerPartBlob": base64::engine::general_purpose::STANDARD.encode(bytes),
    });
    let sent = call(addr, "UploadLayerPart", &json_body(&part));
    assert_eq!(sent.status, 200, "{}", error_name(&sent));
    let digest = format!(
        "sha256:{}",
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let done = json!({"repositoryName": repo, "uploadId": id, "layerDigests": [digest]});
    let done = call(addr, "CompleteLayerUpload", &json_body(&done));
    assert_eq!(done.json()["layerDigest"], digest.as_str());
    digest
}

fn json_body(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON")
}

#[test]
fn the_independent_endpoint_follows_the_spec_where_the_catalog_does_not_look() {
    let server = Independent::start(Variant::ecr(), &[]);
    let addr = server.addr();
    // An empty body is `{}`: the missing repositoryName decides (VAL-1), not WIRE-2.
    let empty = call(addr, "InitiateLayerUpload", b"");
    assert_eq!(
        (empty.status, error_name(&empty).as_str()),
        (400, "InvalidParameterException")
    );
    push_layer(&server, "plain", b"layer");
    let init = call(
        addr,
        "InitiateLayerUpload",
        br#"{"repositoryName":"plain"}"#,
    );
    let id = init.json()["uploadId"]
        .as_str()
        .expect("uploadId")
        .to_owned();
    // An unpadded blob next to a missing member is a SerializationException (WIRE first).
    let unpadded =
        format!(r#"{{"repositoryName":"plain","uploadId":"{id}","layerPartBlob":"YQ"}}"#);
    let unpadded = call(addr, "UploadLayerPart", unpadded.as_bytes());
    assert_eq!(error_name(&unpadded), "SerializationException");
    // `-0` is 0 (WIRE-2), `-0.0` is not an integer literal.
    let part = |first: &str| {
        format!(
            r#"{{"repositoryName":"plain","uploadId":"{id}","partFirstByte":{first},"partLastByte":0,"layerPartBlob":"YQ=="}}"#
        )
    };
    let float = call(addr, "UploadLayerPart", part("-0.0").as_bytes());
    assert_eq!(error_name(&float), "SerializationException");
    let zero = call(addr, "UploadLayerPart", part("-0").as_bytes());
    assert_eq!(zero.status, 200, "{}", error_name(&zero));
    assert_eq!(zero.json()["lastByteReceived"], 0);
    // ADMIN-2 (`ecr`): a repository holding only layers is deleted without force, and its
    // name can be used again.
    let deleted = call(addr, "DeleteRepository", br#"{"repositoryName":"plain"}"#);
    assert_eq!(deleted.status, 200, "{}", error_name(&deleted));
    let again = call(addr, "CreateRepository", br#"{"repositoryName":"plain"}"#);
    assert_eq!(again.status, 200);
    let upload_again = call(
        addr,
        "InitiateLayerUpload",
        br#"{"repositoryName":"plain"}"#,
    );
    assert_eq!(upload_again.status, 200);
}

#[test]
fn the_defects_the_catalog_may_miss_really_break_their_rules() {
    // EmptyBodyRefused: an empty body is refused instead of read as `{}` (WIRE-2).
    let server = Independent::start(Variant::ecr(), &[Defect::EmptyBodyRefused]);
    let empty = call(server.addr(), "InitiateLayerUpload", b"");
    assert_eq!(error_name(&empty), "SerializationException");
    // KeepsLayersAfterDelete: the layer is still there after delete and create (ADMIN-2).
    for (defects, expected) in [
        (&[][..], "MissingLayerDigest"),
        (&[Defect::KeepsLayersAfterDelete][..], "AVAILABLE"),
    ] {
        let server = Independent::start(Variant::ecr(), defects);
        let addr = server.addr();
        let digest = push_layer(&server, "kept", b"some layer bytes");
        let deleted = call(addr, "DeleteRepository", br#"{"repositoryName":"kept"}"#);
        assert_eq!(deleted.status, 200, "{}", error_name(&deleted));
        let created = call(addr, "CreateRepository", br#"{"repositoryName":"kept"}"#);
        assert_eq!(created.status, 200, "{}", error_name(&created));
        let check = json!({"repositoryName": "kept", "layerDigests": [digest]});
        let answer = call(addr, "BatchCheckLayerAvailability", &json_body(&check)).json();
        let seen = answer["layers"][0]["layerAvailability"]
            .as_str()
            .or(answer["failures"][0]["failureCode"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(seen, expected, "{defects:?}: {answer}");
    }
}
