//! Member constraints of the service model (VAL-1, VAL-2), each producing the
//! `InvalidParameterException` ECR answers, naming the member.

use std::sync::OnceLock;

use regex::Regex;

use super::digest::is_layer_digest;
use super::limits::{BATCH_DIGEST_MAX_LEN, LAYER_DIGESTS_PER_REQUEST, REPOSITORY_NAME_LEN};
use super::outcome::{EcrError, ParameterProblem, PartProblem};
use super::profile::RepositoryNamePattern;

/// The 2026 OCI-compatible `RepositoryName` pattern of the service model.
pub const REPOSITORY_NAME_OCI_2026: &str =
    r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*";
/// The `RepositoryName` pattern of older service models.
pub const REPOSITORY_NAME_LEGACY: &str =
    r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";
/// The `UploadId` pattern.
pub const UPLOAD_ID: &str =
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
/// The `RegistryId` pattern.
pub const REGISTRY_ID: &str = r"[0-9]{12}";

fn full_match(cell: &'static OnceLock<Regex>, pattern: &str, s: &str) -> bool {
    cell.get_or_init(|| {
        // The patterns are constants of this file; a typo fails every test at once.
        #[allow(clippy::expect_used)]
        Regex::new(&format!("^(?:{pattern})$")).expect("pattern compiles")
    })
    .is_match(s)
}

/// Full match of the repository-name pattern the profile selects.
pub fn is_repository_name(s: &str, pattern: RepositoryNamePattern) -> bool {
    static OCI: OnceLock<Regex> = OnceLock::new();
    static LEGACY: OnceLock<Regex> = OnceLock::new();
    match pattern {
        RepositoryNamePattern::Oci2026 => full_match(&OCI, REPOSITORY_NAME_OCI_2026, s),
        RepositoryNamePattern::Legacy => full_match(&LEGACY, REPOSITORY_NAME_LEGACY, s),
    }
}

/// Full match of the `UploadId` pattern.
pub fn is_upload_id(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    full_match(&RE, UPLOAD_ID, s)
}

/// Full match of the `RegistryId` pattern.
pub fn is_registry_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn broken(member: &str, constraint: impl Into<String>) -> EcrError {
    EcrError::InvalidParameter {
        member: member.to_owned(),
        problem: ParameterProblem::Constraint(constraint.into()),
    }
}

/// VAL-1: the member's value, or the error for its absence.
pub fn required<'a, T>(member: &str, value: &'a Option<T>) -> Result<&'a T, EcrError> {
    value.as_ref().ok_or_else(|| EcrError::InvalidParameter {
        member: member.to_owned(),
        problem: ParameterProblem::Missing,
    })
}

/// VAL-2 for the optional `registryId`.
pub fn registry_id(value: &Option<String>) -> Result<(), EcrError> {
    match value {
        Some(id) if !is_registry_id(id) => Err(broken(
            "registryId",
            format!("must satisfy regular expression pattern: {REGISTRY_ID}"),
        )),
        _ => Ok(()),
    }
}

/// VAL-1 and VAL-2 for `repositoryName`.
pub fn repository_name(
    value: &Option<String>,
    pattern: RepositoryNamePattern,
) -> Result<&str, EcrError> {
    let name = required("repositoryName", value)?;
    if !REPOSITORY_NAME_LEN.contains(&name.len()) {
        return Err(broken(
            "repositoryName",
            format!(
                "Member must have length between {} and {}",
                REPOSITORY_NAME_LEN.start(),
                REPOSITORY_NAME_LEN.end()
            ),
        ));
    }
    if !is_repository_name(name, pattern) {
        let shown = match pattern {
            RepositoryNamePattern::Oci2026 => REPOSITORY_NAME_OCI_2026,
            RepositoryNamePattern::Legacy => REPOSITORY_NAME_LEGACY,
        };
        return Err(broken(
            "repositoryName",
            format!("must satisfy regular expression pattern: {shown}"),
        ));
    }
    Ok(name)
}

/// VAL-1 and VAL-2 for `uploadId`.
pub fn upload_id(value: &Option<String>) -> Result<&str, EcrError> {
    let id = required("uploadId", value)?;
    if !is_upload_id(id) {
        return Err(broken(
            "uploadId",
            format!("must satisfy regular expression pattern: {UPLOAD_ID}"),
        ));
    }
    Ok(id)
}

/// VAL-1 and VAL-2 for a byte position (`partFirstByte`, `partLastByte`): a long >= 0.
pub fn byte_position(member: &str, value: &Option<i64>) -> Result<i64, EcrError> {
    let v = *required(member, value)?;
    if v < 0 {
        return Err(broken(
            member,
            "Member must have value greater than or equal to 0",
        ));
    }
    Ok(v)
}

/// VAL-1 and VAL-2 for `layerDigests`: 1..=100 entries, each accepted by `entry_ok`.
fn digest_list<'a>(
    value: &'a Option<Vec<String>>,
    entry_ok: impl Fn(&str) -> bool,
    entry_rule: &str,
) -> Result<&'a [String], EcrError> {
    let list = required("layerDigests", value)?;
    if !LAYER_DIGESTS_PER_REQUEST.contains(&list.len()) {
        return Err(broken(
            "layerDigests",
            format!(
                "Member must have length between {} and {}",
                LAYER_DIGESTS_PER_REQUEST.start(),
                LAYER_DIGESTS_PER_REQUEST.end()
            ),
        ));
    }
    if list.iter().any(|d| !entry_ok(d)) {
        return Err(broken("layerDigests", entry_rule));
    }
    Ok(list)
}

/// `CompleteLayerUpload.layerDigests`: each entry matches the `LayerDigest` pattern.
pub fn layer_digests(value: &Option<Vec<String>>) -> Result<&[String], EcrError> {
    digest_list(
        value,
        is_layer_digest,
        "Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+",
    )
}

/// `BatchCheckLayerAvailability.layerDigests`: each entry at most 1000 characters.
pub fn batch_layer_digests(value: &Option<Vec<String>>) -> Result<&[String], EcrError> {
    digest_list(
        value,
        |d| d.chars().count() <= BATCH_DIGEST_MAX_LEN,
        "Member must have length less than or equal to 1000",
    )
}

/// VAL-2 for a blob's decoded length against the profile's limit (PART-2).
pub fn oversize_blob(len: usize, max: u64) -> EcrError {
    EcrError::InvalidParameter {
        member: "layerPartBlob".to_owned(),
        problem: ParameterProblem::Part(PartProblem::Oversize {
            len: len as u64,
            max,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_name_vintages_differ_on_double_separators() {
        for name in ["a__b", "a--b", "a---b/c"] {
            assert!(
                is_repository_name(name, RepositoryNamePattern::Oci2026),
                "{name}"
            );
            assert!(
                !is_repository_name(name, RepositoryNamePattern::Legacy),
                "{name}"
            );
        }
        for name in ["layer-test", "a/b.c_d-e", "ab"] {
            assert!(
                is_repository_name(name, RepositoryNamePattern::Oci2026),
                "{name}"
            );
            assert!(
                is_repository_name(name, RepositoryNamePattern::Legacy),
                "{name}"
            );
        }
        for name in ["Layer", "a/", "/a", "a..b", "a_.b", "-a", "a b"] {
            assert!(
                !is_repository_name(name, RepositoryNamePattern::Oci2026),
                "{name}"
            );
            assert!(
                !is_repository_name(name, RepositoryNamePattern::Legacy),
                "{name}"
            );
        }
    }

    #[test]
    fn upload_ids_match_the_uuid_shape_in_either_case() {
        assert!(is_upload_id("6cb64b8a-9378-0e33-2ab1-b780fab8a9e9"));
        assert!(is_upload_id("6CB64B8A-9378-0E33-2AB1-B780FAB8A9E9"));
        assert!(!is_upload_id("6cb64b8a-9378-0e33-2ab1-b780fab8a9e"));
        assert!(!is_upload_id("6cb64b8a93780e332ab1b780fab8a9e9"));
        assert!(!is_upload_id(" 6cb64b8a-9378-0e33-2ab1-b780fab8a9e9"));
    }
}
