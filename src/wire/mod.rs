//! The awsJson 1.1 wire layer: plain data types for each operation's request, answer and
//! error, with member names exactly as AWS spells them, and the codec between HTTP bodies
//! and the model.
//!
//! Decoding is strict (JSON types, standard base64, a JSON object as the body); decoding
//! failures become model requests ([`crate::model::Request::Malformed`]) so that the
//! model decides every answer.

/// Defines a request type whose members mirror a model request one to one, with the
/// conversions both ways. Every member is optional on the wire.
macro_rules! request_type {
    (
        $(#[$doc:meta])*
        $name:ident <=> $model:ident {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$fdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl From<$name> for crate::model::$model {
            fn from(w: $name) -> Self {
                crate::model::$model { $( $field: w.$field.map(Into::into), )* }
            }
        }

        impl From<crate::model::$model> for $name {
            fn from(m: crate::model::$model) -> Self {
                $name { $( $field: m.$field.map(Into::into), )* }
            }
        }
    };
}

pub mod authorization;
pub mod blob;
mod codec;
mod complete_layer_upload;
pub(crate) mod door;
pub mod error;
mod images;
mod initiate_layer_upload;
mod layer_availability;
mod long;
pub mod oci;
mod operation;
mod repository;
pub mod stream;
mod upload_layer_part;

pub use authorization::{
    AuthorizationData, GetAuthorizationTokenRequest, GetAuthorizationTokenResponse,
};
pub use blob::Blob;
pub use codec::{
    Answer, HttpRequest, decode_http, decode_operation, decode_request, encode_outcome,
    encode_request, error_body, is_awsjson,
};
pub use complete_layer_upload::{CompleteLayerUploadRequest, CompleteLayerUploadResponse};
pub use error::{ErrorBody, error_name, sanitize_error_name};
pub use images::{
    BatchDeleteImageRequest, BatchDeleteImageResponse, BatchGetImageRequest, BatchGetImageResponse,
    DescribeImagesRequest, DescribeImagesResponse, GetDownloadUrlForLayerRequest,
    GetDownloadUrlForLayerResponse, Image, ImageDetail, ImageFailure, ListImagesRequest,
    ListImagesResponse, PutImageRequest, PutImageResponse, PutImageTagMutabilityRequest,
    PutImageTagMutabilityResponse,
};
pub use initiate_layer_upload::{InitiateLayerUploadRequest, InitiateLayerUploadResponse};
pub use layer_availability::{
    BatchCheckLayerAvailabilityRequest, BatchCheckLayerAvailabilityResponse, Layer, LayerFailure,
};
pub use long::Long;
pub use operation::{CONTENT_TYPE, Operation, TARGET_PREFIX};
pub use repository::{
    CreateRepositoryRequest, DeleteRepositoryRequest, Repository, RepositoryResponse,
};
pub use upload_layer_part::{UploadLayerPartRequest, UploadLayerPartResponse};
