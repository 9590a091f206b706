//! The standard AWS environment variables, read in one place.

use super::Keys;

/// The variable `name`, when set and not empty.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What the standard AWS environment says about where requests go and how they are signed,
/// read as the AWS CLI reads it.
#[derive(Debug, Clone, Default)]
pub struct AwsEnvironment {
    /// `AWS_ENDPOINT_URL_ECR`, else `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
    /// ([`Keys::from_env`]).
    pub keys: Option<Keys>,
}

impl AwsEnvironment {
    /// Reads the environment now.
    pub fn read() -> Self {
        AwsEnvironment {
            endpoint_url: var("AWS_ENDPOINT_URL_ECR").or_else(|| var("AWS_ENDPOINT_URL")),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            keys: Keys::from_env(),
        }
    }
}

/// When the environment holds half a key pair: the message naming the variable that is
/// missing (an access key id without its secret is a mistake, never signed with the test
/// keys instead).
pub fn incomplete_keys() -> Option<String> {
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(_), None) => Some(
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither \
             (to sign with the test keys)"
                .to_owned(),
        ),
        (None, Some(_)) => Some(
            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither \
             (to sign with the test keys)"
                .to_owned(),
        ),
        _ => None,
    }
}
