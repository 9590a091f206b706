//! The image operations (spec §9) on the registry: `PutImage`, `BatchGetImage`,
//! `GetDownloadUrlForLayer`, `BatchDeleteImage`, `DescribeImages`, `ListImages` and
//! `PutImageTagMutability`. As for layers, every check runs before anything changes.

use std::collections::BTreeSet;

use sha2::{Digest as _, Sha256};

use super::{Registry, Repository};
use crate::model::digest::{digest_of, is_layer_digest, push_hex};
use crate::model::image::{
    ImageDetail, ImageFailure, ImageFailureCode, ImageName, MutabilityKind, StoredImage,
    TagMutability,
};
use crate::model::limits::{
    DEFAULT_PAGE, EXCLUSION_FILTER_LEN, EXCLUSION_FILTERS, IMAGE_IDS_PER_REQUEST, IMAGE_TAG_LEN,
    MAX_MANIFEST_CHARS, MAX_RESULTS, MEDIA_TYPES_PER_REQUEST,
};
use crate::model::manifest::{self, ManifestKind};
use crate::model::outcome::{EcrError, Outcome, ParameterProblem, Response};
use crate::model::profile::{DeletedIds, DuplicateImageIds, ImmutableRepushError, Schema1Manifest};
use crate::model::request::{
    BatchDeleteImage, BatchGetImage, DescribeImages, ExclusionFilter, GetDownloadUrlForLayer,
    ImageFilter, ImageId, ListImages, PutImage, PutImageTagMutability,
};
use crate::model::rules::RuleId;
use crate::model::validate;

fn by_rule(rule: RuleId, member: &str, constraint: impl Into<String>) -> EcrError {
    EcrError::InvalidParameter {
        member: member.to_owned(),
        problem: ParameterProblem::Rule(rule, constraint.into()),
    }
}

fn broken(member: &str, constraint: impl Into<String>) -> EcrError {
    EcrError::InvalidParameter {
        member: member.to_owned(),
        problem: ParameterProblem::Constraint(constraint.into()),
    }
}

/// IMG-8's pattern `[a-zA-Z0-9-_.]+` and length 1..=300.
pub fn is_image_tag(tag: &str) -> bool {
    IMAGE_TAG_LEN.contains(&tag.chars().count())
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// MUT-1: a tag mutability and its filters, checked (absent: `MUTABLE`).
pub(super) fn mutability(
    kind: Option<&str>,
    filters: Option<&[ExclusionFilter]>,
) -> Result<TagMutability, EcrError> {
    let member = "imageTagMutability";
    let kind = match kind {
        None => MutabilityKind::Mutable,
        Some(k) => MutabilityKind::parse(k).ok_or_else(|| {
            by_rule(
                RuleId::Mut1,
                member,
                format!(
                    "Member must satisfy enum value set: [{}]",
                    MutabilityKind::ALL.map(MutabilityKind::as_str).join(", ")
                ),
            )
        })?,
    };
    let filters = filters.unwrap_or_default();
    let fmember = "imageTagMutabilityExclusionFilters";
    if kind.has_exclusions() == filters.is_empty() {
        return Err(by_rule(
            RuleId::Mut1,
            fmember,
            format!(
                "{} {} exclusion filters",
                kind.as_str(),
                if kind.has_exclusions() {
                    "needs"
                } else {
                    "takes no"
                }
            ),
        ));
    }
    if !filters.is_empty() && !EXCLUSION_FILTERS.contains(&filters.len()) {
        return Err(by_rule(
            RuleId::Mut1,
            fmember,
            "Member must have length between 1 and 5",
        ));
    }
    let mut out = Vec::with_capacity(filters.len());
    for f in filters {
        if f.filter_type.as_deref() != Some("WILDCARD") {
            return Err(by_rule(
                RuleId::Mut1,
                fmember,
                "filterType must be WILDCARD",
            ));
        }
        let text = f.filter.as_deref().unwrap_or_default();
        let ok = EXCLUSION_FILTER_LEN.contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'*' | b'-'));
        if !ok {
            return Err(by_rule(
                RuleId::Mut1,
                fmember,
                "filter must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$",
            ));
        }
        out.push(text.to_owned());
    }
    Ok(TagMutability { kind, filters: out })
}

/// VAL-1 and VAL-2 for `imageIds`: 1..=100 entries.
fn image_ids(value: &Option<Vec<ImageId>>) -> Result<&[ImageId], EcrError> {
    let ids = validate::required("imageIds", value)?;
    if !IMAGE_IDS_PER_REQUEST.contains(&ids.len()) {
        return Err(broken(
            "imageIds",
            format!(
                "Member must have length between {} and {}",
                IMAGE_IDS_PER_REQUEST.start(),
                IMAGE_IDS_PER_REQUEST.end()
            ),
        ));
    }
    Ok(ids)
}

/// What an id names in a repository (GET-1): the digest, or why not.
fn resolve(repo: &Repository, id: &ImageId) -> Result<String, ImageFailureCode> {
    use ImageFailureCode::*;
    if let Some(d) = &id.image_digest
        && !is_layer_digest(d)
    {
        return Err(InvalidImageDigest);
    }
    if let Some(t) = &id.image_tag
        && !is_image_tag(t)
    {
        return Err(InvalidImageTag);
    }
    match (&id.image_digest, &id.image_tag) {
        (None, None) => Err(MissingDigestAndTag),
        (Some(d), None) => repo
            .images
            .contains_key(d)
            .then(|| d.clone())
            .ok_or(ImageNotFound),
        (None, Some(t)) => repo.tags.get(t).cloned().ok_or(ImageNotFound),
        (Some(d), Some(t)) => {
            if !repo.images.contains_key(d) {
                return Err(ImageNotFound);
            }
            match repo.tags.get(t) {
                Some(on) if on == d => Ok(d.clone()),
                Some(_) => Err(ImageTagDoesNotMatchDigest),
                None => Err(ImageNotFound),
            }
        }
    }
}

/// `filter.tagStatus`: which images a listing keeps (`None`: all).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagStatus {
    Tagged,
    Untagged,
    Any,
}

fn tag_status(filter: &Option<ImageFilter>, rule: RuleId) -> Result<TagStatus, EcrError> {
    match filter.as_ref().and_then(|f| f.tag_status.as_deref()) {
        None | Some("ANY") => Ok(TagStatus::Any),
        Some("TAGGED") => Ok(TagStatus::Tagged),
        Some("UNTAGGED") => Ok(TagStatus::Untagged),
        Some(_) => Err(by_rule(
            rule,
            "filter.tagStatus",
            "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]",
        )),
    }
}

impl TagStatus {
    fn keeps(self, image: &StoredImage) -> bool {
        match self {
            TagStatus::Any => true,
            TagStatus::Tagged => !image.tags.is_empty(),
            TagStatus::Untagged => image.tags.is_empty(),
        }
    }

    fn code(self) -> &'static str {
        match self {
            TagStatus::Tagged => "t",
            TagStatus::Untagged => "u",
            TagStatus::Any => "a",
        }
    }
}

fn max_results(value: Option<i64>, rule: RuleId) -> Result<usize, EcrError> {
    match value {
        None => Ok(DEFAULT_PAGE),
        Some(n) if MAX_RESULTS.contains(&n) => Ok(usize::try_from(n).unwrap_or(DEFAULT_PAGE)),
        Some(_) => Err(by_rule(
            rule,
            "maxResults",
            "Member must have value between 1 and 1000",
        )),
    }
}

/// The check of a page token: a hash over the listing and the position.
fn token_check(listing: &str, position: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"ecr-conformance page token");
    for part in [listing, position] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

impl Registry {
    /// A page token: the position (after which the next page starts) in hex, and a check
    /// over the listing, its filter and the position, so that a token never issued (or
    /// issued for another listing) is refused, with no state kept. The same listing at the
    /// same position always gets the same token, whatever the repository's name, so a
    /// recorded run replays (its repositories renamed).
    fn page_token(listing: &str, position: &str) -> String {
        let mut out = String::with_capacity(2 * position.len() + 20);
        out.push_str(listing);
        out.push('.');
        push_hex(&mut out, position.as_bytes());
        out.push('.');
        push_hex(&mut out, &token_check(listing, position)[..8]);
        out
    }

    /// The position a token names, or `InvalidParameterException` for a token this
    /// registry never issued for this listing.
    fn page_position(listing: &str, token: &str, rule: RuleId) -> Result<String, EcrError> {
        let invalid = || by_rule(rule, "nextToken", "The specified nextToken is not valid");
        let mut parts = token.split('.');
        let (Some(l), Some(hex), Some(check), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if l != listing || hex.len() % 2 != 0 {
            return Err(invalid());
        }
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect();
        let position = bytes
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(invalid)?;
        let mut want = String::new();
        push_hex(&mut want, &token_check(listing, &position)[..8]);
        if want != check {
            return Err(invalid());
        }
        Ok(position)
    }

    pub(super) fn put_image(&mut self, r: &PutImage) -> Outcome {
        // WIRE and VAL.
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let text = validate::required("imageManifest", &r.image_manifest)?;
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_MANIFEST_CHARS {
            return Err(broken(
                "imageManifest",
                format!("Member must have length between 1 and {MAX_MANIFEST_CHARS}"),
            ));
        }
        if let Some(t) = &r.image_tag
            && !IMAGE_TAG_LEN.contains(&t.chars().count())
        {
            return Err(by_rule(
                RuleId::Img8,
                "imageTag",
                "Member must have length between 1 and 300",
            ));
        }
        // REPO-1.
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        // IMG-3.
        let schema1 = self.profile.schema1_manifest == Schema1Manifest::Accepted;
        let parsed = manifest::parse(text, r.image_manifest_media_type.as_deref(), schema1)
            .map_err(|p| by_rule(RuleId::Img3, "ImageManifest", p.to_string()))?;
        // IMG-1, IMG-2.
        let digest = digest_of(text.as_bytes());
        if let Some(given) = &r.image_digest
            && *given != digest
        {
            return Err(EcrError::ImageDigestDoesNotMatch {
                given: given.clone(),
                actual: digest,
            });
        }
        // IMG-8.
        if let Some(t) = &r.image_tag
            && !is_image_tag(t)
        {
            return Err(by_rule(
                RuleId::Img8,
                "imageTag",
                "must satisfy regular expression '[a-zA-Z0-9-_.]+'",
            ));
        }
        // IMG-4, IMG-5.
        let size = match parsed.kind {
            ManifestKind::Image | ManifestKind::Schema1 => {
                let missing: Vec<String> = parsed
                    .blobs()
                    .filter(|d| !repo.layers.contains_key(*d))
                    .map(str::to_owned)
                    .collect();
                if !missing.is_empty() {
                    return Err(EcrError::LayersNotFound {
                        repository_name: name.to_owned(),
                        layer_digests: missing,
                    });
                }
                blobs_size(repo, &parsed)
            }
            ManifestKind::Index => {
                let missing: Vec<String> = parsed
                    .children
                    .iter()
                    .filter(|c| !repo.images.contains_key(&c.digest))
                    .map(|c| c.digest.clone())
                    .collect();
                if !missing.is_empty() {
                    return Err(EcrError::ReferencedImagesNotFound {
                        image_digests: missing,
                    });
                }
                parsed
                    .children
                    .iter()
                    .map(|c| repo.images[&c.digest].size)
                    .max()
                    .unwrap_or(0)
            }
        };
        // IMG-6, IMG-7.
        let stored = repo.images.contains_key(&digest);
        let already = || EcrError::ImageAlreadyExists {
            repository_name: name.to_owned(),
            image_digest: digest.clone(),
            image_tag: r.image_tag.clone(),
        };
        match &r.image_tag {
            None if stored => return Err(already()),
            None => {}
            Some(t) => match repo.tags.get(t) {
                Some(on) if *on == digest => {
                    let immutable = repo.mutability.is_immutable(t);
                    return Err(
                        if immutable
                            && self.profile.immutable_repush_error
                                == ImmutableRepushError::ImageTagAlreadyExists
                        {
                            EcrError::ImageTagAlreadyExists {
                                repository_name: name.to_owned(),
                                image_tag: t.clone(),
                                identical: true,
                            }
                        } else {
                            already()
                        },
                    );
                }
                Some(_) if repo.mutability.is_immutable(t) => {
                    return Err(EcrError::ImageTagAlreadyExists {
                        repository_name: name.to_owned(),
                        image_tag: t.clone(),
                        identical: false,
                    });
                }
                // A tag that moves, or a new one.
                Some(_) | None => {}
            },
        }
        // Every check passed: store.
        let pushed_at = self.pushes;
        let registry_id = self.registry_id.clone();
        // REPO-1 passed above: the repository is there.
        let Some(repo) = self.repositories.get_mut(name) else {
            return Err(EcrError::RepositoryNotFound {
                registry_id,
                repository_name: name.to_owned(),
            });
        };
        if !stored {
            self.pushes += 1;
            insert_image(
                repo,
                &digest,
                StoredImage::new(text, &parsed, size, pushed_at),
            );
        }
        if let Some(t) = &r.image_tag {
            // IMG-7: the old image keeps its other tags, or stays untagged; never deleted.
            tag_image(repo, t, &digest);
        }
        let media_type = repo
            .images
            .get(&digest)
            .map(|i| i.media_type.clone())
            .unwrap_or_default();
        Ok(Response::ImagePut(crate::model::image::Image {
            registry_id,
            repository_name: name.to_owned(),
            image_id: ImageName {
                digest,
                tag: r.image_tag.clone(),
            },
            manifest: text.clone(),
            media_type,
        }))
    }

    pub(super) fn batch_get_image(&mut self, r: &BatchGetImage) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let ids = image_ids(&r.image_ids)?;
        if let Some(types) = &r.accepted_media_types
            && !MEDIA_TYPES_PER_REQUEST.contains(&types.len())
        {
            return Err(broken(
                "acceptedMediaTypes",
                "Member must have length between 1 and 100",
            ));
        }
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        let mut seen = BTreeSet::new();
        let mut images = Vec::new();
        let mut failures = Vec::new();
        for id in ids {
            // GET-1: an id asked twice answers once, or each time (knob).
            if self.profile.duplicate_image_ids == DuplicateImageIds::Once && !seen.insert(id) {
                continue;
            }
            match resolve(repo, id) {
                Ok(d) => {
                    let img = &repo.images[&d];
                    images.push(crate::model::image::Image {
                        registry_id: self.registry_id.clone(),
                        repository_name: name.to_owned(),
                        image_id: ImageName {
                            digest: d.clone(),
                            tag: id.image_tag.clone(),
                        },
                        manifest: img.manifest.clone(),
                        media_type: img.media_type.clone(),
                    });
                }
                Err(code) => failures.push(ImageFailure {
                    image_id: id.clone(),
                    code,
                }),
            }
        }
        Ok(Response::Images { images, failures })
    }

    pub(super) fn download_url(&mut self, r: &GetDownloadUrlForLayer) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let digest = validate::required("layerDigest", &r.layer_digest)?;
        if !is_layer_digest(digest) {
            return Err(broken(
                "layerDigest",
                "Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+",
            ));
        }
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        // URL-1.
        if !repo.layers.contains_key(digest) {
            return Err(EcrError::LayersNotFound {
                repository_name: name.to_owned(),
                layer_digests: vec![digest.clone()],
            });
        }
        if !repo.references.contains_key(digest) {
            return Err(EcrError::LayerInaccessible {
                layer_digest: digest.clone(),
            });
        }
        Ok(Response::DownloadUrl {
            download_url: format!(
                "{}/{}/{name}/{digest}",
                self.download_base, self.registry_id
            ),
            layer_digest: digest.clone(),
        })
    }

    pub(super) fn batch_delete_image(&mut self, r: &BatchDeleteImage) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let ids = image_ids(&r.image_ids)?;
        self.check_registry(&r.registry_id, name)?;
        self.repository(name)?;
        let per_tag = self.profile.deleted_ids == DeletedIds::PerTag;
        let Some(repo) = self.repositories.get_mut(name) else {
            return Ok(Response::ImagesDeleted {
                image_ids: Vec::new(),
                failures: Vec::new(),
            });
        };
        let mut deleted = Vec::new();
        let mut failures = Vec::new();
        for id in ids {
            let fail = |code| ImageFailure {
                image_id: id.clone(),
                code,
            };
            let digest = match resolve(repo, id) {
                Ok(d) => d,
                Err(code) => {
                    failures.push(fail(code));
                    continue;
                }
            };
            let last_tag = repo.images[&digest].tags.len() <= 1;
            let goes = id.image_tag.is_none() || last_tag;
            // DEL-1: an image an index of the repository names stays while the index does.
            if goes && is_child(repo, &digest) {
                failures.push(fail(ImageFailureCode::ImageReferencedByManifestList));
                continue;
            }
            match &id.image_tag {
                Some(t) => {
                    repo.tags.remove(t);
                    if let Some(img) = repo.images.get_mut(&digest) {
                        img.tags.remove(t);
                    }
                    if last_tag {
                        remove_image(repo, &digest);
                    }
                    deleted.push(ImageName {
                        digest,
                        tag: Some(t.clone()),
                    });
                }
                None => {
                    let tags = remove_image(repo, &digest);
                    if per_tag && !tags.is_empty() {
                        deleted.extend(tags.into_iter().map(|t| ImageName {
                            digest: digest.clone(),
                            tag: Some(t),
                        }));
                    } else {
                        deleted.push(ImageName { digest, tag: None });
                    }
                }
            }
        }
        Ok(Response::ImagesDeleted {
            image_ids: deleted,
            failures,
        })
    }

    fn detail(&self, name: &str, digest: &str, img: &StoredImage) -> ImageDetail {
        ImageDetail {
            registry_id: self.registry_id.clone(),
            repository_name: name.to_owned(),
            digest: digest.to_owned(),
            tags: img.tags.iter().cloned().collect(),
            size: img.size,
            pushed_at: img.pushed_at,
            media_type: img.media_type.clone(),
            artifact_media_type: img.artifact_media_type.clone(),
        }
    }

    pub(super) fn describe_images(&mut self, r: &DescribeImages) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let rule = RuleId::List2;
        if let Some(ids) = &r.image_ids {
            image_ids(&r.image_ids)?;
            if r.next_token.is_some() || r.max_results.is_some() {
                return Err(by_rule(
                    rule,
                    "imageIds",
                    "imageIds cannot be used with nextToken or maxResults",
                ));
            }
            for id in ids {
                if id.image_digest.is_none() && id.image_tag.is_none() {
                    return Err(by_rule(
                        rule,
                        "imageIds",
                        "both tag and digest cannot be null",
                    ));
                }
            }
        }
        let page = max_results(r.max_results, rule)?;
        let status = tag_status(&r.filter, rule)?;
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        if let Some(ids) = &r.image_ids {
            let mut seen = BTreeSet::new();
            let mut details = Vec::new();
            for id in ids {
                let digest = match resolve(repo, id) {
                    Ok(d) => d,
                    Err(ImageFailureCode::InvalidImageDigest) => {
                        return Err(by_rule(
                            rule,
                            "imageIds.imageDigest",
                            "Invalid image digest",
                        ));
                    }
                    Err(ImageFailureCode::InvalidImageTag) => {
                        return Err(by_rule(
                            RuleId::Img8,
                            "imageIds.imageTag",
                            "must satisfy regular expression '[a-zA-Z0-9-_.]+'",
                        ));
                    }
                    Err(_) => {
                        return Err(EcrError::ImageNotFound {
                            repository_name: name.to_owned(),
                            image_id: id.clone(),
                        });
                    }
                };
                if seen.insert(digest.clone()) {
                    details.push(self.detail(name, &digest, &repo.images[&digest]));
                }
            }
            return Ok(Response::ImageDetails {
                details,
                next_token: None,
            });
        }
        let listing = format!("d{}", status.code());
        let start = match &r.next_token {
            Some(t) => Some(Self::page_position(&listing, t, rule)?),
            None => None,
        };
        let mut kept = repo
            .images
            .range::<String, _>((
                start.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
                std::ops::Bound::Unbounded,
            ))
            .filter(|(_, img)| status.keeps(img));
        let details: Vec<ImageDetail> = kept
            .by_ref()
            .take(page)
            .map(|(d, img)| self.detail(name, d, img))
            .collect();
        let next_token = match (kept.next(), details.last()) {
            (Some(_), Some(last)) => Some(Self::page_token(&listing, &last.digest)),
            _ => None,
        };
        Ok(Response::ImageDetails {
            details,
            next_token,
        })
    }

    pub(super) fn list_images(&mut self, r: &ListImages) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let rule = RuleId::List1;
        let page = max_results(r.max_results, rule)?;
        let status = tag_status(&r.filter, rule)?;
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        let listing = format!("l{}", status.code());
        // A position is `digest` + '\n' + `tag` (empty for an untagged image): rows are
        // ordered by digest, then tag.
        let start = match &r.next_token {
            Some(t) => {
                let p = Self::page_position(&listing, t, rule)?;
                let (d, tag) = p.split_once('\n').unwrap_or((p.as_str(), ""));
                Some((d.to_owned(), tag.to_owned()))
            }
            None => None,
        };
        let from = start.as_ref().map_or(std::ops::Bound::Unbounded, |(d, _)| {
            std::ops::Bound::Included(d.clone())
        });
        let mut rows = repo
            .images
            .range::<String, _>((from, std::ops::Bound::Unbounded))
            .filter(|(_, img)| status.keeps(img))
            .flat_map(|(d, img)| {
                let tags: Vec<Option<&String>> = if img.tags.is_empty() {
                    vec![None]
                } else {
                    img.tags.iter().map(Some).collect()
                };
                tags.into_iter().map(move |t| (d, t))
            })
            .filter(|(d, t)| match &start {
                Some((sd, st)) => {
                    (d.as_str(), t.map_or("", String::as_str)) > (sd.as_str(), st.as_str())
                }
                None => true,
            });
        let image_ids: Vec<ImageName> = rows
            .by_ref()
            .take(page)
            .map(|(d, t)| ImageName {
                digest: d.clone(),
                tag: t.cloned(),
            })
            .collect();
        let next_token = match (rows.next(), image_ids.last()) {
            (Some(_), Some(last)) => Some(Self::page_token(
                &listing,
                &format!("{}\n{}", last.digest, last.tag.as_deref().unwrap_or("")),
            )),
            _ => None,
        };
        Ok(Response::ImageIds {
            image_ids,
            next_token,
        })
    }

    pub(super) fn put_tag_mutability(&mut self, r: &PutImageTagMutability) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let kind = validate::required("imageTagMutability", &r.image_tag_mutability)?;
        let setting = mutability(
            Some(kind),
            r.image_tag_mutability_exclusion_filters.as_deref(),
        )?;
        self.check_registry(&r.registry_id, name)?;
        self.repository(name)?;
        if let Some(repo) = self.repositories.get_mut(name) {
            // MUT-1: later pushes only; the tags in place stay where they are.
            repo.mutability = setting.clone();
        }
        Ok(Response::TagMutability {
            registry_id: self.registry_id.clone(),
            repository_name: name.to_owned(),
            mutability: setting,
        })
    }
}

/// The size of an image manifest's blobs (each distinct one once), as the repository holds
/// them (LIST-2).
fn blobs_size(repo: &Repository, parsed: &manifest::Manifest) -> u64 {
    let distinct: BTreeSet<&str> = parsed.blobs().collect();
    distinct.iter().filter_map(|d| repo.layers.get(*d)).sum()
}

/// Puts `tag` on `digest`, taking it off the image it was on (which stays, IMG-7).
fn tag_image(repo: &mut Repository, tag: &str, digest: &str) {
    if let Some(old) = repo.tags.insert(tag.to_owned(), digest.to_owned())
        && let Some(img) = repo.images.get_mut(&old)
    {
        img.tags.remove(tag);
    }
    if let Some(img) = repo.images.get_mut(digest) {
        img.tags.insert(tag.to_owned());
    }
}

fn insert_image(repo: &mut Repository, digest: &str, image: StoredImage) {
    for b in image.blobs.iter().collect::<BTreeSet<_>>() {
        *repo.references.entry(b.clone()).or_default() += 1;
    }
    repo.images.insert(digest.to_owned(), image);
}

/// Removes an image and its tags; returns the tags it had.
fn remove_image(repo: &mut Repository, digest: &str) -> Vec<String> {
    let Some(image) = repo.images.remove(digest) else {
        return Vec::new();
    };
    for b in image.blobs.iter().collect::<BTreeSet<_>>() {
        if let Some(n) = repo.references.get_mut(b) {
            *n -= 1;
            if *n == 0 {
                repo.references.remove(b);
            }
        }
    }
    for t in &image.tags {
        repo.tags.remove(t);
    }
    image.tags.into_iter().collect()
}

fn is_child(repo: &Repository, digest: &str) -> bool {
    repo.images
        .iter()
        .any(|(d, img)| d != digest && img.children.iter().any(|c| c == digest))
}

/// Read access and resynchronising for the image state (the runner's judge and tests).
impl Registry {
    /// The digests of a repository's images, sorted.
    pub fn image_digests(&self, repository: &str) -> impl Iterator<Item = &str> {
        self.repositories
            .get(repository)
            .into_iter()
            .flat_map(|r| r.images.keys().map(String::as_str))
    }

    /// The manifest of a stored image, as it was sent.
    pub fn image_manifest(&self, repository: &str, digest: &str) -> Option<&str> {
        self.repositories
            .get(repository)?
            .images
            .get(digest)
            .map(|i| i.manifest.as_str())
    }

    /// The digest a tag is on.
    pub fn tag_digest(&self, repository: &str, tag: &str) -> Option<&str> {
        self.repositories
            .get(repository)?
            .tags
            .get(tag)
            .map(String::as_str)
    }

    /// How many images a repository holds.
    pub fn image_count(&self, repository: &str) -> usize {
        self.repositories
            .get(repository)
            .map_or(0, |r| r.images.len())
    }

    /// The target evidently stored this manifest (and moved this tag onto it): the model
    /// does so, whatever its checks said; a manifest it cannot read is kept as an image
    /// that references nothing. False when there is no manifest or no such repository.
    pub fn adopt_image(&mut self, repository: &str, r: &PutImage) -> bool {
        let Some(text) = &r.image_manifest else {
            return false;
        };
        let parsed = manifest::parse(text, r.image_manifest_media_type.as_deref(), true)
            .unwrap_or_else(|_| manifest::Manifest {
                media_type: r.image_manifest_media_type.clone().unwrap_or_default(),
                kind: ManifestKind::Image,
                config: None,
                layers: Vec::new(),
                children: Vec::new(),
            });
        let digest = digest_of(text.as_bytes());
        let pushed_at = self.pushes;
        let Some(repo) = self.repositories.get_mut(repository) else {
            return false;
        };
        if !repo.images.contains_key(&digest) {
            self.pushes += 1;
            let size = blobs_size(repo, &parsed);
            insert_image(
                repo,
                &digest,
                StoredImage::new(text, &parsed, size, pushed_at),
            );
        }
        if let Some(t) = &r.image_tag {
            tag_image(repo, t, &digest);
        }
        true
    }

    /// The target evidently removed these names: a name with a tag untags (the image
    /// goes with its last tag), a digest alone removes the image.
    pub fn adopt_deletions(&mut self, repository: &str, names: &[ImageName]) {
        let Some(repo) = self.repositories.get_mut(repository) else {
            return;
        };
        for n in names {
            match &n.tag {
                Some(t) => {
                    let on = repo.tags.remove(t);
                    let d = on.unwrap_or_else(|| n.digest.clone());
                    let empty = repo.images.get_mut(&d).is_some_and(|img| {
                        img.tags.remove(t);
                        img.tags.is_empty()
                    });
                    if empty {
                        remove_image(repo, &d);
                    }
                }
                None => {
                    remove_image(repo, &n.digest);
                }
            }
        }
    }

    /// The target evidently changed the repository's tag mutability.
    pub fn adopt_mutability(&mut self, repository: &str, setting: TagMutability) {
        if let Some(repo) = self.repositories.get_mut(repository) {
            repo.mutability = setting;
        }
    }
}
