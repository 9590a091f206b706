//! The runner against broken and hostile targets: a proxy in front of the embedded fake
//! misbehaves on chosen calls (HTML 500 pages, empty or misshapen bodies, a wrong
//! Content-Type, resets, silence, trickling, endless bodies, throttling). Each ends as a
//! divergence on that step or as exit 2 with a reason, in bounded time, and the scratch
//! repositories are deleted wherever the target still answers.

mod common;

use std::io::{BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ecr_conformance::fake::FakeEcr;
use ecr_conformance::model::Profile;
use ecr_conformance::runner::{self, Endpoint, Keys, Report, RunConfig};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Misbehaviour {
    HtmlServerError,
    EmptyBody,
    WrongShape,
    WrongContentType,
    ResetMidAnswer,
    ClosedMidAnswer,
    Silent,
    Trickle,
    EndlessBody,
    Throttle429,
    Unavailable503,
}

/// A proxy to a fake that misbehaves on the first `times` calls of `operation`.
struct Hostile {
    fake: FakeEcr,
    url: String,
    stop: Arc<AtomicBool>,
    hits: Arc<AtomicU32>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Call {
    head: String,
    target: String,
    content_type: String,
    body: Vec<u8>,
}

fn read_call(reader: &mut BufReader<TcpStream>) -> Option<Call> {
    let r = common::http::read_request(reader)?;
    Some(Call {
        target: r.header("x-amz-target"),
        content_type: r.header("content-type"),
        head: r.head,
        body: r.body,
    })
}

fn answer(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The fake's own answer to `call`, with its Content-Type replaced when asked.
fn forward(upstream: SocketAddr, call: &Call, content_type: Option<&str>) -> Vec<u8> {
    let mut stream = TcpStream::connect(upstream).expect("fake");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nX-Amz-Target: {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        upstream,
        call.content_type,
        call.target,
        call.body.len()
    );
    stream.write_all(head.as_bytes()).expect("forward");
    stream.write_all(&call.body).expect("forward");
    let raw = common::http::read_answer(&mut stream).expect("fake answers");
    let ct = content_type
        .map(str::to_owned)
        .or_else(|| raw.header("content-type").map(str::to_owned))
        .unwrap_or_default();
    let mut out = format!("HTTP/1.1 {} X\r\nContent-Type: {ct}\r\n", raw.status);
    for (k, v) in &raw.headers {
        if k.eq_ignore_ascii_case("x-amzn-errortype") || k.eq_ignore_ascii_case("x-amzn-requestid")
        {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", raw.body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(&raw.body);
    out
}

fn serve_connection(
    stream: TcpStream,
    upstream: SocketAddr,
    misbehaviour: Misbehaviour,
    operation: &str,
    times: u32,
    hits: &AtomicU32,
    stop: &AtomicBool,
) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    while let Some(call) = read_call(&mut reader) {
        assert!(call.head.starts_with("POST / "), "{}", call.head);
        let chosen = call.target.ends_with(&format!(".{operation}"))
            && hits.fetch_add(1, Ordering::SeqCst) < times;
        if !chosen {
            if writer.write_all(&forward(upstream, &call, None)).is_err() {
                return;
            }
            continue;
        }
        let out = match misbehaviour {
            Misbehaviour::HtmlServerError => answer(
                "500 Internal Server Error",
                "text/html; charset=utf-8",
                b"<!doctype html><html><body><h1>500 Internal Server Error</h1></body></html>",
            ),
            Misbehaviour::EmptyBody => answer("200 OK", "application/x-amz-json-1.1", b""),
            Misbehaviour::WrongShape => answer(
                "200 OK",
                "application/x-amz-json-1.1",
                br#"{"uploadId": 42, "lastByteReceived": "many"}"#,
            ),
            Misbehaviour::WrongContentType => forward(upstream, &call, Some("text/plain")),
            Misbehaviour::Throttle429 => answer(
                "429 Too Many Requests",
                "application/x-amz-json-1.1",
                br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ),
            Misbehaviour::Unavailable503 => answer("503 Service Unavailable", "text/plain", b""),
            Misbehaviour::ResetMidAnswer | Misbehaviour::ClosedMidAnswer => {
                let _ = writer.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                      Content-Length: 400\r\n\r\n{\"registryId\":\"0123",
                );
                if misbehaviour == Misbehaviour::ResetMidAnswer {
                    // Linger 0: closing sends RST, as a crashed server's kernel does.
                    let _ = socket2::SockRef::from(&writer).set_linger(Some(Duration::ZERO));
                    drop(reader);
                    drop(writer);
                } else {
                    let _ = writer.shutdown(Shutdown::Both);
                }
                return;
            }
            Misbehaviour::Silent => {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            Misbehaviour::Trickle => {
                for b in forward(upstream, &call, None) {
                    if stop.load(Ordering::Relaxed) || writer.write_all(&[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                continue;
            }
            Misbehaviour::EndlessBody => {
                let _ = writer.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                      Content-Length: 1073741824\r\n\r\n[",
                );
                let chunk = vec![b' '; 64 * 1024];
                // 1 GiB of whitespace, until the client stops reading.
                for _ in 0..16 * 1024 {
                    if stop.load(Ordering::Relaxed) || writer.write_all(&chunk).is_err() {
                        return;
                    }
                }
                return;
            }
        };
        if writer.write_all(&out).is_err() {
            return;
        }
    }
}

fn hostile(misbehaviour: Misbehaviour, operation: &'static str, times: u32) -> Hostile {
    let fake = FakeEcr::builder().start().expect("fake");
    let upstream = fake.addr();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let stop = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicU32::new(0));
    let (s, h) = (stop.clone(), hits.clone());
    std::thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).expect("blocking");
                    let (s, h) = (s.clone(), h.clone());
                    std::thread::spawn(move || {
                        serve_connection(stream, upstream, misbehaviour, operation, times, &h, &s);
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    Hostile {
        fake,
        url,
        stop,
        hits,
    }
}

fn config() -> RunConfig {
    RunConfig {
        cases: 8,
        seed: 11,
        ..RunConfig::new(Profile::ecr())
    }
}

fn endpoint(url: &str, timeout: Duration, retries: u32) -> Endpoint {
    Endpoint::new(url, "us-east-1", Keys::test(), timeout).with_retries(retries)
}

/// The scratch repositories the run left on the fake behind the proxy.
fn left_behind(h: &Hostile) -> Vec<String> {
    h.fake
        .responder()
        .with_registry(|r| r.repository_names().map(str::to_owned).collect())
}

/// Runs against a proxy misbehaving on the first UploadLayerPart; returns the report and
/// the first step that diverged, with its rule and what was said.
fn run_once(misbehaviour: Misbehaviour, timeout: Duration) -> (Report, Hostile) {
    let h = hostile(misbehaviour, "UploadLayerPart", 1);
    let started = Instant::now();
    let report = runner::run(&endpoint(&h.url, timeout, 0), "hostile", &config())
        .unwrap_or_else(|e| panic!("{misbehaviour:?}: {e}"));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{misbehaviour:?}: took {:?}",
        started.elapsed()
    );
    assert!(h.hits.load(Ordering::SeqCst) > 0, "never misbehaved");
    (report, h)
}

fn diverged_steps(report: &Report) -> Vec<(String, String, String)> {
    report
        .scenarios
        .iter()
        .chain(report.generated.iter().filter_map(|g| g.failure.as_ref()))
        .flat_map(|c| &c.steps)
        .flat_map(|s| {
            s.divergences
                .iter()
                .map(|d| (s.operation.clone(), d.on.to_string(), d.actual.to_string()))
        })
        .collect()
}

#[test]
fn answers_that_are_not_json_or_not_the_shape_are_divergences_on_the_step() {
    for (m, what, says) in [
        (Misbehaviour::HtmlServerError, "answer", "<!doctype html>"),
        (Misbehaviour::EmptyBody, "body", "no body"),
        (Misbehaviour::WrongShape, "lastByteReceived", "\"many\""),
        (Misbehaviour::WrongContentType, "Content-Type", "text/plain"),
        (Misbehaviour::Throttle429, "answer", "ThrottlingException"),
        (Misbehaviour::Unavailable503, "answer", "HTTP 503"),
    ] {
        let (report, h) = run_once(m, Duration::from_secs(10));
        assert!(!report.passed(), "{m:?}: passed");
        let steps = diverged_steps(&report);
        assert!(
            steps
                .iter()
                .any(|(op, w, a)| op == "UploadLayerPart" && w == what && a.contains(says)),
            "{m:?}: {steps:#?}"
        );
        // Not retried: no step shows a retry (and a retry would have been forwarded, and
        // passed).
        assert!(
            report
                .scenarios
                .iter()
                .flat_map(|c| &c.steps)
                .all(|s| s.retries == 0),
            "{m:?}"
        );
        assert_eq!(left_behind(&h), Vec::<String>::new(), "{m:?}");
    }
}

#[test]
fn a_reset_a_silent_target_and_a_trickle_are_no_answer_on_the_step() {
    // A reset may cut the answer's head or its body, whichever the client was reading.
    for (m, says) in [
        (
            Misbehaviour::ResetMidAnswer,
            &["reset", "reading the answer"][..],
        ),
        (Misbehaviour::ClosedMidAnswer, &["reading the answer"]),
        (Misbehaviour::Silent, &["timeout"]),
        (Misbehaviour::Trickle, &["timeout"]),
    ] {
        let (report, h) = run_once(m, Duration::from_secs(2));
        let steps = diverged_steps(&report);
        let no_answer = steps
            .iter()
            .find(|(op, w, _)| op == "UploadLayerPart" && w == "answer")
            .unwrap_or_else(|| panic!("{m:?}: {steps:#?}"));
        assert!(
            no_answer.2.starts_with("none (")
                && says.iter().any(|s| no_answer.2.to_lowercase().contains(s)),
            "{m:?}: {no_answer:?}"
        );
        let stopped: Vec<_> = report
            .scenarios
            .iter()
            .filter_map(|c| c.error.as_deref())
            .collect();
        assert_eq!(stopped.len(), 1, "{m:?}: {stopped:?}");
        // The target answers again afterwards, so every scratch repository was deleted.
        assert_eq!(left_behind(&h), Vec::<String>::new(), "{m:?}");
    }
}

#[test]
fn an_endless_body_is_cut_at_the_cap_and_judged_not_taken_for_silence() {
    let (report, h) = run_once(Misbehaviour::EndlessBody, Duration::from_secs(10));
    let steps = diverged_steps(&report);
    assert!(
        steps.iter().any(|(op, w, actual)| op == "UploadLayerPart"
            && w == "body"
            && actual.starts_with("HTTP 200")),
        "{steps:#?}"
    );
    assert!(
        report.scenarios.iter().all(|c| c.error.is_none()),
        "an answer was read: no case stopped"
    );
    assert!(report.stopped.is_none());
    assert_eq!(left_behind(&h), Vec::<String>::new());
}

#[test]
fn throttling_is_retried_only_when_asked_and_each_retry_is_shown() {
    let h = hostile(Misbehaviour::Throttle429, "UploadLayerPart", 2);
    let report = runner::run(
        &endpoint(&h.url, Duration::from_secs(10), 2),
        "hostile",
        &config(),
    )
    .expect("run");
    assert!(report.passed(), "{}", report.text());
    let retried: Vec<u32> = report
        .scenarios
        .iter()
        .flat_map(|c| &c.steps)
        .map(|s| s.retries)
        .filter(|r| *r > 0)
        .collect();
    assert_eq!(retried, vec![2], "one step, tried three times");
    let json = serde_json::to_value(&report).expect("json");
    assert!(
        json.to_string().contains("\"retries\":2"),
        "the report shows it"
    );
}

#[test]
fn a_target_that_goes_silent_ends_the_run_with_exit_2_a_one_line_reason_and_its_reports() {
    let h = hostile(Misbehaviour::Silent, "UploadLayerPart", u32::MAX);
    let started = Instant::now();
    let report = runner::run(
        &endpoint(&h.url, Duration::from_secs(1), 0),
        "hostile",
        &config(),
    )
    .expect("a report of what happened before");
    let reason = report.stopped.clone().expect("the run stopped").to_string();
    assert!(
        reason.contains("stopped answering") && !reason.contains('\n'),
        "{reason}"
    );
    assert!(!report.passed());
    assert!(
        diverged_steps(&report)
            .iter()
            .any(|(op, what, _)| op == "UploadLayerPart" && what == "answer"),
        "the steps without an answer are in the report"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(left_behind(&h), Vec::<String>::new());

    // From the command line: the reports are written, then exit 2 with the reason.
    let dir = common::tempdir("hostile");
    let (json, junit) = (dir.join("report.json"), dir.join("junit.xml"));
    let json_arg = json.to_str().expect("utf-8");
    let junit_arg = junit.to_str().expect("utf-8");
    exits_2_saying(
        &h,
        &[
            "--cases",
            "4",
            "--report-json",
            json_arg,
            "--junit",
            junit_arg,
        ],
        "stopped answering",
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report written")).expect("JSON");
    assert_eq!(
        written["stopped"]["reason"]["kind"], "target-stopped-answering",
        "{written}"
    );
    // Every scenario is in the JUnit report, failed: run and diverged, or never reached;
    // the generated cases, never reached; and one case for the stop itself.
    let scenarios = ecr_conformance::runner::scenario::embedded()
        .expect("the embedded catalog")
        .len();
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert_eq!(xml.matches("<testcase ").count(), scenarios + 2, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), scenarios + 2, "{xml}");
    assert!(
        xml.contains("not run: the target stopped answering"),
        "{xml}"
    );

    // A target that never answers at all is unusable from the first request.
    let h = hostile(Misbehaviour::Silent, "CreateRepository", u32::MAX);
    exits_2_saying(&h, &["--cases", "0"], "cannot be reached");
}

/// `run --endpoint <h> --timeout 1 <extra>` exits 2 with one line on stderr saying `reason`.
fn exits_2_saying(h: &Hostile, extra: &[&str], reason: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
        .args(["run", "--endpoint", &h.url, "--timeout", "1"])
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(reason), "{err}");
}

#[test]
fn an_endless_answer_is_read_only_up_to_the_cap_and_judged() {
    // Cut at the cap, the answer to the setup is not a created repository: the setup was
    // refused, and the report says so (it is not "the target stopped answering").
    let h = hostile(Misbehaviour::EndlessBody, "CreateRepository", u32::MAX);
    let started = Instant::now();
    let report = runner::run(
        &endpoint(&h.url, Duration::from_secs(30), 0),
        "hostile",
        &config(),
    )
    .expect("a report");
    let stopped = report.stopped.clone().expect("stopped");
    assert!(
        matches!(
            &stopped.reason,
            runner::StopReason::SetupRefused { operation, status: 200, .. }
                if operation == "CreateRepository"
        ),
        "{stopped:?}"
    );
    assert!(!report.passed());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
