//! Error codes: every awsJson error name the crate knows, as a value, with `Other` for
//! whatever a foreign target sends. The judge decides on these, never on text (rustls's
//! `Error`, s3s's `S3ErrorCode` with `Custom(..)` are the shape).

use std::fmt;

/// The kind of state an error speaks of: an answer naming one says the target holds other
/// state of that kind than the request assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKind {
    /// A repository's existence (and, for `RepositoryNotEmptyException`, its contents).
    Repository,
    /// An upload's existence and the bytes it holds.
    Upload,
    /// A layer of a repository (repository and digest).
    Layer,
    /// An image of a repository (repository and digest), and what references it.
    Image,
    /// A tag of a repository, and the image it is on.
    Tag,
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $status:literal, $kind:expr; )*) => {
        /// An awsJson error name, sanitized (no namespace, no URI).
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A name the crate does not know, as the target spelled it (sanitized).
            Other(String),
        }

        impl ErrorCode {
            /// Every known code, in declaration order.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code of a sanitized error name: a known one, else `Other`.
            pub fn from_name(name: &str) -> ErrorCode {
                match name {
                    $( $name => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }

            /// The name as `__type` carries it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $name, )*
                    ErrorCode::Other(name) => name,
                }
            }

            /// The HTTP status ECR answers it with; `None` for a name ECR does not send.
            pub fn status(&self) -> Option<u16> {
                match self {
                    $( ErrorCode::$variant => Some($status), )*
                    ErrorCode::Other(_) => None,
                }
            }

            /// The kind of state the error speaks of, if any: an answer with it says what
            /// the target holds.
            pub fn speaks_of(&self) -> Option<StateKind> {
                match self {
                    $( ErrorCode::$variant => $kind, )*
                    ErrorCode::Other(_) => None,
                }
            }
        }
    };
}

use StateKind::{Image, Layer, Repository, Tag, Upload};

error_codes! {
    /// WIRE-1: no such operation.
    UnknownOperation = "UnknownOperationException", 400, None;
    /// WIRE-2: the body is not of the operation's shape.
    Serialization = "SerializationException", 400, None;
    /// VAL-1 / VAL-2 (and PART-2 / PART-4 under some knobs).
    InvalidParameter = "InvalidParameterException", 400, None;
    /// REPO-1.
    RepositoryNotFound = "RepositoryNotFoundException", 400, Some(Repository);
    /// REPO-1 under `foreign-registry-error=access-denied`.
    AccessDenied = "AccessDeniedException", 400, None;
    /// ADMIN-1.
    RepositoryAlreadyExists = "RepositoryAlreadyExistsException", 400, Some(Repository);
    /// ADMIN-2.
    RepositoryNotEmpty = "RepositoryNotEmptyException", 400, Some(Repository);
    /// PART-1 / DONE-1.
    UploadNotFound = "UploadNotFoundException", 400, Some(Upload);
    /// PART-3 / PART-4 / PART-5: names the next expected byte.
    InvalidLayerPart = "InvalidLayerPartException", 400, Some(Upload);
    /// DONE-2.
    EmptyUpload = "EmptyUploadException", 400, Some(Upload);
    /// DONE-3.
    LayerPartTooSmall = "LayerPartTooSmallException", 400, Some(Upload);
    /// DONE-4.
    InvalidLayer = "InvalidLayerException", 400, Some(Upload);
    /// DONE-5.
    LayerAlreadyExists = "LayerAlreadyExistsException", 400, Some(Layer);
    /// IMG-2.
    ImageDigestDoesNotMatch = "ImageDigestDoesNotMatchException", 400, None;
    /// IMG-4 / URL-1.
    LayersNotFound = "LayersNotFoundException", 400, Some(Layer);
    /// IMG-5.
    ReferencedImagesNotFound = "ReferencedImagesNotFoundException", 400, Some(Image);
    /// IMG-6.
    ImageAlreadyExists = "ImageAlreadyExistsException", 400, Some(Image);
    /// IMG-7 (and IMG-6 under `immutable-repush-error=image-tag-already-exists`).
    ImageTagAlreadyExists = "ImageTagAlreadyExistsException", 400, Some(Tag);
    /// URL-1.
    LayerInaccessible = "LayerInaccessibleException", 400, Some(Image);
    /// LIST-2.
    ImageNotFound = "ImageNotFoundException", 400, Some(Image);
    /// An injected fault, or a throttled request.
    Throttling = "ThrottlingException", 400, None;
    /// An injected fault, or a server failure.
    Server = "ServerException", 500, None;
    /// A limit of the service (a request or an account quota).
    LimitExceeded = "LimitExceededException", 400, None;
    /// A request the service's front end refuses before the operation sees it.
    Validation = "ValidationException", 400, None;
    /// The signature does not match (SigV4).
    InvalidSignature = "InvalidSignatureException", 403, None;
    /// The signature is missing parts (SigV4).
    IncompleteSignature = "IncompleteSignatureException", 400, None;
    /// No `Authorization` at all (SigV4).
    MissingAuthenticationToken = "MissingAuthenticationTokenException", 403, None;
    /// The access key is not known (SigV4).
    UnrecognizedClient = "UnrecognizedClientException", 403, None;
    /// The request's body did not arrive in time (the fake's server).
    RequestTimeout = "RequestTimeoutException", 408, None;
    /// The request's body is over the limit (the fake's server).
    RequestEntityTooLarge = "RequestEntityTooLargeException", 413, None;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(ErrorCode::from_name(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_reads_back_from_its_name() {
        for code in ErrorCode::KNOWN {
            assert_eq!(&ErrorCode::from_name(code.as_str()), code);
            assert!(code.status().is_some());
        }
        let other = ErrorCode::from_name("TeapotException");
        assert_eq!(other, ErrorCode::Other("TeapotException".into()));
        assert_eq!((other.status(), other.speaks_of()), (None, None));
    }

    #[test]
    fn every_model_error_name_is_a_known_code() {
        for name in super::super::EcrError::NAMES {
            assert!(
                !matches!(ErrorCode::from_name(name), ErrorCode::Other(_)),
                "{name}"
            );
        }
    }
}
