//! `CreateRepository` and `DeleteRepository`: scratch repositories, and a repository's tag
//! mutability (MUT-1). Both answer `{"repository": {...}}`.

use serde::{Deserialize, Serialize};

use crate::model::RepositoryInfo;

request_type! {
    /// `CreateRepository` input.
    CreateRepositoryRequest <=> CreateRepository {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `imageTagMutability`.
        image_tag_mutability: String,
        /// `imageTagMutabilityExclusionFilters`.
        image_tag_mutability_exclusion_filters: Vec<crate::model::ExclusionFilter>,
    }
}

request_type! {
    /// `DeleteRepository` input.
    DeleteRepositoryRequest <=> DeleteRepository {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
        /// `force`.
        force: bool,
    }
}

/// A repository description. `createdAt` and the settings a repository may have are
/// omitted: the model does not track them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Repository {
    /// `repositoryArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_arn: Option<String>,
    /// `registryId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// `repositoryName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    /// `repositoryUri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_uri: Option<String>,
    /// `imageTagMutability`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<String>,
    /// `imageTagMutabilityExclusionFilters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability_exclusion_filters: Option<Vec<crate::model::ExclusionFilter>>,
}

/// `CreateRepository` and `DeleteRepository` output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryResponse {
    /// `repository`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<Repository>,
}

impl From<RepositoryInfo> for RepositoryResponse {
    fn from(r: RepositoryInfo) -> Self {
        RepositoryResponse {
            repository: Some(Repository {
                repository_arn: Some(r.repository_arn),
                registry_id: Some(r.registry_id),
                repository_name: Some(r.repository_name),
                repository_uri: Some(r.repository_uri),
                image_tag_mutability: r
                    .image_tag_mutability
                    .as_ref()
                    .map(|m| m.kind.as_str().to_owned()),
                image_tag_mutability_exclusion_filters: r
                    .image_tag_mutability
                    .filter(|m| !m.filters.is_empty())
                    .map(|m| super::images::filters_out(&m.filters)),
            }),
        }
    }
}
