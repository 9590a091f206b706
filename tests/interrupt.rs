//! Ctrl-C, sent as a real SIGINT to the binary: during generated cases, during a request
//! the target does not answer, during a retry back-off, and twice. Each run stops at once,
//! sends no more than a bounded cleanup, writes every report marked `stopped:
//! interrupted` with the number of cases run, counts nothing unrun as passed or failed,
//! and exits 130.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::scripted::{Reply, Scripted};

const BIN: &str = env!("CARGO_BIN_EXE_ecr-conformance");

fn spawn(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_ECR")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts")
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit` (killed and failed past it); its output
/// and how long it took.
fn exit_within(mut child: Child, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still running {limit:?} after the interrupt: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    (child.wait_with_output().expect("output"), took)
}

/// Every report option, into `dir`.
fn report_args(dir: &Path) -> Vec<String> {
    [
        ("--report-json", "report.json"),
        ("--junit", "junit.xml"),
        ("--report-html", "report.html"),
        ("--report-markdown", "report.md"),
        ("--write-profile", "profile.json"),
    ]
    .iter()
    .flat_map(|(o, f)| [(*o).to_owned(), dir.join(f).display().to_string()])
    .collect()
}

/// Every report was written; the JSON one.
fn reports_written(dir: &Path) -> serde_json::Value {
    for f in [
        "report.json",
        "junit.xml",
        "report.html",
        "report.md",
        "profile.json",
    ] {
        let path: PathBuf = dir.join(f);
        let len = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{f} not written: {e}"))
            .len();
        assert!(len > 0, "{f} is empty");
    }
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("json")).expect("JSON")
}

/// `run` against `target` (which hangs InitiateLayerUpload) with `cases` generated cases and
/// a 600 s timeout, its reports in `dir`, once the target has seen an InitiateLayerUpload.
fn run_until_an_upload_hangs(target: &Scripted, dir: &Path, cases: &str) -> Child {
    let reports = report_args(dir);
    let child = spawn(&args(
        &target.url,
        &["--cases", cases, "--timeout", "600"],
        &reports,
    ));
    assert!(target.wait_for(Duration::from_secs(30), |seen| {
        seen.iter().any(|o| o == "InitiateLayerUpload")
    }));
    child
}

fn args<'a>(url: &'a str, extra: &[&'a str], reports: &'a [String]) -> Vec<&'a str> {
    let mut a = vec!["run", "--endpoint", url];
    a.extend_from_slice(extra);
    a.extend(reports.iter().map(String::as_str));
    a
}

/// What every interrupted run's reports hold.
fn interrupted_reports(dir: &Path, json: &serde_json::Value) {
    assert_eq!(json["stopped"]["reason"]["kind"], "interrupted", "{json}");
    assert_eq!(json["fail"], 0, "nothing unrun is a FAIL: {json}");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit");
    assert!(!junit.contains("diverged from the model"), "{junit}");
    assert!(junit.contains("run stopped"), "{junit}");
    for f in ["report.html", "report.md"] {
        let text = std::fs::read_to_string(dir.join(f)).expect("report");
        assert!(text.contains("interrupted"), "{f}: {text}");
    }
}

#[test]
fn ctrl_c_during_generated_cases_stops_at_once_with_a_bounded_cleanup_and_every_report() {
    let target = Scripted::start(|_, _| Reply::Forward);
    let dir = common::tempdir("interrupt-generated");
    let reports = report_args(&dir);
    let child = spawn(&args(
        &target.url,
        &[
            "--filter",
            "^generated$",
            "--cases",
            "100000000",
            "--seed",
            "3",
            "--timeout",
            "30",
        ],
        &reports,
    ));
    assert!(
        target.wait_for(Duration::from_secs(60), |seen| seen.len() >= 200),
        "the run got going"
    );
    // Counted from when `kill` has returned (the signal is delivered): what the run sent
    // while `kill` was starting is not "after the interrupt".
    interrupt(&child);
    let before = target.seen().len();
    let (out, took) = exit_within(child, Duration::from_secs(10));
    let after = target.seen().len() - before;
    eprintln!(
        "generated: exit {:?} {took:?} after SIGINT, {after} requests after it",
        out.status.code()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The request in flight, and the deletes of the one case's repositories at most.
    assert!(after <= 8, "{after} requests after the interrupt");
    let json = reports_written(&dir);
    interrupted_reports(&dir, &json);
    let ran = json["stopped"]["generatedRun"].as_u64().expect("count");
    assert!((1..100_000_000).contains(&ran), "{json}");
    assert_eq!(json["generated"]["ran"].as_u64(), Some(ran), "{json}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "generated: {ran} of 100000000 cases run before the stop"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("none failed\n"), "{stdout}");
}

#[test]
fn ctrl_c_during_a_request_the_target_does_not_answer_ends_it_at_once_with_exit_130() {
    let target = Scripted::start(|op, _| match op {
        "InitiateLayerUpload" => Reply::Hang,
        _ => Reply::Forward,
    });
    let dir = common::tempdir("interrupt-request");
    let child = run_until_an_upload_hangs(&target, &dir, "4");
    interrupt(&child);
    let (out, took) = exit_within(child, Duration::from_secs(10));
    eprintln!(
        "request: exit {:?} {took:?} after SIGINT",
        out.status.code()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        took < Duration::from_secs(5),
        "{took:?} (the timeout is 600 s)"
    );
    let json = reports_written(&dir);
    interrupted_reports(&dir, &json);
    // The scenario cut short is not run: no case with an error, no FAIL.
    let scenarios = json["scenarios"].as_array().expect("scenarios");
    assert!(scenarios.iter().all(|c| c.get("error").is_none()), "{json}");
    assert_eq!(
        json["stopped"]["scenariosRun"].as_u64(),
        Some(scenarios.len() as u64)
    );
    let not_run: Vec<&str> = json["notRun"]
        .as_array()
        .expect("not run")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        not_run.iter().any(|n| n.contains("interrupted after")),
        "{not_run:?}"
    );
    assert!(
        not_run
            .iter()
            .any(|n| n.starts_with("generated: interrupted"))
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit");
    assert!(junit.contains("<skipped"), "{junit}");
}

#[test]
fn a_second_ctrl_c_quits_at_once_even_during_the_cleanup() {
    // The probe's delete is answered; every later delete (the cleanup) is not.
    let target = Scripted::start(|op, nth| match (op, nth) {
        ("InitiateLayerUpload", _) => Reply::Hang,
        ("DeleteRepository", 1) => Reply::Forward,
        ("DeleteRepository", _) => Reply::Hang,
        _ => Reply::Forward,
    });
    let dir = common::tempdir("interrupt-twice");
    let child = run_until_an_upload_hangs(&target, &dir, "0");
    interrupt(&child);
    assert!(target.wait_for(Duration::from_secs(5), |seen| {
        seen.iter().filter(|o| *o == "DeleteRepository").count() >= 2
    }));
    interrupt(&child);
    let (out, took) = exit_within(child, Duration::from_secs(5));
    eprintln!(
        "twice: exit {:?} {took:?} after the second SIGINT",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(130));
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted again"));
}

#[test]
fn ctrl_c_during_a_retry_back_off_ends_it_at_once() {
    let target = Scripted::start(|op, _| match op {
        "InitiateLayerUpload" => Reply::Answer(
            500,
            r#"{"__type":"ServerException","message":"always"}"#.to_owned(),
        ),
        _ => Reply::Forward,
    });
    let dir = common::tempdir("interrupt-retries");
    let reports = report_args(&dir);
    // 100 retries of one request back off for about 5 minutes.
    let child = spawn(&args(
        &target.url,
        &["--cases", "0", "--retries", "100", "--timeout", "60"],
        &reports,
    ));
    assert!(target.wait_for(Duration::from_secs(30), |seen| {
        seen.iter().filter(|o| *o == "InitiateLayerUpload").count() >= 3
    }));
    interrupt(&child);
    let (out, took) = exit_within(child, Duration::from_secs(10));
    eprintln!(
        "retries: exit {:?} {took:?} after SIGINT",
        out.status.code()
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    let json = reports_written(&dir);
    interrupted_reports(&dir, &json);
}
