//! The HTML report as a person sees it: rendered by a real browser (headless Chromium), its
//! DOM read back after any script would have run, and a screenshot taken. The rule table is
//! there with the failing rule marked, and a hostile target's markup (in its error name,
//! header and message) stays text: no element, attribute, script or title of its own.
//!
//! Chromium is required: without it these tests fail and say how to install it
//! (`scripts/test` and `.ci/run` install it where they can).

mod common;

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ecr_conformance::fake::{FakeEcr, Quirk};
use ecr_conformance::model::RULES;

/// The longest a single Chromium run may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The report's own `<title>`.
const TITLE: &str = "ecr-conformance report";

// ---------------------------------------------------------------------------------------
// Chromium

/// Chromium's path: `/usr/bin/chromium`, else `chromium` on PATH; a failure that says how
/// to install it when there is none.
fn chromium() -> PathBuf {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return fixed;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the browser tests need Chromium, and there is none (/usr/bin/chromium, or \
                 `chromium` on PATH): install it with `apt-get install chromium` \
                 (scripts/test does so when run as root)"
            )
        })
}

/// Runs headless Chromium on `args` (with a fresh profile, nothing fetched in the
/// background), stdout into `stdout_to`, and kills it after [`BROWSER_TIMEOUT`].
fn run_chromium(work: &Path, tag: &str, args: &[&str], stdout_to: &Path) -> Output {
    let profile = work.join(format!("chromium-profile-{tag}"));
    std::fs::create_dir_all(&profile).expect("chromium profile folder");
    let stderr_to = work.join(format!("chromium-{tag}.stderr"));
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .stdin(Stdio::null())
    // Files, not pipes: a DOM larger than a pipe's buffer must not stall the browser.
    .stdout(std::fs::File::create(stdout_to).expect("chromium stdout file"))
    .stderr(std::fs::File::create(&stderr_to).expect("chromium stderr file"))
    // Its own process group, so a timeout ends its helpers too.
    .process_group(0);
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start {} ({e}); install Chromium with `apt-get install chromium`",
            chromium().display()
        )
    });
    let deadline = Instant::now() + BROWSER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium {args:?} did not finish within {BROWSER_TIMEOUT:?}; its stderr:\n{}",
                tail(&stderr_to)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&profile);
    let output = Output {
        status,
        stdout: std::fs::read(stdout_to).expect("chromium stdout"),
        stderr: std::fs::read(&stderr_to).expect("chromium stderr"),
    };
    assert!(
        output.status.success(),
        "chromium {args:?} failed ({}); its stderr:\n{}",
        output.status,
        tail(&stderr_to)
    );
    output
}

/// The last lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn file_url(path: &Path) -> String {
    format!(
        "file://{}",
        path.canonicalize().expect("report path").display()
    )
}

/// The DOM of `html` after Chromium loaded it (and ran whatever it would run).
fn dump_dom(work: &Path, html: &Path) -> String {
    let out = work.join("dom.html");
    let output = run_chromium(work, "dom", &["--dump-dom", &file_url(html)], &out);
    let dom = String::from_utf8(output.stdout).expect("the DOM is UTF-8");
    assert!(
        dom.contains("</html>"),
        "chromium printed no DOM:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dom
}

/// A screenshot of `html` at 1280×2000; its path, once it is a real PNG of that size.
fn screenshot(work: &Path, html: &Path) -> PathBuf {
    let png = work.join("report.png");
    let _ = std::fs::remove_file(&png);
    run_chromium(
        work,
        "screenshot",
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
            &file_url(html),
        ],
        &work.join("screenshot.stdout"),
    );
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    let width = u32::from_be_bytes(bytes[16..20].try_into().expect("IHDR width"));
    let height = u32::from_be_bytes(bytes[20..24].try_into().expect("IHDR height"));
    assert_eq!((width, height), (1280, 2000), "screenshot size");
    // A blank 1280×2000 page compresses to a few kB; a rendered report is far larger.
    assert!(
        bytes.len() > 20_000,
        "the screenshot is nearly empty ({} bytes)",
        bytes.len()
    );
    png
}

// ---------------------------------------------------------------------------------------
// Markup, as serialized: text has `<` escaped, so every `<` opens a tag (the report's one
// <style> holds no `<`).

/// Every tag of `html` (`<` to `>`, without them), lower-cased.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default().to_ascii_lowercase())
        .collect()
}

/// A tag's element name (the same for its start and end tag).
fn tag_name(tag: &str) -> &str {
    tag.split(|c: char| c.is_ascii_whitespace() || c == '/')
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// The text of the first `<title>`.
fn title(html: &str) -> &str {
    html.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(t, _)| t)
        .expect("a <title>")
}

// ---------------------------------------------------------------------------------------
// Runs

/// `ecr-conformance run --endpoint <url> --report-html <dir>/report.html <args>`, from
/// `dir` (so a shrunk regression is written there, not into the tree); its exit code.
fn run_report(dir: &Path, url: &str, args: &[&str]) -> (Option<i32>, PathBuf, String) {
    let html = dir.join("report.html");
    let output = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"))
        .current_dir(dir)
        .env_remove("AWS_ENDPOINT_URL")
        .arg("run")
        .args(["--endpoint", url])
        .arg("--regressions")
        .arg(dir.join("regressions"))
        .arg("--report-html")
        .arg(&html)
        .args(args)
        .output()
        .expect("ecr-conformance runs");
    let log = format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(html.is_file(), "no HTML report written\n{log}");
    (output.status.code(), html, log)
}

#[test]
fn the_html_report_renders_its_rule_table_in_a_browser() {
    let dir = common::tempdir("report-browser");
    let fake = FakeEcr::builder()
        .quirk(Quirk::LastByteOffByOne)
        .start()
        .expect("fake");
    let (code, html, log) = run_report(&dir, &fake.uri(), &["--cases", "8", "--seed", "1"]);
    assert_eq!(code, Some(1), "the defect does not fail the run\n{log}");

    let dom = dump_dom(&dir, &html);
    assert_eq!(title(&dom), TITLE);
    assert!(dom.contains("id=\"rules\""), "no rules table in the DOM");
    // The browser's own DOM, not the file echoed: its parser adds the <tbody>.
    assert!(dom.contains("<tbody>"), "not a parsed DOM");
    let rows: Vec<&str> = dom
        .split_once("id=\"rules\"")
        .and_then(|(_, t)| t.split_once("</table>"))
        .map(|(t, _)| t)
        .expect("the rules table")
        .split("<tr>")
        .skip(2) // before the first row, and the header row
        .collect();
    // An API-door report lists the API door's rules; the registry door's have their own runs.
    let api_rules: Vec<_> = RULES.iter().filter(|r| !r.id.is_door()).collect();
    assert_eq!(rows.len(), api_rules.len(), "one row per rule");
    for (rule, row) in api_rules.iter().zip(&rows) {
        assert!(
            row.starts_with(&format!("<td>{}</td><td class=\"", rule.id)),
            "the row of {} is {row}",
            rule.id
        );
    }
    assert!(
        dom.contains("<td>PART-6</td><td class=\"FAIL\">FAIL</td>"),
        "PART-6 is not marked FAIL"
    );
    // The FAIL section shows the failing step, marked.
    let fail_section = dom
        .split_once("<h2>FAIL and differs</h2>")
        .map(|(_, s)| s)
        .expect("a FAIL section");
    assert!(
        fail_section.contains("<div class=\"step\"><h3><span class=\"FAIL\">FAIL</span>"),
        "no failing step shown"
    );
    assert!(
        fail_section.contains("PART-6"),
        "the failing step is not PART-6's"
    );

    let png = screenshot(&dir, &html);
    eprintln!("screenshot: {}", png.display());
}

// ---------------------------------------------------------------------------------------
// A hostile target

const HOSTILE_HEADER: &str = "<script>document.title='pwned'</script>";
const HOSTILE_TYPE: &str = "<img src=x onerror=\"document.title='pwned'\">";
const HOSTILE_MESSAGE: &str =
    "<script>document.body.setAttribute('data-pwned','1')</script><b id=\"injected\">bold</b>";

/// A target that creates the first repository asked for (the runner's probe) and answers
/// everything after that with a 400 whose error name, header and message are markup.
struct Hostile {
    url: String,
    stop: Arc<AtomicBool>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn hostile() -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicBool::new(false));
    let accepting = Arc::clone(&stop);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if accepting.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let created = Arc::clone(&created);
            std::thread::spawn(move || serve_hostile(stream, &created));
        }
    });
    Hostile { url, stop }
}

/// One keep-alive connection: every request read (Content-Length bodies) gets an answer.
fn serve_hostile(stream: TcpStream, created: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = common::http::read_request(&mut reader) {
        let create = request
            .header("x-amz-target")
            .ends_with(".CreateRepository");
        let answer = if create && !created.swap(true, Ordering::SeqCst) {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let created = serde_json::json!({"repository": {
                "registryId": "012345678910",
                "repositoryName": body["repositoryName"],
                "repositoryArn": "x",
                "repositoryUri": "x",
            }});
            http_answer("200 OK", &[], created.to_string().as_bytes())
        } else {
            let body = serde_json::json!({"__type": HOSTILE_TYPE, "message": HOSTILE_MESSAGE});
            http_answer(
                "400 Bad Request",
                &[("X-Amzn-Errortype", HOSTILE_HEADER)],
                body.to_string().as_bytes(),
            )
        };
        if writer.write_all(&answer).is_err() {
            return;
        }
    }
}

fn http_answer(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

#[test]
fn a_hostile_targets_markup_stays_text_in_the_html_report() {
    let dir = common::tempdir("report-hostile");
    let target = hostile();
    let (code, html, log) = run_report(&dir, &target.url, &["--cases", "4", "--seed", "1"]);
    assert_eq!(code, Some(1), "the hostile target does not FAIL\n{log}");
    let file = std::fs::read_to_string(&html).expect("report.html");

    // The file: self-contained and inert, before any browser sees it.
    let file_tags = tags(&file);
    for tag in &file_tags {
        assert_ne!(tag_name(tag), "script", "a <script> in the file");
        assert!(
            !tag.contains("http://") && !tag.contains("https://"),
            "a URL in the markup of the file: <{tag}>"
        );
        for loads in [" src=", " href=", " srcset=", " action=", " data="] {
            assert!(!tag.contains(loads), "<{tag}> could load something");
        }
    }
    let style = file
        .split_once("<style>")
        .and_then(|(_, s)| s.split_once("</style>"))
        .map(|(s, _)| s.to_ascii_lowercase())
        .expect("the report's <style>");
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "the style loads something"
    );

    // The DOM, as Chromium built it.
    let dom = dump_dom(&dir, &html);
    assert_eq!(title(&dom), TITLE, "the title was changed");
    let dom_tags = tags(&dom);
    let names: Vec<&str> = dom_tags.iter().map(|t| tag_name(t)).collect();
    // (The report has <b> elements of its own: the target's is found by its id below.)
    for forbidden in ["script", "img", "iframe", "object", "embed", "svg"] {
        assert!(
            !names.contains(&forbidden),
            "a <{forbidden}> from the target is an element of the report"
        );
    }
    assert!(
        !dom_tags.iter().any(|t| t.contains("id=\"injected\"")),
        "the target's <b id=\"injected\"> is an element"
    );
    assert!(
        !dom_tags.iter().any(|t| t.contains("data-pwned")),
        "a script of the target ran: an element got data-pwned"
    );
    assert!(
        !dom_tags.iter().any(|t| t.contains("onerror")),
        "an onerror attribute from the target"
    );

    // And the hostile strings are there, as text.
    for text in [
        "&lt;script&gt;document.title='pwned'&lt;/script&gt;",
        "&lt;script&gt;document.body.setAttribute('data-pwned','1')&lt;/script&gt;",
        "&lt;b id=\\\"injected\\\"&gt;bold&lt;/b&gt;",
        "&lt;img src=x onerror=\\\"document.title='pwned'\\\"&gt;",
    ] {
        assert!(
            dom.contains(text),
            "the hostile text {text} is not shown as text"
        );
    }
}
