//! Entities: the pieces of state a rule reads, at the grain it reads them. A step touches
//! the entities its request names; a divergence follows from an earlier one only through
//! an entity whose state the judge could not bring in line.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{Registry, Request, RuleId, StateKind};

/// A piece of state a rule reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// A repository: its existence, and its contents as a whole.
    Repository(String),
    /// One layer of a repository.
    Layer {
        /// The repository.
        repository: String,
        /// The layer's digest.
        digest: String,
    },
    /// An upload, by its model id in lower case: ids in other letter case name the same
    /// upload, so a divergence on an id sent in upper case follows from one on the id.
    Upload(String),
    /// One image of a repository, by its (model) digest.
    Image {
        /// The repository.
        repository: String,
        /// The image's digest.
        digest: String,
    },
    /// One tag of a repository.
    Tag {
        /// The repository.
        repository: String,
        /// The tag.
        tag: String,
    },
    /// A repository's images as a whole, as a listing reads them: unknown when any of its
    /// images or tags is.
    Images(String),
}

impl Entity {
    /// The upload with this (model) id.
    pub fn upload(id: &str) -> Entity {
        Entity::Upload(id.to_ascii_lowercase())
    }

    /// The kind of state it is.
    pub fn kind(&self) -> StateKind {
        match self {
            Entity::Repository(_) => StateKind::Repository,
            Entity::Layer { .. } => StateKind::Layer,
            Entity::Upload(_) => StateKind::Upload,
            Entity::Image { .. } | Entity::Images(_) => StateKind::Image,
            Entity::Tag { .. } => StateKind::Tag,
        }
    }

    /// The repository it lies in, for an image, a tag or a listing.
    fn container(&self) -> Option<&str> {
        match self {
            Entity::Layer { repository, .. }
            | Entity::Image { repository, .. }
            | Entity::Tag { repository, .. }
            | Entity::Images(repository) => Some(repository),
            _ => None,
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::Repository(r) => write!(f, "repository {r}"),
            Entity::Layer { repository, digest } => write!(f, "layer {repository}@{digest}"),
            Entity::Upload(u) => write!(f, "upload {u}"),
            Entity::Image { repository, digest } => write!(f, "image {repository}@{digest}"),
            Entity::Tag { repository, tag } => write!(f, "tag {repository}:{tag}"),
            Entity::Images(r) => write!(f, "images of {r}"),
        }
    }
}

/// The kinds of state a rule's answer depends on (none: it follows from the request alone).
pub fn reads(rule: RuleId) -> &'static [StateKind] {
    use StateKind::{Image, Layer, Repository, Tag, Upload};
    match rule {
        RuleId::Repo1 | RuleId::Admin1 | RuleId::Mut1 => &[Repository],
        RuleId::Admin2 => &[Repository, Image],
        RuleId::Done5 | RuleId::Check1 | RuleId::Check2 | RuleId::Img4 => &[Layer],
        RuleId::Check3 | RuleId::Url1 => &[Layer, Image],
        RuleId::Img5
        | RuleId::Img6
        | RuleId::Img7
        | RuleId::Get1
        | RuleId::Del1
        | RuleId::List1
        | RuleId::List2 => &[Image, Tag],
        RuleId::Part1
        | RuleId::Part3
        | RuleId::Part5
        | RuleId::Done1
        | RuleId::Done2
        | RuleId::Done3
        | RuleId::Done4 => &[Upload],
        RuleId::State1 => &[Repository, Layer, Upload, Image, Tag],
        _ => &[],
    }
}

/// Rules whose answer follows from the request alone: a divergence on a step they decide
/// is its own, whatever came before.
pub(super) fn is_stateless(rule: RuleId) -> bool {
    matches!(
        rule,
        RuleId::Wire1
            | RuleId::Wire2
            | RuleId::Val1
            | RuleId::Val2
            | RuleId::Part2
            | RuleId::Img1
            | RuleId::Img2
            | RuleId::Img3
            | RuleId::Img8
    )
}

/// The entities a request names; for a body the wire layer could not decode, whatever
/// `repositoryName` / `uploadId` strings its text holds. A completion also touches the
/// layer the model would store (the digest of the bytes it holds for the upload).
pub(super) fn entities_of(request: &Request, body: &[u8], model: &Registry) -> Vec<Entity> {
    let scanned = |key: &str| -> Option<String> {
        let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
        let at = text.find(&format!("\"{key}\""))?;
        let rest = &text[at + key.len() + 2..];
        let rest = rest.trim_start().strip_prefix(':')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_owned())
    };
    let undecoded = matches!(
        request,
        Request::UnknownOperation { .. } | Request::Malformed { .. }
    );
    let (repo, upload) = if undecoded {
        (scanned("repositoryName"), scanned("uploadId"))
    } else {
        (
            request.repository().map(str::to_owned),
            request.upload_id().map(str::to_owned),
        )
    };
    let mut out = Vec::new();
    if let Some(r) = &repo {
        out.push(Entity::Repository(r.clone()));
        for d in request.layer_digests() {
            out.push(Entity::Layer {
                repository: r.clone(),
                digest: d.clone(),
            });
        }
        if let (Request::CompleteLayerUpload(_), Some(u)) = (request, &upload)
            && let Some(held) = model.upload_key_loosely(u).and_then(|k| model.upload(&k))
        {
            let layer = Entity::Layer {
                repository: r.clone(),
                digest: held.digest(),
            };
            if !out.contains(&layer) {
                out.push(layer);
            }
        }
    }
    if let Some(u) = &upload {
        out.push(Entity::upload(u));
    }
    if let Some(r) = &repo {
        image_entities(request, r, model, &mut out);
    }
    out
}

/// The images, tags and listings an image request touches (and the layers a manifest
/// names).
fn image_entities(request: &Request, repository: &str, model: &Registry, out: &mut Vec<Entity>) {
    let image = |digest: &str| Entity::Image {
        repository: repository.to_owned(),
        digest: digest.to_owned(),
    };
    let tag = |t: &str| Entity::Tag {
        repository: repository.to_owned(),
        tag: t.to_owned(),
    };
    let listing = Entity::Images(repository.to_owned());
    match request {
        Request::PutImage(r) => {
            if let Some(m) = &r.image_manifest {
                out.push(image(&crate::model::digest::digest_of(m.as_bytes())));
                if let Ok(parsed) =
                    crate::model::manifest::parse(m, r.image_manifest_media_type.as_deref(), true)
                {
                    for b in parsed.blobs() {
                        out.push(Entity::Layer {
                            repository: repository.to_owned(),
                            digest: b.to_owned(),
                        });
                    }
                    for c in &parsed.children {
                        out.push(image(&c.digest));
                    }
                }
            }
            if let Some(t) = &r.image_tag {
                out.push(tag(t));
                if let Some(on) = model.tag_digest(repository, t) {
                    out.push(image(on));
                }
            }
        }
        Request::BatchGetImage(_) | Request::BatchDeleteImage(_) | Request::DescribeImages(_) => {
            if request.image_ids().is_empty() {
                out.push(listing);
            }
            for id in request.image_ids() {
                if let Some(d) = &id.image_digest {
                    out.push(image(d));
                }
                if let Some(t) = &id.image_tag {
                    out.push(tag(t));
                    if let Some(on) = model.tag_digest(repository, t) {
                        out.push(image(on));
                    }
                }
            }
        }
        Request::ListImages(_) | Request::DeleteRepository(_) => out.push(listing),
        Request::GetDownloadUrlForLayer(r) => {
            if let Some(d) = &r.layer_digest {
                out.push(Entity::Layer {
                    repository: repository.to_owned(),
                    digest: d.clone(),
                });
            }
            out.push(listing);
        }
        _ => {}
    }
}

/// What the judge knows of each entity's state at a point of a case.
#[derive(Debug, Clone, Default)]
pub(super) struct Ledger {
    /// Entities whose state on the target is unknown since a step: any later divergence
    /// on a step that touches them follows from that step.
    unknown: BTreeMap<Entity, usize>,
    /// Uploads whose byte count on the target is unknown since a step (an answer named
    /// another count): until a later answer agrees on the count, a divergence on a step
    /// that touches them follows from that step.
    counts: BTreeMap<Entity, usize>,
    /// Entities a request touched that both sides refused: the first later divergence
    /// that reveals other state on them breaks STATE-1 (that request changed something).
    refused: BTreeMap<Entity, usize>,
}

impl Ledger {
    /// The state of `e` is unknown since step `index` (the first such step is kept).
    pub(super) fn mark_unknown(&mut self, e: &Entity, index: usize) {
        self.unknown.entry(e.clone()).or_insert(index);
        // An image or tag of unknown state leaves the repository's listing unknown.
        if let Entity::Image { repository, .. } | Entity::Tag { repository, .. } = e {
            self.unknown
                .entry(Entity::Images(repository.clone()))
                .or_insert(index);
        }
    }

    /// The byte count of upload `e` is unknown since step `index`.
    pub(super) fn mark_count_unknown(&mut self, e: &Entity, index: usize) {
        self.counts.entry(e.clone()).or_insert(index);
    }

    /// An answer agreed with the model on the byte count of upload `e`: the count is
    /// known again (what else is unknown of it stays unknown).
    pub(super) fn confirm_count(&mut self, e: &Entity) {
        self.counts.remove(e);
    }

    /// Both sides refused a request touching `e` at step `index`.
    pub(super) fn mark_refused(&mut self, e: &Entity, index: usize) {
        self.refused.entry(e.clone()).or_insert(index);
    }

    /// The earliest step that left any of `entities` unknown. A repository left unknown
    /// covers its layers too.
    pub(super) fn unknown_since(&self, entities: &[Entity]) -> Option<usize> {
        entities
            .iter()
            .filter_map(|e| {
                let own = self.unknown.get(e).copied();
                let count = self.counts.get(e).copied();
                let container = e
                    .container()
                    .and_then(|r| self.unknown.get(&Entity::Repository(r.to_owned())))
                    .copied();
                own.into_iter().chain(count).chain(container).min()
            })
            .min()
    }

    /// Whether a refused request touched any of `entities`.
    pub(super) fn was_refused(&self, entities: &[Entity]) -> bool {
        entities.iter().any(|e| self.refused.contains_key(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CompleteLayerUpload, InitiateLayerUpload};

    #[test]
    fn a_completion_touches_its_upload_and_the_layers_it_names_not_other_layers() {
        let mut model = Registry::new(crate::model::Profile::ecr());
        model.adopt_repository("repo");
        let _ = model.apply(&Request::InitiateLayerUpload(InitiateLayerUpload {
            registry_id: None,
            repository_name: Some("repo".into()),
        }));
        let id = model.upload_ids().next().expect("an upload").to_owned();
        let request = Request::CompleteLayerUpload(CompleteLayerUpload {
            registry_id: None,
            repository_name: Some("repo".into()),
            upload_id: Some(id.to_uppercase()),
            layer_digests: Some(vec!["sha256:aa".into()]),
        });
        let entities = entities_of(&request, b"", &model);
        assert!(entities.contains(&Entity::Repository("repo".into())));
        assert!(entities.contains(&Entity::upload(&id)));
        assert!(entities.contains(&Entity::Layer {
            repository: "repo".into(),
            digest: "sha256:aa".into()
        }));
        // ... and the layer of the bytes held (the empty digest here), nothing else.
        assert_eq!(entities.len(), 4, "{entities:?}");
    }

    #[test]
    fn an_unknown_repository_covers_its_layers_but_an_unknown_layer_not_its_siblings() {
        let mut ledger = Ledger::default();
        let layer = |d: &str| Entity::Layer {
            repository: "r".into(),
            digest: d.into(),
        };
        ledger.mark_unknown(&layer("a"), 3);
        assert_eq!(ledger.unknown_since(&[layer("a")]), Some(3));
        assert_eq!(ledger.unknown_since(&[layer("b")]), None);
        ledger.mark_unknown(&Entity::Repository("r".into()), 5);
        assert_eq!(ledger.unknown_since(&[layer("b")]), Some(5));
        assert_eq!(ledger.unknown_since(&[layer("a")]), Some(3));
    }

    #[test]
    fn an_agreeing_count_clears_an_unknown_count_but_not_an_unknown_content() {
        let mut ledger = Ledger::default();
        let (u, v) = (Entity::upload("u"), Entity::upload("v"));
        ledger.mark_count_unknown(&u, 2);
        ledger.mark_count_unknown(&v, 3);
        ledger.mark_unknown(&v, 4);
        ledger.confirm_count(&u);
        ledger.confirm_count(&v);
        assert_eq!(ledger.unknown_since(&[u]), None);
        assert_eq!(ledger.unknown_since(&[v]), Some(4));
    }
}
