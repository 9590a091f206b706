//! Between HTTP and the model: requests in, answers out.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::images::{
    BatchDeleteImageRequest, BatchDeleteImageResponse, BatchGetImageRequest, BatchGetImageResponse,
    DescribeImagesRequest, DescribeImagesResponse, GetDownloadUrlForLayerRequest,
    GetDownloadUrlForLayerResponse, ListImagesRequest, ListImagesResponse, PutImageRequest,
    PutImageResponse, PutImageTagMutabilityRequest, PutImageTagMutabilityResponse, filters_out,
    ids_out,
};
use super::{
    BatchCheckLayerAvailabilityRequest, BatchCheckLayerAvailabilityResponse,
    CompleteLayerUploadRequest, CompleteLayerUploadResponse, CreateRepositoryRequest,
    DeleteRepositoryRequest, ErrorBody, InitiateLayerUploadRequest, InitiateLayerUploadResponse,
    Operation, RepositoryResponse, UploadLayerPartRequest, UploadLayerPartResponse,
};
use crate::model::{EcrError, Outcome, Request, Response};

/// An encoded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The sanitized error name, for the `X-Amzn-Errortype` header; `None` on success.
    pub error_name: Option<String>,
    /// The JSON body (`Null`: no body), as the fake's quirks reshape it; [`Answer::bytes`]
    /// encodes it, once, where it is sent.
    pub body: serde_json::Value,
}

impl Answer {
    /// The body's bytes (empty for `Null`).
    pub fn bytes(&self) -> Vec<u8> {
        match &self.body {
            serde_json::Value::Null => Vec::new(),
            v => v.to_string().into_bytes(),
        }
    }
}

fn parse<W>(body: &[u8], wrap: impl FnOnce(W) -> Request) -> Request
where
    W: DeserializeOwned,
{
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        // An empty body means `{}`.
        return match serde_json::from_slice::<W>(b"{}") {
            Ok(w) => wrap(w),
            Err(e) => Request::Malformed {
                detail: e.to_string(),
            },
        };
    };
    // serde would accept a JSON array as a struct's members in order; awsJson does not.
    if body[start] != b'{' {
        return Request::Malformed {
            detail: "the request body must be a JSON object".to_owned(),
        };
    }
    match serde_json::from_slice::<W>(body) {
        Ok(w) => wrap(w),
        Err(e) => Request::Malformed {
            detail: e.to_string(),
        },
    }
}

/// Decodes a request from its `X-Amz-Target` header and body. Never fails: what cannot be
/// decoded becomes [`Request::UnknownOperation`] (WIRE-1) or [`Request::Malformed`]
/// (WIRE-2), which the model answers.
pub fn decode_request(x_amz_target: Option<&str>, body: &[u8]) -> Request {
    let Some(op) = x_amz_target.and_then(Operation::from_x_amz_target) else {
        return Request::UnknownOperation {
            target: x_amz_target.unwrap_or_default().to_owned(),
        };
    };
    decode_operation(op, body)
}

/// Whether a `Content-Type` is awsJson 1.1 (parameters such as `charset` allowed).
pub fn is_awsjson(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(super::CONTENT_TYPE))
}

/// An HTTP request as received: what the fake's responder answers and what a signature
/// covers (method, path, query, headers, body).
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The path, e.g. `/`.
    pub path: &'a str,
    /// The query string, without `?` (empty for awsJson).
    pub query: &'a str,
    /// Every header as received (for signature checking); `content_type` and `target`
    /// repeat two of them.
    pub headers: &'a [(&'a str, &'a str)],
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `X-Amz-Target` header.
    pub x_amz_target: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
    /// The request already decoded from the body as it arrived (the fake's own server does
    /// this for layer parts); `body` is then empty and not decoded again.
    pub decoded: Option<&'a Request>,
}

/// Decodes a whole HTTP request: every call is `POST /` with the awsJson 1.1 content type
/// and a known `X-Amz-Target` (WIRE-1), and a body of the operation's shape (WIRE-2).
/// Header values are as found (`None` when absent or not text); `decoded` is not read.
pub fn decode_http(request: &HttpRequest<'_>) -> Request {
    let HttpRequest {
        method,
        path,
        content_type,
        x_amz_target,
        body,
        ..
    } = *request;
    if method != "POST" || path != "/" {
        return Request::UnknownOperation {
            target: format!("{method} {path}"),
        };
    }
    let Some(op) = x_amz_target.and_then(Operation::from_x_amz_target) else {
        return Request::UnknownOperation {
            target: x_amz_target.unwrap_or_default().to_owned(),
        };
    };
    if !is_awsjson(content_type) {
        return Request::Malformed {
            detail: format!(
                "Content-Type must be {}, not '{}'",
                super::CONTENT_TYPE,
                content_type.unwrap_or_default()
            ),
        };
    }
    decode_operation(op, body)
}

/// Decodes the body of a known operation.
pub fn decode_operation(op: Operation, body: &[u8]) -> Request {
    match op {
        Operation::CreateRepository => parse(body, |w: CreateRepositoryRequest| {
            Request::CreateRepository(w.into())
        }),
        Operation::DeleteRepository => parse(body, |w: DeleteRepositoryRequest| {
            Request::DeleteRepository(w.into())
        }),
        Operation::InitiateLayerUpload => parse(body, |w: InitiateLayerUploadRequest| {
            Request::InitiateLayerUpload(w.into())
        }),
        Operation::UploadLayerPart => parse(body, |w: UploadLayerPartRequest| {
            Request::UploadLayerPart(w.into())
        }),
        Operation::CompleteLayerUpload => parse(body, |w: CompleteLayerUploadRequest| {
            Request::CompleteLayerUpload(w.into())
        }),
        Operation::BatchCheckLayerAvailability => {
            parse(body, |w: BatchCheckLayerAvailabilityRequest| {
                Request::BatchCheckLayerAvailability(w.into())
            })
        }
        Operation::PutImage => parse(body, |w: PutImageRequest| Request::PutImage(w.into())),
        Operation::BatchGetImage => parse(body, |w: BatchGetImageRequest| {
            Request::BatchGetImage(w.into())
        }),
        Operation::GetDownloadUrlForLayer => parse(body, |w: GetDownloadUrlForLayerRequest| {
            Request::GetDownloadUrlForLayer(w.into())
        }),
        Operation::BatchDeleteImage => parse(body, |w: BatchDeleteImageRequest| {
            Request::BatchDeleteImage(w.into())
        }),
        Operation::DescribeImages => parse(body, |w: DescribeImagesRequest| {
            Request::DescribeImages(w.into())
        }),
        Operation::ListImages => parse(body, |w: ListImagesRequest| Request::ListImages(w.into())),
        Operation::PutImageTagMutability => parse(body, |w: PutImageTagMutabilityRequest| {
            Request::PutImageTagMutability(w.into())
        }),
        Operation::GetAuthorizationToken => parse(
            body,
            |w: super::authorization::GetAuthorizationTokenRequest| {
                Request::GetAuthorizationToken(w.into())
            },
        ),
    }
}

fn value<T: Serialize>(v: &T) -> serde_json::Value {
    // As `json`: these plain structs always serialize.
    serde_json::to_value(v).unwrap_or_default()
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail: no maps with non-string keys, no
    // fallible Serialize impls.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Encodes a model request as its operation and JSON body; `None` for the requests that
/// only exist as undecodable bytes (unknown target, malformed body).
pub fn encode_request(request: &Request) -> Option<(Operation, Vec<u8>)> {
    let encoded = match request.clone() {
        Request::CreateRepository(r) => (
            Operation::CreateRepository,
            json(&CreateRepositoryRequest::from(r)),
        ),
        Request::DeleteRepository(r) => (
            Operation::DeleteRepository,
            json(&DeleteRepositoryRequest::from(r)),
        ),
        Request::InitiateLayerUpload(r) => (
            Operation::InitiateLayerUpload,
            json(&InitiateLayerUploadRequest::from(r)),
        ),
        Request::UploadLayerPart(r) => (
            Operation::UploadLayerPart,
            json(&UploadLayerPartRequest::from(r)),
        ),
        Request::CompleteLayerUpload(r) => (
            Operation::CompleteLayerUpload,
            json(&CompleteLayerUploadRequest::from(r)),
        ),
        Request::BatchCheckLayerAvailability(r) => (
            Operation::BatchCheckLayerAvailability,
            json(&BatchCheckLayerAvailabilityRequest::from(r)),
        ),
        Request::PutImage(r) => (Operation::PutImage, json(&PutImageRequest::from(r))),
        Request::BatchGetImage(r) => (
            Operation::BatchGetImage,
            json(&BatchGetImageRequest::from(r)),
        ),
        Request::GetDownloadUrlForLayer(r) => (
            Operation::GetDownloadUrlForLayer,
            json(&GetDownloadUrlForLayerRequest::from(r)),
        ),
        Request::BatchDeleteImage(r) => (
            Operation::BatchDeleteImage,
            json(&BatchDeleteImageRequest::from(r)),
        ),
        Request::DescribeImages(r) => (
            Operation::DescribeImages,
            json(&DescribeImagesRequest::from(r)),
        ),
        Request::ListImages(r) => (Operation::ListImages, json(&ListImagesRequest::from(r))),
        Request::PutImageTagMutability(r) => (
            Operation::PutImageTagMutability,
            json(&PutImageTagMutabilityRequest::from(r)),
        ),
        Request::GetAuthorizationToken(r) => (
            Operation::GetAuthorizationToken,
            json(&super::authorization::GetAuthorizationTokenRequest::from(r)),
        ),
        Request::UnknownOperation { .. } | Request::Malformed { .. } => return None,
    };
    Some(encoded)
}

/// The error body of an exception: `__type`, `message` and the modeled members.
pub fn error_body(error: &EcrError) -> ErrorBody {
    let mut body = ErrorBody {
        type_: Some(error.name().to_owned()),
        message: Some(error.to_string()),
        ..ErrorBody::default()
    };
    if let EcrError::InvalidLayerPart {
        registry_id,
        repository_name,
        upload_id,
        last_valid_byte_received,
        ..
    } = error
    {
        body.registry_id = Some(registry_id.clone());
        body.repository_name = Some(repository_name.clone());
        body.upload_id = Some(upload_id.clone());
        body.last_valid_byte_received = *last_valid_byte_received;
    }
    body
}

/// Encodes the model's answer as awsJson 1.1 (WIRE-3).
pub fn encode_outcome(outcome: &Outcome) -> Answer {
    match outcome {
        Err(e) => Answer {
            status: e.status(),
            error_name: Some(e.name().to_owned()),
            body: value(&error_body(e)),
        },
        Ok(response) => Answer {
            status: 200,
            error_name: None,
            body: encode_response(response.clone()),
        },
    }
}

fn encode_response(response: Response) -> serde_json::Value {
    match response {
        Response::Repository(info) => value(&RepositoryResponse::from(info)),
        Response::UploadInitiated {
            upload_id,
            part_size,
        } => value(&InitiateLayerUploadResponse {
            upload_id: Some(upload_id),
            part_size: i64::try_from(part_size).ok(),
        }),
        Response::PartAccepted {
            registry_id,
            repository_name,
            upload_id,
            last_byte_received,
        } => value(&UploadLayerPartResponse {
            registry_id: Some(registry_id),
            repository_name: Some(repository_name),
            upload_id: Some(upload_id),
            last_byte_received: Some(last_byte_received),
        }),
        Response::LayerCompleted {
            registry_id,
            repository_name,
            upload_id,
            layer_digest,
        } => value(&CompleteLayerUploadResponse {
            registry_id: Some(registry_id),
            repository_name: Some(repository_name),
            upload_id: Some(upload_id),
            layer_digest: Some(layer_digest),
        }),
        Response::Availability { layers, failures } => {
            value(&BatchCheckLayerAvailabilityResponse {
                layers: Some(layers.into_iter().map(Into::into).collect()),
                failures: Some(failures.into_iter().map(Into::into).collect()),
            })
        }
        Response::ImagePut(image) => value(&PutImageResponse {
            image: Some(image.into()),
        }),
        Response::Images { images, failures } => value(&BatchGetImageResponse {
            images: Some(images.into_iter().map(Into::into).collect()),
            failures: Some(failures.into_iter().map(Into::into).collect()),
        }),
        Response::AuthorizationToken { data } => {
            value(&super::authorization::GetAuthorizationTokenResponse {
                authorization_data: Some(data.into_iter().map(Into::into).collect()),
            })
        }
        Response::DownloadUrl {
            download_url,
            layer_digest,
        } => value(&GetDownloadUrlForLayerResponse {
            download_url: Some(download_url),
            layer_digest: Some(layer_digest),
        }),
        Response::ImagesDeleted {
            image_ids,
            failures,
        } => value(&BatchDeleteImageResponse {
            image_ids: Some(ids_out(image_ids)),
            failures: Some(failures.into_iter().map(Into::into).collect()),
        }),
        Response::ImageDetails {
            details,
            next_token,
        } => value(&DescribeImagesResponse {
            image_details: Some(details.into_iter().map(Into::into).collect()),
            next_token,
        }),
        Response::ImageIds {
            image_ids,
            next_token,
        } => value(&ListImagesResponse {
            image_ids: Some(ids_out(image_ids)),
            next_token,
        }),
        Response::TagMutability {
            registry_id,
            repository_name,
            mutability,
        } => value(&PutImageTagMutabilityResponse {
            registry_id: Some(registry_id),
            repository_name: Some(repository_name),
            image_tag_mutability: Some(mutability.kind.as_str().to_owned()),
            image_tag_mutability_exclusion_filters: Some(filters_out(&mutability.filters)),
        }),
    }
}
