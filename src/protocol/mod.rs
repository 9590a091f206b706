//! The protocol's exchange, as the runner, the fake and `call` see it: a request as bytes
//! on the wire ([`WireRequest`]), what came back ([`Observed`], read by [`observe`]), and
//! where requests go ([`Transport`]: an HTTP endpoint, the fake's responder in process, a
//! recording being replayed).

mod endpoint;
mod environment;
pub mod sigv4;

pub use endpoint::{
    CLEANUP_GRACE, Endpoint, INTERRUPT_POLL, INTERRUPTED, MAX_ANSWER_BYTES, MAX_TIMEOUT, agent,
    check_url, redact_url,
};
pub use environment::{AwsEnvironment, incomplete_keys};
pub use sigv4::Keys;

use crate::model::limits::DEFAULT_REGION;
use crate::model::{ErrorCode, Request};
pub use crate::wire::HttpRequest;
use crate::wire::{self, CONTENT_TYPE, ErrorBody};

/// What the target answered to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The HTTP status.
    pub status: u16,
    /// The error code (its name sanitized: header, `code`, then `__type`), if any.
    pub error: Option<ErrorCode>,
    /// The body as JSON, if it was JSON.
    pub body: Option<serde_json::Value>,
    /// The body's first bytes as text, when it was not JSON.
    pub raw: Option<String>,
    /// The `Content-Type`.
    pub content_type: Option<String>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// Reads an answer: its status, error name and JSON body.
pub fn observe(
    status: u16,
    content_type: Option<String>,
    error_header: Option<&str>,
    bytes: &[u8],
) -> Observed {
    let body: Option<serde_json::Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice(bytes).ok()
    };
    let error_body: ErrorBody = body
        .as_ref()
        .and_then(|b| serde_json::from_value(b.clone()).ok())
        .unwrap_or_default();
    let error_name = if status >= 300 || error_header.is_some() || error_body.type_.is_some() {
        wire::error_name(error_header, &error_body).map(ErrorCode::from_name)
    } else {
        None
    };
    let raw = match &body {
        Some(_) => None,
        None if bytes.is_empty() => None,
        None => Some(String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()),
    };
    Observed {
        status,
        error: error_name,
        body,
        raw,
        content_type,
    }
}

/// A request as bytes on the wire.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// `X-Amz-Target` (absent when `None`).
    pub x_amz_target: Option<String>,
    /// `Content-Type` (absent when `None`).
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl WireRequest {
    /// The request as an HTTP request (`POST /`, no other headers), for the decoder.
    pub fn as_http(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &[],
            content_type: self.content_type.as_deref(),
            x_amz_target: self.x_amz_target.as_deref(),
            body: &self.body,
            decoded: None,
        }
    }

    /// A well-formed call of an operation with this body.
    pub fn call(op: wire::Operation, body: Vec<u8>) -> Self {
        WireRequest {
            x_amz_target: Some(op.x_amz_target()),
            content_type: Some(CONTENT_TYPE.to_owned()),
            body,
        }
    }

    /// The wire form of a model request: its encoding, or for the undecodable kinds a body
    /// that is not JSON, or a target that names no operation.
    pub fn of(request: &Request) -> Self {
        match wire::encode_request(request) {
            Some((op, body)) => WireRequest::call(op, body),
            None => match request {
                Request::UnknownOperation { target } => WireRequest {
                    x_amz_target: Some(target.clone()),
                    content_type: Some(CONTENT_TYPE.to_owned()),
                    body: b"{}".to_vec(),
                },
                _ => WireRequest::call(wire::Operation::UploadLayerPart, b"{not json".to_vec()),
            },
        }
    }
}

/// Where a session's requests go: an endpoint over HTTP, or a recording being replayed.
pub trait Transport {
    /// Sends one request; the answer and the retries it took, or why there was none.
    fn send(&self, request: &WireRequest) -> Result<(Observed, u32), TransportError>;

    /// The region the target signs and names its repositories in.
    fn region(&self) -> &str {
        DEFAULT_REGION
    }
}
