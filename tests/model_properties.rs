//! Properties of the model over generated layers and operation sequences.

mod common;

use common::*;
use ecr_conformance::model::{Profile, Registry, Response};
use ecr_conformance::strategy::{fill, part_plan, steps};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn names() -> Vec<String> {
    vec!["r0".to_owned(), "r1".to_owned(), "r2".to_owned()]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

proptest! {
    // Each case hashes up to 60 MiB; a handful of cases covers the sizes.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_part_sequence_completes_with_the_sha256_of_its_bytes(
        plan in part_plan(3),
        seed in any::<u64>(),
    ) {
        let total: u64 = plan.iter().sum();
        let layer = fill(total as usize, seed);
        let mut r = registry();
        let id = initiate(&mut r, "layer-test");
        let mut first = 0i64;
        for len in &plan {
            let last = first + *len as i64 - 1;
            let bytes = layer[first as usize..=last as usize].to_vec();
            match r.apply(&part("layer-test", &id, first, last, bytes)) {
                Ok(Response::PartAccepted { last_byte_received, .. }) => {
                    prop_assert_eq!(last_byte_received, last)
                }
                other => prop_assert!(false, "part {}..={} got {:?}", first, last, other),
            }
            first = last + 1;
        }
        // Independent of the model's own digest helper.
        let want = format!("sha256:{}", hex(&Sha256::digest(&layer)));
        match r.apply(&complete("layer-test", &id, &[&want])) {
            Ok(Response::LayerCompleted { layer_digest, .. }) => prop_assert_eq!(layer_digest, want.clone()),
            other => prop_assert!(false, "complete got {:?}", other),
        }
        prop_assert_eq!(r.layer_size("layer-test", &want), Some(total));
    }
}

proptest! {
    #[test]
    fn a_rejected_request_leaves_the_registry_unchanged_and_accepted_bytes_add_up(
        generated in steps(40),
    ) {
        if let Err(e) = ecr_conformance::strategy::check_step_invariants(&generated) {
            return Err(TestCaseError::fail(e));
        }
    }
}

#[test]
fn generated_sequences_reach_every_answer_the_model_can_give() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(Config::default().rng_algorithm),
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..600 {
        let generated = steps(40).new_tree(&mut runner).expect("tree").current();
        let mut r = Registry::new(Profile::ecr());
        let mut minted = Vec::new();
        for step in &generated {
            let outcome = r.apply(&step.concretize(&r, &minted, &names()));
            let label = match &outcome {
                Ok(Response::UploadInitiated { upload_id, .. }) => {
                    minted.push(upload_id.clone());
                    "UploadInitiated"
                }
                Ok(Response::Repository(_)) => "Repository",
                Ok(Response::PartAccepted { .. }) => "PartAccepted",
                Ok(Response::LayerCompleted { .. }) => "LayerCompleted",
                Ok(Response::Availability { layers, failures }) => {
                    match (layers.is_empty(), failures.is_empty()) {
                        (false, _) => "Available",
                        (true, false) => "Unavailable",
                        (true, true) => "Empty",
                    }
                }
                Ok(Response::ImagePut(_)) => "ImagePut",
                Ok(Response::Images { images, .. }) if !images.is_empty() => "Images",
                Ok(Response::Images { .. }) => "ImageFailures",
                Ok(Response::DownloadUrl { .. }) => "DownloadUrl",
                Ok(Response::ImagesDeleted { image_ids, .. }) if !image_ids.is_empty() => {
                    "ImagesDeleted"
                }
                Ok(Response::ImagesDeleted { .. }) => "DeleteFailures",
                Ok(Response::ImageDetails { .. }) => "ImageDetails",
                Ok(Response::ImageIds { .. }) => "ImageIds",
                Ok(Response::TagMutability { .. }) => "TagMutability",
                Ok(Response::AuthorizationToken { .. }) => "AuthorizationToken",
                Err(e) => e.name(),
            };
            seen.insert(label);
            *counts.entry(label).or_insert(0u32) += 1;
        }
    }
    // Every success kind, and every error the fake can give without a fault.
    let successes = [
        "Repository",
        "UploadInitiated",
        "PartAccepted",
        "LayerCompleted",
        "Available",
        "Unavailable",
        "ImagePut",
        "Images",
        "ImageFailures",
        "DownloadUrl",
        "ImagesDeleted",
        "DeleteFailures",
        "ImageDetails",
        "ImageIds",
        "TagMutability",
    ];
    let want: Vec<&str> = successes
        .iter()
        .copied()
        .chain(
            ecr_conformance::model::EcrError::model_names()
                .iter()
                .copied(),
        )
        // Generated deletes always force; a foreign registry id is AccessDeniedException
        // only under a knob of another profile.
        .filter(|n| !["RepositoryNotEmptyException", "AccessDeniedException"].contains(n))
        .collect();
    let missing: Vec<_> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(
        missing.is_empty(),
        "never generated: {missing:?}; seen {counts:?}"
    );
}
