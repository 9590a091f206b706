//! `client-check --door registry` against registry clients: a client written from the OCI
//! spec (`tests/clients/registry_client.py`) done right in each of its three ways to send
//! a blob, the same client broken one rule at a time and several at once, and skopeo
//! (Debian) with the verdict it really earns on every plan.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::clients::python;
use ecr_conformance::client_check::registry::REGISTRY_PLANS;
use ecr_conformance::client_check::{ClientCheckConfig, ClientReport, client_check};

const MIB: u64 = 1024 * 1024;

fn path(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .display()
        .to_string()
}

fn config(plans: Option<&str>, env: &[(&str, &str)]) -> ClientCheckConfig {
    ClientCheckConfig {
        plans: plans.map(str::to_owned),
        // The largest layer: three 8 MiB chunks and one byte.
        layer_size: 24 * MIB + 1,
        seed: Some(20_261_203),
        timeout: Duration::from_secs(60),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..ClientCheckConfig::registry()
    }
}

fn ours(plans: Option<&str>, env: &[(&str, &str)]) -> ClientReport {
    let command = vec![
        python().display().to_string(),
        path("tests/clients/registry_client.py"),
    ];
    let report = client_check(&config(plans, env), &command).expect("the check ran");
    println!("{}", report.text());
    report
}

/// Every plan's name with the rules of its findings.
fn verdicts(report: &ClientReport) -> Vec<(&str, Vec<&str>)> {
    report
        .plans
        .iter()
        .map(|p| (p.plan, p.findings.iter().map(|f| f.rule).collect()))
        .collect()
}

/// The rules that failed anywhere, in rule order.
fn failed(report: &ClientReport) -> Vec<&str> {
    report
        .rules
        .iter()
        .filter(|r| r.verdict == "FAIL")
        .map(|r| r.id)
        .collect()
}

#[test]
fn a_client_done_right_passes_every_registry_plan_in_chunks_streamed_and_monolithic() {
    for mode in ["chunked", "streamed", "monolithic"] {
        let report = ours(None, &[("REGISTRY_CLIENT_MODE", mode)]);
        assert!(report.passed(), "{mode}: {:?}", verdicts(&report));
        assert_eq!(report.plans.len(), REGISTRY_PLANS.len());
        let clean = report.plan("clean").expect("clean");
        let image = clean.image.as_ref().expect("image");
        assert!(image.stored(), "{mode}: the image is under its tag");
        // Three layers and the config, each stored with its size.
        assert_eq!(clean.stored.len(), 4, "{mode}: {:?}", clean.stored);
        assert!(clean.stored.iter().any(|l| l.size == 24 * MIB + 1));
        let patches: Vec<_> = clean
            .requests
            .iter()
            .filter(|r| r.method.as_deref() == Some("PATCH"))
            .collect();
        match mode {
            "chunked" => assert!(patches.iter().any(|r| r.range.is_some())),
            // One streamed PATCH per blob, logged with the whole body's length.
            "streamed" => assert!(
                patches.iter().any(|r| r.body_length == Some(24 * MIB + 1)),
                "{patches:?}"
            ),
            _ => assert!(patches.is_empty()),
        }
        // The credentials never reach the report.
        let password_free = !report.json().contains("AWS:") && !report.json().contains("Basic ");
        assert!(password_free, "{mode}: the report holds credentials");
    }
}

#[test]
fn each_defect_of_the_client_fails_its_own_rule_and_no_other() {
    for (defect, rule, plans) in [
        ("needs-202", "REGCLIENT-2", "^clean$"),
        ("trusts-range", "REGCLIENT-3", "^clean$"),
        ("small-chunks", "REGCLIENT-4", "^clean$"),
        ("forwards-auth", "REGCLIENT-5", "^storage-redirect$"),
        ("needs-location", "REGCLIENT-6", "^clean$"),
        ("restarts-at-zero", "REGCLIENT-7", "^lost-answer-patch$"),
        ("retries-forever", "REGCLIENT-7", "^throttled-always$"),
        ("exits-0", "REGCLIENT-8", "^(tag-immutable|token-expires)$"),
    ] {
        let report = ours(Some(plans), &[("REGISTRY_CLIENT_DEFECTS", defect)]);
        assert_eq!(
            failed(&report),
            vec![rule],
            "{defect}: {:?}",
            verdicts(&report)
        );
        for p in &report.plans {
            assert!(
                !p.passed(),
                "{defect} in {}: {:?}",
                p.plan,
                verdicts(&report)
            );
        }
    }
}

#[test]
fn a_client_with_three_defects_at_once_fails_each_of_their_rules() {
    let report = ours(
        Some("^(clean|storage-redirect|tag-immutable)$"),
        &[(
            "REGISTRY_CLIENT_DEFECTS",
            "trusts-range,forwards-auth,exits-0",
        )],
    );
    assert_eq!(
        verdicts(&report),
        vec![
            // It recovers from the 416 its trust earns (GET of the upload), so the push
            // succeeds and its exit 0 is right there.
            ("clean", vec!["REGCLIENT-3"]),
            ("tag-immutable", vec!["REGCLIENT-3", "REGCLIENT-8"]),
            ("storage-redirect", vec!["REGCLIENT-5", "REGCLIENT-8"]),
        ]
    );
}

#[test]
fn the_faults_of_the_registry_plans_fire_and_are_logged() {
    let report = ours(
        Some("^(lost-answer-patch|throttled-post|token-expires)$"),
        &[],
    );
    for (plan, status) in [
        ("lost-answer-patch", 500),
        ("throttled-post", 429),
        ("token-expires", 403),
    ] {
        let p = report.plan(plan).expect(plan);
        assert!(p.notes.is_empty(), "{plan}: {:?}", p.notes);
        let faulted: Vec<_> = p.requests.iter().filter(|r| r.fault.is_some()).collect();
        assert!(!faulted.is_empty(), "{plan}: no fault fired");
        assert!(
            faulted.iter().all(|r| r.status == status),
            "{plan}: {faulted:?}"
        );
    }
    // After the lost answer this client asks the upload where it stands (GET, 204 with the
    // true Range) and resumes there.
    let lost = report.plan("lost-answer-patch").expect("plan");
    let at = lost
        .requests
        .iter()
        .position(|r| r.status == 500)
        .expect("the 500");
    assert!(
        lost.requests[at..]
            .iter()
            .any(|r| r.method.as_deref() == Some("GET") && r.status == 204 && r.range.is_some()),
        "{:?}",
        lost.requests
    );
    assert!(lost.image.as_ref().is_some_and(|i| i.stored()));
    // The expired token is DENIED, and this client gives up (exit 1), which is right.
    let expired = report.plan("token-expires").expect("plan");
    assert!(expired.requests.iter().any(|r| r.code == Some("DENIED")));
    assert_eq!(expired.exit.code, Some(1));
}

#[test]
fn skopeo_pushes_and_pulls_through_every_registry_plan_and_gives_up_on_a_failed_patch() {
    let skopeo =
        std::env::var("ECR_CONFORMANCE_SKOPEO").unwrap_or_else(|_| "/usr/bin/skopeo".into());
    assert!(
        std::path::Path::new(&skopeo).exists(),
        "{skopeo} is missing: run scripts/test, which installs Debian's skopeo"
    );
    let command = vec![path("examples/clients/skopeo.sh")];
    // throttled-always is left out: skopeo backs off 429s for about a minute before it gives
    // up, which passes (README's table) but is too slow for every test run.
    let plans = Some(
        "^(clean|lost-answer-patch|server-error-patch|throttled-post|token-expires|layer-present|tag-immutable|storage-redirect)$",
    );
    let report = client_check(&config(plans, &[("SKOPEO", &skopeo)]), &command).expect("ran");
    println!("{}", report.text());
    assert!(report.passed(), "{:?}", verdicts(&report));
    // skopeo sends each blob as one streamed PATCH, so no chunk rule has anything to judge,
    // and it does not retry a PATCH: after a 500 it gives up, with a non-zero exit.
    let rule = |id: &str| report.rules.iter().find(|r| r.id == id).expect(id).verdict;
    assert_eq!(rule("REGCLIENT-3"), "unseen");
    assert_eq!(rule("REGCLIENT-4"), "unseen");
    assert_eq!(rule("REGCLIENT-5"), "pass");
    for plan in [
        "lost-answer-patch",
        "server-error-patch",
        "token-expires",
        "tag-immutable",
    ] {
        let p = report.plan(plan).expect(plan);
        assert_ne!(p.exit.code, Some(0), "{plan}");
    }
    for plan in [
        "clean",
        "throttled-post",
        "layer-present",
        "storage-redirect",
    ] {
        assert_eq!(report.plan(plan).expect(plan).exit.code, Some(0), "{plan}");
    }
}
