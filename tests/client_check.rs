//! `client_check` against real clients and deliberately broken ones: each example client
//! under examples/clients/ with the verdict it really earns on every plan, one broken
//! client per client rule, caught by that rule, and clients with several defects at once.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::clients::{aws, aws_v2, python};
use ecr_conformance::client_check::{
    ClientCheckConfig, ClientCheckError, ClientReport, PLANS, client_check,
};

const MIB: u64 = 1024 * 1024;

/// 11 MiB: parts 5 + 5 + 1 MiB, or 10 + 1 MiB at the advertised partSize.
const LAYER: u64 = 11 * MIB;

fn config(plans: &str) -> ClientCheckConfig {
    let env = [
        ("ECR_CONFORMANCE_AWS", aws().display().to_string()),
        ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
        ("AWS_PAGER", String::new()),
    ];
    ClientCheckConfig {
        plans: Some(plans.to_owned()),
        layer_size: LAYER,
        seed: Some(20_261_201),
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..ClientCheckConfig::default()
    }
}

fn path(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .display()
        .to_string()
}

fn check(plans: &str, command: &[String]) -> ClientReport {
    checked_with(config(plans), command)
}

fn checked_with(config: ClientCheckConfig, command: &[String]) -> ClientReport {
    let report = client_check(&config, command).expect("the check ran");
    println!("{}", report.text()); // shown when a test fails, or with --nocapture
    report
}

/// Every plan's name with the rules of its findings, sorted.
fn verdicts(report: &ClientReport) -> Vec<(&str, Vec<&str>)> {
    report
        .plans
        .iter()
        .map(|p| (p.plan, p.findings.iter().map(|f| f.rule).collect()))
        .collect()
}

/// The verdicts of a push that leaves every failure to its SDK's retry (a loop of CLI
/// calls, a naive SDK loop): the lost answer ends it (CLIENT-3), and so does every "already
/// exists" answer (CLIENT-6 for the layer, CLIENT-8 for the image).
const TRUSTS_THE_SDK_RETRY: &[(&str, &[&str])] = &[
    ("clean", &[]),
    ("lost-answer-part-2", &["CLIENT-3"]),
    ("server-error-part-2", &[]),
    ("throttled-part-2", &[]),
    ("throttled-always", &[]),
    ("slow-server", &[]),
    ("layer-present", &[]),
    ("exists-on-completion", &["CLIENT-6"]),
    ("completion-fails-once", &[]),
    ("image-present", &["CLIENT-8"]),
    ("lost-answer-put-image", &["CLIENT-8"]),
    ("tag-immutable", &[]),
    ("layer-forgotten", &[]),
];

fn expect(report: &ClientReport, expected: &[(&str, &[&str])]) {
    let expected: Vec<(&str, Vec<&str>)> = expected.iter().map(|(p, r)| (*p, r.to_vec())).collect();
    assert_eq!(verdicts(report), expected, "\n{}", report.text());
}

/// Runs a client that should pass every plan: it does, with these part sizes in `clean`,
/// and when throttled always it gives up after 3 attempts with exit 1 (the SDKs' standard
/// retry mode).
fn passes_every_plan(command: &[String], part_sizes: &[u64]) -> ClientReport {
    let report = check(".", command);
    let all: Vec<(&str, &[&str])> = PLANS.iter().map(|p| (p.name, &[][..])).collect();
    expect(&report, &all);
    assert!(report.passed());
    let clean = report.plan("clean").expect("clean");
    assert_eq!(clean.part_sizes, part_sizes, "part sizes in clean");
    assert_eq!(gave_up_after(&report), (Some(1), 3));
    report
}

/// In `throttled-always`: the exit code, and the attempts the client made while throttled.
fn gave_up_after(report: &ClientReport) -> (Option<i32>, usize) {
    let always = report.plan("throttled-always").expect("plan");
    let throttled = always
        .requests
        .iter()
        .filter(|r| r.error.as_deref() == Some("ThrottlingException"));
    (always.exit.code, throttled.count())
}

fn broken(defect: &str) -> Vec<String> {
    vec![
        python().display().to_string(),
        path("tests/clients/broken_client.py"),
        defect.to_owned(),
    ]
}

/// The Rust example, built by `cargo test --all-targets` (or `cargo build --example
/// sdk_push`) next to this test's own binary.
fn sdk_push() -> String {
    let exe = std::env::current_exe().expect("test binary");
    let debug = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let example = debug.join("examples").join("sdk_push");
    assert!(
        example.exists(),
        "{} is missing: run `cargo test --all-targets` or `cargo build --example sdk_push` first",
        example.display()
    );
    example.display().to_string()
}

#[test]
fn aws_cli_v1_loop_fails_a_lost_answer_and_existing_layers_and_images() {
    let report = check(".", &[path("examples/clients/aws-cli.sh")]);
    // The CLI's own retry (botocore standard mode: 3 attempts) handles 500s and throttling.
    // A lost answer: the retry re-sends the part that landed, the fake refuses it with
    // InvalidLayerPartException, and the CLI exits 255 — a loop of CLI calls cannot resume.
    // LayerAlreadyExistsException at completion is exit 255 too: the script's `set -e`.
    // ImageAlreadyExistsException is exit 255 too, whether the image was there before or
    // stored by the PutImage whose answer was lost.
    expect(&report, TRUSTS_THE_SDK_RETRY);
    // `file://` is read as text and sent as it is: the image digest is the file's.
    let clean = report.plan("clean").expect("clean");
    let image = clean.image.as_ref().expect("an image");
    assert_eq!(image.tagged.as_deref(), Some(image.digest.as_str()));
    assert_eq!(
        clean.part_sizes,
        vec![10 * MIB, MIB],
        "partSize as advertised"
    );
    let lost = report.plan("lost-answer-part-2").expect("plan");
    assert_eq!(lost.exit.code, Some(255));
    let finding = &lost.findings[0];
    assert!(
        finding
            .what
            .contains("re-send was refused with InvalidLayerPartException"),
        "{finding:?}"
    );
    // Throttled always: the CLI makes 5 attempts (AWS CLI v1 runs botocore's legacy retry
    // mode, max_attempts 5), then exits 255 — giving up within the bound is right.
    assert_eq!(gave_up_after(&report), (Some(255), 5));
}

#[test]
fn aws_cli_v2_loop_fails_as_v1_does_and_file_uri_is_caught_by_client_1() {
    let mut v2 = config(".");
    // The same loop as v1's; the variable set last names the binary.
    v2.env.push((
        "ECR_CONFORMANCE_AWS".to_owned(),
        aws_v2().display().to_string(),
    ));
    let command = [path("examples/clients/aws-cli.sh")];
    let report = checked_with(v2.clone(), &command);
    expect(&report, TRUSTS_THE_SDK_RETRY);
    // v2 runs botocore's standard retry mode: 3 attempts, then exit 254 (a service error).
    assert_eq!(gave_up_after(&report), (Some(254), 3));
    // `file://` with v2: the layer's bytes read as text, which they are not.
    let mut file = v2;
    file.plans = Some("^clean$".to_owned());
    file.env
        .push(("ECR_CONFORMANCE_BLOB_SCHEME".to_owned(), "file".to_owned()));
    let report = checked_with(file, &command);
    expect(&report, &[("clean", &["CLIENT-1"])]);
    let clean = &report.plans[0];
    assert_eq!(clean.exit.code, Some(252), "a parameter error");
    assert!(clean.stderr.contains("fileb://"), "{}", clean.stderr);
}

#[test]
fn boto3_client_that_resumes_passes_every_plan() {
    let command = [
        python().display().to_string(),
        path("examples/clients/boto3_push.py"),
    ];
    // Parts of the advertised partSize; botocore's standard retry mode: 3 attempts, then
    // the exception ends the script.
    let report = passes_every_plan(&command, &[10 * MIB, MIB]);
    // botocore's retry of the lost answer's part was refused, and the client resumed.
    let lost = report.plan("lost-answer-part-2").expect("plan");
    assert!(lost.checked.contains(&"CLIENT-3") && lost.checked.contains(&"CLIENT-4"));
}

/// The operations of a plan's requests, with the error each was answered with.
fn answered(report: &ClientReport, plan: &str) -> Vec<(String, Option<String>)> {
    let plan = report.plan(plan).expect("plan");
    plan.requests
        .iter()
        .map(|r| (r.operation.unwrap_or("(none)").to_owned(), r.error.clone()))
        .collect()
}

#[test]
fn capo_ecr_client_that_resumes_passes_every_plan_and_retries_as_botocore_does() {
    // capo-ecr is generated from the Smithy models and runs on its own HTTP stack, not
    // botocore; its retry is its own code. Parts of the advertised partSize; 3 attempts
    // when throttled, then the exception ends the script.
    let command = [
        python().display().to_string(),
        path("examples/clients/capo_push.py"),
    ];
    let report = passes_every_plan(&command, &[10 * MIB, MIB]);
    let own = |op: &str, error: Option<&str>| (op.to_owned(), error.map(str::to_owned));
    // Its retry re-sends a part whose answer was lost (the 500 after the part landed), the
    // fake refuses the re-send, and the client resumes from lastValidByteReceived + 1.
    let lost = answered(&report, "lost-answer-part-2");
    assert_eq!(
        lost[3..],
        [
            own("UploadLayerPart", Some("ServerException")),
            own("UploadLayerPart", Some("InvalidLayerPartException")),
            own("CompleteLayerUpload", None),
            own("PutImage", None),
        ],
        "{lost:?}"
    );
    // The same for PutImage: its retry finds the image stored by the lost call.
    let put = answered(&report, "lost-answer-put-image");
    assert_eq!(
        put[put.len() - 2..],
        [
            own("PutImage", Some("ServerException")),
            own("PutImage", Some("ImageAlreadyExistsException")),
        ],
        "{put:?}"
    );
}

#[test]
fn rust_sdk_client_that_resumes_passes_every_plan() {
    // Its own 5 MiB parts; the SDK's standard retry: 3 attempts, then main returns the
    // error.
    let report = passes_every_plan(&[sdk_push()], &[5 * MIB, 5 * MIB, MIB]);
    let clean = report.plan("clean").expect("clean");
    assert_eq!(clean.advertised_part_size, 10 * MIB);
}

/// `node` running a script of `examples/clients/js/`, whose packages `scripts/test` installs
/// (`npm ci --prefix examples/clients/js`).
fn node(script: &str) -> Vec<String> {
    let modules =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/clients/js/node_modules");
    assert!(
        modules.join("@aws-sdk/client-ecr").exists(),
        "{} is missing: run scripts/test, or `npm ci --prefix examples/clients/js`",
        modules.display()
    );
    vec![
        "node".to_owned(),
        path(&format!("examples/clients/js/{script}")),
    ]
}

#[test]
fn js_sdk_v3_client_that_resumes_passes_every_plan() {
    // Parts of the advertised partSize; the JS SDK's standard retry: 3 attempts, then the
    // script exits 1.
    passes_every_plan(&node("push.mjs"), &[10 * MIB, MIB]);
}

#[test]
fn a_js_sdk_v3_loop_trusting_the_sdk_retry_fails_the_lost_answers_and_existing_things() {
    let report = check(".", &node("naive.mjs"));
    expect(&report, TRUSTS_THE_SDK_RETRY);
    let lost = report.plan("lost-answer-part-2").expect("plan");
    assert!(
        lost.stderr.contains("InvalidLayerPartException"),
        "{}",
        lost.stderr
    );
}

#[test]
fn a_naive_boto3_loop_fails_a_lost_answer_as_the_cli_loop_does() {
    // Without the example's `except InvalidLayerPartException` branch, botocore's retry
    // of the landed part is refused and the push ends: the SDK retry cannot resume. It
    // pushes a layer and nothing more.
    let command = [
        python().display().to_string(),
        path("tests/clients/boto3_naive.py"),
    ];
    let mut layer_only = config("^(clean|lost-answer-part-2)$");
    layer_only.layer_only = true;
    let report = checked_with(layer_only, &command);
    expect(
        &report,
        &[("clean", &[]), ("lost-answer-part-2", &["CLIENT-3"])],
    );
    let lost = &report.plans[1];
    assert_eq!(lost.exit.code, Some(1));
    assert!(
        lost.stderr.contains("InvalidLayerPartException"),
        "{}",
        lost.stderr
    );
}

#[test]
fn double_encoding_is_caught_by_client_1() {
    let command = [
        python().display().to_string(),
        path("tests/clients/boto3_double_encoding.py"),
    ];
    let report = check("^clean$", &command);
    expect(&report, &[("clean", &["CLIENT-1"])]);
    let what = &report.plans[0].findings[0].what;
    assert!(what.contains("base64 text of the file's bytes"), "{what}");
}

#[test]
fn parts_under_5_mib_are_caught_by_client_2() {
    let report = check("^clean$", &broken("tiny-parts"));
    expect(&report, &[("clean", &["CLIENT-2"])]);
}

#[test]
fn restarting_from_byte_0_after_a_lost_answer_is_caught_by_client_3() {
    let report = check("^(clean|lost-answer-part-2)$", &broken("restarts"));
    // It does store the right layer in the end, with a second upload.
    expect(
        &report,
        &[("clean", &[]), ("lost-answer-part-2", &["CLIENT-3"])],
    );
    let what = &report.plans[1].findings[0].what;
    assert!(what.contains("opened a new upload"), "{what}");
}

#[test]
fn resuming_at_last_valid_byte_instead_of_after_it_is_caught_by_client_4() {
    let report = check("^(clean|lost-answer-part-2)$", &broken("off-by-one"));
    expect(
        &report,
        &[("clean", &[]), ("lost-answer-part-2", &["CLIENT-4"])],
    );
}

#[test]
fn ignoring_throttling_is_caught_by_client_5() {
    let report = check(
        "^(clean|throttled-part-2|throttled-always)$",
        &broken("ignores-throttling"),
    );
    expect(
        &report,
        &[
            ("clean", &[]),
            ("throttled-part-2", &["CLIENT-5"]),
            ("throttled-always", &["CLIENT-5"]),
        ],
    );
    assert!(
        report.plans[1].findings[0]
            .what
            .contains("without backing off")
    );
    assert!(
        report.plans[2].findings[0]
            .what
            .contains("attempted 11 times")
    );
}

#[test]
fn an_existing_layer_taken_as_failure_is_caught_by_client_6() {
    let report = check(
        "^(clean|layer-present|exists-on-completion)$",
        &broken("exists-is-failure"),
    );
    expect(
        &report,
        &[
            ("clean", &[]),
            ("layer-present", &["CLIENT-6"]),
            ("exists-on-completion", &["CLIENT-6"]),
        ],
    );
}

#[test]
fn exit_zero_after_giving_up_is_caught_by_client_7_and_after_a_refused_image_by_client_8() {
    let report = check(
        "^(clean|throttled-always|tag-immutable|layer-forgotten)$",
        &broken("exit-zero"),
    );
    expect(
        &report,
        &[
            ("clean", &[]),
            ("throttled-always", &["CLIENT-7"]),
            ("tag-immutable", &["CLIENT-8"]),
            ("layer-forgotten", &["CLIENT-8"]),
        ],
    );
    let immutable = &report.plan("tag-immutable").expect("plan").findings[0].what;
    assert!(
        immutable.contains("ImageTagAlreadyExistsException") && immutable.contains("exited 0"),
        "{immutable}"
    );
    let forgotten = &report.plan("layer-forgotten").expect("plan").findings[0].what;
    assert!(forgotten.contains("LayersNotFoundException"), "{forgotten}");
}

#[test]
fn a_re_serialised_manifest_is_caught_by_client_8() {
    let report = check("^(clean|image-present)$", &broken("reserializes"));
    expect(
        &report,
        &[("clean", &["CLIENT-8"]), ("image-present", &["CLIENT-8"])],
    );
    let what = &report.plans[0].findings[0].what;
    assert!(what.contains("byte for byte"), "{what}");
    // What the fake stored is the re-serialised manifest under another digest.
    let image = report.plans[0].image.as_ref().expect("image");
    assert_ne!(image.tagged.as_deref(), Some(image.digest.as_str()));
}

#[test]
fn image_already_exists_taken_as_failure_is_caught_by_client_8() {
    let report = check(
        "^(clean|image-present|lost-answer-put-image|tag-immutable)$",
        &broken("image-exists-is-failure"),
    );
    expect(
        &report,
        &[
            ("clean", &[]),
            ("image-present", &["CLIENT-8"]),
            ("lost-answer-put-image", &["CLIENT-8"]),
            ("tag-immutable", &[]),
        ],
    );
    let lost = &report.plan("lost-answer-put-image").expect("plan");
    assert!(lost.checked.contains(&"CLIENT-3"), "the 500 was judged too");
    assert!(
        lost.findings[0]
            .what
            .contains("ImageAlreadyExistsException")
    );
}

#[test]
fn a_client_that_never_puts_the_image_fails_client_8_and_passes_with_layer_only() {
    let report = check(
        "^(clean|layer-present|throttled-always)$",
        &broken("no-image"),
    );
    expect(
        &report,
        &[
            ("clean", &["CLIENT-8"]),
            // It gave up on the layer, as the plan allows: nothing to say of the image.
            ("throttled-always", &[]),
            ("layer-present", &["CLIENT-8"]),
        ],
    );
    let mut layer_only = config(".");
    layer_only.layer_only = true;
    let report = checked_with(layer_only, &broken("no-image"));
    assert!(report.passed(), "{}", report.text());
    assert!(report.layer_only);
    assert_eq!(report.plans.len(), PLANS.len() - 4);
    assert!(report.plans.iter().all(|p| p.image.is_none()));
    let eight = report
        .rules
        .iter()
        .find(|r| r.id == "CLIENT-8")
        .expect("rule");
    assert_eq!(eight.verdict, "unseen");
    assert!(report.text().contains("CLIENT-8 not judged"));
}

#[test]
fn several_defects_at_once_each_fail_their_own_rule() {
    let report = check(
        "^(clean|lost-answer-part-2|throttled-part-2|layer-forgotten)$",
        &broken("off-by-one,ignores-throttling,reserializes,exit-zero"),
    );
    expect(
        &report,
        &[
            ("clean", &["CLIENT-8"]),
            // It resumes at the wrong byte, gives up, and exits 0 all the same.
            ("lost-answer-part-2", &["CLIENT-4", "CLIENT-7"]),
            ("throttled-part-2", &["CLIENT-5", "CLIENT-8"]),
            ("layer-forgotten", &["CLIENT-8"]),
        ],
    );
}

#[test]
fn the_careful_baseline_of_the_broken_clients_passes_every_plan() {
    let report = check(".", &broken("none"));
    let all: Vec<(&str, &[&str])> = PLANS.iter().map(|p| (p.name, &[][..])).collect();
    expect(&report, &all);
}

#[test]
fn a_client_that_never_exits_is_killed_and_caught_by_client_7() {
    let mut config = config("^clean$");
    config.timeout = Duration::from_secs(1);
    let command = ["sleep".to_owned(), "30".to_owned()];
    let report = client_check(&config, &command).expect("ran");
    let plan = &report.plans[0];
    assert!(plan.exit.timed_out);
    assert_eq!(
        plan.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
        ["CLIENT-7"]
    );
}

#[test]
fn reports_carry_findings_and_escape_what_the_client_printed() {
    let command = [
        "sh".to_owned(),
        "-c".to_owned(),
        "echo '<script>alert(1)</script>' >&2; exit 3".to_owned(),
    ];
    let report = client_check(&config("^clean$"), &command).expect("ran");
    assert!(!report.passed());
    let finding = &report.plans[0].findings[0];
    assert_eq!(finding.rule, "CLIENT-1");
    assert!(finding.what.contains("sent no request"), "{}", finding.what);
    let html = report.html();
    assert!(!html.contains("<script>"), "unescaped client output");
    assert!(html.contains("&lt;script&gt;"));
    let json: serde_json::Value = serde_json::from_str(&report.json()).expect("JSON");
    assert_eq!(json["plans"][0]["findings"][0]["rule"], "CLIENT-1");
    assert_eq!(json["plans"][0]["exit"]["code"], 3);
    assert_eq!(json["rules"][0]["verdict"], "FAIL");
    let junit = report.junit();
    assert!(
        junit.contains("failures=\"1\"") && junit.contains("CLIENT-1"),
        "{junit}"
    );
    assert!(!junit.contains("<script>"));
}

#[test]
fn absurd_positions_and_malformed_requests_are_judged_without_a_panic() {
    let report = check("^clean$", &broken("garbage"));
    // Its first part, -5..=0, carried one byte: a blob that does not fit its range.
    expect(&report, &[("clean", &["CLIENT-1"])]);
    let what = &report.plans[0].findings[0].what;
    assert!(what.contains("part -5..=0"), "{what}");
    let top = report.plans[0]
        .requests
        .iter()
        .filter(|r| r.part_last_byte == Some(i64::MAX))
        .count();
    assert_eq!(top, 2, "the absurd positions are in the log as sent");
    assert_eq!(report.plans[0].exit.code, Some(0));
}

#[test]
fn usage_errors_and_a_command_that_cannot_start_are_errors_not_verdicts() {
    let missing = ["/nonexistent/client".to_owned()];
    assert!(matches!(
        client_check(&config("^clean$"), &missing),
        Err(ClientCheckError::CannotStart(_))
    ));
    assert!(matches!(
        client_check(&config("^clean$"), &[]),
        Err(ClientCheckError::Usage(_))
    ));
    assert!(matches!(
        client_check(&config("^no-such-plan$"), &["true".to_owned()]),
        Err(ClientCheckError::Usage(_))
    ));
    let mut zero = config("^clean$");
    zero.layer_size = 0;
    assert!(matches!(
        client_check(&zero, &["true".to_owned()]),
        Err(ClientCheckError::Usage(_))
    ));
}

#[test]
fn the_client_check_command_exits_0_on_a_pass_1_on_a_finding_and_2_when_command_cannot_start() {
    let run = |args: &[&str]| {
        let out = common::cli(args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let plans = [
        "client-check",
        "--plans",
        "^clean$",
        "--layer-size",
        "6000000",
        "--",
    ];
    // A client that pushes nothing: the layer is not stored (a finding).
    let (code, text) = run(&[&plans[..], &["true"]].concat());
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("CLIENT-1"), "{text}");
    let (code, _) = run(&[&plans[..], &["/no/such/client"]].concat());
    assert_eq!(code, Some(2));
    let (code, text) = run(&["client-check", "--list"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("lost-answer-part-2"), "{text}");
}
