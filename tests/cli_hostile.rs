//! The command line as a careless or hostile user drives it: a target that refuses the
//! setup, nothing to run, catalog mistakes, bad and clashing output paths, a broken stdout
//! or stderr, unbounded file inputs, out-of-range numbers, bad endpoints and half a key
//! pair. Each is a clear error (exit 2) or a report that says what happened, never a panic,
//! a hang or a falsely green run; every report that can be written is.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::scripted::{Reply, Scripted};
use ecr_conformance::fake::{FakeEcr, Quirk};

const BIN: &str = env!("CARGO_BIN_EXE_ecr-conformance");

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_ECR")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    cmd
}

fn cli(args: &[&str]) -> Output {
    command(args).output().expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit 2 with one line on stderr holding every one of `says`; never a panic.
fn usage_error(out: &Output, says: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}{}", text(&out.stdout));
    assert!(!err.contains("panicked"), "{err}");
    for s in says {
        assert!(err.contains(s), "{s:?} not in {err}");
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

/// Every report option, into `dir`.
fn reports(dir: &Path) -> Vec<String> {
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

fn all_written(dir: &Path) {
    for f in [
        "report.json",
        "junit.xml",
        "report.html",
        "report.md",
        "profile.json",
    ] {
        let len = std::fs::metadata(dir.join(f))
            .unwrap_or_else(|e| panic!("{f} not written: {e}"))
            .len();
        assert!(len > 0, "{f} empty");
    }
}

fn json_of(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("written")).expect("JSON")
}

#[test]
fn a_target_that_refuses_the_setup_gets_every_report_marked_stopped_with_its_error_and_exit_2() {
    let target = Scripted::start(|op, _| match op {
        "CreateRepository" => Reply::Answer(
            400,
            r#"{"__type":"AccessDeniedException","message":"not allowed"}"#.to_owned(),
        ),
        _ => Reply::Forward,
    });
    let dir = common::tempdir("setup-refused");
    let mut args = vec!["run", "--endpoint", &target.url, "--cases", "8"];
    let r = reports(&dir);
    args.extend(r.iter().map(String::as_str));
    let out = cli(&args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("refused the setup") && err.contains("AccessDeniedException"));
    all_written(&dir);
    let json = json_of(&dir.join("report.json"));
    let reason = &json["stopped"]["reason"];
    assert_eq!(reason["kind"], "setup-refused", "{json}");
    assert_eq!(reason["errorName"], "AccessDeniedException");
    assert_eq!(reason["operation"], "CreateRepository");
    assert_eq!(reason["status"], 400);
    assert_eq!(json["stopped"]["scenariosRun"], 0);
    // Nothing ran, so nothing passed: every scenario (and the generated cases) is not run,
    // and the JUnit report fails each and the run.
    assert_eq!(json["scenarios"].as_array().map(Vec::len), Some(0));
    let scenarios = ecr_conformance::runner::scenario::embedded()
        .expect("the embedded catalog")
        .len();
    assert_eq!(
        json["notRun"].as_array().map(Vec::len),
        Some(scenarios + 1),
        "{json}"
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit");
    assert_eq!(junit.matches("<failure ").count(), scenarios + 2, "{junit}");
    for f in ["report.md", "report.html"] {
        let t = std::fs::read_to_string(dir.join(f)).expect("report");
        assert!(t.contains("AccessDeniedException"), "{f}: {t}");
    }
    assert!(text(&out.stdout).contains("run stopped: the target refused the setup"));
    assert_eq!(
        target.seen(),
        vec!["CreateRepository"],
        "nothing after the refusal"
    );
    // A report of a refused setup merges like any: the reason survives.
    let shard = common::tempdir("setup-refused-shard");
    let mut args = vec![
        "run",
        "--endpoint",
        &target.url,
        "--cases",
        "0",
        "--shard",
        "1/1",
    ];
    let json_path = shard.join("s.json");
    args.extend(["--report-json", path(&json_path)]);
    assert_eq!(cli(&args).status.code(), Some(2));
    let merged = shard.join("merged.json");
    let out = cli(&[
        "merge-reports",
        path(&json_path),
        "--report-json",
        path(&merged),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        json_of(&merged)["stopped"]["reason"]["errorName"],
        "AccessDeniedException"
    );
}

#[test]
fn nothing_to_run_is_a_usage_error_before_anything_is_sent() {
    let target = Scripted::start(|_, _| Reply::Forward);
    let out = cli(&[
        "run",
        "--endpoint",
        &target.url,
        "--filter",
        "^no-such-scenario$",
    ]);
    usage_error(&out, &["--filter", "matches no scenario"]);
    let empty = common::tempdir("empty-catalog");
    let out = cli(&[
        "run",
        "--endpoint",
        &target.url,
        "--scenarios",
        path(&empty),
        "--cases",
        "0",
    ]);
    usage_error(&out, &["no scenario"]);
    // `generated` alone is something to run; with no cases it is not.
    let out = cli(&[
        "run",
        "--endpoint",
        &target.url,
        "--filter",
        "^generated$",
        "--cases",
        "0",
    ]);
    usage_error(&out, &["--filter"]);
    assert_eq!(target.seen(), Vec::<String>::new());
}

#[test]
fn a_mistake_in_a_scenario_file_is_exit_2_before_anything_is_sent_not_a_fail_of_the_target() {
    let target = Scripted::start(|_, _| Reply::Forward);
    let cases = [
        (
            r#"{"description":"x","rules":[],"steps":[{"op":"InitiateLayerUpload","body":{"repositoryName":"$nope"}}]}"#,
            "unknown placeholder $nope",
        ),
        (
            r#"{"description":"x","rules":[],"steps":[{"op":"UploadLayerPart","body":{"repositoryName":"$repo","layerPartBlob":{"$blob":{"length":99999999999}}}}]}"#,
            "$blob needs a length",
        ),
        (
            r#"{"description":"x","rules":[],"steps":[{"op":"InitiateLayerUpload","body":{"repositoryName":"$repo"},"checks":"NO-SUCH-RULE"}]}"#,
            "not a rule id",
        ),
        (
            r#"{"description":"x","rules":[],"steps":[{"op":"CompleteLayerUpload","body":{"repositoryName":"$repo","layerDigests":[{"$digest":"later"}]}}]}"#,
            "no upload named 'later'",
        ),
    ];
    for (body, says) in cases {
        let dir = common::tempdir("bad-scenario");
        std::fs::write(dir.join("bad.json"), body).expect("write");
        let out = cli(&[
            "run",
            "--endpoint",
            &target.url,
            "--scenarios",
            path(&dir),
            "--cases",
            "0",
        ]);
        usage_error(&out, &["bad.json", says]);
    }
    // A scenario may not take the name of a generated case's transcript.
    let dir = common::tempdir("generated-named");
    std::fs::write(
        dir.join("generated.json"),
        r#"{"description":"x","rules":[],"steps":[]}"#,
    )
    .expect("write");
    let out = cli(&["run", "--endpoint", &target.url, "--scenarios", path(&dir)]);
    usage_error(&out, &["may not be named 'generated'"]);
    assert_eq!(target.seen(), Vec::<String>::new(), "nothing was sent");
}

#[test]
fn output_paths_are_checked_before_the_run_and_two_reports_may_not_share_one() {
    let target = Scripted::start(|_, _| Reply::Forward);
    let dir = common::tempdir("outputs");
    let j = dir.join("j.xml");
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec!["--report-json", "."], &["--report-json", "a folder"]),
        (
            vec!["--junit", "/no/such/folder/j.xml"],
            &["--junit", "does not exist"],
        ),
        (
            vec!["--report-json", path(&j), "--junit", path(&j)],
            &["--junit and --report-json", "its own path"],
        ),
        (
            vec!["--record", "Cargo.toml"],
            &["--record", "not a folder"],
        ),
        (
            vec!["--record", path(&j), "--report-json", path(&j)],
            &["--record and --report-json", "its own path"],
        ),
        (
            vec!["--regressions", "Cargo.toml"],
            &["--regressions", "not a folder"],
        ),
    ];
    for (extra, says) in cases {
        let mut args = vec!["run", "--endpoint", &target.url, "--cases", "0"];
        args.extend(extra);
        usage_error(&cli(&args), says);
    }
    assert_eq!(target.seen(), Vec::<String>::new(), "nothing was sent");
}

#[test]
fn an_output_that_cannot_be_written_loses_no_other_and_a_fail_stays_exit_1() {
    let fake = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let dir = common::tempdir("unwritable");
    let (junit, html, record) = (dir.join("j.xml"), dir.join("h.html"), dir.join("rec"));
    // /dev/full takes the open and refuses the write: found only when written.
    let out = cli(&[
        "run",
        "--endpoint",
        &fake.uri(),
        "--cases",
        "0",
        "--report-json",
        "/dev/full",
        "--junit",
        path(&junit),
        "--report-html",
        path(&html),
        "--record",
        path(&record),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "still FAIL: {err}");
    assert!(err.contains("/dev/full"), "{err}");
    assert!(junit.is_file() && html.is_file());
    assert!(std::fs::read_dir(&record).expect("recorded").count() >= 11);
    assert!(text(&out.stdout).contains("FAIL"), "the summary is printed");
    // A passing run with an output lost is exit 2, not 0.
    let clean = FakeEcr::builder().start().expect("fake");
    let out = cli(&[
        "run",
        "--endpoint",
        &clean.uri(),
        "--cases",
        "0",
        "--report-json",
        "/dev/full",
        "--junit",
        path(&junit),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// Runs `args` with stdout on /dev/full.
fn to_dev_full(args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    command(args).stdout(full).output().expect("runs")
}

/// Runs `args` with stdout a pipe whose reader is gone (`| true`), closed before the
/// command starts.
fn to_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    command(args).stdout(writer).output().expect("runs")
}

#[test]
fn a_broken_stdout_is_an_error_message_not_a_panic_and_the_reports_are_written_first() {
    let dir = common::tempdir("broken-stdout");
    let json = dir.join("r.json");
    for (name, run) in [
        ("/dev/full", to_dev_full as fn(&[&str]) -> Output),
        ("closed pipe", to_closed_pipe),
    ] {
        let _ = std::fs::remove_file(&json);
        let out = run(&["run", "--cases", "2", "--report-json", path(&json)]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("cannot write to stdout"), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(json.is_file(), "{name}: the report was written first");
        for args in [
            &["rules"][..],
            &["rules", "--json"],
            &["run", "--list"],
            &["client-check", "--list"],
            &["call", "help"],
            &["--help"],
        ] {
            let out = run(args);
            let err = text(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(c) if c != 0 && c != 101),
                "{name} {args:?}: {:?} {err}",
                out.status
            );
            assert!(!err.contains("panicked"), "{name} {args:?}: {err}");
        }
    }
}

#[test]
fn serve_answers_every_request_when_its_log_cannot_be_written() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let mut cmd = common::served::command(&["--repository", "logged"]);
    cmd.stderr(full);
    let served = common::served::start(cmd);
    let addr: std::net::SocketAddr = served
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    for _ in 0..20 {
        let answer = common::http::call(
            addr,
            "InitiateLayerUpload",
            br#"{"repositoryName":"logged"}"#,
        );
        assert_eq!(answer.status, 200);
    }
}

#[test]
fn file_inputs_are_bounded_and_fifos_and_devices_are_refused() {
    let started = Instant::now();
    usage_error(
        &cli(&["run", "--profile", "/dev/zero", "--cases", "0"]),
        &["--profile /dev/zero", "not a regular file"],
    );
    let dir = common::tempdir("fifo");
    let fifo = dir.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    usage_error(
        &cli(&["run", "--profile", path(&fifo), "--cases", "0"]),
        &["not a regular file"],
    );
    // A replay folder holding a link to /dev/zero.
    let rec = common::tempdir("replay-zero");
    std::os::unix::fs::symlink("/dev/zero", rec.join("zero.json")).expect("link");
    usage_error(
        &cli(&["replay", path(&rec)]),
        &["zero.json", "not a regular file"],
    );
    // merge-reports of a device.
    usage_error(
        &cli(&["merge-reports", "/dev/zero"]),
        &["not a regular file"],
    );
    // call with fileb:///dev/zero and a FIFO.
    for value in [
        "fileb:///dev/zero".to_owned(),
        format!("fileb://{}", fifo.display()),
    ] {
        let out = cli(&[
            "call",
            "upload-layer-part",
            "--repository-name",
            "seed",
            "--upload-id",
            "x",
            "--part-first-byte",
            "0",
            "--part-last-byte",
            "0",
            "--layer-part-blob",
            &value,
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(255), "{value}: {err}");
        assert!(err.contains("not a regular file"), "{value}: {err}");
    }
    // A scenario folder holding a FIFO.
    let catalog = common::tempdir("catalog-fifo");
    assert!(
        Command::new("mkfifo")
            .arg(catalog.join("s.json"))
            .status()
            .expect("mkfifo")
            .success()
    );
    usage_error(
        &cli(&["run", "--scenarios", path(&catalog), "--cases", "0"]),
        &["not a regular file"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn numeric_options_are_bounded_and_the_error_names_the_option() {
    for (args, says) in [
        (
            &["run", "--timeout", "18446744073709551615"][..],
            "--timeout",
        ),
        (&["run", "--timeout", "0"], "--timeout"),
        (&["run", "--retries", "1000"], "--retries"),
        (&["run", "--cases", "4294967295"], "--cases"),
        (&["run", "--shard", "5/4"], "--shard"),
        (&["run", "--shard", "1/0"], "--shard"),
        (
            &["client-check", "--timeout", "0", "--", "true"],
            "--timeout",
        ),
        (
            &["serve", "--fault", "UploadLayerPart:1:delay-ms=700000"],
            "600000",
        ),
    ] {
        let out = cli(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn bad_endpoints_half_a_key_pair_and_bad_ids_are_named_clearly() {
    for url in [
        "not a url",
        "127.0.0.1:5000",
        "http://127.0.0.1:99999",
        "ftp://x",
    ] {
        let out = cli(&["run", "--endpoint", url, "--cases", "0"]);
        usage_error(&out, &["--endpoint"]);
        assert!(!text(&out.stderr).contains("canonical request"));
        let out = cli(&[
            "call",
            "initiate-layer-upload",
            "--repository-name",
            "seed",
            "--endpoint-url",
            url,
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(err.contains("Bad value for --endpoint-url"), "{err}");
    }
    let out = command(&["run", "--cases", "0"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:99999")
        .output()
        .expect("runs");
    usage_error(&out, &["AWS_ENDPOINT_URL", "port"]);
    for (set, missing) in [
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    ] {
        let out = command(&["run", "--cases", "0"])
            .env(set, "x")
            .output()
            .expect("runs");
        usage_error(&out, &[missing]);
        let out = command(&["call", "initiate-layer-upload", "--repository-name", "seed"])
            .env(set, "x")
            .output()
            .expect("runs");
        assert_ne!(out.status.code(), Some(0));
        assert!(text(&out.stderr).contains(missing));
    }
    usage_error(
        &cli(&["serve", "--registry-id", "abc"]),
        &["--registry-id 'abc'", "12 digits"],
    );
    usage_error(
        &cli(&["run", "--repository", "r", "--registry-id", "abc"]),
        &["12 digits"],
    );
    let out = cli(&["run", "--filter", "(unclosed"]);
    usage_error(&out, &["--filter '(unclosed'", "not a regex"]);
    assert_eq!(text(&out.stderr).trim().lines().count(), 1);
    let out = cli(&[
        "call",
        "initiate-layer-upload",
        "--repository-name",
        "seed",
        "--generate-cli-skeleton",
        "bogus",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("Invalid choice"), "{err}");
}

#[test]
fn list_with_a_shard_lists_that_shard_only() {
    let all = text(&cli(&["run", "--list", "--cases", "100"]).stdout);
    let mut listed = 0;
    for i in 1..=4 {
        let shard = format!("{i}/4");
        let out = cli(&["run", "--list", "--cases", "100", "--shard", &shard]);
        assert_eq!(out.status.code(), Some(0));
        let t = text(&out.stdout);
        listed += t.lines().filter(|l| !l.starts_with("generated ")).count();
        assert!(t.contains("25 of 100 random sequences"), "{t}");
    }
    assert_eq!(
        listed,
        all.lines().count() - 1,
        "each scenario in one shard"
    );
}

#[test]
fn merge_reports_refuses_edited_verdicts_mixed_campaigns_and_costs_nothing_for_a_huge_shard_count()
{
    let fake = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let dir = common::tempdir("merge");
    let uri = fake.uri();
    let shard = |i: u32, extra: &[&str]| -> PathBuf {
        let p = dir.join(format!("s{i}-{}.json", extra.len()));
        let s = format!("{i}/2");
        let mut args = vec![
            "run",
            "--endpoint",
            &uri,
            "--cases",
            "0",
            "--shard",
            &s,
            "--report-json",
            path(&p),
        ];
        args.extend_from_slice(extra);
        let out = cli(&args);
        assert!(p.is_file(), "{}", text(&out.stderr));
        p
    };
    let (a, b) = (shard(1, &[]), shard(2, &[]));
    let merged = dir.join("merged.json");
    let out = cli(&[
        "merge-reports",
        path(&a),
        path(&b),
        "--report-json",
        path(&merged),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // One shard edited: every FAIL turned to pass.
    let mut edited = json_of(&a);
    let mut changed = 0;
    for case in edited["scenarios"].as_array_mut().expect("scenarios") {
        for step in case["steps"].as_array_mut().expect("steps") {
            if step["verdict"] == "FAIL" {
                step["verdict"] = "pass".into();
                changed += 1;
            }
        }
    }
    let edited_path = dir.join("edited.json");
    std::fs::write(&edited_path, edited.to_string()).expect("write");
    let b_edited = {
        let mut e = json_of(&b);
        for case in e["scenarios"].as_array_mut().expect("scenarios") {
            for step in case["steps"].as_array_mut().expect("steps") {
                if step["verdict"] == "FAIL" {
                    step["verdict"] = "pass".into();
                    changed += 1;
                }
            }
        }
        let p = dir.join("edited-b.json");
        std::fs::write(&p, e.to_string()).expect("write");
        p
    };
    assert!(changed > 0, "the defective target FAILs somewhere");
    let out = cli(&["merge-reports", path(&edited_path), path(&b_edited)]);
    usage_error(&out, &["does not agree with the step"]);
    // Edited harder: a FAIL's divergences dropped too, its answer's status made another
    // class than the model's: still a pass that the step itself contradicts.
    let mut scrubbed = json_of(&a);
    let step = scrubbed["scenarios"]
        .as_array_mut()
        .expect("scenarios")
        .iter_mut()
        .flat_map(|c| c["steps"].as_array_mut().expect("steps").iter_mut())
        .find(|s| s["verdict"] == "FAIL")
        .expect("a FAIL");
    step["verdict"] = "pass".into();
    step["divergences"] = serde_json::json!([]);
    step["actual"]["status"] = 500.into();
    let scrubbed_path = dir.join("scrubbed.json");
    std::fs::write(&scrubbed_path, scrubbed.to_string()).expect("write");
    usage_error(
        &cli(&["merge-reports", path(&scrubbed_path), path(&b)]),
        &["does not agree with the step"],
    );
    // Another target, or --strict in one shard only.
    let other = FakeEcr::builder().start().expect("fake");
    let other_path = dir.join("other.json");
    let out = cli(&[
        "run",
        "--endpoint",
        &other.uri(),
        "--cases",
        "0",
        "--shard",
        "2/2",
        "--report-json",
        path(&other_path),
    ]);
    assert_eq!(out.status.code(), Some(0));
    usage_error(
        &cli(&["merge-reports", path(&a), path(&other_path)]),
        &["another target"],
    );
    let strict = shard(2, &["--strict"]);
    usage_error(
        &cli(&["merge-reports", path(&a), path(&strict)]),
        &["--strict"],
    );
    // A shard of 4294967295: refused as incomplete at once, without allocating for them.
    let mut huge = json_of(&a);
    huge["shard"] = "1/4294967295".into();
    let huge_path = dir.join("huge.json");
    std::fs::write(&huge_path, huge.to_string()).expect("write");
    // Under a 2 GiB address-space limit: a table of 4294967295 flags would not fit.
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 2097152; exec '{BIN}' merge-reports '{}'",
            huge_path.display()
        ))
        .output()
        .expect("runs");
    usage_error(&out, &["shard 2/4294967295 is missing"]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_recording_replaces_the_generated_transcripts_of_an_earlier_one() {
    let dir = common::tempdir("rerecord");
    let record = dir.join("rec");
    std::fs::create_dir_all(&record).expect("dir");
    // What an earlier, failing run left.
    std::fs::write(record.join("generated.json"), "{\"stale\": true}").expect("write");
    std::fs::write(record.join("generated-differing-0.json"), "{}").expect("write");
    let out = cli(&[
        "run",
        "--cases",
        "4",
        "--seed",
        "1",
        "--record",
        path(&record),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!record.join("generated.json").exists());
    assert!(!record.join("generated-differing-0.json").exists());
    let out = cli(&["replay", path(&record)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn call_with_200000_input_keys_is_fast() {
    let mut json = String::from("{\"repositoryName\":\"seed\"");
    for i in 0..200_000 {
        json.push_str(&format!(",\"k{i}\":{i}"));
    }
    json.push('}');
    let dir = common::tempdir("many-keys");
    let file = dir.join("input.json");
    std::fs::write(&file, json).expect("write");
    let started = Instant::now();
    let out = cli(&[
        "call",
        "initiate-layer-upload",
        "--repository-name",
        "seed",
        "--cli-input-json",
        &format!("file://{}", file.display()),
    ]);
    let took = started.elapsed();
    eprintln!("200000 keys: {took:?}, exit {:?}", out.status.code());
    // Refused as the AWS CLI refuses it (every unknown key named), in linear time.
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(255),
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(err.contains("Unknown parameter in input: \"k199999\""));
    assert!(took < Duration::from_secs(10), "{took:?}");
}
