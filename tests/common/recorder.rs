//! A server that records every request and answers each with one chosen answer: for
//! comparing what two clients send, byte for byte, and how they print an answer.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use super::http::{RawRequest, read_request};

/// What a client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub target: String,
    pub content_type: String,
    pub body: String,
}

/// The recording server; it stops with the test process.
pub struct Recorder {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    answer: Arc<Mutex<(u16, String)>>,
}

impl Recorder {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new((200, "{}".to_owned())));
        let (s, a) = (seen.clone(), answer.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (s, a) = (s.clone(), a.clone());
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().expect("clone");
                    let mut reader = BufReader::new(stream);
                    while let Some(r) = read_request(&mut reader) {
                        s.lock().expect("lock").push(seen_of(&r));
                        let (status, body) = a.lock().expect("lock").clone();
                        let out = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\n\
                             x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n\
                             Content-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if writer.write_all(out.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Recorder { url, seen, answer }
    }

    /// Answers every following request with `status` and `body`.
    pub fn answer_with(&self, status: u16, body: &str) {
        *self.answer.lock().expect("lock") = (status, body.to_owned());
    }

    /// The requests seen since the last call.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }
}

fn seen_of(r: &RawRequest) -> Seen {
    Seen {
        target: r.header("x-amz-target"),
        content_type: r.header("content-type"),
        body: String::from_utf8_lossy(&r.body).into_owned(),
    }
}
