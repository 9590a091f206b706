//! An endpoint over HTTP: where requests go, how they are signed, and how answers are read
//! (the runner's targets, `call`, the benches).
//!
//! Every request is SigV4-signed (signing name `ecr`). Answers are read with a size cap and
//! a per-request timeout, and nothing is retried unless the user asked for retries.
//!
//! An endpoint may watch an interrupt flag ([`Endpoint::with_interrupt`]): once it is set, a
//! request in flight and a retry back-off end within [`INTERRUPT_POLL`] with
//! [`INTERRUPTED`], nothing is retried, and a request sent afterwards (the bounded cleanup
//! of what the run created) gets at most [`CLEANUP_GRACE`] from the interrupt on.

use std::io::Read as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant, SystemTime};

use super::sigv4::{self, Keys};
use super::{Observed, Transport, TransportError, WireRequest, observe};
use crate::wire;

/// The largest answer read: legal answers are a few KiB; anything past this is cut.
pub const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// The longest per-request timeout an endpoint takes (a day); longer ones are cut to it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// How often a wait checks the interrupt flag.
pub const INTERRUPT_POLL: Duration = Duration::from_millis(20);

/// How long after an interrupt the cleanup requests may still take, in all.
pub const CLEANUP_GRACE: Duration = Duration::from_secs(3);

/// The error of a request an interrupt ended (or refused, once the cleanup grace is over).
pub const INTERRUPTED: &str = "interrupted";

/// The flag an endpoint watches, when it first saw it set, and the thread its requests go
/// through (replaced by a fresh one when a request is left behind).
#[derive(Debug, Clone)]
struct Interrupt {
    flag: Arc<AtomicBool>,
    since: Arc<OnceLock<Instant>>,
    worker: Arc<Mutex<Option<mpsc::Sender<Job>>>>,
}

/// One request for the worker thread, and where its answer goes.
#[derive(Debug)]
struct Job {
    request: WireRequest,
    answer: mpsc::SyncSender<Result<Observed, TransportError>>,
}

impl Interrupt {
    /// When the interrupt came, if it has.
    fn since(&self) -> Option<Instant> {
        if self.flag.load(Ordering::Relaxed) {
            Some(*self.since.get_or_init(Instant::now))
        } else {
            None
        }
    }
}

/// `url` with any userinfo (`user:password@`) taken out: how an endpoint is shown
/// anywhere (stdout, reports, logs, errors).
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    match scheme {
        Some(s) => format!("{s}://{host}{tail}"),
        None => format!("{host}{tail}"),
    }
}

/// Checks that `url` is an endpoint URL: `http://` or `https://`, a host, a port from 1 to
/// 65535 if any, no userinfo needed. The error says what is wrong (the URL shown redacted).
pub fn check_url(url: &str) -> Result<(), String> {
    let shown = redact_url(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!(
            "'{shown}' is not a URL: it needs a scheme, e.g. http://127.0.0.1:5000"
        ));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("'{shown}': the scheme must be http or https"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("'{shown}': an unclosed [ in the host")),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("'{shown}': no host (or a host with spaces)"));
    }
    if let Some(p) = port
        && !p.parse::<u16>().is_ok_and(|p| p >= 1)
    {
        return Err(format!(
            "'{shown}': the port must be a number from 1 to 65535"
        ));
    }
    if ureq::http::Uri::try_from(url).is_err() {
        return Err(format!("'{shown}' is not a valid URL"));
    }
    Ok(())
}

/// The HTTP agent every request to a target goes through: statuses are answers (not errors),
/// redirects are not followed (a 307 is judged as it came), one timeout for the exchange.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .user_agent("ecr-conformance")
        .build()
        .into()
}

/// A target endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    url: String,
    region: String,
    keys: Keys,
    agent: ureq::Agent,
    retries: u32,
    interrupt: Option<Interrupt>,
}

impl Endpoint {
    /// An endpoint at `url` (`http://host:port` or `https://...`), signing for `region`.
    /// The timeout is at least a millisecond and at most [`MAX_TIMEOUT`].
    pub fn new(url: &str, region: &str, keys: Keys, timeout: Duration) -> Self {
        let timeout = timeout.clamp(Duration::from_millis(1), MAX_TIMEOUT);
        let agent = agent(timeout);
        Endpoint {
            url: url.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            keys,
            agent,
            retries: 0,
            interrupt: None,
        }
    }

    /// Watches `flag`: once it is set, a request in flight or a back-off ends at once with
    /// [`INTERRUPTED`] (the request goes on a thread of its own so that its wait can be
    /// left), nothing is retried, and later requests get what is left of
    /// [`CLEANUP_GRACE`].
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(Interrupt {
            flag,
            since: Arc::new(OnceLock::new()),
            worker: Arc::default(),
        });
        self
    }

    /// Retries a request this many times when it gets no answer or a 429/5xx answer.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Sends one request and reads the answer. A 429 or 5xx answer, or no answer, is tried
    /// again up to the configured retries; each try is signed anew.
    pub fn send(&self, request: &WireRequest) -> Result<(Observed, u32), TransportError> {
        let mut tries = 0;
        loop {
            let result = self.send_watched(request);
            let interrupted = self.interrupted_since().is_some();
            let retry = match &result {
                Ok(o) => o.status == 429 || o.status >= 500,
                Err(_) => true,
            };
            if !retry || tries >= self.retries || interrupted {
                return match result {
                    Ok(o) => Ok((o, tries)),
                    Err(e) if tries > 0 => {
                        Err(TransportError(format!("{e} (after {tries} retries)")))
                    }
                    Err(e) => Err(e),
                };
            }
            tries += 1;
            let back_off = Duration::from_millis(100 << tries.min(5));
            let until = Instant::now() + back_off;
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                if self.interrupted_since().is_some() {
                    return Err(TransportError(format!(
                        "{INTERRUPTED} (after {tries} retries)"
                    )));
                }
                std::thread::sleep(left.min(INTERRUPT_POLL));
            }
        }
    }

    fn interrupted_since(&self) -> Option<Instant> {
        self.interrupt.as_ref().and_then(Interrupt::since)
    }

    /// [`Endpoint::send_once`], left when the interrupt comes (or, for a request sent after
    /// it, when the cleanup grace is over).
    fn send_watched(&self, request: &WireRequest) -> Result<Observed, TransportError> {
        let Some(interrupt) = &self.interrupt else {
            return self.send_once(request);
        };
        let before = interrupt.since();
        if before.is_some_and(|t| t.elapsed() >= CLEANUP_GRACE) {
            return Err(TransportError(INTERRUPTED.to_owned()));
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let job = Job {
            request: request.clone(),
            answer: tx,
        };
        self.worker_for(interrupt)?
            .send(job)
            .map_err(|_| TransportError("the request thread ended".to_owned()))?;
        // A request left behind keeps its thread busy: the next one gets a fresh thread.
        let leave = || {
            if let Ok(mut w) = interrupt.worker.lock() {
                *w = None;
            }
        };
        loop {
            match rx.recv_timeout(INTERRUPT_POLL) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    leave();
                    return Err(TransportError("the request thread ended".to_owned()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            // Left behind, the request ends at its timeout; nobody reads its answer.
            match (before, interrupt.since()) {
                (None, Some(_)) => {
                    leave();
                    return Err(TransportError(INTERRUPTED.to_owned()));
                }
                (Some(t), _) if t.elapsed() >= CLEANUP_GRACE => {
                    leave();
                    return Err(TransportError(INTERRUPTED.to_owned()));
                }
                _ => {}
            }
        }
    }

    /// The thread requests go through, started when there is none. It holds a copy of this
    /// endpoint that watches nothing, and ends when its sender is dropped.
    fn worker_for(&self, interrupt: &Interrupt) -> Result<mpsc::Sender<Job>, TransportError> {
        let mut worker = interrupt
            .worker
            .lock()
            .map_err(|_| TransportError("the request thread failed".to_owned()))?;
        if let Some(w) = &*worker {
            return Ok(w.clone());
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let mut this = self.clone();
        this.interrupt = None;
        std::thread::Builder::new()
            .name("requests".into())
            .spawn(move || {
                for job in rx {
                    let result = this.send_once(&job.request);
                    let _ = job.answer.send(result);
                }
            })
            .map_err(|e| TransportError(format!("cannot start a request thread: {e}")))?;
        *worker = Some(tx.clone());
        Ok(tx)
    }

    fn send_once(&self, wire_request: &WireRequest) -> Result<Observed, TransportError> {
        let headers = sigv4::sign(
            &self.keys,
            &self.region,
            &self.url,
            wire_request,
            SystemTime::now(),
        )
        .map_err(TransportError)?;
        let mut request = self.agent.post(format!("{}/", self.url));
        for (k, v) in &headers {
            if k != "host" {
                request = request.header(k.as_str(), v.as_str());
            }
        }
        let mut response = request
            .send(&wire_request.body[..])
            .map_err(|e| TransportError(format!("{}: {e}", redact_url(&self.url))))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let error_header = header(wire::error::ERROR_TYPE_HEADER);
        // An answer past the cap is cut there and judged as what it is (not JSON, mostly).
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                TransportError(format!(
                    "{}: reading the answer: {e}",
                    redact_url(&self.url)
                ))
            })?;
        Ok(observe(
            status,
            content_type,
            error_header.as_deref(),
            &bytes,
        ))
    }
}

impl Transport for Endpoint {
    fn send(&self, request: &WireRequest) -> Result<(Observed, u32), TransportError> {
        Endpoint::send(self, request)
    }

    fn region(&self) -> &str {
        Endpoint::region(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_taken_out_of_every_form_of_url() {
        for (url, shown) in [
            ("http://user:pw@127.0.0.1:5000", "http://127.0.0.1:5000"),
            ("https://pw@h/x?y=@z", "https://h/x?y=@z"),
            ("http://a:b@c@h:1/", "http://h:1/"),
            ("http://h:1", "http://h:1"),
            ("u:p@h:1", "h:1"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn bad_urls_are_named_without_their_password() {
        for bad in [
            "not a url",
            "127.0.0.1:5000",
            "ftp://h",
            "http://h:99999",
            "http://h:0",
            "http://:5000",
            "http://u:secret@h:x",
        ] {
            let err = check_url(bad).expect_err(bad);
            assert!(!err.contains("secret"), "{err}");
        }
        for good in ["http://127.0.0.1:5000", "https://h/", "http://u:p@[::1]:80"] {
            check_url(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
    }

    #[test]
    fn a_huge_timeout_is_cut_to_a_day_not_a_panic() {
        let e = Endpoint::new(
            "http://127.0.0.1:9",
            "us-east-1",
            Keys::test(),
            Duration::MAX,
        );
        let request = WireRequest {
            x_amz_target: None,
            content_type: None,
            body: b"{}".to_vec(),
        };
        assert!(e.send(&request).is_err());
    }
}
