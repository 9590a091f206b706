//! `ecr-conformance call` against AWS CLI v1 (pinned in scripts/requirements.txt): for the
//! same arguments, the request that reaches the endpoint is byte for byte the same, the
//! answer prints the same, errors print the same with the same exit status, and
//! `--generate-cli-skeleton input|output` print the same keys.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::clients;
use common::recorder::Recorder;
use ecr_conformance::fixture::SEED_UPLOAD_ID;
use serde_json::Value;

fn aws(endpoint: &str, args: &[String]) -> Output {
    let mut cmd = clients::with_test_env(Command::new(clients::aws()));
    cmd.arg("ecr").args(args).args(["--endpoint-url", endpoint]);
    clients::run(cmd)
}

fn ours(endpoint: &str, args: &[String]) -> Output {
    let mut cmd = clients::with_test_env(Command::new(env!("CARGO_BIN_EXE_ecr-conformance")));
    cmd.arg("call")
        .args(args)
        .args(["--endpoint-url", endpoint]);
    clients::run(cmd)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Our stderr without the local-check warnings (which the AWS CLI does not make).
fn without_warnings(stderr: &[u8]) -> String {
    text(stderr)
        .lines()
        .filter(|l| !l.starts_with("warning: "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The seed example's arguments, with another last byte and blob.
fn seed_part(last: u64, blob: &str) -> Vec<String> {
    let last = last.to_string();
    args(&[
        "upload-layer-part",
        "--repository-name",
        "layer-test",
        "--upload-id",
        SEED_UPLOAD_ID,
        "--part-first-byte",
        "0",
        "--part-last-byte",
        &last,
        "--layer-part-blob",
        blob,
    ])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.display().to_string()
}

/// Runs both with `args` against one recorder answering `status`/`answer`; asserts the
/// requests, stdout and exit status are the same (and stderr when `same_stderr`).
fn same(recorder: &Recorder, args: &[String], status: u16, answer: &str) -> Output {
    recorder.answer_with(status, answer);
    let theirs = aws(&recorder.url, args);
    let sent_by_aws = recorder.take();
    let mine = ours(&recorder.url, args);
    let sent_by_us = recorder.take();
    // Something was sent: two clients refusing alike before sending would compare equal.
    assert_eq!(sent_by_aws.len(), 1, "{args:?}: {}", text(&theirs.stderr));
    assert_eq!(
        sent_by_us,
        sent_by_aws,
        "{args:?}: the requests differ\nstderr (ours): {}\nstderr (aws): {}",
        text(&mine.stderr),
        text(&theirs.stderr)
    );
    assert_eq!(
        (mine.status.code(), text(&mine.stdout)),
        (theirs.status.code(), text(&theirs.stdout)),
        "{args:?}: stdout or exit status differ\nstderr (ours): {}\nstderr (aws): {}",
        text(&mine.stderr),
        text(&theirs.stderr)
    );
    if status >= 400 {
        assert_eq!(
            without_warnings(&mine.stderr).trim(),
            text(&theirs.stderr).trim(),
            "{args:?}"
        );
    }
    mine
}

#[test]
fn every_operation_sends_the_same_request_and_prints_the_same_answer() {
    let recorder = Recorder::start();
    let dir = common::tempdir("call-vs-cli");
    let text_file = write(&dir, "part.txt", b"hello\r\nworld\n");
    let binary_file = write(&dir, "part.bin", &[0, 1, 0xff, 0xfe, b'A', b'\n']);
    let json_file = write(
        &dir,
        "in.json",
        format!(
            r#"{{"repositoryName": "from-json", "uploadId": "{SEED_UPLOAD_ID}", "partFirstByte": 5, "partLastByte": 9, "layerPartBlob": "aGVsbG8="}}"#
        )
        .as_bytes(),
    );
    // A manifest as docker writes it (indents, a CRLF the CLI's text reading makes LF).
    let manifest_file = write(
        &dir,
        "manifest.json",
        b"{\r\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"\n}",
    );
    let part = |blob: &str| seed_part(4, blob);
    let cases: Vec<Vec<String>> = vec![
        part(&format!("file://{text_file}")),
        part(&format!("fileb://{binary_file}")),
        part("hello"),
        part("aGVsbG8="),
        part("h€ \"quoted\" \\ back"),
        args(&[
            "upload-layer-part",
            "--cli-input-json",
            &format!("file://{json_file}"),
        ]),
        args(&[
            "upload-layer-part",
            "--layer-part-blob",
            "other",
            "--cli-input-json",
            &format!("file://{json_file}"),
            "--part-first-byte",
            "1",
        ]),
        args(&[
            "upload-layer-part",
            "--cli-input-json",
            r#"{"uploadId": "u", "repositoryName": "r\u00e9po", "partLastByte": 0, "partFirstByte": 0, "layerPartBlob": ""}"#,
        ]),
        args(&["initiate-layer-upload", "--repository-name", "layer-test"]),
        args(&[
            "initiate-layer-upload",
            "--registry-id",
            "012345678910",
            "--repository-name=layer-test",
        ]),
        args(&["initiate-layer-upload", "--repo", "abbreviated"]),
        args(&[
            "complete-layer-upload",
            "--repository-name",
            "layer-test",
            "--upload-id",
            SEED_UPLOAD_ID,
            "--layer-digests",
            "sha256:aa",
            "sha256:bb",
        ]),
        args(&[
            "batch-check-layer-availability",
            "--repository-name",
            "layer-test",
            "--layer-digests",
            r#"["sha256:aa", "not-a-digest"]"#,
        ]),
        args(&[
            "create-repository",
            "--repository-name",
            "made",
            "--tags",
            "Key=team,Value=build",
            "Key=cost,Value=",
            "--image-tag-mutability",
            "IMMUTABLE",
            "--image-scanning-configuration",
            "scanOnPush=true",
            "--encryption-configuration",
            "encryptionType=KMS,kmsKey=a=b",
            "--image-tag-mutability-exclusion-filters",
            "filterType=WILDCARD,filter=latest*",
        ]),
        args(&[
            "create-repository",
            "--repository-name",
            "made",
            "--tags",
            r#"[{"Value": "v", "Key": "k"}]"#,
            "--image-scanning-configuration",
            r#"{"scanOnPush": false}"#,
        ]),
        args(&["delete-repository", "--repository-name", "gone", "--force"]),
        args(&[
            "delete-repository",
            "--repository-name",
            "gone",
            "--no-force",
        ]),
        args(&["delete-repository", "--repository-name", "gone"]),
        args(&[
            "put-image",
            "--repository-name",
            "layer-test",
            "--image-manifest",
            &format!("file://{manifest_file}"),
            "--image-tag",
            "v1",
        ]),
        args(&[
            "put-image",
            "--repository-name",
            "layer-test",
            "--image-manifest",
            r#"{"schemaVersion": 2}"#,
            "--image-manifest-media-type",
            "application/vnd.oci.image.manifest.v1+json",
            "--image-digest",
            "sha256:aa",
        ]),
        args(&[
            "batch-get-image",
            "--repository-name",
            "layer-test",
            "--image-ids",
            "imageTag=v1",
            "imageDigest=sha256:aa",
            "--accepted-media-types",
            "application/vnd.oci.image.manifest.v1+json",
        ]),
        args(&[
            "get-download-url-for-layer",
            "--repository-name",
            "layer-test",
            "--layer-digest",
            "sha256:aa",
        ]),
        args(&[
            "batch-delete-image",
            "--repository-name",
            "layer-test",
            "--image-ids",
            r#"[{"imageDigest": "sha256:aa", "imageTag": "v1"}]"#,
        ]),
        args(&[
            "describe-images",
            "--repository-name",
            "layer-test",
            "--image-ids",
            "imageTag=v1",
            "--no-paginate",
        ]),
        args(&[
            "describe-images",
            "--repository-name",
            "layer-test",
            "--max-results",
            "2",
            "--filter",
            "tagStatus=TAGGED",
        ]),
        args(&[
            "list-images",
            "--repository-name",
            "layer-test",
            "--max-results",
            "5",
            "--next-token",
            "t",
            "--filter",
            "tagStatus=UNTAGGED",
        ]),
        args(&[
            "put-image-tag-mutability",
            "--repository-name",
            "layer-test",
            "--image-tag-mutability",
            "IMMUTABLE_WITH_EXCLUSION",
            "--image-tag-mutability-exclusion-filters",
            "filterType=WILDCARD,filter=latest*",
        ]),
    ];
    for case in &cases {
        same(&recorder, case, 200, "{}");
    }

    // Answers print in the model's order, without members the model does not know.
    let answer = format!(
        r#"{{"uploadId": "{SEED_UPLOAD_ID}", "zzz": 1, "lastByteReceived": 4, "registryId": "012345678910", "repositoryName": "layer-test"}}"#
    );
    let printed = same(&recorder, &part("hello"), 200, &answer);
    let printed: Value = serde_json::from_slice(&printed.stdout).expect("JSON");
    assert_eq!(printed["lastByteReceived"], 4);
    same(
        &recorder,
        &args(&["delete-repository", "--repository-name", "gone", "--force"]),
        200,
        r#"{"repository": {"repositoryName": "gone", "createdAt": 1.700000000123E9, "registryId": "012345678910", "extra": [1], "imageScanningConfiguration": {"scanOnPush": false}}}"#,
    );
    same(
        &recorder,
        &args(&[
            "batch-check-layer-availability",
            "--repository-name",
            "layer-test",
            "--layer-digests",
            "sha256:aa",
        ]),
        200,
        r#"{"failures": [{"failureReason": "gone", "failureCode": "MissingLayerDigest", "layerDigest": "sha256:aa"}], "layers": []}"#,
    );

    // Errors print the same, with exit status 255.
    let failed = same(
        &recorder,
        &part("hello"),
        400,
        r#"{"__type": "com.amazonaws.ecr#InvalidLayerPartException", "message": "The part is not valid", "lastValidByteReceived": 3}"#,
    );
    assert_eq!(failed.status.code(), Some(255));
    same(
        &recorder,
        &part("hello"),
        400,
        r#"{"__type": "RepositoryNotFoundException", "message": "The repository with name 'layer-test' does not exist in the registry with id '012345678910'"}"#,
    );
}

#[test]
fn invalid_command_lines_fail_the_same_way_before_sending() {
    let recorder = Recorder::start();
    let cases: Vec<(Vec<String>, i32)> = vec![
        // Missing required arguments: a usage error.
        (
            args(&["upload-layer-part", "--repository-name", "layer-test"]),
            2,
        ),
        (args(&["upload-layer-part", "--part-first-byte", "x"]), 2),
        // Values the CLI refuses: parameter validation.
        (
            args(&[
                "upload-layer-part",
                "--repository-name",
                "layer-test",
                "--upload-id",
                "u",
                "--part-first-byte",
                "-1",
                "--part-last-byte",
                "0",
                "--layer-part-blob",
                "x",
            ]),
            255,
        ),
        (
            args(&["initiate-layer-upload", "--repository-name", "a"]),
            255,
        ),
        (
            args(&[
                "initiate-layer-upload",
                "--cli-input-json",
                r#"{"repositoryName": "ok", "bogusKey": 1}"#,
            ]),
            255,
        ),
        (
            args(&["initiate-layer-upload", "--cli-input-json", "{}"]),
            255,
        ),
        (
            args(&[
                "initiate-layer-upload",
                "--repository-name",
                "ok",
                "--bogus",
            ]),
            255,
        ),
        (
            args(&[
                "upload-layer-part",
                "--repository-name",
                "layer-test",
                "--upload-id",
                "u",
                "--part-first-byte",
                "0",
                "--part-last-byte",
                "0",
                "--layer-part-blob",
                "fileb:///nonexistent/part.bin",
            ]),
            255,
        ),
    ];
    for (case, code) in &cases {
        let theirs = aws(&recorder.url, case);
        let mine = ours(&recorder.url, case);
        assert_eq!(
            theirs.status.code(),
            Some(*code),
            "aws {case:?}: {}",
            text(&theirs.stderr)
        );
        assert_eq!(
            mine.status.code(),
            Some(*code),
            "ours {case:?}: {}",
            text(&mine.stderr)
        );
        assert!(recorder.take().is_empty(), "{case:?}: something was sent");
    }
}

/// The key tree of a JSON value: objects by key, lists by their first element, leaves by
/// their JSON type (enum placeholders differ: the AWS CLI picks one at random).
fn keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), keys(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().take(1).map(keys).collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "boolean".into(),
        Value::Null => "null".into(),
    }
}

#[test]
fn skeletons_have_the_same_keys_in_the_same_order() {
    let recorder = Recorder::start();
    for op in [
        "upload-layer-part",
        "initiate-layer-upload",
        "complete-layer-upload",
        "batch-check-layer-availability",
        "create-repository",
        "delete-repository",
        "put-image",
        "batch-get-image",
        "get-download-url-for-layer",
        "batch-delete-image",
        "describe-images",
        "list-images",
        "put-image-tag-mutability",
    ] {
        for which in ["input", "output"] {
            // The AWS CLI validates the arguments before it prints an output skeleton.
            let mut case = args(&[op, "--generate-cli-skeleton", which]);
            if which == "output" {
                case.extend(args(required_args(op)));
            }
            let theirs = aws(&recorder.url, &case);
            let mine = ours(&recorder.url, &case);
            assert!(
                theirs.status.success(),
                "aws {case:?}: {}",
                text(&theirs.stderr)
            );
            assert!(
                mine.status.success(),
                "ours {case:?}: {}",
                text(&mine.stderr)
            );
            let parse = |o: &Output| -> Value {
                serde_json::from_slice(&o.stdout).expect("a skeleton is JSON")
            };
            let (a, b) = (parse(&theirs), parse(&mine));
            assert_eq!(keys(&b), keys(&a), "{op} {which}");
            // Key order too: serde_json sorts, so compare the text's key sequence.
            let order = |o: &Output| -> Vec<String> {
                text(&o.stdout)
                    .lines()
                    .filter_map(|l| l.trim().split_once("\":").map(|(k, _)| k.to_owned()))
                    .collect()
            };
            assert_eq!(order(&mine), order(&theirs), "{op} {which}");
            assert!(recorder.take().is_empty(), "a skeleton sends nothing");
        }
    }
}

/// Valid values for `op`'s required options.
fn required_args(op: &str) -> &'static [&'static str] {
    const REPO: &str = "--repository-name";
    const ID: &str = "--upload-id";
    match op {
        "upload-layer-part" => &[
            REPO,
            "layer-test",
            ID,
            SEED_UPLOAD_ID,
            "--part-first-byte",
            "0",
            "--part-last-byte",
            "0",
            "--layer-part-blob",
            "x",
        ],
        "complete-layer-upload" => &[
            REPO,
            "layer-test",
            ID,
            SEED_UPLOAD_ID,
            "--layer-digests",
            "sha256:aa",
        ],
        "batch-check-layer-availability" => &[REPO, "layer-test", "--layer-digests", "sha256:aa"],
        "put-image" => &[REPO, "layer-test", "--image-manifest", "{}"],
        "batch-get-image" | "batch-delete-image" => {
            &[REPO, "layer-test", "--image-ids", "imageTag=v1"]
        }
        "get-download-url-for-layer" => &[REPO, "layer-test", "--layer-digest", "sha256:aa"],
        "put-image-tag-mutability" => &[REPO, "layer-test", "--image-tag-mutability", "MUTABLE"],
        _ => &[REPO, "layer-test"],
    }
}

#[test]
fn the_seed_example_runs_as_written_against_the_embedded_fake() {
    let dir = common::tempdir("call-seed");
    // What the seed's layer.b64 plausibly holds: the base64 of an 8323315-byte layer.
    let layer = ecr_conformance::strategy::fill(8_323_315, 1);
    let b64 = ecr_conformance::wire::blob::encode(&layer);
    let file = write(&dir, "layer.b64", b64.as_bytes());
    let seed = |blob: String, extra: &[&str]| {
        let mut cmd = clients::with_test_env(Command::new(env!("CARGO_BIN_EXE_ecr-conformance")));
        cmd.env_remove("AWS_ENDPOINT_URL")
            .arg("call")
            .args(seed_part(8_323_314, &blob))
            .args(extra);
        clients::run(cmd)
    };
    // As written (v1 semantics): the text is sent as the bytes, the range does not fit, the
    // fake refuses as ECR would, and the warning says why before it is sent.
    let out = seed(format!("file://{file}"), &[]);
    assert_eq!(out.status.code(), Some(255));
    let err = text(&out.stderr);
    assert!(err.contains("holds base64 text"), "{err}");
    assert!(
        err.contains("covers 8323315 bytes but the blob holds 11097756"),
        "{err}"
    );
    assert!(
        err.contains("An error occurred (InvalidLayerPartException) when calling the UploadLayerPart operation"),
        "{err}"
    );
    // With the text read as base64 (AWS CLI v2's default), the seed's answer comes back.
    let out = seed(format!("file://{file}"), &["--cli-binary-format", "base64"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        answer,
        serde_json::json!({
            "registryId": "012345678910",
            "repositoryName": "layer-test",
            "uploadId": SEED_UPLOAD_ID,
            "lastByteReceived": 8323314
        })
    );
    // And fileb:// of the layer's bytes does the same in either format.
    let raw = write(&dir, "layer.bin", &layer);
    let out = seed(format!("fileb://{raw}"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
