//! The GitHub Action's script (`scripts/action.sh`), run as GitHub runs it but outside
//! GitHub: the step summary and the step outputs are temporary files, the binary is the one
//! cargo built. Its exit status is `run`'s, its summary is the Markdown report, its outputs
//! are the verdict and the report paths, and a malformed input is a one-line usage error.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ecr_conformance::fake::{FakeEcr, Quirk};
use ecr_conformance::model::Profile;

/// The cases and seed every run here uses: small and reproducible.
const CASES: &str = "8";
const SEED: &str = "11";

/// What one run of the script left behind.
struct ActionRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The step summary file's content.
    summary: String,
    /// The step output file's `name=value` lines.
    outputs: BTreeMap<String, String>,
    /// `ECR_CONFORMANCE_OUT`.
    out: PathBuf,
}

impl ActionRun {
    fn output(&self, name: &str) -> &str {
        self.outputs.get(name).map_or_else(
            || panic!("no output {name} in {:?}\n{}", self.outputs, self.log()),
            String::as_str,
        )
    }

    fn log(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}\n--- summary\n{}",
            self.code, self.stdout, self.stderr, self.summary
        )
    }
}

/// `bash scripts/action.sh` against `endpoint`, with `env` on top of the defaults here.
/// Its working folder is a fresh temporary one, so nothing it writes lands in the tree.
fn action(endpoint: &str, env: &[(&str, &str)]) -> ActionRun {
    let dir = common::tempdir("action");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).expect("work folder");
    let summary = dir.join("step-summary.md");
    let outputs = dir.join("github-output");
    // GitHub creates both files empty before the step runs.
    std::fs::write(&summary, "").expect("summary file");
    std::fs::write(&outputs, "").expect("output file");
    let out = dir.join("reports");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh");

    let mut cmd = Command::new("bash");
    cmd.arg(&script).current_dir(&work);
    for inherited in [
        "ECR_CONFORMANCE_PROFILE",
        "ECR_CONFORMANCE_STRICT",
        "ECR_CONFORMANCE_FILTER",
        "ECR_CONFORMANCE_SCENARIOS",
        "ECR_CONFORMANCE_REGISTRY_ENDPOINT",
        "ECR_CONFORMANCE_REGISTRY_AUTH",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(inherited);
    }
    cmd.env("ECR_CONFORMANCE_BIN", env!("CARGO_BIN_EXE_ecr-conformance"))
        .env("ECR_CONFORMANCE_ENDPOINT", endpoint)
        .env("ECR_CONFORMANCE_CASES", CASES)
        .env("ECR_CONFORMANCE_SEED", SEED)
        .env("ECR_CONFORMANCE_OUT", &out)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let done = cmd.output().expect("bash runs scripts/action.sh");
    ActionRun {
        code: done.status.code(),
        stdout: String::from_utf8_lossy(&done.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&done.stderr).into_owned(),
        summary: std::fs::read_to_string(&summary).expect("summary file"),
        outputs: std::fs::read_to_string(&outputs)
            .expect("output file")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        out,
    }
}

/// Each report path output is the file it names in `ECR_CONFORMANCE_OUT`, and it exists.
fn assert_reports(run: &ActionRun) {
    for (output, file) in [
        ("report-json", "report.json"),
        ("junit", "junit.xml"),
        ("report-html", "report.html"),
        ("report-markdown", "summary.md"),
    ] {
        let path = PathBuf::from(run.output(output));
        assert_eq!(
            path.canonicalize().expect("report path resolves"),
            run.out.join(file).canonicalize().expect("report exists"),
            "output {output}\n{}",
            run.log()
        );
        let len = std::fs::metadata(&path).expect("report file").len();
        assert!(len > 0, "{output} ({}) is empty", path.display());
    }
}

fn report_json(run: &ActionRun) -> serde_json::Value {
    let text = std::fs::read_to_string(run.output("report-json")).expect("report.json");
    serde_json::from_str(&text).expect("report.json is JSON")
}

#[test]
fn a_conforming_endpoint_exits_0_with_the_rule_table_in_the_summary_and_verdict_pass() {
    let fake = FakeEcr::builder().start().expect("fake");
    let run = action(&fake.uri(), &[]);
    assert_eq!(run.code, Some(0), "{}", run.log());
    assert!(
        run.summary.contains("| PART-3 | pass |"),
        "no rule table in the summary\n{}",
        run.log()
    );
    assert!(run.summary.contains("Inferred profile"), "{}", run.log());
    assert_eq!(run.output("verdict"), "pass");
    assert_reports(&run);
    let json = report_json(&run);
    assert_eq!(json["fail"], 0, "{json:#}");
    // The summary appended is the Markdown report, word for word.
    let markdown = std::fs::read_to_string(run.output("report-markdown")).expect("summary.md");
    assert_eq!(run.summary, markdown);
}

#[test]
fn a_registry_endpoint_judges_the_v2_door_with_the_api_doors_token() {
    // The fake's /v2/ demands a token; the action gets it from the API door it is given.
    let fake = FakeEcr::builder().require_auth(true).start().expect("fake");
    let run = action(
        &fake.uri(),
        &[("ECR_CONFORMANCE_REGISTRY_ENDPOINT", fake.uri().as_str())],
    );
    assert_eq!(run.code, Some(0), "{}", run.log());
    assert!(
        run.summary.contains("| REG-3 | pass |"),
        "no registry-door rule table in the summary\n{}",
        run.log()
    );
    assert_eq!(run.output("verdict"), "pass");
    let json = report_json(&run);
    let rules: Vec<&str> = json["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(rules.contains(&"REG-1"), "{rules:?}");
    assert!(
        rules
            .iter()
            .all(|r| r.starts_with("REG") || r.starts_with("XDOOR")),
        "{rules:?}"
    );
    // Wrong credentials given as the input: every /v2/ call is refused, and REG-1 FAILs.
    let run = action(
        &fake.uri(),
        &[
            ("ECR_CONFORMANCE_REGISTRY_ENDPOINT", fake.uri().as_str()),
            ("ECR_CONFORMANCE_REGISTRY_AUTH", "AWS:not-a-token"),
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.log());
    assert!(
        run.summary.contains("| REG-1 | **FAIL** |"),
        "REG-1 is not FAIL\n{}",
        run.log()
    );
    assert!(
        !run.log().contains("not-a-token"),
        "the password reached the log"
    );
}

#[test]
fn a_defective_endpoint_exits_1_with_its_rule_failed_in_the_summary_and_verdict_fail() {
    let fake = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let run = action(&fake.uri(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.log());
    assert!(
        run.summary.contains("| PART-6 | **FAIL** |"),
        "PART-6 is not FAIL in the summary\n{}",
        run.log()
    );
    assert_eq!(run.output("verdict"), "fail");
    assert_reports(&run);
    let json = report_json(&run);
    assert!(
        json["fail"].as_u64().is_some_and(|n| n > 0),
        "{}",
        json["fail"]
    );
}

#[test]
fn a_legal_variant_fails_only_when_strict_is_true() {
    let profile = Profile::ecr()
        .with_knob("nothing-received-yet", "zero")
        .expect("a knob value");
    let fake = FakeEcr::builder().profile(profile).start().expect("fake");

    let lenient = action(&fake.uri(), &[("ECR_CONFORMANCE_STRICT", "false")]);
    assert_eq!(lenient.code, Some(0), "{}", lenient.log());
    assert_eq!(lenient.output("verdict"), "pass");
    assert!(
        lenient.summary.contains("| differs |"),
        "the variant is not shown as differs\n{}",
        lenient.log()
    );
    assert!(
        lenient.summary.contains("nothing-received-yet=zero"),
        "the inferred profile does not name the knob\n{}",
        lenient.log()
    );

    let strict = action(&fake.uri(), &[("ECR_CONFORMANCE_STRICT", "true")]);
    assert_eq!(strict.code, Some(1), "{}", strict.log());
    assert_eq!(strict.output("verdict"), "fail");
    assert_reports(&strict);
}

#[test]
fn a_malformed_input_exits_2_with_one_line_on_stderr_before_running_anything() {
    // Nothing listens here: a usage error must not get as far as the target.
    let nowhere = "http://127.0.0.1:9";
    for (name, value) in [
        ("ECR_CONFORMANCE_CASES", "many"),
        ("ECR_CONFORMANCE_CASES", "-1"),
        ("ECR_CONFORMANCE_SEED", "1.5"),
        ("ECR_CONFORMANCE_STRICT", "yes"),
        ("ECR_CONFORMANCE_ENDPOINT", ""),
    ] {
        let run = action(nowhere, &[(name, value)]);
        assert_eq!(run.code, Some(2), "{name}={value}\n{}", run.log());
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{name}={value}: stderr is not one line\n{}",
            run.log()
        );
        assert!(
            lines[0].starts_with("action.sh: "),
            "{name}={value}: {}",
            lines[0]
        );
        assert!(run.stdout.is_empty(), "{name}={value} ran\n{}", run.log());
        assert!(
            run.outputs.is_empty(),
            "{name}={value} wrote outputs\n{}",
            run.log()
        );
        assert!(!run.out.exists(), "{name}={value} made the reports folder");
    }
}
