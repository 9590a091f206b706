//! The runner against moto_server (pinned in scripts/requirements.txt), a peer nobody here
//! wrote: it must FAIL somewhere, and give per rule the same verdict, and the same inferred
//! profile, as the committed report `fixtures/peers/moto-5.2.5.json` (set UPDATE_PEERS=1 to
//! rewrite it after a review).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::clients::{moto_server, with_test_env};
use ecr_conformance::model::Profile;
use ecr_conformance::runner::{self, Endpoint, Keys, RunConfig};

const MOTO_VERSION: &str = "5.2.5";

#[test]
fn moto_diverges_from_the_model_on_the_same_rules_as_its_committed_report() {
    let moto = common::served::moto(with_test_env(Command::new(moto_server())))
        .unwrap_or_else(|e| panic!("{e}"));
    let config = RunConfig {
        cases: 64,
        seed: 1,
        ..RunConfig::new(Profile::ecr())
    };
    let endpoint = Endpoint::new(
        &moto.url,
        "us-east-1",
        Keys::test(),
        Duration::from_secs(60),
    );
    let report =
        runner::run(&endpoint, &format!("moto_server {MOTO_VERSION}"), &config).expect("run");
    assert!(
        !report.passed(),
        "moto matched the model everywhere; the peer changed:\n{}",
        report.text()
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fixtures/peers/moto-{MOTO_VERSION}.json"));
    let now: serde_json::Value = serde_json::to_value(&report).expect("JSON");
    if std::env::var_os("UPDATE_PEERS").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&now).expect("JSON") + "\n",
        )
        .expect("write");
        std::fs::write(path.with_extension("html"), report.html()).expect("write");
        std::fs::write(path.with_extension("date"), today() + "\n").expect("write");
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("committed report"))
            .expect("JSON");
    // Per rule, the verdict word (pass, FAIL, differs, unseen), and the inferred profile.
    let verdicts = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().unwrap_or_default().to_owned(),
                    x["verdict"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(now["inferred"], committed["inferred"], "{}", report.text());
    assert_eq!(
        verdicts(&now),
        verdicts(&committed),
        "moto's per-rule result changed:\n{}",
        report.text()
    );
}

/// Today's date (UTC) as `YYYY-MM-DD`, for the report's `.date` file: what `scripts/peers`
/// writes, from the same command.
fn today() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .expect("date");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}
