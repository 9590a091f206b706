//! `GetAuthorizationToken` (REG-1): the registry door's password, as the AWS CLI's
//! `get-login-password` reads it: `authorizationToken` is base64 of `AWS:<password>`.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::model::AuthorizationData as ModelData;

request_type! {
    /// `GetAuthorizationToken` input.
    GetAuthorizationTokenRequest <=> GetAuthorizationToken {
        /// `registryIds` (deprecated by AWS).
        registry_ids: Vec<String>,
    }
}

/// One `AuthorizationData`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationData {
    /// `authorizationToken`: base64 of `AWS:<password>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_token: Option<String>,
    /// `expiresAt`, epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    /// `proxyEndpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_endpoint: Option<String>,
}

impl From<ModelData> for AuthorizationData {
    fn from(d: ModelData) -> Self {
        AuthorizationData {
            authorization_token: Some(token_of(&d.password)),
            expires_at: Some(d.expires_at as f64),
            proxy_endpoint: Some(d.proxy_endpoint),
        }
    }
}

/// `GetAuthorizationToken` output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAuthorizationTokenResponse {
    /// `authorizationData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_data: Option<Vec<AuthorizationData>>,
}

/// The token of a password: base64 of `AWS:<password>`, which is also what HTTP Basic sends
/// for user `AWS` (REG-1).
pub fn token_of(password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("AWS:{password}"))
}

/// The user and password a token stands for (`AWS` and the password, from ECR), if it is
/// base64 of `USER:PASSWORD`.
pub fn credentials_of_token(token: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    (!user.is_empty()).then(|| (user.to_owned(), password.to_owned()))
}

/// The password of an `Authorization: Basic …` header whose user is `AWS`, if it is one.
pub fn basic_password(header: &str) -> Option<String> {
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("AWS:").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_the_basic_credentials_of_user_aws() {
        let token = token_of("secret");
        assert_eq!(
            basic_password(&format!("Basic {token}")).as_deref(),
            Some("secret")
        );
        assert_eq!(basic_password(&format!("Bearer {token}")), None);
        let other = base64::engine::general_purpose::STANDARD.encode("root:secret");
        assert_eq!(basic_password(&format!("Basic {other}")), None);
        assert_eq!(basic_password("Basic !!!"), None);
        assert_eq!(basic_password(""), None);
    }
}
