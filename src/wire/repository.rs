//! `CreateRepository` and `DeleteRepository`: the harness's plumbing for scratch
//! repositories. Both answer `{"repository": {...}}`.

use serde::{Deserialize, Serialize};

use crate::model::RepositoryInfo;

request_type! {
    /// `CreateRepository` input.
    CreateRepositoryRequest <=> CreateRepository {
        /// `registryId`.
        registry_id: String,
        /// `repositoryName`.
        repository_name: String,
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
            }),
        }
    }
}
