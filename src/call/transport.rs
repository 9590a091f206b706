//! Sending the request and printing what came back as the AWS CLI prints it: the answer's
//! members in the model's order, or `An error occurred (Code) when calling the Op
//! operation: message` with exit 255. Without an endpoint, the request goes to an embedded
//! fake that holds the seed's repository and upload for this one call.
//!
//! It does not build or check the request; it signs it (through [`Endpoint`]) and sends
//! it once, with no retries.

use std::time::Duration;

use super::args::Parsed;
use super::json::{self, Json};
use super::shape::{self, OpShape};
use super::{CallOutput, CallSettings, Failure, Result};
use crate::fake::FakeEcr;
use crate::fixture::{SEED_REPOSITORY, SEED_UPLOAD_ID};
use crate::model::limits::{DEFAULT_REGION, DEFAULT_REGISTRY_ID};
use crate::protocol::{Endpoint, Keys, WireRequest};

/// Sends the request and prints the answer as the AWS CLI does.
pub(super) fn send(
    shape: &OpShape,
    parsed: &Parsed,
    settings: &CallSettings,
    body: &[(String, Json)],
    out: &mut CallOutput,
) -> Result<()> {
    let region = parsed
        .region
        .clone()
        .or_else(|| settings.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let timeout = settings.timeout.unwrap_or(Duration::from_secs(60));
    let url = parsed
        .endpoint
        .clone()
        .or_else(|| settings.endpoint.clone());
    // Without an endpoint: the embedded fake, holding the seed's repository and upload,
    // for the lifetime of this one call.
    let fake = match &url {
        Some(_) => None,
        None => Some(
            FakeEcr::builder()
                .identity(DEFAULT_REGISTRY_ID, &region)
                .upload(SEED_REPOSITORY, SEED_UPLOAD_ID)
                .start()
                .map_err(|e| Failure::Fatal(e.to_string()))?,
        ),
    };
    let url = url.unwrap_or_else(|| fake.as_ref().map(FakeEcr::uri).unwrap_or_default());
    // As the AWS CLI: a bad endpoint is named as such (a usage error), before any
    // signing; a password in it is never shown.
    crate::protocol::check_url(&url)
        .map_err(|e| Failure::Usage(format!("Bad value for --endpoint-url: {e}")))?;
    let keys = match (&settings.keys, &fake) {
        (Some(keys), _) => keys.clone(),
        (None, Some(_)) => Keys::test(),
        (None, None) => {
            return Err(Failure::Fatal(
                "Unable to locate credentials. Set AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if you have one)."
                    .to_owned(),
            ));
        }
    };
    let endpoint = Endpoint::new(&url, &region, keys, timeout);
    let request = Json::Obj(body.to_vec()).compact();
    let wire_request = WireRequest::call(shape.op, request.into_bytes());
    let (observed, _) = endpoint.send(&wire_request).map_err(|e| {
        Failure::Fatal(format!(
            "Could not connect to the endpoint URL: \"{}/\" ({e})",
            crate::protocol::redact_url(&url).trim_end_matches('/')
        ))
    })?;
    if observed.status < 300 {
        let answer = observed
            .body
            .as_ref()
            .map(json::from_value)
            .unwrap_or(Json::Null);
        let shown = shape::reshape(&answer, shape.output);
        if shown != Json::Obj(Vec::new()) {
            out.stdout = shown.pretty() + "\n";
        }
        return Ok(());
    }
    let body = observed.body.as_ref();
    let field = |key: &str| body.and_then(|b| b.get(key)).and_then(|v| v.as_str());
    let code = field("__type")
        .or_else(|| field("code"))
        .map(|t| crate::wire::error::sanitize_error_name(t).to_owned())
        .or_else(|| observed.error.as_ref().map(ToString::to_string))
        .unwrap_or_else(|| observed.status.to_string());
    let message = field("message")
        .or_else(|| field("Message"))
        .map(str::to_owned)
        .or_else(|| observed.raw.clone())
        .unwrap_or_default();
    Err(Failure::Fatal(format!(
        "An error occurred ({code}) when calling the {} operation: {message}",
        shape.op.name()
    )))
}
