//! Generated chunk sequences for a `/v2/` target (proptest, shrinking): a blob pushed as
//! Content-Range chunks, one streamed PATCH, or a monolithic PUT, with chunks sent again
//! and chunks past a gap on the way, then HEAD. The property: no step FAILs (every step
//! agrees with the model, or another legal knob value explains it).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::collections::BTreeMap;

use super::client::DoorClient;
use super::steps::{BlobSpec, DoorScenario, DoorStep};
use super::{DoorConfig, Kept, Material, Place, judge_case, run_live};
use crate::runner::judge::Verdict;
use crate::runner::report::GeneratedResult;

const MIB: u64 = 1024 * 1024;

/// How a generated blob goes up.
#[derive(Debug, Clone)]
enum Plan {
    /// PUT with the whole blob.
    Monolithic,
    /// One PATCH without `Content-Range`, then an empty PUT.
    Streamed,
    /// Content-Range chunks of these lengths (the last takes the rest), then an empty PUT;
    /// `again`: chunk k is sent a second time after itself; `gap`: before chunk k, a chunk
    /// that starts a byte late.
    Chunked {
        lengths: Vec<u64>,
        again: Option<usize>,
        gap: Option<usize>,
    },
}

fn plan_and_length() -> impl Strategy<Value = (u64, Plan)> {
    let small = (1u64..=64 * 1024).boxed();
    let large = (5 * MIB + 1..=12 * MIB).boxed();
    let length = prop_oneof![3 => small, 1 => large];
    length.prop_flat_map(|len| {
        let chunked = (
            proptest::collection::vec(1u64..=len.max(1), 0..3),
            proptest::option::of(0usize..3),
            proptest::option::of(0usize..3),
        )
            .prop_map(move |(cuts, again, gap)| {
                // Cut points inside the blob, in order, make the chunk lengths.
                let mut cuts: Vec<u64> = cuts.into_iter().filter(|c| *c < len).collect();
                cuts.sort_unstable();
                cuts.dedup();
                let mut lengths = Vec::new();
                let mut at = 0;
                for c in cuts {
                    lengths.push(c - at);
                    at = c;
                }
                lengths.push(len - at);
                Plan::Chunked {
                    lengths,
                    again,
                    gap,
                }
            });
        let plan = prop_oneof![
            1 => Just(Plan::Monolithic),
            1 => Just(Plan::Streamed),
            3 => chunked,
        ];
        (Just(len), plan)
    })
}

/// The case a plan makes.
fn scenario(len: u64, plan: &Plan) -> DoorScenario {
    let blob = "b".to_owned();
    let upload = "u".to_owned();
    let mut steps = vec![DoorStep::Start {
        upload: upload.clone(),
    }];
    let chunk = |from: u64, to: u64| DoorStep::Chunk {
        upload: upload.clone(),
        blob: blob.clone(),
        from,
        to,
        streamed: false,
    };
    let mut finish_from = None;
    match plan {
        Plan::Monolithic => finish_from = Some(0),
        Plan::Streamed => steps.push(DoorStep::Chunk {
            upload: upload.clone(),
            blob: blob.clone(),
            from: 0,
            to: len - 1,
            streamed: true,
        }),
        Plan::Chunked {
            lengths,
            again,
            gap,
        } => {
            let mut at = 0;
            for (k, l) in lengths.iter().enumerate() {
                let (from, to) = (at, at + l - 1);
                if *gap == Some(k) && to > from {
                    steps.push(chunk(from + 1, to));
                }
                steps.push(chunk(from, to));
                if *again == Some(k) {
                    steps.push(chunk(from, to));
                }
                at += l;
            }
        }
    }
    steps.push(DoorStep::Finish {
        upload,
        blob: blob.clone(),
        from: finish_from,
        wrong_digest: false,
    });
    steps.push(DoorStep::BlobHead { blob: blob.clone() });
    DoorScenario {
        name: "door-generated".to_owned(),
        description: String::new(),
        rules: vec![
            "REG-3".into(),
            "REG-4".into(),
            "REG-5".into(),
            "REG-6".into(),
        ],
        blobs: BTreeMap::from([(blob, BlobSpec { length: len })]),
        manifests: BTreeMap::new(),
        steps,
    }
}

/// How many diverging cases are kept for the run's inference.
const KEPT: usize = 16;

pub(super) fn run(
    config: &DoorConfig,
    client: &DoorClient,
    place_for: &dyn Fn(&str) -> Result<Place, String>,
    kept: &mut Vec<Kept>,
) -> GeneratedResult {
    let seed = {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&config.seed.to_le_bytes());
        s
    };
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: config.cases,
            failure_persistence: None,
            max_shrink_iters: 256,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let counter = std::cell::Cell::new(0u64);
    let shrinking = std::cell::Cell::new(false);
    let first = std::cell::Cell::new(None::<u64>);
    let ran = std::cell::Cell::new(0u64);
    let differing = std::cell::RefCell::new(Vec::new());
    let last_failure = std::cell::RefCell::new(None);
    let keep = std::cell::RefCell::new(Vec::new());
    let outcome = runner.run(&plan_and_length(), |(len, plan)| {
        if config.stopped() {
            return Err(TestCaseError::fail("the run ended"));
        }
        let n = counter.get();
        counter.set(n + 1);
        let case = scenario(len, &plan);
        let place = place_for(&format!("g{n}")).map_err(TestCaseError::fail)?;
        let material = Material::new(&case, &place, 1_000_000 + n);
        let live = run_live(client, &case, &material, &place, config);
        let judged = judge_case(config, &case, &material, &place, &live);
        let mut result = judged.result;
        result.index = Some(first.get().unwrap_or(n));
        let failed = !result.passed(config.strict);
        if !shrinking.get() {
            ran.set(ran.get() + 1);
            if judged.diverged && keep.borrow().len() < KEPT {
                keep.borrow_mut().push(Kept {
                    scenario: case,
                    material,
                    place,
                    live,
                });
            }
            if !failed && !result.agreed() && differing.borrow().len() < 4 {
                differing.borrow_mut().push(result.clone());
            }
        }
        if failed {
            if !shrinking.get() {
                first.set(Some(n));
            }
            shrinking.set(true);
            let fails = result.count(Verdict::Fail);
            *last_failure.borrow_mut() = Some(result);
            return Err(TestCaseError::fail(format!("{fails} failing steps")));
        }
        Ok(())
    });
    kept.extend(keep.into_inner());
    let mut failure = None;
    if let Err(TestError::Fail(_, (len, plan))) = outcome
        && first.get().is_some()
    {
        // The minimal sequence, run once more so that the report shows it as it ran.
        let case = scenario(len, &plan);
        let n = counter.get();
        if let Ok(place) = place_for(&format!("g{n}")) {
            let material = Material::new(&case, &place, 1_000_000 + n);
            let live = run_live(client, &case, &material, &place, config);
            let mut result = judge_case(config, &case, &material, &place, &live).result;
            result.index = first.get();
            failure = Some(result);
        } else {
            failure = last_failure.into_inner();
        }
    }
    GeneratedResult {
        cases: config.cases,
        ran: ran.get(),
        seed: config.seed,
        failure,
        regression: None,
        differing: differing.into_inner(),
    }
}
