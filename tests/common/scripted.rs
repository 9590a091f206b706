//! A scripted target: in front of an embedded fake, each request is forwarded, answered
//! with a chosen answer, or held open without an answer, by operation and by how many of
//! that operation came before. It records every operation it saw, and stops (every held
//! connection closed) when dropped.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecr_conformance::fake::FakeEcr;

use super::http::{RawRequest, read_answer, read_request};

/// What the target does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The fake's own answer.
    Forward,
    /// This status and JSON body.
    Answer(u16, String),
    /// No answer: the connection is held open until the target is dropped.
    Hang,
}

/// The rule: operation name (after the service prefix) and its number (from 1) to a reply.
pub type Rule = dyn Fn(&str, usize) -> Reply + Send + Sync;

pub struct Scripted {
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
    _fake: FakeEcr,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

impl Scripted {
    pub fn start(rule: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Self {
        let fake = FakeEcr::builder().start().expect("fake");
        let upstream: SocketAddr = fake
            .uri()
            .trim_start_matches("http://")
            .parse()
            .expect("fake address");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let rule: Arc<Rule> = Arc::new(rule);
        let (s, st) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if st.load(Ordering::Relaxed) {
                    return;
                }
                let (s, st, rule) = (s.clone(), st.clone(), rule.clone());
                std::thread::spawn(move || serve(stream, upstream, &s, &st, &*rule));
            }
        });
        Scripted {
            url: format!("http://{addr}"),
            seen,
            stop,
            addr,
            _fake: fake,
        }
    }

    /// The operations seen so far, in order.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }

    /// Waits (at most `limit`) until `done` holds of the operations seen; whether it did.
    pub fn wait_for(&self, limit: Duration, done: impl Fn(&[String]) -> bool) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if done(&self.seen()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        done(&self.seen())
    }
}

fn serve(
    stream: TcpStream,
    upstream: SocketAddr,
    seen: &Mutex<Vec<String>>,
    stop: &AtomicBool,
    rule: &Rule,
) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let target = request.header("x-amz-target");
        let op = target.rsplit('.').next().unwrap_or_default().to_owned();
        let nth = {
            let mut seen = seen.lock().expect("lock");
            seen.push(op.clone());
            seen.iter().filter(|o| **o == op).count()
        };
        let answer = match rule(&op, nth) {
            Reply::Forward => forward(upstream, &request),
            Reply::Answer(status, body) => Some(answer(status, &body)),
            Reply::Hang => {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return;
            }
        };
        let Some(answer) = answer else { return };
        if writer.write_all(&answer).is_err() {
            return;
        }
    }
}

fn answer(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn forward(upstream: SocketAddr, request: &RawRequest) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).ok()?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: {}\r\nX-Amz-Target: {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.header("content-type"),
        request.header("x-amz-target"),
        request.body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(&request.body).ok()?;
    let raw = read_answer(&mut stream).ok()?;
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/x-amz-json-1.1\r\n",
        raw.status
    );
    if let Some(t) = raw.header("x-amzn-errortype") {
        out.push_str(&format!("x-amzn-ErrorType: {t}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", raw.body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(&raw.body);
    Some(out)
}
