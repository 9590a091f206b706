//! `client-check` against a COMMAND that will not let go: a background child in a session
//! of its own holding stdout, and Ctrl-C while COMMAND runs. The check ends in bounded
//! time; on Ctrl-C, COMMAND's process group is killed and the plans done so far are
//! reported (exit 130).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ecr-conformance");

#[test]
fn a_setsid_child_holding_stdout_does_not_keep_the_check_waiting() {
    let dir = common::tempdir("setsid");
    let json = dir.join("r.json");
    let started = Instant::now();
    let out = Command::new(BIN)
        .args([
            "client-check",
            "--plans",
            "^clean$",
            "--timeout",
            "5",
            "--report-json",
            json.to_str().expect("utf-8"),
            "--",
            "sh",
            "-c",
            "setsid sleep 60 & echo started; exit 0",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let took = started.elapsed();
    eprintln!("setsid: {took:?}, exit {:?}", out.status.code());
    // The client pushed nothing: a finding (exit 1), within the timeout, not after 60 s.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert!(json.is_file());
    let report = std::fs::read_to_string(&json).expect("report");
    assert!(
        report.contains("started"),
        "what it printed is kept: {report}"
    );
}

#[test]
fn ctrl_c_kills_the_command_and_reports_the_plans_done() {
    let dir = common::tempdir("cc-interrupt");
    let (json, junit, pid_file) = (dir.join("r.json"), dir.join("j.xml"), dir.join("pid"));
    let html = dir.join("r.html");
    let script = format!("echo $$ > {}; exec sleep 60", pid_file.display());
    let mut child = Command::new(BIN)
        .args([
            "client-check",
            "--timeout",
            "120",
            "--report-json",
            json.to_str().expect("utf-8"),
            "--junit",
            junit.to_str().expect("utf-8"),
            "--report-html",
            html.to_str().expect("utf-8"),
            "--",
            "sh",
            "-c",
            &script,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let until = Instant::now() + Duration::from_secs(30);
    let pid = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(Instant::now() < until, "COMMAND never started");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    eprintln!(
        "client-check: exit {:?} {took:?} after SIGINT",
        status.code()
    );
    assert_eq!(status.code(), Some(130));
    assert!(took < Duration::from_secs(3), "{took:?}");
    // COMMAND (in its own process group) is gone.
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "COMMAND {pid} still runs"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report written")).expect("JSON");
    assert!(
        report["stopped"]
            .as_str()
            .is_some_and(|s| s.contains("interrupted")),
        "{report}"
    );
    assert_eq!(report["passed"], false);
    assert_eq!(
        report["plans"].as_array().map(Vec::len),
        Some(0),
        "none finished"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(xml.contains("name=\"stopped\""), "{xml}");
    let page = std::fs::read_to_string(&html).expect("html written");
    assert!(page.contains("stopped: interrupted"), "{page}");
}
