//! A target endpoint: where requests go, how they are signed, and how answers are read.
//!
//! Every request is SigV4-signed (signing name `ecr`). Answers are read with a size cap and
//! a per-request timeout, and nothing is retried unless the user asked for retries.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use crate::protocol::{Observed, TransportError, observe};
use crate::wire;

/// The largest answer read: legal answers are a few KiB; anything past this is cut.
pub const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// Credentials for signing.
#[derive(Clone)]
pub struct SigningKeys {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret and the token never reach a log or a report.
        f.debug_struct("SigningKeys")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Fixed test credentials, for targets that accept any (the fake, moto).
    pub fn test() -> Self {
        SigningKeys {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
            secret_access_key: "ecr-conformance-test-secret".to_owned(),
            session_token: None,
        }
    }

    /// These credentials.
    pub fn new(access_key_id: &str, secret_access_key: &str, session_token: Option<&str>) -> Self {
        SigningKeys {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: session_token.map(str::to_owned),
        }
    }

    /// The standard environment credentials, or `None` when they are not set.
    pub fn from_env() -> Option<Self> {
        let id = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
        let secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
        Some(SigningKeys {
            access_key_id: id,
            secret_access_key: secret,
            session_token: std::env::var("AWS_SESSION_TOKEN").ok(),
        })
    }
}

/// A target endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    url: String,
    region: String,
    keys: SigningKeys,
    agent: ureq::Agent,
    retries: u32,
}

impl Endpoint {
    /// An endpoint at `url` (`http://host:port` or `https://...`), signing for `region`.
    pub fn new(url: &str, region: &str, keys: SigningKeys, timeout: Duration) -> Self {
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

    fn signed_headers(
        &self,
        target: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, TransportError> {
        let host = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut headers: Vec<(String, String)> = vec![("host".into(), host)];
        if let Some(ct) = content_type {
            headers.push(("content-type".into(), ct.to_owned()));
        }
        if let Some(t) = target {
            headers.push(("x-amz-target".into(), t.to_owned()));
        }
        let identity = Credentials::new(
            &self.keys.access_key_id,
            &self.keys.secret_access_key,
            self.keys.session_token.clone(),
            None,
            "ecr-conformance",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ecr")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| TransportError(format!("cannot sign: {e}")))?
            .into();
        let url = format!("{}/", self.url);
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| TransportError(format!("cannot sign: {e}")))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| TransportError(format!("cannot sign: {e}")))?
            .into_parts();
        for (name, value) in instructions.headers() {
            headers.push((name.to_owned(), value.to_owned()));
        }
        Ok(headers)
    }

    /// Sends one request and reads the answer. A 429 or 5xx answer, or no answer, is tried
    /// again up to the configured retries; each try is signed anew.
    pub fn send(
        &self,
        target: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(Observed, u32), TransportError> {
        let mut tries = 0;
        loop {
            let result = self.send_once(target, content_type, body);
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

    fn send_once(
        &self,
        target: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Observed, TransportError> {
        let headers = self.signed_headers(target, content_type, body)?;
        let mut request = self.agent.post(format!("{}/", self.url));
        for (k, v) in &headers {
            if k != "host" {
                request = request.header(k.as_str(), v.as_str());
            }
        }
        let mut response = request
            .send(body)
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
