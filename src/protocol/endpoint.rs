//! An endpoint over HTTP: where requests go, how they are signed, and how answers are read
//! (the runner's targets, `call`, the benches).
//!
//! Every request is SigV4-signed (signing name `ecr`). Answers are read with a size cap and
//! a per-request timeout, and nothing is retried unless the user asked for retries.

use std::time::{Duration, SystemTime};

use super::sigv4::{self, Keys};
use super::{Observed, Transport, TransportError, WireRequest, observe};
use crate::wire;

/// The largest answer read: legal answers are a few KiB; anything past this is cut.
pub const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// A target endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    url: String,
    region: String,
    keys: Keys,
    agent: ureq::Agent,
    retries: u32,
}

impl Endpoint {
    /// An endpoint at `url` (`http://host:port` or `https://...`), signing for `region`.
    pub fn new(url: &str, region: &str, keys: Keys, timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .user_agent("ecr-conformance")
            .build()
            .into();
        Endpoint {
            url: url.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            keys,
            agent,
            retries: 0,
        }
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
            let result = self.send_once(request);
            let retry = match &result {
                Ok(o) => o.status == 429 || o.status >= 500,
                Err(_) => true,
            };
            if !retry || tries >= self.retries {
                return match result {
                    Ok(o) => Ok((o, tries)),
                    Err(e) if tries > 0 => {
                        Err(TransportError(format!("{e} (after {tries} retries)")))
                    }
                    Err(e) => Err(e),
                };
            }
            tries += 1;
            std::thread::sleep(Duration::from_millis(100 << tries.min(5)));
        }
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
            .map_err(|e| TransportError(format!("{}: {e}", self.url)))?;
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
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| TransportError(format!("{}: reading the answer: {e}", self.url)))?;
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
