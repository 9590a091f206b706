//! The runner's HTTP client for a `/v2/` target: one request, one typed answer. Redirects
//! are not followed (a blob GET's 307 is the answer judged), credentials go in an
//! `Authorization` header that no report, log or transcript holds.

use std::io::Read as _;
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::protocol::{MAX_ANSWER_BYTES, TransportError, redact_url};

/// The most bytes of a served blob the client reads (hashed as they come, not kept).
pub(super) const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024;

/// A request to a `/v2/` target.
#[derive(Debug, Clone)]
pub(super) struct DoorRequest {
    pub method: &'static str,
    /// A path (`/v2/...`, with its query) or an absolute URL the target gave.
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
}

/// What a `/v2/` target answered.
#[derive(Debug, Clone)]
pub(super) struct DoorObserved {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, up to [`MAX_ANSWER_BYTES`] (a blob GET's: empty, see `body_digest`).
    pub body: Vec<u8>,
    /// For a blob GET: the digest of the whole body.
    pub body_digest: Option<String>,
}

impl DoorObserved {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The target's base URL and credentials.
#[derive(Clone)]
pub(super) struct DoorClient {
    base: String,
    authorization: Option<String>,
    agent: ureq::Agent,
}

impl std::fmt::Debug for DoorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials are never printed.
        f.debug_struct("DoorClient")
            .field("base", &redact_url(&self.base))
            .finish_non_exhaustive()
    }
}

impl DoorClient {
    pub(super) fn new(base: &str, auth: Option<&(String, String)>, timeout: Duration) -> Self {
        let agent = crate::protocol::agent(
            timeout.clamp(Duration::from_millis(1), crate::protocol::MAX_TIMEOUT),
        );
        let authorization = auth.map(|(user, password)| {
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        DoorClient {
            base: base.trim_end_matches('/').to_owned(),
            authorization,
            agent,
        }
    }

    /// The URL a request goes to: an absolute one as given, a path on the base.
    pub(super) fn resolve(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        }
    }

    /// Sends one request; `whole_body_digest` reads the whole answer into a hash instead of
    /// keeping it (a blob GET).
    pub(super) fn send(
        &self,
        request: &DoorRequest,
        body: &[u8],
        whole_body_digest: bool,
    ) -> Result<DoorObserved, TransportError> {
        let url = self.resolve(&request.url);
        let http = ureq::http::Request::builder()
            .method(request.method)
            .uri(&url);
        let mut http = request
            .headers
            .iter()
            .fold(http, |h, (k, v)| h.header(*k, v.as_str()));
        if let Some(a) = &self.authorization {
            http = http.header("authorization", a.as_str());
        }
        let http = http
            .body(body)
            .map_err(|e| TransportError(format!("{}: {e}", redact_url(&url))))?;
        let mut response = self
            .agent
            .run(http)
            .map_err(|e| TransportError(format!("{}: {e}", redact_url(&url))))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned()))
            })
            .collect();
        let mut reader = response.body_mut().as_reader();
        let read_error = |e: std::io::Error| {
            TransportError(format!("{}: reading the answer: {e}", redact_url(&url)))
        };
        if whole_body_digest && status == 200 {
            let mut hash = Sha256::new();
            std::io::copy(&mut reader.take(MAX_BLOB_BYTES), &mut hash).map_err(read_error)?;
            return Ok(DoorObserved {
                status,
                headers,
                body: Vec::new(),
                body_digest: Some(crate::model::digest::layer_digest(&hash)),
            });
        }
        let mut bytes = Vec::new();
        (&mut reader)
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        Ok(DoorObserved {
            status,
            headers,
            body: bytes,
            body_digest: None,
        })
    }
}
