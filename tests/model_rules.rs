//! One test per rule id of the spec, named after it, asserting the exact error.

mod common;

use common::*;
use ecr_conformance::model::limits::{MAX_PART_BYTES, MIN_PART_BYTES, PART_SIZE_RANGE};
use ecr_conformance::model::{
    BatchCheckLayerAvailability, CompleteLayerUpload, CreateRepository, DeleteRepository, EcrError,
    FailedCompletion, FailureCode, InitiateLayerUpload, LayerFailure, LayerInfo,
    NothingReceivedYet, ParameterProblem, PartBlob, PartProblem, Profile, Registry, Request,
    Response, UploadIdCase, UploadLayerPart,
    digest::{digest_of, names_content},
    validate::is_upload_id,
};
use ecr_conformance::wire;

const REPO: &str = "layer-test";

fn missing(member: &str) -> EcrError {
    EcrError::InvalidParameter {
        member: member.to_owned(),
        problem: ParameterProblem::Missing,
    }
}

fn invalid_part(id: &str, last_valid: Option<i64>, problem: PartProblem) -> EcrError {
    EcrError::InvalidLayerPart {
        registry_id: "012345678910".to_owned(),
        repository_name: REPO.to_owned(),
        upload_id: id.to_owned(),
        last_valid_byte_received: last_valid,
        problem,
    }
}

fn wrong_start(sent: i64, expected: u64) -> PartProblem {
    PartProblem::WrongStart { sent, expected }
}

fn check(repo: &str, digests: &[&str]) -> Request {
    Request::BatchCheckLayerAvailability(BatchCheckLayerAvailability {
        registry_id: None,
        repository_name: Some(repo.to_owned()),
        layer_digests: Some(digests.iter().map(|d| (*d).to_owned()).collect()),
    })
}

/// An upload in `REPO` that has received `bytes` in one part.
fn upload_with(r: &mut Registry, bytes: &[u8]) -> String {
    let id = initiate(r, REPO);
    r.apply(&part_at(REPO, &id, 0, bytes.to_vec()))
        .expect("part");
    id
}

#[test]
fn state_1_a_rejected_part_changes_nothing() {
    let mut r = registry();
    let id = upload_with(&mut r, b"abc");
    // Every kind of rejection of a part: the helper asserts the registry is unchanged.
    rejected(&mut r, &part_at(REPO, &id, 5, b"x".to_vec()));
    rejected(&mut r, &part(REPO, &id, 3, 9, b"x".to_vec()));
    rejected(&mut r, &part_at("other-repo", &id, 3, b"x".to_vec()));
    rejected(&mut r, &part_at(REPO, &id, -1, b"x".to_vec()));
    // And the upload goes on from where it was.
    assert!(r.apply(&part_at(REPO, &id, 3, b"d".to_vec())).is_ok());
}

#[test]
fn state_1_a_failed_completion_keeps_the_upload_unless_the_profile_consumes_it() {
    let wrong = digest_of(b"other");
    let mut r = registry();
    let id = upload_with(&mut r, b"abc");
    rejected(&mut r, &complete(REPO, &id, &[&wrong]));
    assert!(r.upload(&id).is_some());

    let mut r = registry_with(Profile {
        failed_completion: FailedCompletion::ConsumesUpload,
        ..Profile::ecr()
    });
    let id = upload_with(&mut r, b"abc");
    assert_eq!(
        name(
            &r.apply(&complete(REPO, &id, &[&wrong]))
                .expect_err("wrong digest")
        ),
        "InvalidLayerException"
    );
    assert!(r.upload(&id).is_none());
}

#[test]
fn wire_1_an_unknown_target_is_unknown_operation() {
    let mut r = registry();
    for target in [
        Some("AmazonEC2ContainerRegistry_V20150921.PutLayer"),
        Some("UploadLayerPart"),
        None,
    ] {
        let req = wire::decode_request(target, b"{}");
        let err = rejected(&mut r, &req);
        assert_eq!(
            err,
            EcrError::UnknownOperation {
                target: target.unwrap_or("").to_owned()
            }
        );
        assert_eq!(err.status(), 400);
    }
}

#[test]
fn wire_2_bodies_that_do_not_decode_are_serialization_errors() {
    let op = wire::Operation::UploadLayerPart;
    let target = op.x_amz_target();
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let bodies: Vec<String> = vec![
        "not json".into(),
        "[]".into(),
        "\"a string\"".into(),
        "{\"repositoryName\": 5}".into(),
        "{\"partFirstByte\": \"0\"}".into(),
        "{\"partFirstByte\": 1.5}".into(),
        "{\"partFirstByte\": 9223372036854775808}".into(),
        format!("{{\"uploadId\": \"{id}\", \"layerPartBlob\": \"!!!!\"}}"),
        "{\"layerPartBlob\": \"aGk-\"}".into(),
        "{} trailing".into(),
        "{\"force\": true".into(),
    ];
    for body in bodies {
        let req = wire::decode_request(Some(&target), body.as_bytes());
        let err = rejected(&mut r, &req);
        assert_eq!(name(&err), "SerializationException", "{body}");
        assert_eq!(err.status(), 400);
    }
}

#[test]
fn wire_2_unknown_members_are_ignored_and_an_empty_body_is_an_empty_object() {
    let target = wire::Operation::InitiateLayerUpload.x_amz_target();
    let req = wire::decode_request(
        Some(&target),
        b"{\"repositoryName\":\"layer-test\",\"x\":[1]}",
    );
    assert!(matches!(req, Request::InitiateLayerUpload(_)));
    let req = wire::decode_request(Some(&target), b"");
    assert_eq!(
        req,
        Request::InitiateLayerUpload(InitiateLayerUpload::default())
    );
    assert_eq!(registry().apply(&req), Err(missing("repositoryName")));
}

#[test]
fn wire_2_unpadded_base64_follows_the_blob_padding_knob() {
    let target = wire::Operation::UploadLayerPart.x_amz_target();
    for (profile, accepted) in [
        (Profile::ecr(), false),
        (
            Profile {
                blob_padding: ecr_conformance::model::BlobPadding::Optional,
                ..Profile::ecr()
            },
            true,
        ),
    ] {
        let mut r = registry_with(profile);
        let id = initiate(&mut r, REPO);
        let body = format!(
            "{{\"repositoryName\":\"{REPO}\",\"uploadId\":\"{id}\",\"partFirstByte\":0,\
             \"partLastByte\":1,\"layerPartBlob\":\"aGk\"}}"
        );
        let outcome = r.apply(&wire::decode_request(Some(&target), body.as_bytes()));
        match accepted {
            true => assert!(outcome.is_ok(), "{outcome:?}"),
            false => assert_eq!(
                name(&outcome.expect_err("unpadded")),
                "SerializationException"
            ),
        }
    }
}

#[test]
fn wire_3_answers_carry_every_modeled_member_with_its_json_type() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let ok = r.apply(&part_at(REPO, &id, 0, b"abc".to_vec()));
    let answer = wire::encode_outcome(&ok);
    assert_eq!((answer.status, answer.error_name), (200, None));
    let v: serde_json::Value = answer.body.clone();
    assert!(v["registryId"].is_string() && v["repositoryName"].is_string());
    assert!(v["uploadId"].is_string());
    assert_eq!(v["lastByteReceived"], serde_json::json!(2));

    let err = r.apply(&part_at(REPO, &id, 9, b"abc".to_vec()));
    let answer = wire::encode_outcome(&err);
    assert_eq!(
        (answer.status, answer.error_name.as_deref()),
        (400, Some("InvalidLayerPartException"))
    );
    let v: serde_json::Value = answer.body.clone();
    assert_eq!(v["__type"], "InvalidLayerPartException");
    assert!(v["message"].is_string());
    assert_eq!(v["lastValidByteReceived"], serde_json::json!(2));

    let server = wire::encode_outcome(&Err(EcrError::Server {
        message: "boom".into(),
    }));
    assert_eq!(
        (server.status, server.error_name.as_deref()),
        (500, Some("ServerException"))
    );
}

#[test]
fn val_1_a_missing_required_member_is_invalid_parameter() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let full = UploadLayerPart {
        registry_id: None,
        repository_name: Some(REPO.into()),
        upload_id: Some(id.clone()),
        part_first_byte: Some(0),
        part_last_byte: Some(0),
        layer_part_blob: Some(PartBlob::new(vec![1])),
    };
    let cases: Vec<(&str, UploadLayerPart)> = vec![
        (
            "repositoryName",
            UploadLayerPart {
                repository_name: None,
                ..full.clone()
            },
        ),
        (
            "uploadId",
            UploadLayerPart {
                upload_id: None,
                ..full.clone()
            },
        ),
        (
            "partFirstByte",
            UploadLayerPart {
                part_first_byte: None,
                ..full.clone()
            },
        ),
        (
            "partLastByte",
            UploadLayerPart {
                part_last_byte: None,
                ..full.clone()
            },
        ),
        (
            "layerPartBlob",
            UploadLayerPart {
                layer_part_blob: None,
                ..full.clone()
            },
        ),
    ];
    for (member, req) in cases {
        assert_eq!(
            rejected(&mut r, &Request::UploadLayerPart(req)),
            missing(member)
        );
    }
    let others = [
        (
            Request::CreateRepository(CreateRepository::default()),
            "repositoryName",
        ),
        (
            Request::DeleteRepository(DeleteRepository::default()),
            "repositoryName",
        ),
        (
            Request::InitiateLayerUpload(InitiateLayerUpload::default()),
            "repositoryName",
        ),
        (
            Request::CompleteLayerUpload(CompleteLayerUpload {
                repository_name: Some(REPO.into()),
                upload_id: Some(id.clone()),
                ..Default::default()
            }),
            "layerDigests",
        ),
        (
            Request::BatchCheckLayerAvailability(BatchCheckLayerAvailability {
                repository_name: Some(REPO.into()),
                ..Default::default()
            }),
            "layerDigests",
        ),
    ];
    for (req, member) in others {
        assert_eq!(rejected(&mut r, &req), missing(member));
    }
}

#[test]
fn val_2_a_member_that_breaks_its_constraint_is_invalid_parameter() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let digest = digest_of(b"x");
    let long_name = "a".repeat(257);
    let bad: Vec<(Request, &str)> = vec![
        (
            Request::InitiateLayerUpload(InitiateLayerUpload {
                registry_id: Some("12345".into()),
                repository_name: Some(REPO.into()),
            }),
            "registryId",
        ),
        (initiate_req("Layer-Test"), "repositoryName"),
        (initiate_req("a"), "repositoryName"),
        (initiate_req(&long_name), "repositoryName"),
        (part_at(REPO, "not-an-id", 0, vec![1]), "uploadId"),
        (part(REPO, &id, -1, 0, vec![1]), "partFirstByte"),
        (part(REPO, &id, 0, -1, vec![1]), "partLastByte"),
        (complete(REPO, &id, &[]), "layerDigests"),
        (complete(REPO, &id, &["sha256:xyz"]), "layerDigests"),
        (
            complete(REPO, &id, &vec![digest.as_str(); 101]),
            "layerDigests",
        ),
        (check(REPO, &[&"a".repeat(1001)]), "layerDigests"),
    ];
    for (req, member) in bad {
        match rejected(&mut r, &req) {
            EcrError::InvalidParameter {
                member: m,
                problem: ParameterProblem::Constraint(_),
            } => assert_eq!(m, member),
            other => panic!("{member}: {other:?}"),
        }
    }
    // The boundaries themselves are fine.
    assert!(r.apply(&check(REPO, &[&"a".repeat(1000)])).is_ok());
    assert!(
        r.apply(&initiate_req(&"a".repeat(256)))
            .is_err_and(|e| name(&e) == "RepositoryNotFoundException")
    );
}

#[test]
fn repo_1_another_registry_or_an_absent_repository_is_repository_not_found() {
    let mut r = registry();
    let other_registry = Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: Some("999999999999".into()),
        repository_name: Some(REPO.into()),
    });
    assert_eq!(
        rejected(&mut r, &other_registry),
        EcrError::RepositoryNotFound {
            registry_id: "999999999999".into(),
            repository_name: REPO.into()
        }
    );
    let own = Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: Some("012345678910".into()),
        repository_name: Some(REPO.into()),
    });
    assert!(r.apply(&own).is_ok());
    let id = initiate(&mut r, REPO);
    for req in [
        initiate_req("no-such-repo"),
        part_at("no-such-repo", &id, 0, vec![1]),
        complete("no-such-repo", &id, &[&digest_of(b"x")]),
        check("no-such-repo", &[&digest_of(b"x")]),
    ] {
        assert_eq!(name(&rejected(&mut r, &req)), "RepositoryNotFoundException");
    }
}

#[test]
fn admin_1_create_makes_a_repository_once() {
    let mut r = Registry::new(Profile::ecr());
    match r.apply(&create("team/app")) {
        Ok(Response::Repository(info)) => {
            assert_eq!(info.repository_name, "team/app");
            assert_eq!(
                info.repository_arn,
                "arn:aws:ecr:us-east-1:012345678910:repository/team/app"
            );
            assert_eq!(
                info.repository_uri,
                "012345678910.dkr.ecr.us-east-1.amazonaws.com/team/app"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(r.has_repository("team/app"));
    assert_eq!(
        name(&rejected(&mut r, &create("team/app"))),
        "RepositoryAlreadyExistsException"
    );
}

#[test]
fn admin_2_delete_drops_uploads_and_layers_and_needs_force_only_under_the_knob() {
    let delete = |force| {
        Request::DeleteRepository(DeleteRepository {
            registry_id: None,
            repository_name: Some(REPO.into()),
            force,
        })
    };
    let with_layer = |profile: Profile| {
        let mut r = registry_with(profile);
        let id = upload_with(&mut r, b"abc");
        r.apply(&complete(REPO, &id, &[&digest_of(b"abc")]))
            .expect("complete");
        let open = initiate(&mut r, REPO);
        (r, open)
    };
    // ecr: a repository holding only layers and uploads goes without force.
    let (mut r, open) = with_layer(Profile::ecr());
    assert!(r.apply(&delete(None)).is_ok());
    assert!(!r.has_repository(REPO));
    assert!(r.upload(&open).is_none(), "the open upload goes with it");
    assert_eq!(
        name(&rejected(&mut r, &delete(Some(true)))),
        "RepositoryNotFoundException"
    );
    // Recreated, the repository holds nothing of before.
    r.apply(&create(REPO)).expect("create");
    assert_eq!(r.layers(REPO).count(), 0);
    // delete-with-layers-needs-force=true: layers need force; force drops them.
    let needs_force = Profile::ecr()
        .with_knob("delete-with-layers-needs-force", "true")
        .expect("a value");
    let (mut r, open) = with_layer(needs_force);
    assert_eq!(
        name(&rejected(&mut r, &delete(None))),
        "RepositoryNotEmptyException"
    );
    assert!(r.apply(&delete(Some(true))).is_ok());
    assert!(r.upload(&open).is_none());
    r.apply(&create(REPO)).expect("create");
    assert!(
        r.apply(&delete(None)).is_ok(),
        "an empty one goes without force"
    );
}

#[test]
fn repo_1_another_registry_is_access_denied_under_the_foreign_registry_error_knob() {
    let profile = Profile::ecr()
        .with_knob("foreign-registry-error", "access-denied")
        .expect("a value");
    let mut r = registry_with(profile);
    let other_registry = Request::InitiateLayerUpload(InitiateLayerUpload {
        registry_id: Some("999999999999".into()),
        repository_name: Some(REPO.into()),
    });
    assert_eq!(
        rejected(&mut r, &other_registry),
        EcrError::AccessDenied {
            registry_id: "999999999999".into()
        }
    );
    // An absent repository of its own registry is still RepositoryNotFoundException.
    assert_eq!(
        name(&rejected(&mut r, &initiate_req("no-such-repo"))),
        "RepositoryNotFoundException"
    );
}

#[test]
fn wire_2_an_unpadded_blob_beside_a_missing_member_is_a_serialization_error() {
    // The whole body is decoded, blob padding included, before VAL looks at members.
    let mut r = registry();
    let body = br#"{"repositoryName":"layer-test","partFirstByte":0,"partLastByte":0,"layerPartBlob":"YQ"}"#;
    let req = wire::decode_request(
        Some("AmazonEC2ContainerRegistry_V20150921.UploadLayerPart"),
        body,
    );
    assert_eq!(name(&rejected(&mut r, &req)), "SerializationException");
}

#[test]
fn wire_2_minus_zero_is_zero() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let body = format!(
        r#"{{"repositoryName":"layer-test","uploadId":"{id}","partFirstByte":-0,"partLastByte":0,"layerPartBlob":"YQ=="}}"#
    );
    let req = wire::decode_request(
        Some("AmazonEC2ContainerRegistry_V20150921.UploadLayerPart"),
        body.as_bytes(),
    );
    assert!(matches!(
        r.apply(&req),
        Ok(Response::PartAccepted {
            last_byte_received: 0,
            ..
        })
    ));
}

#[test]
fn check_1_upper_case_hex_of_a_stored_layer_is_found_only_under_hex_either_case() {
    let upper = |d: &str| format!("sha256:{}", d["sha256:".len()..].to_uppercase());
    for (lookup, found) in [("exact", false), ("hex-either-case", true)] {
        let profile = Profile::ecr()
            .with_knob("layer-lookup", lookup)
            .expect("a value");
        let mut r = registry_with(profile);
        let id = upload_with(&mut r, b"hello");
        let d = digest_of(b"hello");
        r.apply(&complete(REPO, &id, &[&d])).expect("complete");
        let asked = upper(&d);
        let answer = r.apply(&check(REPO, &[&asked])).expect("an answer");
        let Response::Availability { layers, failures } = answer else {
            panic!("not an availability answer");
        };
        assert_eq!(layers.len(), usize::from(found), "{lookup}");
        assert_eq!(failures.len(), usize::from(!found), "{lookup}");
        if found {
            assert_eq!(layers[0].layer_digest, asked, "the digest as asked");
        } else {
            assert_eq!(failures[0].failure_code, FailureCode::MissingLayerDigest);
        }
    }
}

#[test]
fn init_1_each_upload_is_fresh_bound_to_its_repository_and_in_the_pattern() {
    let mut r = registry();
    let ids: Vec<String> = (0..50).map(|_| initiate(&mut r, REPO)).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    for id in &ids {
        assert!(is_upload_id(id), "{id}");
        assert_eq!(r.upload(id).map(|u| u.repository()), Some(REPO));
    }
    // Another seed mints other ids.
    let mut other = Registry::new(Profile::ecr()).with_id_seed(7);
    other.apply(&create(REPO)).expect("create");
    assert_ne!(initiate(&mut other, REPO), ids[0]);
}

#[test]
fn init_2_part_size_is_the_profile_value_within_range() {
    for size in [10_485_760, 5_242_880] {
        let mut r = registry_with(Profile {
            advertised_part_size: size,
            ..Profile::ecr()
        });
        match r.apply(&initiate_req(REPO)) {
            Ok(Response::UploadInitiated { part_size, .. }) => {
                assert_eq!(part_size, size);
                assert!(PART_SIZE_RANGE.contains(&part_size));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn part_1_an_unknown_finished_foreign_or_recased_id_is_upload_not_found() {
    let mut r = registry();
    let id = upload_with(&mut r, b"abc");
    let unknown = "00000000-0000-0000-0000-000000000000";
    let not_found = |id: &str| EcrError::UploadNotFound {
        upload_id: id.to_owned(),
    };
    assert_eq!(
        rejected(&mut r, &part_at(REPO, unknown, 0, vec![1])),
        not_found(unknown)
    );
    assert_eq!(
        rejected(&mut r, &part_at("other-repo", &id, 3, vec![1])),
        not_found(&id)
    );
    let upper = id.to_uppercase();
    assert_eq!(
        rejected(&mut r, &part_at(REPO, &upper, 3, vec![1])),
        not_found(&upper)
    );
    r.apply(&complete(REPO, &id, &[&digest_of(b"abc")]))
        .expect("complete");
    assert_eq!(
        rejected(&mut r, &part_at(REPO, &id, 3, vec![1])),
        not_found(&id)
    );

    // The knob: case-insensitive ids find the upload.
    let mut r = registry_with(Profile {
        upload_id_case: UploadIdCase::Insensitive,
        ..Profile::ecr()
    });
    let id = upload_with(&mut r, b"abc");
    assert!(
        r.apply(&part_at(REPO, &id.to_uppercase(), 3, vec![1]))
            .is_ok()
    );
}

#[test]
fn part_2_a_blob_over_20_mib_is_invalid_parameter_and_20_mib_is_accepted() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let max = MAX_PART_BYTES as usize;
    let err = rejected(&mut r, &part_at(REPO, &id, 0, vec![7; max + 1]));
    assert!(
        matches!(&err, EcrError::InvalidParameter { member, .. } if member == "layerPartBlob"),
        "{err:?}"
    );
    // Checked with VAL-2, before the repository and the upload.
    let err = rejected(&mut r, &part_at("no-such-repo", &id, 0, vec![7; max + 1]));
    assert_eq!(name(&err), "InvalidParameterException");
    match r.apply(&part_at(REPO, &id, 0, vec![7; max])) {
        Ok(Response::PartAccepted {
            last_byte_received, ..
        }) => {
            assert_eq!(last_byte_received, max as i64 - 1)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn part_3_rejects_a_gap_an_overlap_and_a_resent_part() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let first = vec![1; 10];
    r.apply(&part_at(REPO, &id, 0, first.clone()))
        .expect("part 0..=9");
    for (start, label) in [(11, "gap"), (9, "overlap"), (0, "resend")] {
        let bytes = if label == "resend" {
            first.clone()
        } else {
            vec![2; 5]
        };
        assert_eq!(
            rejected(&mut r, &part_at(REPO, &id, start, bytes)),
            invalid_part(&id, Some(9), wrong_start(start, 10)),
            "{label}"
        );
    }
    // A first part must start at 0.
    let fresh = initiate(&mut r, REPO);
    assert_eq!(
        name(&rejected(&mut r, &part_at(REPO, &fresh, 1, vec![1]))),
        "InvalidLayerPartException"
    );
}

#[test]
fn part_4_an_inverted_range_or_a_length_mismatch_is_invalid_layer_part() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    // A wrong start (PART-3) would win over PART-4: each case starts at the next byte.
    let mismatch = |r: &mut Registry, first, last, len| {
        let err = rejected(r, &part(REPO, &id, first, last, vec![1; len]));
        assert!(
            matches!(
                &err,
                EcrError::InvalidLayerPart {
                    problem: PartProblem::RangeMismatch { .. },
                    ..
                }
            ),
            "{first}..={last} with {len}: {err:?}"
        );
    };
    for (first, last, len) in [(0, 4, 4), (0, 4, 6), (0, 0, 0)] {
        mismatch(&mut r, first, last, len);
    }
    // An inverted range once 3 bytes are in: starts right, ends before it starts.
    r.apply(&part(REPO, &id, 0, 2, vec![1; 3]))
        .expect("first part");
    mismatch(&mut r, 3, 2, 0);
    // The knob turns it into InvalidParameterException.
    let mut r = registry_with(Profile {
        range_mismatch_error: ecr_conformance::model::PartErrorChoice::InvalidParameter,
        ..Profile::ecr()
    });
    let id = initiate(&mut r, REPO);
    assert_eq!(
        name(&rejected(&mut r, &part(REPO, &id, 0, 4, vec![1; 4]))),
        "InvalidParameterException"
    );
    // Extreme positions do not overflow.
    assert_eq!(
        name(&rejected(&mut r, &part(REPO, &id, 0, i64::MAX, vec![1]))),
        "InvalidParameterException"
    );
}

#[test]
fn part_5_invalid_layer_part_carries_its_members_and_omits_last_valid_before_the_first_byte() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    let reason = wrong_start(4, 0);
    assert_eq!(
        rejected(&mut r, &part_at(REPO, &id, 4, vec![1])),
        invalid_part(&id, None, reason.clone())
    );
    r.apply(&part_at(REPO, &id, 0, vec![1; 4])).expect("part");
    let err = rejected(&mut r, &part_at(REPO, &id, 0, vec![1]));
    assert_eq!(err, invalid_part(&id, Some(3), wrong_start(0, 4)));
    let body = wire::error_body(&err);
    assert_eq!(body.last_valid_byte_received, Some(3));
    assert_eq!(body.registry_id.as_deref(), Some("012345678910"));
    // The knob's other values.
    for (choice, want) in [
        (NothingReceivedYet::Zero, Some(0)),
        (NothingReceivedYet::MinusOne, Some(-1)),
    ] {
        let mut r = registry_with(Profile {
            nothing_received_yet: choice,
            ..Profile::ecr()
        });
        let id = initiate(&mut r, REPO);
        assert_eq!(
            rejected(&mut r, &part_at(REPO, &id, 4, vec![1])),
            invalid_part(&id, want, reason.clone())
        );
    }
}

#[test]
fn part_6_an_accepted_part_echoes_its_members_and_last_byte() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    for (first, len) in [(0i64, 1usize), (1, 10), (11, 3)] {
        assert_eq!(
            r.apply(&part_at(REPO, &id, first, vec![0; len])),
            Ok(Response::PartAccepted {
                registry_id: "012345678910".into(),
                repository_name: REPO.into(),
                upload_id: id.clone(),
                last_byte_received: first + len as i64 - 1,
            })
        );
    }
    assert_eq!(r.upload(&id).map(|u| u.received()), Some(14));
}

#[test]
fn done_1_an_unknown_finished_or_foreign_upload_is_upload_not_found() {
    let mut r = registry();
    let id = upload_with(&mut r, b"abc");
    let d = digest_of(b"abc");
    assert_eq!(
        name(&rejected(&mut r, &complete("other-repo", &id, &[&d]))),
        "UploadNotFoundException"
    );
    assert_eq!(
        name(&rejected(
            &mut r,
            &complete(REPO, "00000000-0000-0000-0000-000000000000", &[&d])
        )),
        "UploadNotFoundException"
    );
    r.apply(&complete(REPO, &id, &[&d])).expect("complete");
    assert_eq!(
        rejected(&mut r, &complete(REPO, &id, &[&d])),
        EcrError::UploadNotFound {
            upload_id: id.clone()
        }
    );
}

#[test]
fn done_2_completing_an_empty_upload_is_empty_upload() {
    let mut r = registry();
    let id = initiate(&mut r, REPO);
    assert_eq!(
        rejected(&mut r, &complete(REPO, &id, &[&digest_of(b"")])),
        EcrError::EmptyUpload {
            upload_id: id.clone()
        }
    );
}

#[test]
fn done_3_a_part_under_5_mib_before_the_last_is_layer_part_too_small() {
    let min = MIN_PART_BYTES as usize;
    let mut r = registry();
    // 5 MiB - 1, then one byte: too small.
    let id = initiate(&mut r, REPO);
    let mut layer = vec![3u8; min - 1];
    r.apply(&part_at(REPO, &id, 0, layer.clone()))
        .expect("part 1");
    r.apply(&part_at(REPO, &id, (min - 1) as i64, vec![4]))
        .expect("part 2");
    layer.push(4);
    assert_eq!(
        rejected(&mut r, &complete(REPO, &id, &[&digest_of(&layer)])),
        EcrError::LayerPartTooSmall {
            upload_id: id.clone()
        }
    );
    // Exactly 5 MiB, then one byte: fine; the last part may be of any size.
    let id = initiate(&mut r, REPO);
    let mut layer = vec![5u8; min];
    r.apply(&part_at(REPO, &id, 0, layer.clone()))
        .expect("part 1");
    r.apply(&part_at(REPO, &id, min as i64, vec![6]))
        .expect("part 2");
    layer.push(6);
    assert!(r.apply(&complete(REPO, &id, &[&digest_of(&layer)])).is_ok());
}

#[test]
fn done_4_a_digest_other_than_the_sha256_of_the_bytes_is_invalid_layer() {
    let mut r = registry();
    let id = upload_with(&mut r, b"abc");
    let right = digest_of(b"abc");
    let upper_prefix = right.to_uppercase();
    for wrong in [
        digest_of(b"abd"),
        upper_prefix,
        right.replace("sha256:", "sha512:"),
    ] {
        assert_eq!(
            rejected(&mut r, &complete(REPO, &id, &[&wrong])),
            EcrError::InvalidLayer {
                upload_id: id.clone(),
                actual_digest: right.clone()
            },
            "{wrong}"
        );
    }
    // Several digests: all must match under `ecr`.
    assert_eq!(
        name(&rejected(
            &mut r,
            &complete(REPO, &id, &[&right, &digest_of(b"x")])
        )),
        "InvalidLayerException"
    );
    // Hex in upper case names the same content.
    let upper_hex = format!("sha256:{}", right["sha256:".len()..].to_uppercase());
    assert!(names_content(&upper_hex, &right));
    assert!(r.apply(&complete(REPO, &id, &[&upper_hex, &right])).is_ok());
    // The knob: one match is enough.
    let mut r = registry_with(Profile {
        digest_list_meaning: ecr_conformance::model::DigestListMeaning::AnyMayMatch,
        ..Profile::ecr()
    });
    let id = upload_with(&mut r, b"abc");
    assert!(
        r.apply(&complete(REPO, &id, &[&digest_of(b"x"), &right]))
            .is_ok()
    );
}

#[test]
fn done_5_the_same_layer_twice_is_layer_already_exists_after_the_digest_check() {
    let mut r = registry();
    let d = digest_of(b"abc");
    let first = upload_with(&mut r, b"abc");
    r.apply(&complete(REPO, &first, &[&d])).expect("first");
    let second = upload_with(&mut r, b"abc");
    // A wrong digest is still InvalidLayer (DONE-4 goes first).
    assert_eq!(
        name(&rejected(
            &mut r,
            &complete(REPO, &second, &[&digest_of(b"z")])
        )),
        "InvalidLayerException"
    );
    assert_eq!(
        rejected(&mut r, &complete(REPO, &second, &[&d])),
        EcrError::LayerAlreadyExists {
            layer_digest: d.clone()
        }
    );
    // The same bytes in another repository are a new layer there.
    let other = initiate(&mut r, "other-repo");
    r.apply(&part_at("other-repo", &other, 0, b"abc".to_vec()))
        .expect("part");
    assert!(r.apply(&complete("other-repo", &other, &[&d])).is_ok());
}

#[test]
fn done_6_success_stores_the_layer_finishes_the_upload_and_answers_the_lower_case_digest() {
    let mut r = registry();
    let id = upload_with(&mut r, b"hello");
    let d = digest_of(b"hello");
    let upper_hex = format!("sha256:{}", d["sha256:".len()..].to_uppercase());
    assert_eq!(
        r.apply(&complete(REPO, &id, &[&upper_hex])),
        Ok(Response::LayerCompleted {
            registry_id: "012345678910".into(),
            repository_name: REPO.into(),
            upload_id: id.clone(),
            layer_digest: d.clone(),
        })
    );
    assert_eq!(r.layer_size(REPO, &d), Some(5));
    assert!(r.upload(&id).is_none());
}

#[test]
fn check_1_a_stored_layer_is_available_with_its_size() {
    let mut r = registry();
    let id = upload_with(&mut r, b"hello");
    let d = digest_of(b"hello");
    r.apply(&complete(REPO, &id, &[&d])).expect("complete");
    assert_eq!(
        r.apply(&check(REPO, &[&d])),
        Ok(Response::Availability {
            layers: vec![LayerInfo {
                layer_digest: d.clone(),
                layer_size: 5,
                available: true,
                referenced: false,
            }],
            failures: vec![],
        })
    );
    let answer = wire::encode_outcome(&r.apply(&check(REPO, &[&d])));
    let v: serde_json::Value = answer.body.clone();
    assert_eq!(v["layers"][0]["layerAvailability"], "AVAILABLE");
    assert_eq!(v["layers"][0]["layerSize"], 5);
    // Not in another repository.
    assert!(
        matches!(r.apply(&check("other-repo", &[&d])), Ok(Response::Availability { layers, .. }) if layers.is_empty())
    );
}

#[test]
fn check_2_malformed_digests_are_invalid_and_absent_ones_missing() {
    let mut r = registry();
    let in_progress = upload_with(&mut r, b"abc");
    assert!(r.upload(&in_progress).is_some());
    let uploading = digest_of(b"abc");
    let never = digest_of(b"never");
    assert_eq!(
        r.apply(&check(REPO, &["not a digest", &never, &uploading, ""])),
        Ok(Response::Availability {
            layers: vec![],
            failures: vec![
                LayerFailure {
                    layer_digest: "not a digest".into(),
                    failure_code: FailureCode::InvalidLayerDigest
                },
                LayerFailure {
                    layer_digest: never.clone(),
                    failure_code: FailureCode::MissingLayerDigest
                },
                LayerFailure {
                    layer_digest: uploading.clone(),
                    failure_code: FailureCode::MissingLayerDigest
                },
                LayerFailure {
                    layer_digest: String::new(),
                    failure_code: FailureCode::InvalidLayerDigest
                },
            ],
        })
    );
}
