//! Error answers: the JSON body, and the rule that turns any spelling of an error name into
//! the bare name (`com.amazonaws.ecr#InvalidLayerPartException:http://...` →
//! `InvalidLayerPartException`).

use serde::{Deserialize, Serialize};

/// The header some services carry the error name in.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// The bare error name: the part before the first `:`, then after the last `#`, trimmed.
/// `:` goes first because a URI suffix may itself contain `#`; the last `#` (where a
/// well-formed shape id has only one) makes the rule idempotent.
pub fn sanitize_error_name(raw: &str) -> &str {
    let name = raw.split(':').next().unwrap_or(raw);
    let name = name.rsplit_once('#').map_or(name, |(_, n)| n);
    name.trim()
}

/// The error name of an answer, read as aws-sdk-rust reads it: the `X-Amzn-Errortype`
/// header, then `code`, then `__type`; sanitized.
pub fn error_name<'a>(header: Option<&'a str>, body: &'a ErrorBody) -> Option<&'a str> {
    [header, body.code.as_deref(), body.type_.as_deref()]
        .into_iter()
        .flatten()
        .map(sanitize_error_name)
        .find(|n| !n.is_empty())
}

/// The body of an error answer, with every member an ECR exception may carry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `__type`: the error name (possibly namespaced).
    #[serde(rename = "__type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `code`: the error name, as some services send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `message` (some services spell it `Message`).
    #[serde(default, alias = "Message", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `registryId` of `InvalidLayerPartException`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName` of `InvalidLayerPartException`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `uploadId` of `InvalidLayerPartException`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// `lastValidByteReceived` of `InvalidLayerPartException`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_valid_byte_received: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_wins_over_code_and_code_over_type() {
        let body = ErrorBody {
            type_: Some("A".into()),
            code: Some("B".into()),
            ..ErrorBody::default()
        };
        assert_eq!(error_name(Some("C:uri"), &body), Some("C"));
        assert_eq!(error_name(None, &body), Some("B"));
        assert_eq!(error_name(None, &ErrorBody::default()), None);
    }

    #[test]
    fn a_uri_with_a_hash_does_not_confuse_the_sanitizer() {
        assert_eq!(sanitize_error_name("Name:http://host/x#frag"), "Name");
        assert_eq!(sanitize_error_name("ns.a#Name:http://host/x#frag"), "Name");
    }
}
