//! The rule catalog is complete: every rule id is in `rules`, and has a test named after it.

use std::process::Command;

use ecr_conformance::model::RULES;

fn test_sources() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut all = String::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            all.push_str(&std::fs::read_to_string(&path).expect("read"));
        }
    }
    all
}

#[test]
fn every_rule_id_has_a_test_named_after_it() {
    let sources = test_sources();
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| {
            // A test: `#[test]` (or `#[tokio::test]`) on the line before `fn <id>_…`.
            let prefix = format!("fn {}_", id.to_lowercase().replace('-', "_"));
            !sources
                .lines()
                .zip(sources.lines().skip(1))
                .any(|(attr, f)| {
                    attr.trim().ends_with("test]") && f.trim_start().starts_with(&prefix)
                })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "rules with no test named after them: {missing:?}"
    );
}

#[test]
fn the_rules_command_lists_every_rule_with_its_sources() {
    let out = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
        .args(["rules", "--json"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), RULES.len());
    for (rule, item) in RULES.iter().zip(listed) {
        assert_eq!(item["id"], rule.id.as_str());
        assert_eq!(item["statement"], rule.statement);
        assert!(!item["sources"].as_array().expect("sources").is_empty());
    }

    let text = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
        .arg("rules")
        .output()
        .expect("runs");
    let text = String::from_utf8(text.stdout).expect("utf-8");
    for rule in RULES {
        assert!(
            text.lines().any(|l| l.starts_with(rule.id.as_str())),
            "{} not printed",
            rule.id
        );
    }
}

#[test]
fn every_rule_the_spec_names_is_in_the_catalog() {
    // The spec's ids, as of ../shared/spec/ecr-layer-upload.md and §9 and §10 of
    // ecr-images-and-registry.md; ADMIN-1 is the project's own id for the harness plumbing
    // the spec describes without one.
    let spec = [
        "STATE-1", "WIRE-1", "WIRE-2", "WIRE-3", "VAL-1", "VAL-2", "REPO-1", "INIT-1", "INIT-2",
        "PART-1", "PART-2", "PART-3", "PART-4", "PART-5", "PART-6", "DONE-1", "DONE-2", "DONE-3",
        "DONE-4", "DONE-5", "DONE-6", "CHECK-1", "CHECK-2", "ADMIN-1", "ADMIN-2", "CHECK-3",
        "IMG-1", "IMG-2", "IMG-3", "IMG-4", "IMG-5", "IMG-6", "IMG-7", "IMG-8", "GET-1", "URL-1",
        "DEL-1", "LIST-1", "LIST-2", "MUT-1", // §10, the registry door:
        "REG-1", "REG-2", "REG-3", "REG-4", "REG-5", "REG-6", "REG-7", "REG-8", "XDOOR-1",
    ];
    for id in spec {
        assert!(
            RULES.iter().any(|r| r.id == id),
            "{id} missing from the catalog"
        );
    }
    assert_eq!(
        RULES.len(),
        spec.len(),
        "the catalog has ids the spec does not"
    );
}
