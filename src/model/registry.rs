//! The registry: a clonable value and its one transition function, [`Registry::apply`].
//!
//! Checks run in the spec's order (WIRE, VAL, REPO, then the operation's rules as listed)
//! and every check runs before anything changes, so a rejected request changes nothing
//! (STATE-1) unless a profile knob says otherwise.

use std::collections::BTreeMap;

mod images;

pub use images::is_image_tag;

use super::image::{StoredImage, TagMutability};

use super::digest::{is_layer_digest, names_content};
use super::limits::{DEFAULT_REGION, DEFAULT_REGISTRY_ID};
use super::outcome::{
    EcrError, FailureCode, LayerFailure, LayerInfo, Outcome, ParameterProblem, PartProblem,
    RepositoryInfo, Response,
};
use super::profile::BlobPadding;
use super::profile::{
    DigestListMeaning, FailedCompletion, ForeignRegistryError, LayerLookup, MalformedRequestError,
    NothingReceivedYet, PartErrorChoice, Profile, UnreferencedLayerCheck, UploadIdCase,
};
use super::request::{
    BatchCheckLayerAvailability, CompleteLayerUpload, CreateRepository, DeleteRepository,
    InitiateLayerUpload, Request, UploadLayerPart,
};
use super::upload::Upload;
use super::validate;

/// A repository: its stored layers (digest `sha256:<lower hex>` to size in bytes), its
/// images by digest, its tags, how many images reference each blob, and its tag mutability.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Repository {
    layers: BTreeMap<String, u64>,
    images: BTreeMap<String, StoredImage>,
    tags: BTreeMap<String, String>,
    references: BTreeMap<String, usize>,
    mutability: TagMutability,
}

/// Where download URLs point by default: a host that never resolves (`.invalid`), so a
/// client that follows one fails at once instead of reaching a real service.
pub const DEFAULT_DOWNLOAD_BASE: &str = "https://layers.ecr-conformance.invalid";

/// The whole state of one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    profile: Profile,
    registry_id: String,
    region: String,
    repositories: BTreeMap<String, Repository>,
    uploads: BTreeMap<String, Upload>,
    id_seed: u64,
    minted: u64,
    /// Images stored so far: the logical clock of `imagePushedAt`.
    pushes: u64,
    /// Where `GetDownloadUrlForLayer` points (URL-1): `<base>/<registry>/<repo>/<digest>`.
    download_base: String,
    /// What a keeper of the bytes has yet to write (§11), when asked for.
    journal: super::kept::Journal,
    /// Registry-door passwords issued (REG-1), to the epoch second they expire.
    tokens: BTreeMap<String, u64>,
    /// Tokens minted so far.
    minted_tokens: u64,
    /// The registry's clock, epoch seconds: the model has none, so whoever runs it sets it
    /// (the fake, to the time of each request).
    now: u64,
    /// How long a token is good for.
    token_lifetime: u64,
    /// `proxyEndpoint` of a token, when not ECR's own host name.
    proxy_endpoint: Option<String>,
}

/// Issued tokens kept at most; past it the soonest to expire goes first.
const MAX_TOKENS: usize = 10_000;

impl Registry {
    /// An empty registry with the default identity (`012345678910`, `us-east-1`).
    pub fn new(profile: Profile) -> Self {
        Registry {
            profile,
            registry_id: DEFAULT_REGISTRY_ID.to_owned(),
            region: DEFAULT_REGION.to_owned(),
            repositories: BTreeMap::new(),
            uploads: BTreeMap::new(),
            id_seed: 0,
            minted: 0,
            pushes: 0,
            download_base: DEFAULT_DOWNLOAD_BASE.to_owned(),
            journal: super::kept::Journal::default(),
            tokens: BTreeMap::new(),
            minted_tokens: 0,
            now: 0,
            token_lifetime: super::limits::TOKEN_LIFETIME_SECS,
            proxy_endpoint: None,
        }
    }

    /// Sets the registry's clock (epoch seconds), which token expiry reads (REG-1).
    pub fn set_clock(&mut self, epoch_secs: u64) {
        self.now = epoch_secs;
    }

    /// The registry's clock, epoch seconds.
    pub fn clock(&self) -> u64 {
        self.now
    }

    /// The same registry issuing tokens good for `secs` (default 12 hours).
    pub fn with_token_lifetime(mut self, secs: u64) -> Self {
        self.token_lifetime = secs;
        self
    }

    /// How long the tokens this registry issues live, in seconds.
    pub fn token_lifetime(&self) -> u64 {
        self.token_lifetime
    }

    /// The same registry naming `url` as its tokens' `proxyEndpoint` (the fake's own
    /// address; default ECR's `https://<registry>.dkr.ecr.<region>.amazonaws.com`).
    pub fn with_proxy_endpoint(mut self, url: &str) -> Self {
        self.proxy_endpoint = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// When the token whose password is `password` expires (epoch seconds), if this registry
    /// issued it (REG-1).
    pub fn token_expiry(&self, password: &str) -> Option<u64> {
        self.tokens.get(password).copied()
    }

    /// The same registry listing what a keeper of layer bytes must write as it applies
    /// requests (parts accepted, layers completed, uploads dropped; spec §11), for
    /// [`Registry::take_kept`]. A registry that serves blobs needs it; a model that only
    /// judges does not.
    pub fn keep_bytes(mut self) -> Self {
        self.journal = super::kept::Journal::on();
        self
    }

    /// What happened to bytes since the last call, in order (empty unless
    /// [`Registry::keep_bytes`]).
    pub fn take_kept(&mut self) -> Vec<super::Kept> {
        self.journal.take()
    }

    /// Sets the registry id and region.
    pub fn with_identity(mut self, registry_id: &str, region: &str) -> Self {
        registry_id.clone_into(&mut self.registry_id);
        region.clone_into(&mut self.region);
        self
    }

    /// Sets where `GetDownloadUrlForLayer` points (the fake's own store, say).
    pub fn with_download_base(mut self, base: &str) -> Self {
        base.trim_end_matches('/')
            .clone_into(&mut self.download_base);
        self
    }

    /// Seeds the upload ids this registry mints; two registries with the same seed mint the
    /// same ids, in the same order.
    pub fn with_id_seed(mut self, seed: u64) -> Self {
        self.id_seed = seed;
        self
    }

    /// The same registry under another profile (a replay of a case under other knobs).
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The registry's own id.
    pub fn registry_id(&self) -> &str {
        &self.registry_id
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Whether the repository exists.
    pub fn has_repository(&self, name: &str) -> bool {
        self.repositories.contains_key(name)
    }

    /// The names of all repositories, sorted.
    pub fn repository_names(&self) -> impl Iterator<Item = &str> {
        self.repositories.keys().map(String::as_str)
    }

    /// The open upload with exactly this id.
    pub fn upload(&self, upload_id: &str) -> Option<&Upload> {
        self.uploads.get(upload_id)
    }

    /// A clone of the open upload's running hash, to carry over a part's bytes while they
    /// arrive (see [`super::SpeculativeHash`]).
    pub fn speculate(&self, upload_id: &str) -> Option<super::SpeculativeHash> {
        self.uploads.get(upload_id).map(Upload::speculate)
    }

    /// The ids of all open uploads, sorted.
    pub fn upload_ids(&self) -> impl Iterator<Item = &str> {
        self.uploads.keys().map(String::as_str)
    }

    /// The stored layers of a repository, digest and size, sorted by digest.
    pub fn layers(&self, repository: &str) -> impl Iterator<Item = (&str, u64)> {
        self.repositories
            .get(repository)
            .into_iter()
            .flat_map(|r| r.layers.iter().map(|(d, s)| (d.as_str(), *s)))
    }

    /// The size of a stored layer.
    pub fn layer_size(&self, repository: &str, digest: &str) -> Option<u64> {
        self.repositories
            .get(repository)?
            .layers
            .get(digest)
            .copied()
    }

    /// Opens an upload with a known id, as if `InitiateLayerUpload` had minted it (the seed
    /// example replays with its own id). Fails on a bad id, an unknown repository, or an id
    /// already open.
    pub fn open_upload(&mut self, repository: &str, upload_id: &str) -> Result<(), EcrError> {
        validate::upload_id(&Some(upload_id.to_owned()))?;
        self.repository(repository)?;
        if self.uploads.contains_key(upload_id) {
            return Err(EcrError::InvalidParameter {
                member: "uploadId".to_owned(),
                problem: ParameterProblem::Constraint("upload id already in use".to_owned()),
            });
        }
        self.uploads
            .insert(upload_id.to_owned(), Upload::new(repository));
        Ok(())
    }

    /// The one transition function: the answer to `request`, and the state after it.
    pub fn apply(&mut self, request: &Request) -> Outcome {
        match request {
            Request::UnknownOperation { target } => Err(EcrError::UnknownOperation {
                target: target.clone(),
            }),
            Request::Malformed { detail } => Err(self.malformed(detail.clone())),
            Request::CreateRepository(r) => self.create_repository(r),
            Request::DeleteRepository(r) => self.delete_repository(r),
            Request::InitiateLayerUpload(r) => self.initiate(r),
            Request::UploadLayerPart(r) => self.upload_part(r),
            Request::CompleteLayerUpload(r) => self.complete(r),
            Request::BatchCheckLayerAvailability(r) => self.batch_check(r),
            Request::PutImage(r) => self.put_image(r),
            Request::BatchGetImage(r) => self.batch_get_image(r),
            Request::GetDownloadUrlForLayer(r) => self.download_url(r),
            Request::BatchDeleteImage(r) => self.batch_delete_image(r),
            Request::DescribeImages(r) => self.describe_images(r),
            Request::ListImages(r) => self.list_images(r),
            Request::PutImageTagMutability(r) => self.put_tag_mutability(r),
            Request::GetAuthorizationToken(r) => self.authorization_token(r),
        }
    }

    /// WIRE-2: the exception for an undecodable body, as the profile chooses.
    fn malformed(&self, detail: String) -> EcrError {
        match self.profile.malformed_request_error {
            MalformedRequestError::Serialization => EcrError::Serialization { detail },
            MalformedRequestError::InvalidParameter => EcrError::InvalidParameter {
                member: "body".to_owned(),
                problem: ParameterProblem::Constraint(detail),
            },
        }
    }

    fn describe(&self, name: &str) -> RepositoryInfo {
        RepositoryInfo {
            image_tag_mutability: None,
            repository_arn: format!(
                "arn:aws:ecr:{}:{}:repository/{name}",
                self.region, self.registry_id
            ),
            registry_id: self.registry_id.clone(),
            repository_name: name.to_owned(),
            repository_uri: format!(
                "{}.dkr.ecr.{}.amazonaws.com/{name}",
                self.registry_id, self.region
            ),
        }
    }

    /// VAL for the common members, then REPO-1's registry check.
    fn target_repository<'a>(
        &self,
        registry_id: &Option<String>,
        repository_name: &'a Option<String>,
    ) -> Result<&'a str, EcrError> {
        validate::registry_id(registry_id)?;
        let name =
            validate::repository_name(repository_name, self.profile.repository_name_pattern)?;
        Ok(name)
    }

    /// REPO-1: the registry must be this one.
    fn check_registry(&self, registry_id: &Option<String>, name: &str) -> Result<(), EcrError> {
        match registry_id {
            Some(id) if *id != self.registry_id => Err(match self.profile.foreign_registry_error {
                ForeignRegistryError::RepositoryNotFound => EcrError::RepositoryNotFound {
                    registry_id: id.clone(),
                    repository_name: name.to_owned(),
                },
                ForeignRegistryError::AccessDenied => EcrError::AccessDenied {
                    registry_id: id.clone(),
                },
            }),
            _ => Ok(()),
        }
    }

    /// REPO-1: the repository must exist.
    fn repository(&self, name: &str) -> Result<&Repository, EcrError> {
        self.repositories
            .get(name)
            .ok_or_else(|| EcrError::RepositoryNotFound {
                registry_id: self.registry_id.clone(),
                repository_name: name.to_owned(),
            })
    }

    /// PART-1 / DONE-1: the open upload with this id, bound to this repository. Returns
    /// the key it is stored under (which differs from `id` in case-insensitive profiles).
    fn find_upload(&self, repository: &str, id: &str) -> Result<String, EcrError> {
        let key = match self.profile.upload_id_case {
            UploadIdCase::Exact => self.uploads.contains_key(id).then(|| id.to_owned()),
            UploadIdCase::Insensitive => self
                .uploads
                .keys()
                .find(|k| k.eq_ignore_ascii_case(id))
                .cloned(),
        };
        match key {
            Some(k) if self.uploads[&k].repository() == repository => Ok(k),
            _ => Err(EcrError::UploadNotFound {
                upload_id: id.to_owned(),
            }),
        }
    }

    fn create_repository(&mut self, r: &CreateRepository) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        // MUT-1: an absent setting is MUTABLE.
        let mutability = images::mutability(
            r.image_tag_mutability.as_deref(),
            r.image_tag_mutability_exclusion_filters.as_deref(),
        )?;
        self.check_registry(&r.registry_id, name)?;
        if self.repositories.contains_key(name) {
            return Err(EcrError::RepositoryAlreadyExists {
                registry_id: self.registry_id.clone(),
                repository_name: name.to_owned(),
            });
        }
        self.repositories.insert(
            name.to_owned(),
            Repository {
                mutability: mutability.clone(),
                ..Repository::default()
            },
        );
        let mut info = self.describe(name);
        info.image_tag_mutability = Some(mutability);
        Ok(Response::Repository(info))
    }

    fn delete_repository(&mut self, r: &DeleteRepository) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        let force = r.force.unwrap_or(false);
        // ADMIN-2: images make a repository not empty; layers alone only under the knob.
        let not_empty = !repo.images.is_empty()
            || (self.profile.delete_with_layers_needs_force && !repo.layers.is_empty());
        if !force && not_empty {
            return Err(EcrError::RepositoryNotEmpty {
                registry_id: self.registry_id.clone(),
                repository_name: name.to_owned(),
            });
        }
        self.repositories.remove(name);
        let journal = &mut self.journal;
        self.uploads.retain(|id, u| {
            let keep = u.repository() != name;
            if !keep {
                journal.push(|| super::Kept::Dropped {
                    upload_id: id.clone(),
                });
            }
            keep
        });
        Ok(Response::Repository(self.describe(name)))
    }

    /// REG-1: a fresh password, good for the token lifetime from the registry's clock (the
    /// wire writes the token, base64 of `AWS:<password>`); one entry per registry id asked for (each 12 digits, 1 to
    /// 10 of them), else one for this registry.
    fn authorization_token(&mut self, r: &super::request::GetAuthorizationToken) -> Outcome {
        let constraint = |problem: &str| EcrError::InvalidParameter {
            member: "registryIds".to_owned(),
            problem: ParameterProblem::Constraint(problem.to_owned()),
        };
        let ids = match &r.registry_ids {
            None => vec![self.registry_id.clone()],
            Some(ids) if ids.is_empty() => {
                return Err(constraint(
                    "Member must have length greater than or equal to 1",
                ));
            }
            Some(ids) if ids.len() > 10 => {
                return Err(constraint(
                    "Member must have length less than or equal to 10",
                ));
            }
            Some(ids) => {
                if ids.iter().any(|id| !validate::is_registry_id(id)) {
                    return Err(constraint(
                        "Member must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]{12}]",
                    ));
                }
                ids.clone()
            }
        };
        let n = self.minted_tokens;
        self.minted_tokens += 1;
        let stream = self.id_seed ^ 0x746f_6b65_6e73_0000; // apart from the upload ids
        let password = format!(
            "{:016x}{:016x}{:016x}",
            splitmix64(stream ^ n.wrapping_mul(3)),
            splitmix64(stream ^ n.wrapping_mul(3).wrapping_add(1)),
            splitmix64(stream ^ n.wrapping_mul(3).wrapping_add(2))
        );
        let expires_at = self.now.saturating_add(self.token_lifetime);
        // An expired token stays known for one lifetime more, so that it is answered as
        // expired (403) rather than unknown (401).
        let forget_before = self.now.saturating_sub(self.token_lifetime);
        self.tokens.retain(|_, expiry| *expiry > forget_before);
        while self.tokens.len() >= MAX_TOKENS {
            let soonest = self
                .tokens
                .iter()
                .min_by_key(|(_, e)| **e)
                .map(|(p, _)| p.clone());
            match soonest {
                Some(p) => self.tokens.remove(&p),
                None => break,
            };
        }
        self.tokens.insert(password.clone(), expires_at);
        let data = ids
            .iter()
            .map(|id| super::outcome::AuthorizationData {
                password: password.clone(),
                expires_at,
                proxy_endpoint: self.proxy_endpoint.clone().unwrap_or_else(|| {
                    format!("https://{id}.dkr.ecr.{}.amazonaws.com", self.region)
                }),
            })
            .collect();
        Ok(Response::AuthorizationToken { data })
    }

    /// The next fresh upload id (INIT-1): a 128-bit value from the seed and a counter,
    /// formatted in the `UploadId` pattern.
    fn mint_upload_id(&mut self) -> String {
        loop {
            let n = self.minted;
            self.minted += 1;
            let hi = splitmix64(self.id_seed ^ n.wrapping_mul(2));
            let lo = splitmix64(self.id_seed ^ n.wrapping_mul(2).wrapping_add(1));
            let hex = format!("{hi:016x}{lo:016x}");
            let id = format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            );
            // A known id opened by `open_upload` may already hold this value.
            if !self.uploads.contains_key(&id) {
                return id;
            }
        }
    }

    fn initiate(&mut self, r: &InitiateLayerUpload) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        self.check_registry(&r.registry_id, name)?;
        self.repository(name)?;
        let id = self.mint_upload_id();
        self.uploads.insert(id.clone(), Upload::new(name));
        Ok(Response::UploadInitiated {
            upload_id: id,
            part_size: self.profile.advertised_part_size,
        })
    }

    fn invalid_part(
        &self,
        name: &str,
        key: &str,
        upload_id: &str,
        problem: PartProblem,
    ) -> EcrError {
        let last = self.uploads[key].last_valid_byte();
        let last_valid_byte_received = match (last, self.profile.nothing_received_yet) {
            (Some(b), _) => i64::try_from(b).ok(),
            (None, NothingReceivedYet::Omitted) => None,
            (None, NothingReceivedYet::Zero) => Some(0),
            (None, NothingReceivedYet::MinusOne) => Some(-1),
        };
        EcrError::InvalidLayerPart {
            registry_id: self.registry_id.clone(),
            repository_name: name.to_owned(),
            upload_id: upload_id.to_owned(),
            last_valid_byte_received,
            problem,
        }
    }

    fn upload_part(&mut self, r: &UploadLayerPart) -> Outcome {
        // WIRE-2: the whole body is decoded before VAL, the blob's padding included.
        if let Some(blob) = &r.layer_part_blob
            && !blob.padded
            && self.profile.blob_padding == BlobPadding::Required
        {
            return Err(self.malformed("layerPartBlob: base64 without its '=' padding".to_owned()));
        }
        // VAL, in member order.
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let id = validate::upload_id(&r.upload_id)?;
        let first = validate::byte_position("partFirstByte", &r.part_first_byte)?;
        let last = validate::byte_position("partLastByte", &r.part_last_byte)?;
        let blob = validate::required("layerPartBlob", &r.layer_part_blob)?;
        let max = self.profile.max_part_bytes;
        let oversize = blob.len() as u64 > max;
        if oversize && self.profile.oversize_part_error == PartErrorChoice::InvalidParameter {
            return Err(validate::oversize_blob(blob.len(), max));
        }
        // REPO-1.
        self.check_registry(&r.registry_id, name)?;
        self.repository(name)?;
        // PART-1.
        let key = self.find_upload(name, id)?;
        // PART-2 where the profile makes it a layer-part error.
        if oversize {
            let len = blob.len() as u64;
            return Err(self.invalid_part(name, &key, id, PartProblem::Oversize { len, max }));
        }
        // PART-3.
        let expected = self.uploads[&key].received();
        if u64::try_from(first).ok() != Some(expected) {
            let problem = PartProblem::WrongStart {
                sent: first,
                expected,
            };
            return Err(self.invalid_part(name, &key, id, problem));
        }
        // PART-4. i128 because last - first + 1 overflows i64 at the extremes.
        let span = i128::from(last) - i128::from(first) + 1;
        if span < 1 || span != blob.len() as i128 {
            let problem = PartProblem::RangeMismatch {
                first,
                last,
                len: blob.len() as u64,
            };
            return Err(match self.profile.range_mismatch_error {
                PartErrorChoice::InvalidLayerPart => self.invalid_part(name, &key, id, problem),
                PartErrorChoice::InvalidParameter => EcrError::InvalidParameter {
                    member: "partLastByte".to_owned(),
                    problem: ParameterProblem::Part(problem),
                },
            });
        }
        // PART-6.
        if let Some(upload) = self.uploads.get_mut(&key) {
            upload.append(blob);
            self.journal.push(|| super::Kept::Part {
                upload_id: key.clone(),
                blob: blob.clone(),
            });
        }
        Ok(Response::PartAccepted {
            registry_id: self.registry_id.clone(),
            repository_name: name.to_owned(),
            upload_id: id.to_owned(),
            last_byte_received: last,
        })
    }

    fn complete(&mut self, r: &CompleteLayerUpload) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let id = validate::upload_id(&r.upload_id)?;
        let digests = validate::layer_digests(&r.layer_digests)?;
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        // DONE-1.
        let key = self.find_upload(name, id)?;
        let upload = &self.uploads[&key];
        let failure = if upload.received() == 0 {
            // DONE-2.
            Some(EcrError::EmptyUpload {
                upload_id: id.to_owned(),
            })
        } else if upload.has_short_part_before_last() {
            // DONE-3.
            Some(EcrError::LayerPartTooSmall {
                upload_id: id.to_owned(),
            })
        } else {
            None
        };
        let actual = upload.digest();
        let size = upload.received();
        let failure = failure.or_else(|| {
            // DONE-4.
            let matches = |d: &String| names_content(d, &actual);
            let ok = match self.profile.digest_list_meaning {
                DigestListMeaning::AllMustMatch => digests.iter().all(matches),
                DigestListMeaning::AnyMayMatch => digests.iter().any(matches),
            };
            (!ok).then(|| EcrError::InvalidLayer {
                upload_id: id.to_owned(),
                actual_digest: actual.clone(),
            })
        });
        // DONE-5.
        let failure = failure.or_else(|| {
            repo.layers
                .contains_key(&actual)
                .then(|| EcrError::LayerAlreadyExists {
                    layer_digest: actual.clone(),
                })
        });
        if let Some(e) = failure {
            if self.profile.failed_completion == FailedCompletion::ConsumesUpload {
                self.uploads.remove(&key);
                self.journal.push(|| super::Kept::Dropped {
                    upload_id: key.clone(),
                });
            }
            return Err(e);
        }
        // DONE-6.
        self.uploads.remove(&key);
        self.journal.push(|| super::Kept::Layer {
            upload_id: key.clone(),
            digest: actual.clone(),
        });
        if let Some(repo) = self.repositories.get_mut(name) {
            repo.layers.insert(actual.clone(), size);
        }
        Ok(Response::LayerCompleted {
            registry_id: self.registry_id.clone(),
            repository_name: name.to_owned(),
            upload_id: id.to_owned(),
            layer_digest: actual,
        })
    }

    fn batch_check(&mut self, r: &BatchCheckLayerAvailability) -> Outcome {
        let name = self.target_repository(&r.registry_id, &r.repository_name)?;
        let digests = validate::batch_layer_digests(&r.layer_digests)?;
        self.check_registry(&r.registry_id, name)?;
        let repo = self.repository(name)?;
        let mut layers = Vec::new();
        let mut failures = Vec::new();
        for d in digests {
            let found = match self.profile.layer_lookup {
                LayerLookup::Exact => repo.layers.get(d),
                LayerLookup::HexEitherCase => match d.split_once(':') {
                    Some(("sha256", hex)) => repo
                        .layers
                        .get(&format!("sha256:{}", hex.to_ascii_lowercase())),
                    _ => repo.layers.get(d),
                },
            };
            if let Some(&size) = found {
                // CHECK-1, and CHECK-3 for a layer no image references.
                let referenced = match self.profile.layer_lookup {
                    LayerLookup::Exact => repo.references.contains_key(d),
                    LayerLookup::HexEitherCase => {
                        repo.references.contains_key(&d.to_ascii_lowercase())
                    }
                };
                let available = referenced
                    || self.profile.unreferenced_layer_check == UnreferencedLayerCheck::Available;
                layers.push(LayerInfo {
                    layer_digest: d.clone(),
                    layer_size: size,
                    available,
                    referenced,
                });
            } else {
                // CHECK-2.
                let failure_code = if is_layer_digest(d) {
                    FailureCode::MissingLayerDigest
                } else {
                    FailureCode::InvalidLayerDigest
                };
                failures.push(LayerFailure {
                    layer_digest: d.clone(),
                    failure_code,
                });
            }
        }
        Ok(Response::Availability { layers, failures })
    }
}

/// Resynchronising: bringing the model in line with what a target evidently did where it
/// answered otherwise. These are not protocol behaviour and `apply` never calls them; the
/// runner uses them so that a step after a divergence is judged on its own (spec §8).
impl Registry {
    /// The target evidently has this repository (it answered as if it did).
    pub fn adopt_repository(&mut self, name: &str) {
        self.repositories.entry(name.to_owned()).or_default();
    }

    /// The target evidently has no repository of this name, nor its uploads.
    pub fn forget_repository(&mut self, name: &str) {
        self.repositories.remove(name);
        self.uploads.retain(|_, u| u.repository() != name);
    }

    /// The target evidently opened an upload in `repository`: opens one with a fresh id
    /// (and the repository, if the model had none) and returns the id.
    pub fn adopt_upload(&mut self, repository: &str) -> String {
        self.adopt_repository(repository);
        let id = self.mint_upload_id();
        self.uploads.insert(id.clone(), Upload::new(repository));
        id
    }

    /// The key of the open upload with this id, in exact case or else in any case.
    pub fn upload_key_loosely(&self, id: &str) -> Option<String> {
        if self.uploads.contains_key(id) {
            return Some(id.to_owned());
        }
        self.uploads
            .keys()
            .find(|k| k.eq_ignore_ascii_case(id))
            .cloned()
    }

    /// The target evidently has no upload with this id (any letter case).
    pub fn forget_upload(&mut self, id: &str) -> bool {
        match self.upload_key_loosely(id) {
            Some(k) => self.uploads.remove(&k).is_some(),
            None => false,
        }
    }

    /// The target evidently accepted this part: its bytes are appended and the next
    /// expected byte is `last_byte + 1`. False when the model holds no such upload.
    pub fn adopt_part(&mut self, id: &str, blob: &super::PartBlob, last_byte: u64) -> bool {
        let Some(key) = self.upload_key_loosely(id) else {
            return false;
        };
        match self.uploads.get_mut(&key) {
            Some(u) => {
                u.adopt(blob, last_byte);
                true
            }
            None => false,
        }
    }

    /// The target evidently completed this upload and stored `digest` (the model's own
    /// digest of the bytes when the target named none). False when there is no such upload.
    pub fn adopt_layer(&mut self, id: &str, digest: Option<&str>) -> bool {
        let Some(upload) = self
            .upload_key_loosely(id)
            .and_then(|k| self.uploads.remove(&k))
        else {
            return false;
        };
        let digest = digest.map_or_else(|| upload.digest(), str::to_owned);
        self.adopt_repository(upload.repository());
        if let Some(repo) = self.repositories.get_mut(upload.repository()) {
            repo.layers.insert(digest, upload.received());
        }
        true
    }
}

/// SplitMix64: a fixed, well-mixed map from a counter to 64 bits.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
