//! The fault plans: what the fake does to a client during one push. Each plan runs on a
//! fresh fake, so a client is judged on each alone.

use regex::Regex;
use serde::Serialize;

use super::ClientCheckError;
use crate::fake::Fault;
use crate::wire::Operation;

/// One fault plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Its name, as `--plans` matches it.
    pub name: &'static str,
    /// What happens, in one line.
    pub what: &'static str,
    /// The faults the fake injects, as `OPERATION:N:KIND` (see [`crate::fake::Fault`]).
    pub faults: &'static [&'static str],
    /// Whether the layer is stored in the repository before the client starts.
    pub layer_present: bool,
    /// Whether giving up (nothing stored, a non-zero exit) is a right outcome.
    pub may_give_up: bool,
    /// The rules the plan is aimed at (every rule is judged on every plan).
    pub aims_at: &'static [&'static str],
    /// What waits for the image the client puts at the end of its push.
    pub image: ImageSetup,
}

/// What waits for the client's `PutImage` (the manifest it is given names the pushed layer
/// and a config blob that is stored before the client starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageSetup {
    /// The tag is free: PutImage stores the image.
    Free,
    /// The image and its tag are stored before the client starts (so is its layer):
    /// PutImage answers ImageAlreadyExistsException, which is success.
    Present,
    /// The repository is IMMUTABLE and the tag is on another image: PutImage answers
    /// ImageTagAlreadyExistsException, and the push has failed.
    TagTaken,
    /// The manifest also names a layer the client is not given and nobody stored:
    /// PutImage answers LayersNotFoundException, and the push has failed.
    LayerForgotten,
}

impl ImageSetup {
    /// Whether PutImage is refused, so that a non-zero exit is the one right outcome.
    pub fn refused(self) -> bool {
        matches!(self, ImageSetup::TagTaken | ImageSetup::LayerForgotten)
    }
}

impl Plan {
    /// Whether the plan is about the image (its setup, or a fault on PutImage), so that
    /// `--layer-only` does not run it.
    pub fn about_image(&self) -> bool {
        self.image != ImageSetup::Free
            || self.faults.iter().any(|spec| {
                spec.parse::<Fault>()
                    .is_ok_and(|f| f.operation == Operation::PutImage)
            })
    }
}

/// Every plan, in the order they run.
pub const PLANS: &[Plan] = &[
    Plan {
        name: "clean",
        what: "no fault: a push on a quiet day",
        faults: &[],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-1", "CLIENT-2", "CLIENT-7"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "lost-answer-part-2",
        what: "part 2 lands but is answered 500: a re-send is refused with InvalidLayerPartException, and the client must resume from lastValidByteReceived + 1",
        faults: &["UploadLayerPart:2:server-error-after"],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-3", "CLIENT-4"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "server-error-part-2",
        what: "part 2 is answered 500 before it is applied: sending it again is right",
        faults: &["UploadLayerPart:2:server-error"],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-3"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "throttled-part-2",
        what: "part 2 is throttled twice in a row (ThrottlingException), then accepted",
        faults: &["UploadLayerPart:2:throttle", "UploadLayerPart:3:throttle"],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-5"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "throttled-always",
        what: "from part 2 on, 10 calls in a row are throttled: the client gives up within 10 attempts and says so in its exit status",
        faults: &[
            "UploadLayerPart:2:throttle",
            "UploadLayerPart:3:throttle",
            "UploadLayerPart:4:throttle",
            "UploadLayerPart:5:throttle",
            "UploadLayerPart:6:throttle",
            "UploadLayerPart:7:throttle",
            "UploadLayerPart:8:throttle",
            "UploadLayerPart:9:throttle",
            "UploadLayerPart:10:throttle",
            "UploadLayerPart:11:throttle",
        ],
        layer_present: false,
        may_give_up: true,
        aims_at: &["CLIENT-5", "CLIENT-7"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "slow-server",
        what: "part 1 and the first completion are answered after 1.5 s each, well within any SDK timeout: nothing to retry",
        faults: &[
            "UploadLayerPart:1:delay-ms=1500",
            "CompleteLayerUpload:1:delay-ms=1500",
        ],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-1", "CLIENT-3", "CLIENT-4"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "layer-present",
        what: "the layer is stored before the client starts: BatchCheckLayerAvailability reports it, a completion answers LayerAlreadyExistsException",
        faults: &[],
        layer_present: true,
        may_give_up: false,
        aims_at: &["CLIENT-6"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "exists-on-completion",
        what: "another client stores the same layer meanwhile: the completion answers LayerAlreadyExistsException",
        faults: &["CompleteLayerUpload:1:layer-exists-after"],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-6"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "completion-fails-once",
        what: "the first completion is answered 500 before it is applied: sending it again is right",
        faults: &["CompleteLayerUpload:1:server-error"],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-3"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "image-present",
        what: "the image and its tag are stored before the client starts: PutImage answers ImageAlreadyExistsException, which is success",
        faults: &[],
        layer_present: true,
        may_give_up: false,
        aims_at: &["CLIENT-6", "CLIENT-8"],
        image: ImageSetup::Present,
    },
    Plan {
        name: "lost-answer-put-image",
        what: "the first PutImage stores the image but is answered 500: its retry answers ImageAlreadyExistsException, which is success",
        faults: &["PutImage:1:server-error-after"],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-3", "CLIENT-8"],
        image: ImageSetup::Free,
    },
    Plan {
        name: "tag-immutable",
        what: "the repository is IMMUTABLE and the tag is on another image: PutImage answers ImageTagAlreadyExistsException, and the client must exit non-zero",
        faults: &[],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-8"],
        image: ImageSetup::TagTaken,
    },
    Plan {
        name: "layer-forgotten",
        what: "the manifest also names a layer nobody pushed: PutImage answers LayersNotFoundException, and the client must exit non-zero",
        faults: &[],
        layer_present: false,
        may_give_up: false,
        aims_at: &["CLIENT-8"],
        image: ImageSetup::LayerForgotten,
    },
];

/// The plans whose name matches `pattern` (all of them without one); with `layer_only`,
/// none that is [about the image](Plan::about_image).
pub fn select_plans(
    pattern: Option<&str>,
    layer_only: bool,
) -> Result<Vec<&'static Plan>, ClientCheckError> {
    let runs = |p: &&Plan| !(layer_only && p.about_image());
    let Some(pattern) = pattern else {
        return Ok(PLANS.iter().filter(runs).collect());
    };
    let re = Regex::new(pattern)
        .map_err(|e| ClientCheckError::Usage(format!("--plans {pattern:?}: {e}")))?;
    let chosen: Vec<&Plan> = PLANS
        .iter()
        .filter(|p| re.is_match(p.name))
        .filter(runs)
        .collect();
    if chosen.is_empty() {
        if layer_only && PLANS.iter().any(|p| re.is_match(p.name)) {
            return Err(ClientCheckError::Usage(format!(
                "--plans {pattern:?} matches only plans about the image, which --layer-only does not run"
            )));
        }
        let names: Vec<&str> = PLANS.iter().map(|p| p.name).collect();
        return Err(ClientCheckError::Usage(format!(
            "--plans {pattern:?} matches no plan; the plans are {}",
            names.join(", ")
        )));
    }
    Ok(chosen)
}

/// One line per plan: name, faults, what happens (`client-check --list`).
pub fn list_plans() -> String {
    let mut out = String::new();
    for p in PLANS {
        let faults = match p.image {
            ImageSetup::Present => "image stored beforehand".to_owned(),
            ImageSetup::TagTaken => "IMMUTABLE, tag taken".to_owned(),
            ImageSetup::LayerForgotten => "a layer missing".to_owned(),
            ImageSetup::Free if p.layer_present => "layer stored beforehand".to_owned(),
            ImageSetup::Free if p.faults.is_empty() => "no fault".to_owned(),
            ImageSetup::Free if p.faults.len() > 3 => format!(
                "{} … {} ({} faults)",
                p.faults[0],
                p.faults[p.faults.len() - 1],
                p.faults.len()
            ),
            ImageSetup::Free => p.faults.join(", "),
        };
        out.push_str(&format!("{:<22} [{}] {}\n", p.name, faults, p.what));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_fault_parses_and_every_aim_is_a_rule() {
        for p in PLANS {
            for f in p.faults {
                f.parse::<Fault>().expect(f);
            }
            for r in p.aims_at {
                assert!(super::super::rules::client_rule(r).is_some(), "{r}");
            }
        }
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_a_usage_error() {
        assert!(matches!(
            select_plans(Some("^nope$"), false),
            Err(ClientCheckError::Usage(_))
        ));
        assert!(matches!(
            select_plans(Some("("), false),
            Err(ClientCheckError::Usage(_))
        ));
        assert_eq!(select_plans(Some("^clean$"), false).expect("one").len(), 1);
    }

    #[test]
    fn layer_only_runs_no_plan_about_the_image_and_says_so_when_that_leaves_none() {
        let all = select_plans(None, false).expect("all");
        let layer = select_plans(None, true).expect("layer plans");
        assert_eq!(all.len(), PLANS.len());
        assert!(layer.iter().all(|p| !p.about_image()));
        assert_eq!(all.len() - layer.len(), 4, "four plans are about the image");
        assert!(matches!(
            select_plans(Some("^tag-immutable$"), true),
            Err(ClientCheckError::Usage(m)) if m.contains("--layer-only")
        ));
    }
}
