//! The registry door's fault plans: what the fake does to a registry client during one push
//! (or, in `storage-redirect`, one pull). Each plan runs on a fresh fake that demands
//! credentials (REG-1).

use regex::Regex;
use serde::Serialize;

use crate::client_check::ClientCheckError;
#[cfg(test)]
use crate::fake::Fault;

/// One fault plan of the registry door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryPlan {
    /// Its name, as `--plans` matches it.
    pub name: &'static str,
    /// What happens, in one line.
    pub what: &'static str,
    /// The faults the fake injects, as `OPERATION:N:KIND`: a `/v2/` call counts as the
    /// operation §10 maps it to (HEAD of a blob is BatchCheckLayerAvailability, POST
    /// InitiateLayerUpload, PATCH UploadLayerPart, the final PUT CompleteLayerUpload, a
    /// manifest PUT PutImage).
    pub faults: &'static [&'static str],
    /// Whether giving up (a non-zero exit, the image not stored) is a right outcome.
    pub may_give_up: bool,
    /// The rules the plan is aimed at (every rule is judged on every plan).
    pub aims_at: &'static [&'static str],
    /// What waits for the client.
    pub setup: RegistrySetup,
}

/// What waits for the client of a registry plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistrySetup {
    /// Nothing: the client pushes the image.
    Free,
    /// The largest layer is stored beforehand: its HEAD answers 200, and sending it again
    /// is legal but not needed.
    LayerPresent,
    /// The repository is IMMUTABLE and the tag is on another image: the manifest PUT is
    /// answered 400 `TAG_INVALID`, and the push has failed.
    TagTaken,
    /// The image is stored beforehand and the client pulls it into the (empty) layout
    /// directory: each blob GET is a 307 to the fake's storage.
    Pull,
}

impl RegistryPlan {
    /// Whether the client pulls in this plan (`ECR_CONFORMANCE_DIRECTION=pull`).
    pub fn pulls(&self) -> bool {
        self.setup == RegistrySetup::Pull
    }
}

/// Every registry-door plan, in the order they run.
pub const REGISTRY_PLANS: &[RegistryPlan] = &[
    RegistryPlan {
        name: "clean",
        what: "no fault: ECR's answers on a quiet day (PATCH 201, a Range stuck after the first chunk, manifest PUT without Location)",
        faults: &[],
        may_give_up: false,
        aims_at: &[
            "REGCLIENT-1",
            "REGCLIENT-2",
            "REGCLIENT-3",
            "REGCLIENT-4",
            "REGCLIENT-6",
            "REGCLIENT-8",
        ],
        setup: RegistrySetup::Free,
    },
    RegistryPlan {
        name: "lost-answer-patch",
        what: "the second PATCH lands but is answered 500: sending that chunk again is answered 416; the client resumes where the upload stands, opens a new upload, or gives up",
        faults: &["UploadLayerPart:2:server-error-after"],
        may_give_up: true,
        aims_at: &["REGCLIENT-7", "REGCLIENT-8"],
        setup: RegistrySetup::Free,
    },
    RegistryPlan {
        name: "server-error-patch",
        what: "the second PATCH is answered 500 before it is applied: sending it again is right",
        faults: &["UploadLayerPart:2:server-error"],
        may_give_up: true,
        aims_at: &["REGCLIENT-7", "REGCLIENT-8"],
        setup: RegistrySetup::Free,
    },
    RegistryPlan {
        name: "throttled-post",
        what: "the second and third upload POSTs are answered 429 TOOMANYREQUESTS, then accepted",
        faults: &[
            "InitiateLayerUpload:2:throttle",
            "InitiateLayerUpload:3:throttle",
        ],
        may_give_up: true,
        aims_at: &["REGCLIENT-7", "REGCLIENT-8"],
        setup: RegistrySetup::Free,
    },
    RegistryPlan {
        name: "throttled-always",
        what: "from the second upload POST on, 12 in a row are answered 429: the client gives up within 10 attempts of one call and says so in its exit status",
        faults: &[
            "InitiateLayerUpload:2:throttle",
            "InitiateLayerUpload:3:throttle",
            "InitiateLayerUpload:4:throttle",
            "InitiateLayerUpload:5:throttle",
            "InitiateLayerUpload:6:throttle",
            "InitiateLayerUpload:7:throttle",
            "InitiateLayerUpload:8:throttle",
            "InitiateLayerUpload:9:throttle",
            "InitiateLayerUpload:10:throttle",
            "InitiateLayerUpload:11:throttle",
            "InitiateLayerUpload:12:throttle",
            "InitiateLayerUpload:13:throttle",
        ],
        may_give_up: true,
        aims_at: &["REGCLIENT-7", "REGCLIENT-8"],
        setup: RegistrySetup::Free,
    },
    RegistryPlan {
        name: "token-expires",
        what: "the token expires at the second upload POST: it and every later call with that token is answered 403 DENIED; a new token (GetAuthorizationToken) works",
        faults: &["InitiateLayerUpload:2:token-expired"],
        may_give_up: true,
        aims_at: &["REGCLIENT-7", "REGCLIENT-8"],
        setup: RegistrySetup::Free,
    },
    RegistryPlan {
        name: "layer-present",
        what: "the largest layer is stored beforehand: its HEAD answers 200",
        faults: &[],
        may_give_up: false,
        aims_at: &["REGCLIENT-1", "REGCLIENT-8"],
        setup: RegistrySetup::LayerPresent,
    },
    RegistryPlan {
        name: "tag-immutable",
        what: "the repository is IMMUTABLE and the tag is on another image: the manifest PUT is answered 400 TAG_INVALID, and the client must exit non-zero",
        faults: &[],
        may_give_up: false,
        aims_at: &["REGCLIENT-8"],
        setup: RegistrySetup::TagTaken,
    },
    RegistryPlan {
        name: "storage-redirect",
        what: "a pull: the image is stored beforehand; each blob GET is a 307 to the storage, which refuses a request carrying Authorization",
        faults: &[],
        may_give_up: false,
        aims_at: &["REGCLIENT-1", "REGCLIENT-5", "REGCLIENT-8"],
        setup: RegistrySetup::Pull,
    },
];

/// The registry plans whose name matches `pattern` (all without one); with `push_only`,
/// none that pulls.
pub fn select_registry_plans(
    pattern: Option<&str>,
    push_only: bool,
) -> Result<Vec<&'static RegistryPlan>, ClientCheckError> {
    let runs = |p: &&RegistryPlan| !(push_only && p.pulls());
    let re = match pattern {
        None => None,
        Some(pattern) => Some(
            Regex::new(pattern)
                .map_err(|e| ClientCheckError::Usage(format!("--plans {pattern:?}: {e}")))?,
        ),
    };
    let matches = |p: &&RegistryPlan| re.as_ref().is_none_or(|re| re.is_match(p.name));
    let chosen: Vec<&RegistryPlan> = REGISTRY_PLANS.iter().filter(matches).filter(runs).collect();
    if chosen.is_empty() {
        if REGISTRY_PLANS.iter().any(|p| matches(&p)) {
            return Err(ClientCheckError::Usage(format!(
                "--plans {:?} matches only the pull plan, which --push-only does not run",
                pattern.unwrap_or_default()
            )));
        }
        let names: Vec<&str> = REGISTRY_PLANS.iter().map(|p| p.name).collect();
        return Err(ClientCheckError::Usage(format!(
            "--plans {:?} matches no registry-door plan; the plans are {}",
            pattern.unwrap_or_default(),
            names.join(", ")
        )));
    }
    Ok(chosen)
}

/// One line per registry plan (`client-check --door registry --list`).
pub fn list_registry_plans() -> String {
    let mut out = String::new();
    for p in REGISTRY_PLANS {
        let faults = match p.setup {
            RegistrySetup::LayerPresent => "a layer stored beforehand".to_owned(),
            RegistrySetup::TagTaken => "IMMUTABLE, tag taken".to_owned(),
            RegistrySetup::Pull => "pull; image stored beforehand".to_owned(),
            RegistrySetup::Free if p.faults.is_empty() => "no fault".to_owned(),
            RegistrySetup::Free if p.faults.len() > 3 => format!(
                "{} … {} ({} faults)",
                p.faults[0],
                p.faults[p.faults.len() - 1],
                p.faults.len()
            ),
            RegistrySetup::Free => p.faults.join(", "),
        };
        out.push_str(&format!("{:<22} [{}] {}\n", p.name, faults, p.what));
    }
    out
}

/// Every fault of a plan, parsed (a unit test holds them to the fault grammar).
#[cfg(test)]
pub(crate) fn faults_of(plan: &RegistryPlan) -> Result<Vec<Fault>, String> {
    plan.faults
        .iter()
        .map(|f| f.parse::<Fault>().map_err(|e| format!("{f}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_plan_fault_parses_and_every_aim_is_a_registry_rule() {
        for p in REGISTRY_PLANS {
            faults_of(p).expect(p.name);
            for r in p.aims_at {
                assert!(
                    super::super::rules::REGISTRY_CLIENT_RULES
                        .iter()
                        .any(|c| c.id == *r),
                    "{r}"
                );
            }
        }
    }

    #[test]
    fn push_only_runs_no_pull_plan_and_says_so_when_that_leaves_none() {
        let all = select_registry_plans(None, false).expect("all");
        let push = select_registry_plans(None, true).expect("push plans");
        assert_eq!(all.len(), REGISTRY_PLANS.len());
        assert_eq!(all.len() - push.len(), 1);
        assert!(matches!(
            select_registry_plans(Some("^storage-redirect$"), true),
            Err(ClientCheckError::Usage(m)) if m.contains("--push-only")
        ));
        assert!(matches!(
            select_registry_plans(Some("^nope$"), false),
            Err(ClientCheckError::Usage(_))
        ));
    }
}
