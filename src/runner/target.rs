//! The target under test, with what the runner learned of it: its registry id, the run's
//! scratch names, whether it still answers, and how a case's repositories are made and
//! removed.

use super::config::RunConfig;
use super::report::StopReason;
use super::scenario;
use crate::model::{CreateRepository, DeleteRepository, Registry, Request};
use crate::protocol::{Observed, Transport, WireRequest};

/// The target, with what the runner learned of it.
pub struct Target<'a> {
    pub(super) endpoint: &'a dyn Transport,
    pub(super) registry_id: String,
    pub(super) run_id: String,
    /// Cases in a row that ended with a request the target did not answer.
    silent_cases: std::cell::Cell<u32>,
    /// Why the run stopped early, once the target is unusable.
    unusable: std::cell::RefCell<Option<String>>,
}

/// Cases in a row that may end without an answer before the target counts as unusable
/// and the run ends (exit 2) instead of waiting out a timeout in every case.
pub const MAX_SILENT_CASES: u32 = 3;

/// The case error of a request that got no answer.
pub(super) const NO_ANSWER: &str = "the target stopped answering";

pub(super) fn create(name: &str) -> Request {
    Request::CreateRepository(CreateRepository {
        registry_id: None,
        repository_name: Some(name.to_owned()),
        ..Default::default()
    })
}

fn delete_force(name: &str) -> WireRequest {
    WireRequest::of(&Request::DeleteRepository(DeleteRepository {
        registry_id: None,
        repository_name: Some(name.to_owned()),
        force: Some(true),
    }))
}

/// The registry id of an endpoint, from the first answer that carries one: a part sent
/// out of order to a new upload in `repository` is refused with InvalidLayerPartException,
/// whose members name the registry (the part changes nothing; the upload stays open).
fn learn_registry_id(
    endpoint: &dyn Transport,
    config: &RunConfig,
    repository: &str,
) -> Result<String, StopReason> {
    use crate::model::{InitiateLayerUpload, PartBlob, UploadLayerPart};
    let send = |request: &Request| {
        let w = WireRequest::of(request);
        endpoint
            .send(&w)
            .map(|(observed, _)| observed)
            .map_err(|e| unreachable(config, &e.to_string()))
    };
    let carried = |o: &Observed| {
        o.body
            .as_ref()
            .and_then(|b| b.get("registryId"))
            .and_then(|v| v.as_str())
            .filter(|id| crate::model::validate::registry_id(&Some((*id).to_owned())).is_ok())
            .map(str::to_owned)
    };
    let opened = send(&Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: None,
        repository_name: Some(repository.to_owned()),
    }))?;
    let upload_id = opened
        .body
        .as_ref()
        .and_then(|b| b.get("uploadId"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let Some(upload_id) = upload_id.filter(|_| opened.status == 200) else {
        return Err(refused(
            "InitiateLayerUpload",
            &opened,
            &format!(
                "it did not open an upload in '{repository}', to learn its registry id; \
                 or give --registry-id"
            ),
        ));
    };
    let refused = send(&Request::UploadLayerPart(UploadLayerPart {
        registry_id: None,
        repository_name: Some(repository.to_owned()),
        upload_id: Some(upload_id),
        part_first_byte: Some(1),
        part_last_byte: Some(1),
        layer_part_blob: Some(PartBlob::new(vec![0u8])),
    }))?;
    carried(&refused).ok_or_else(|| {
        self::refused(
            "UploadLayerPart",
            &refused,
            "no answer of the target named its registry id (give --registry-id)",
        )
    })
}

/// At most `max` characters of `text`, on one line.
pub(super) fn one_line(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// The stop of a setup request that got no answer: an interrupt, or an unreachable target.
fn unreachable(config: &RunConfig, error: &str) -> StopReason {
    if config.stopped() {
        StopReason::Interrupted
    } else {
        StopReason::TargetUnreachable {
            detail: one_line(error, 300),
        }
    }
}

/// The stop of a setup request the target answered with something other than success.
fn refused(operation: &str, observed: &Observed, detail: &str) -> StopReason {
    let error_name = observed
        .error
        .as_ref()
        .map(|n| crate::model::ErrorCode::from_name(&one_line(n.as_str(), 120)));
    let detail = match (&error_name, &observed.raw) {
        (None, Some(raw)) => format!("{detail}; it answered {}", one_line(raw, 200)),
        _ => detail.to_owned(),
    };
    StopReason::SetupRefused {
        operation: operation.to_owned(),
        status: observed.status,
        error_name,
        detail,
    }
}

impl<'a> Target<'a> {
    /// Learns the registry id by creating and deleting a probe repository (which also
    /// shows the target answers), unless existing repositories are used.
    /// The error says why the run cannot start (a [`StopReason`] the report gives).
    pub fn probe(endpoint: &'a dyn Transport, config: &RunConfig) -> Result<Self, StopReason> {
        // Random per run, so concurrent runs against one registry never share a name.
        let run_id = {
            use std::hash::{BuildHasher, RandomState};
            let n = RandomState::new().hash_one((config.seed, std::process::id()));
            format!("{:08x}", n as u32)
        };
        if config.existing() {
            let registry_id = match &config.registry_id {
                Some(id) => id.clone(),
                None => learn_registry_id(endpoint, config, &config.repositories[0])?,
            };
            return Ok(Target::new(endpoint, registry_id, run_id));
        }
        let probe = format!("{}-{run_id}-probe", config.prefix);
        let req = WireRequest::of(&create(&probe));
        let (observed, _) = endpoint
            .send(&req)
            .map_err(|e| unreachable(config, &e.to_string()))?;
        let registry_id = observed
            .body
            .as_ref()
            .and_then(|b| b.pointer("/repository/registryId"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let Some(registry_id) = registry_id.filter(|_| observed.status == 200) else {
            return Err(refused(
                "CreateRepository",
                &observed,
                &format!("it did not create the scratch repository '{probe}'"),
            ));
        };
        let d = delete_force(&probe);
        let _ = endpoint.send(&d);
        Ok(Target::new(endpoint, registry_id, run_id))
    }

    pub(super) fn new(endpoint: &'a dyn Transport, registry_id: String, run_id: String) -> Self {
        Target {
            endpoint,
            registry_id,
            run_id,
            silent_cases: Default::default(),
            unusable: Default::default(),
        }
    }

    /// A number of this run's own, mixed into blob seeds so that runs against kept
    /// repositories never send the bytes of a layer an earlier run stored.
    pub(super) fn salt(&self) -> u64 {
        u64::from_str_radix(&self.run_id, 16).unwrap_or(0)
    }

    /// Notes how a case ended; after [`MAX_SILENT_CASES`] cases in a row without an
    /// answer the target is unusable.
    pub(super) fn case_ended(&self, error: Option<&str>) {
        match error {
            Some(e) if e.starts_with(NO_ANSWER) => {
                let n = self.silent_cases.get() + 1;
                self.silent_cases.set(n);
                if n >= MAX_SILENT_CASES {
                    *self.unusable.borrow_mut() = Some(one_line(
                        &format!("{e} ({n} cases in a row got no answer)"),
                        400,
                    ));
                }
            }
            _ => self.silent_cases.set(0),
        }
    }

    /// Why the target is unusable, once it is.
    pub(super) fn unusable(&self) -> Option<String> {
        self.unusable.borrow().clone()
    }

    /// The repositories a case uses: three scratch names, or the existing ones.
    pub(super) fn case_repositories(&self, config: &RunConfig, case: &str) -> Vec<String> {
        if config.existing() {
            return config.repositories.clone();
        }
        ["a", "b", "c"]
            .iter()
            .map(|x| format!("{}-{}-{case}-{x}", config.prefix, self.run_id))
            .collect()
    }

    /// A model with the target's identity, holding the existing repositories if any.
    pub(super) fn model(&self, config: &RunConfig, repos: &[String], case: u64) -> Registry {
        let mut model = Registry::new(config.profile.clone())
            .with_identity(&self.registry_id, self.endpoint.region())
            .with_id_seed(config.seed ^ case.wrapping_mul(0x9e37_79b9));
        if config.existing() {
            for r in repos {
                let _ = model.apply(&create(r));
            }
        }
        model
    }

    /// Deletes a case's scratch repositories (never existing ones); answers are not
    /// compared, only sent.
    pub(super) fn cleanup(&self, config: &RunConfig, repos: &[String]) {
        if config.existing() {
            return;
        }
        let extra = repos.first().map(|r| scenario::oci_name(r));
        for r in repos.iter().chain(&extra) {
            let d = delete_force(r);
            let sent = self.endpoint.send(&d);
            if sent.is_err() {
                break; // a target that does not answer is not asked again
            }
        }
    }
}
