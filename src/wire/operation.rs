//! The operations and their `X-Amz-Target` header values.

use std::fmt;

/// The `X-Amz-Target` prefix of every ECR operation.
pub const TARGET_PREFIX: &str = "AmazonEC2ContainerRegistry_V20150921.";

/// The content type of awsJson 1.1 requests and answers.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// An operation this project models: the layer push, the image operations, and the
/// repository plumbing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `CreateRepository`.
    CreateRepository,
    /// `DeleteRepository`.
    DeleteRepository,
    /// `InitiateLayerUpload`.
    InitiateLayerUpload,
    /// `UploadLayerPart`.
    UploadLayerPart,
    /// `CompleteLayerUpload`.
    CompleteLayerUpload,
    /// `BatchCheckLayerAvailability`.
    BatchCheckLayerAvailability,
    /// `PutImage`.
    PutImage,
    /// `BatchGetImage`.
    BatchGetImage,
    /// `GetDownloadUrlForLayer`.
    GetDownloadUrlForLayer,
    /// `BatchDeleteImage`.
    BatchDeleteImage,
    /// `DescribeImages`.
    DescribeImages,
    /// `ListImages`.
    ListImages,
    /// `PutImageTagMutability`.
    PutImageTagMutability,
    /// `GetAuthorizationToken` (REG-1).
    GetAuthorizationToken,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 14] = [
        Operation::CreateRepository,
        Operation::DeleteRepository,
        Operation::InitiateLayerUpload,
        Operation::UploadLayerPart,
        Operation::CompleteLayerUpload,
        Operation::BatchCheckLayerAvailability,
        Operation::PutImage,
        Operation::BatchGetImage,
        Operation::GetDownloadUrlForLayer,
        Operation::BatchDeleteImage,
        Operation::DescribeImages,
        Operation::ListImages,
        Operation::PutImageTagMutability,
        Operation::GetAuthorizationToken,
    ];

    /// The operation's name, as in the service model.
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateRepository => "CreateRepository",
            Operation::DeleteRepository => "DeleteRepository",
            Operation::InitiateLayerUpload => "InitiateLayerUpload",
            Operation::UploadLayerPart => "UploadLayerPart",
            Operation::CompleteLayerUpload => "CompleteLayerUpload",
            Operation::BatchCheckLayerAvailability => "BatchCheckLayerAvailability",
            Operation::PutImage => "PutImage",
            Operation::BatchGetImage => "BatchGetImage",
            Operation::GetDownloadUrlForLayer => "GetDownloadUrlForLayer",
            Operation::BatchDeleteImage => "BatchDeleteImage",
            Operation::DescribeImages => "DescribeImages",
            Operation::ListImages => "ListImages",
            Operation::PutImageTagMutability => "PutImageTagMutability",
            Operation::GetAuthorizationToken => "GetAuthorizationToken",
        }
    }

    /// The operation's name in snake case, as fixture folders use it.
    pub fn snake_name(self) -> &'static str {
        match self {
            Operation::CreateRepository => "create_repository",
            Operation::DeleteRepository => "delete_repository",
            Operation::InitiateLayerUpload => "initiate_layer_upload",
            Operation::UploadLayerPart => "upload_layer_part",
            Operation::CompleteLayerUpload => "complete_layer_upload",
            Operation::BatchCheckLayerAvailability => "batch_check_layer_availability",
            Operation::PutImage => "put_image",
            Operation::BatchGetImage => "batch_get_image",
            Operation::GetDownloadUrlForLayer => "get_download_url_for_layer",
            Operation::BatchDeleteImage => "batch_delete_image",
            Operation::DescribeImages => "describe_images",
            Operation::ListImages => "list_images",
            Operation::PutImageTagMutability => "put_image_tag_mutability",
            Operation::GetAuthorizationToken => "get_authorization_token",
        }
    }

    /// The full `X-Amz-Target` value.
    pub fn x_amz_target(self) -> String {
        format!("{TARGET_PREFIX}{}", self.name())
    }

    /// The operation an `X-Amz-Target` value names, if it names one of ours.
    pub fn from_x_amz_target(target: &str) -> Option<Operation> {
        let name = target.strip_prefix(TARGET_PREFIX)?;
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The operation with this service-model or snake-case name.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.name() == name || op.snake_name() == name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_maps_back_to_its_operation() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_x_amz_target(&op.x_amz_target()), Some(op));
            assert_eq!(Operation::from_name(op.snake_name()), Some(op));
        }
        assert_eq!(Operation::from_x_amz_target("UploadLayerPart"), None);
        assert_eq!(
            Operation::from_x_amz_target("AmazonEC2ContainerRegistry_V20150921.TagResource"),
            None
        );
    }
}
