//! Secrets never reach a report, a transcript, a log or the terminal: a run with
//! real-looking credentials and a session token, against a fake that checks signatures
//! made with them, leaves none of them, nor a signature, in any output of either side.

mod common;

use std::process::Command;

use ecr_conformance::protocol::Keys;

const ACCESS_KEY: &str = "AKIAQWERTYUIOPASDFGH";
const SECRET: &str = "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";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENthatMustNeverLeak0123456789";

#[test]
fn a_run_with_real_looking_credentials_leaves_no_secret_in_any_output() {
    let dir = common::tempdir("secrets");
    let (json, junit, record, log) = (
        dir.join("report.json"),
        dir.join("junit.xml"),
        dir.join("record"),
        dir.join("serve.log"),
    );
    let with_keys = |cmd: &mut Command, secret: &str| {
        cmd.env_remove("AWS_ENDPOINT_URL")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SESSION_TOKEN", TOKEN)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
    };
    // The fake takes its keys from the same environment and refuses any other signature,
    // so a passing run proves the runner signed with these credentials.
    let mut serve = common::served::command(&["--require-sigv4"]);
    serve.stderr(std::fs::File::create(&log).expect("log file"));
    with_keys(&mut serve, SECRET);
    let mut serve = common::served::start(serve);
    let url = serve.url.clone();

    let mut run = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"));
    run.args(["run", "--endpoint", &url, "--cases", "16", "--seed", "5"])
        .args([
            "--report-json",
            json.to_str().expect("utf-8"),
            "--junit",
            junit.to_str().expect("utf-8"),
        ])
        .args(["--record", record.to_str().expect("utf-8")]);
    with_keys(&mut run, SECRET);
    let out = run.output().expect("runs");
    // And one run whose signatures the fake refuses: its error output is scanned too.
    let mut refused = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"));
    refused.args(["run", "--endpoint", &url, "--cases", "0"]);
    with_keys(&mut refused, "not-the-secret-key-at-all");
    let refused = refused.output().expect("runs");
    let _ = Command::new("kill")
        .args(["-INT", &serve.child.id().to_string()])
        .status();
    let _ = serve.child.wait();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(refused.status.code(), Some(2));
    let refused_err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        refused_err.contains("InvalidSignatureException"),
        "{refused_err}"
    );
    let log = std::fs::read_to_string(&log).expect("log");
    assert!(log.contains("403 InvalidSignatureException"), "{log}");
    let mut outputs = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        (
            "report".to_owned(),
            std::fs::read_to_string(&json).expect("report"),
        ),
        (
            "junit".to_owned(),
            std::fs::read_to_string(&junit).expect("junit"),
        ),
        ("serve log".to_owned(), log),
        (
            "refused run stdout".to_owned(),
            String::from_utf8_lossy(&refused.stdout).into_owned(),
        ),
        ("refused run stderr".to_owned(), refused_err),
        // What a panic message or a debug log would print of the keys.
        (
            "Debug of the keys".to_owned(),
            format!(
                "{:?} {:?}",
                Keys::new(ACCESS_KEY, SECRET).with_session_token(TOKEN),
                Keys::new(ACCESS_KEY, SECRET).with_session_token(TOKEN)
            ),
        ),
    ];
    let snapshots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    for entry in std::fs::read_dir(&snapshots).expect("snapshots") {
        let p = entry.expect("entry").path();
        outputs.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).expect("snapshot"),
        ));
    }
    let transcripts: Vec<_> = std::fs::read_dir(&record).expect("record dir").collect();
    let scenarios = ecr_conformance::runner::scenario::embedded()
        .expect("the embedded catalog")
        .len();
    assert_eq!(transcripts.len(), scenarios, "one transcript per scenario");
    for t in transcripts {
        let p = t.expect("entry").path();
        outputs.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).expect("transcript"),
        ));
    }
    for (name, text) in &outputs {
        for secret in [
            SECRET,
            TOKEN,
            "Signature=",
            "AWS4-HMAC-SHA256",
            "X-Amz-Security-Token",
        ] {
            assert!(
                !text.to_lowercase().contains(&secret.to_lowercase()),
                "{name} contains {secret}"
            );
        }
    }
    // The run's own outputs carry the bodies it sent, so the scan had something to scan
    // (the committed snapshots, scanned too, would satisfy this by themselves).
    let report = std::fs::read_to_string(&json).expect("report");
    assert!(
        report.contains("UploadLayerPart"),
        "the report holds no part"
    );
}

/// A password in the endpoint URL: not on stdout or stderr, nor in any report, the
/// recording, or an error about the endpoint (run and call, reachable or not).
#[test]
fn a_password_in_the_endpoint_url_appears_in_no_output() {
    const PASSWORD: &str = "s3cretpwNeverShown";
    let dir = common::tempdir("userinfo");
    let served = common::served::serve(&[]);
    let with_password = served
        .url
        .replacen("http://", &format!("http://user:{PASSWORD}@"), 1);
    let file = |name: &str| dir.join(name).display().to_string();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
            .args(args)
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_ECR")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("runs");
        outputs.push((
            format!("{args:?}"),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
        out.status.code()
    };
    let code = run(&[
        "run",
        "--endpoint",
        &with_password,
        "--cases",
        "4",
        "--report-json",
        &file("r.json"),
        "--junit",
        &file("j.xml"),
        "--report-html",
        &file("h.html"),
        "--report-markdown",
        &file("m.md"),
        "--record",
        &file("rec"),
    ]);
    assert_eq!(code, Some(0), "{outputs:?}");
    // Unreachable: the error names the endpoint, without the password.
    let unreachable = format!("http://user:{PASSWORD}@127.0.0.1:9");
    assert_eq!(
        run(&[
            "run",
            "--endpoint",
            &unreachable,
            "--cases",
            "0",
            "--timeout",
            "5"
        ]),
        Some(2)
    );
    run(&[
        "call",
        "initiate-layer-upload",
        "--repository-name",
        "seed",
        "--endpoint-url",
        &unreachable,
    ]);
    run(&[
        "call",
        "initiate-layer-upload",
        "--repository-name",
        "seed",
        "--endpoint-url",
        &with_password,
    ]);
    let mut files = vec![];
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    assert!(files.len() >= 15, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).expect("text");
        assert!(!text.contains(PASSWORD), "{}", f.display());
        if f.ends_with("r.json") {
            assert!(
                text.contains(served.url.as_str()),
                "the target is shown, redacted"
            );
        }
    }
    for (args, text) in outputs {
        assert!(!text.contains(PASSWORD), "{args}: {text}");
    }
}
