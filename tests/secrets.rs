//! Secrets never reach a report, a transcript, a log or the terminal: a run with
//! real-looking credentials and a session token leaves none of them, nor a signature.

mod common;

use std::process::Command;

const ACCESS_KEY: &str = "AKIAQWERTYUIOPASDFGH";
const SECRET: &str = "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";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENthatMustNeverLeak0123456789";

#[test]
fn a_run_with_real_looking_credentials_leaves_no_secret_in_any_output() {
    let dir = common::tempdir("secrets");
    let (json, junit, record) = (
        dir.join("report.json"),
        dir.join("junit.xml"),
        dir.join("record"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
        .args(["run", "--cases", "16", "--seed", "5"])
        .args([
            "--report-json",
            json.to_str().expect("utf-8"),
            "--junit",
            junit.to_str().expect("utf-8"),
        ])
        .args(["--record", record.to_str().expect("utf-8")])
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
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
    ];
    let transcripts: Vec<_> = std::fs::read_dir(&record).expect("record dir").collect();
    assert_eq!(transcripts.len(), 11, "one transcript per scenario");
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
            ACCESS_KEY,
            "Signature=",
            "AWS4-HMAC-SHA256",
            "X-Amz-Security-Token",
        ] {
            assert!(!text.contains(secret), "{name} contains {secret}");
        }
    }
    // The run did sign with these credentials: the fake saw requests (a report exists) and
    // the transcripts carry the bodies, so the scan above had something to scan.
    assert!(outputs.iter().any(|(_, t)| t.contains("UploadLayerPart")));
}
