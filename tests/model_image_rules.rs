//! One test per image rule of the spec (§9), named after it, asserting the exact answer;
//! and the bad input the image operations must refuse with a typed error.

mod common;

use common::*;
use ecr_conformance::model::image::{ImageFailureCode, ImageName};
use ecr_conformance::model::manifest::{DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use ecr_conformance::model::{
    BatchCheckLayerAvailability, BatchDeleteImage, BatchGetImage, CreateRepository,
    DeleteRepository, DeletedIds, DescribeImages, DuplicateImageIds, EcrError, ExclusionFilter,
    GetDownloadUrlForLayer, ImageFilter, ImageId, ImmutableRepushError, ListImages,
    ParameterProblem, Profile, PutImage, PutImageTagMutability, Registry, Request, Response,
    RuleId, Schema1Manifest, UnreferencedLayerCheck, digest::digest_of, rule_for,
};

const REPO: &str = "layer-test";

/// A registry (under `profile`) with `REPO` holding the layers `a`, `b` and `c`.
fn with_layers(profile: Profile) -> Registry {
    let mut r = registry_with(profile);
    for bytes in [&b"a"[..], b"b", b"c"] {
        let id = initiate(&mut r, REPO);
        r.apply(&part_at(REPO, &id, 0, bytes.to_vec()))
            .expect("part");
        r.apply(&complete(REPO, &id, &[&digest_of(bytes)]))
            .expect("complete");
    }
    r
}

fn layers() -> Registry {
    with_layers(Profile::ecr())
}

/// An OCI image manifest with config `config` and layers `layers` (bytes of stored layers).
fn manifest(config: &[u8], layers: &[&[u8]]) -> String {
    let d = |b: &[u8]| format!(r#"{{"digest":"{}","size":{}}}"#, digest_of(b), b.len());
    let listed: Vec<String> = layers.iter().map(|l| d(l)).collect();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":1}},"layers":[{}]}}"#,
        digest_of(config),
        listed.join(",")
    )
}

fn index(children: &[&str]) -> String {
    let listed: Vec<String> = children
        .iter()
        .map(|c| format!(r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{c}","size":1}}"#))
        .collect();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
        listed.join(",")
    )
}

fn put(text: &str, tag: Option<&str>) -> Request {
    Request::PutImage(PutImage {
        registry_id: None,
        repository_name: Some(REPO.into()),
        image_manifest: Some(text.into()),
        image_manifest_media_type: None,
        image_tag: tag.map(Into::into),
        image_digest: None,
    })
}

fn id(digest: Option<&str>, tag: Option<&str>) -> ImageId {
    ImageId {
        image_digest: digest.map(Into::into),
        image_tag: tag.map(Into::into),
    }
}

fn get(ids: Vec<ImageId>) -> Request {
    Request::BatchGetImage(BatchGetImage {
        registry_id: None,
        repository_name: Some(REPO.into()),
        image_ids: Some(ids),
        accepted_media_types: None,
    })
}

fn delete(ids: Vec<ImageId>) -> Request {
    Request::BatchDeleteImage(BatchDeleteImage {
        registry_id: None,
        repository_name: Some(REPO.into()),
        image_ids: Some(ids),
    })
}

fn describe(ids: Option<Vec<ImageId>>, max: Option<i64>, token: Option<String>) -> Request {
    Request::DescribeImages(DescribeImages {
        registry_id: None,
        repository_name: Some(REPO.into()),
        image_ids: ids,
        next_token: token,
        max_results: max,
        filter: None,
    })
}

fn list(max: Option<i64>, token: Option<String>, status: Option<&str>) -> Request {
    Request::ListImages(ListImages {
        registry_id: None,
        repository_name: Some(REPO.into()),
        next_token: token,
        max_results: max,
        filter: status.map(|s| ImageFilter {
            tag_status: Some(s.into()),
        }),
    })
}

fn url(digest: &str) -> Request {
    Request::GetDownloadUrlForLayer(GetDownloadUrlForLayer {
        registry_id: None,
        repository_name: Some(REPO.into()),
        layer_digest: Some(digest.into()),
    })
}

fn mutability(kind: &str, filters: &[&str]) -> Request {
    Request::PutImageTagMutability(PutImageTagMutability {
        registry_id: None,
        repository_name: Some(REPO.into()),
        image_tag_mutability: Some(kind.into()),
        image_tag_mutability_exclusion_filters: (!filters.is_empty()).then(|| {
            filters
                .iter()
                .map(|f| ExclusionFilter {
                    filter_type: Some("WILDCARD".into()),
                    filter: Some((*f).into()),
                })
                .collect()
        }),
    })
}

/// The rule an answer of `r` to `req` is decided by, and the answer.
fn decided(r: &mut Registry, req: &Request) -> (RuleId, Result<Response, EcrError>) {
    let out = r.apply(req);
    (rule_for(req, &out), out)
}

fn names_listed(out: &Result<Response, EcrError>) -> Vec<ImageName> {
    match out {
        Ok(Response::ImageIds { image_ids, .. }) => image_ids.clone(),
        Ok(Response::ImagesDeleted { image_ids, .. }) => image_ids.clone(),
        other => panic!("not a list of names: {other:?}"),
    }
}

#[test]
fn img_1_the_digest_is_sha256_of_the_manifest_bytes_and_the_manifest_comes_back_byte_for_byte() {
    let mut r = layers();
    // Whitespace and member order a re-serialiser would change.
    let text = manifest(b"a", &[b"b"]).replace(",\"layers\"", ",\n   \"layers\"");
    let (rule, out) = decided(&mut r, &put(&text, Some("v1")));
    assert_eq!(rule, RuleId::Img1);
    let Ok(Response::ImagePut(image)) = out else {
        panic!("{out:?}")
    };
    assert_eq!(image.image_id.digest, digest_of(text.as_bytes()));
    assert_eq!(image.manifest, text);
    let Ok(Response::Images { images, .. }) = r.apply(&get(vec![id(None, Some("v1"))])) else {
        panic!("get")
    };
    assert_eq!(images[0].manifest, text, "byte for byte");
}

#[test]
fn img_2_a_given_digest_that_is_not_the_manifests_gets_image_digest_does_not_match() {
    let mut r = layers();
    let text = manifest(b"a", &[]);
    let mut req = put(&text, None);
    if let Request::PutImage(p) = &mut req {
        p.image_digest = Some(digest_of(b"something else"));
    }
    let e = rejected(&mut r, &req);
    assert_eq!(name(&e), "ImageDigestDoesNotMatchException");
    assert_eq!(rule_for(&req, &Err(e)), RuleId::Img2);
    if let Request::PutImage(p) = &mut req {
        p.image_digest = Some(digest_of(text.as_bytes()));
    }
    assert!(r.apply(&req).is_ok(), "the right digest is taken");
}

#[test]
fn img_3_a_manifest_needs_json_and_one_of_the_four_media_types() {
    let mut r = layers();
    let no_type = manifest(b"a", &[]).replace(&format!(r#""mediaType":"{OCI_MANIFEST}","#), "");
    for bad in [
        "not json",
        "[]",
        &no_type,
        &manifest(b"a", &[]).replace(OCI_MANIFEST, "text/plain"),
    ] {
        let req = put(bad, None);
        let e = rejected(&mut r, &req);
        assert_eq!(name(&e), "InvalidParameterException", "{bad}");
        assert_eq!(rule_for(&req, &Err(e)), RuleId::Img3, "{bad}");
    }
    // The media type as a parameter, for a manifest without one.
    let mut req = put(&no_type, None);
    if let Request::PutImage(p) = &mut req {
        p.image_manifest_media_type = Some(OCI_MANIFEST.into());
    }
    assert!(r.apply(&req).is_ok());
    // Schema 1 follows the knob.
    let s1 = format!(
        r#"{{"schemaVersion":1,"fsLayers":[{{"blobSum":"{}"}}]}}"#,
        digest_of(b"a")
    );
    assert_eq!(
        name(&rejected(&mut r, &put(&s1, None))),
        "InvalidParameterException"
    );
    let mut r = with_layers(Profile {
        schema1_manifest: Schema1Manifest::Accepted,
        ..Profile::ecr()
    });
    assert!(r.apply(&put(&s1, None)).is_ok());
}

#[test]
fn img_4_every_config_and_layer_must_be_a_completed_layer_of_this_repository() {
    let mut r = layers();
    let e = rejected(&mut r, &put(&manifest(b"a", &[b"zzz"]), None));
    assert_eq!(
        e,
        EcrError::LayersNotFound {
            repository_name: REPO.into(),
            layer_digests: vec![digest_of(b"zzz")],
        }
    );
    // The config too.
    assert_eq!(
        name(&rejected(&mut r, &put(&manifest(b"zzz", &[b"a"]), None))),
        "LayersNotFoundException"
    );
    // Another repository's layers do not count.
    r.apply(&create("other")).expect("create");
    let mut req = put(&manifest(b"a", &[]), None);
    if let Request::PutImage(p) = &mut req {
        p.repository_name = Some("other".into());
    }
    assert_eq!(name(&rejected(&mut r, &req)), "LayersNotFoundException");
}

#[test]
fn img_5_every_child_of_an_index_must_be_an_image_of_this_repository() {
    let mut r = layers();
    let child = manifest(b"a", &[b"b"]);
    let child_digest = digest_of(child.as_bytes());
    let e = rejected(&mut r, &put(&index(&[&child_digest]), Some("multi")));
    assert_eq!(name(&e), "ReferencedImagesNotFoundException");
    r.apply(&put(&child, None)).expect("the child");
    assert!(
        r.apply(&put(&index(&[&child_digest]), Some("multi")))
            .is_ok()
    );
}

#[test]
fn img_6_the_same_image_again_gets_image_already_exists_and_the_knob_picks_for_immutable_tags() {
    let mut r = layers();
    let text = manifest(b"a", &[]);
    r.apply(&put(&text, Some("v1"))).expect("first");
    for again in [put(&text, Some("v1")), put(&text, None)] {
        let e = rejected(&mut r, &again);
        assert_eq!(name(&e), "ImageAlreadyExistsException");
        assert_eq!(rule_for(&again, &Err(e)), RuleId::Img6);
    }
    // A new tag on the stored image is a re-tag, not a refusal.
    assert!(r.apply(&put(&text, Some("v2"))).is_ok());
    // Immutable: ImageAlreadyExists under `ecr`, ImageTagAlreadyExists under the knob.
    r.apply(&mutability("IMMUTABLE", &[])).expect("immutable");
    assert_eq!(
        name(&rejected(&mut r, &put(&text, Some("v1")))),
        "ImageAlreadyExistsException"
    );
    let mut r = with_layers(Profile {
        immutable_repush_error: ImmutableRepushError::ImageTagAlreadyExists,
        ..Profile::ecr()
    });
    r.apply(&mutability("IMMUTABLE", &[])).expect("immutable");
    r.apply(&put(&text, Some("v1"))).expect("first");
    let again = put(&text, Some("v1"));
    let e = rejected(&mut r, &again);
    assert_eq!(name(&e), "ImageTagAlreadyExistsException");
    assert_eq!(rule_for(&again, &Err(e)), RuleId::Img6);
}

#[test]
fn img_7_a_mutable_tag_moves_and_leaves_the_old_image_untagged_an_immutable_one_refuses() {
    let mut r = layers();
    let (a, b) = (manifest(b"a", &[]), manifest(b"a", &[b"b"]));
    r.apply(&put(&a, Some("latest"))).expect("a");
    r.apply(&put(&b, Some("latest"))).expect("b takes the tag");
    let (da, db) = (digest_of(a.as_bytes()), digest_of(b.as_bytes()));
    assert_eq!(r.tag_digest(REPO, "latest"), Some(db.as_str()));
    let listed = names_listed(&r.apply(&list(None, None, Some("UNTAGGED"))));
    assert_eq!(
        listed,
        vec![ImageName {
            digest: da.clone(),
            tag: None
        }],
        "the old image stays, untagged"
    );
    // Immutable: the tag stays.
    r.apply(&mutability("IMMUTABLE", &[])).expect("immutable");
    let req = put(&a, Some("latest"));
    let e = rejected(&mut r, &req);
    assert_eq!(name(&e), "ImageTagAlreadyExistsException");
    assert_eq!(rule_for(&req, &Err(e)), RuleId::Img7);
    // An exclusion filter inverts it for the tags it fully matches.
    r.apply(&mutability("IMMUTABLE_WITH_EXCLUSION", &["lat*"]))
        .expect("exclusion");
    assert!(r.apply(&put(&a, Some("latest"))).is_ok(), "excluded: moves");
    r.apply(&put(&b, Some("v1"))).expect("v1 on b");
    assert_eq!(
        name(&rejected(&mut r, &put(&a, Some("v1")))),
        "ImageTagAlreadyExistsException"
    );
}

#[test]
fn img_8_a_tag_is_1_to_300_characters_of_the_tag_pattern() {
    let mut r = layers();
    let text = manifest(b"a", &[]);
    for bad in ["", "a/b", "has space", "ünï", &"t".repeat(301)] {
        let req = put(&text, Some(bad));
        let e = rejected(&mut r, &req);
        assert_eq!(name(&e), "InvalidParameterException", "{bad}");
        assert_eq!(rule_for(&req, &Err(e)), RuleId::Img8, "{bad:?}");
    }
    assert!(r.apply(&put(&text, Some(&"t".repeat(300)))).is_ok());
    assert!(r.apply(&put(&text, Some("v1.2-rc_3"))).is_ok());
}

#[test]
fn get_1_each_id_is_an_image_or_a_typed_failure() {
    let mut r = layers();
    let (a, b) = (manifest(b"a", &[]), manifest(b"b", &[]));
    r.apply(&put(&a, Some("one"))).expect("a");
    r.apply(&put(&b, Some("two"))).expect("b");
    let (da, db) = (digest_of(a.as_bytes()), digest_of(b.as_bytes()));
    let out = r.apply(&get(vec![
        id(Some(&da), None),
        id(None, Some("two")),
        id(None, None),
        id(Some("sha256:xyz"), None),
        id(None, Some("bad/tag")),
        id(Some(&da), Some("two")),
        id(Some(&digest_of(b"none")), None),
        id(None, Some("nope")),
    ]));
    let Ok(Response::Images { images, failures }) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        images
            .iter()
            .map(|i| i.image_id.digest.clone())
            .collect::<Vec<_>>(),
        vec![da.clone(), db]
    );
    assert_eq!(
        failures.iter().map(|f| f.code).collect::<Vec<_>>(),
        vec![
            ImageFailureCode::MissingDigestAndTag,
            ImageFailureCode::InvalidImageDigest,
            ImageFailureCode::InvalidImageTag,
            ImageFailureCode::ImageTagDoesNotMatchDigest,
            ImageFailureCode::ImageNotFound,
            ImageFailureCode::ImageNotFound,
        ]
    );
    // An id asked twice: once under `ecr`, twice under the knob.
    let twice = get(vec![id(Some(&da), None), id(Some(&da), None)]);
    let count = |r: &mut Registry| match r.apply(&twice) {
        Ok(Response::Images { images, .. }) => images.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(count(&mut r), 1);
    let mut each = with_layers(Profile {
        duplicate_image_ids: DuplicateImageIds::Each,
        ..Profile::ecr()
    });
    each.apply(&put(&a, None)).expect("a");
    assert_eq!(count(&mut each), 2);
}

#[test]
fn url_1_a_layer_needs_an_image_that_references_it_config_included() {
    let mut r = layers();
    let (da, db) = (digest_of(b"a"), digest_of(b"b"));
    assert_eq!(
        name(&rejected(&mut r, &url(&digest_of(b"zzz")))),
        "LayersNotFoundException"
    );
    assert_eq!(
        name(&rejected(&mut r, &url(&da))),
        "LayerInaccessibleException"
    );
    let text = manifest(b"a", &[b"b"]);
    r.apply(&put(&text, Some("v1"))).expect("image");
    for d in [&da, &db] {
        let (rule, out) = decided(&mut r, &url(d));
        assert_eq!(rule, RuleId::Url1);
        assert!(matches!(out, Ok(Response::DownloadUrl { .. })), "{out:?}");
    }
    // After its last image goes, a layer is inaccessible again.
    r.apply(&delete(vec![id(None, Some("v1"))]))
        .expect("delete");
    assert_eq!(
        name(&rejected(&mut r, &url(&db))),
        "LayerInaccessibleException"
    );
}

#[test]
fn del_1_by_tag_untags_by_digest_removes_the_image_and_a_child_of_an_index_stays() {
    let mut r = layers();
    let a = manifest(b"a", &[]);
    let da = digest_of(a.as_bytes());
    r.apply(&put(&a, Some("one"))).expect("a");
    r.apply(&put(&a, Some("two"))).expect("a again");
    // By tag: the tag goes, the image stays with its other tag.
    let out = r.apply(&delete(vec![id(None, Some("one"))]));
    assert_eq!(
        names_listed(&out),
        vec![ImageName {
            digest: da.clone(),
            tag: Some("one".into())
        }]
    );
    assert_eq!(r.image_count(REPO), 1);
    // By digest: the image and every tag; one entry per tag under `ecr`.
    r.apply(&put(&a, Some("three"))).expect("retag");
    let out = r.apply(&delete(vec![id(Some(&da), None)]));
    assert_eq!(names_listed(&out).len(), 2);
    assert_eq!(r.image_count(REPO), 0);
    // ... and one entry under `deleted-ids=one`.
    let mut one = with_layers(Profile {
        deleted_ids: DeletedIds::One,
        ..Profile::ecr()
    });
    one.apply(&put(&a, Some("x"))).expect("a");
    one.apply(&put(&a, Some("y"))).expect("a");
    assert_eq!(
        names_listed(&one.apply(&delete(vec![id(Some(&da), None)]))),
        vec![ImageName {
            digest: da.clone(),
            tag: None
        }]
    );
    // A child of a stored index is refused while the index stays.
    r.apply(&put(&a, None)).expect("child");
    r.apply(&put(&index(&[&da]), Some("multi"))).expect("index");
    let out = r.apply(&delete(vec![id(Some(&da), None)]));
    let Ok(Response::ImagesDeleted { failures, .. }) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        failures[0].code,
        ImageFailureCode::ImageReferencedByManifestList
    );
    assert_eq!(r.image_count(REPO), 2);
}

#[test]
fn list_1_one_id_per_digest_and_tag_paged_with_tokens_this_registry_issued() {
    let mut r = layers();
    for (i, config) in [&b"a"[..], b"b", b"c"].iter().enumerate() {
        let text = manifest(config, &[]);
        r.apply(&put(&text, Some(&format!("t{i}")))).expect("put");
        if i == 0 {
            r.apply(&put(&text, Some("extra"))).expect("second tag");
        }
    }
    r.apply(&put(&manifest(b"a", &[b"b"]), None))
        .expect("untagged");
    let all = names_listed(&r.apply(&list(None, None, None)));
    assert_eq!(all.len(), 5, "{all:?}");
    assert_eq!(
        names_listed(&r.apply(&list(None, None, Some("UNTAGGED")))).len(),
        1
    );
    assert_eq!(
        names_listed(&r.apply(&list(None, None, Some("TAGGED")))).len(),
        4
    );
    // Pages of 2 give every row once, and the last page has no token.
    let mut token = None;
    let mut paged = Vec::new();
    loop {
        let out = r.apply(&list(Some(2), token.clone(), None));
        let Ok(Response::ImageIds {
            image_ids,
            next_token,
        }) = out
        else {
            panic!("{out:?}")
        };
        assert!(image_ids.len() <= 2);
        paged.extend(image_ids);
        match next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(paged, all);
    for bad in [Some(0), Some(1001)] {
        let req = list(bad, None, None);
        let e = rejected(&mut r, &req);
        assert_eq!(rule_for(&req, &Err(e)), RuleId::List1);
    }
    let never = list(None, Some("l.6162.0000000000000000".into()), None);
    assert_eq!(name(&rejected(&mut r, &never)), "InvalidParameterException");
    assert_eq!(
        name(&rejected(&mut r, &list(None, None, Some("SOMETIMES")))),
        "InvalidParameterException"
    );
}

#[test]
fn list_2_describe_images_details_and_refusals() {
    let mut r = layers();
    let text = manifest(b"a", &[b"b", b"c"]);
    let d = digest_of(text.as_bytes());
    r.apply(&put(&text, Some("v1"))).expect("put");
    r.apply(&put(&text, Some("v0"))).expect("retag");
    let out = r.apply(&describe(Some(vec![id(Some(&d), None)]), None, None));
    let Ok(Response::ImageDetails {
        details,
        next_token,
    }) = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(next_token, None);
    let detail = &details[0];
    assert_eq!(detail.tags, vec!["v0".to_owned(), "v1".to_owned()]);
    assert_eq!(detail.size, 3, "config + layers, one byte each");
    assert_eq!(detail.pushed_at, 0, "a re-tag keeps the first push");
    assert_eq!(detail.media_type, OCI_MANIFEST);
    assert_eq!(
        detail.artifact_media_type.as_deref(),
        Some("application/vnd.oci.image.config.v1+json")
    );
    let missing = describe(Some(vec![id(None, Some("nope"))]), None, None);
    let e = rejected(&mut r, &missing);
    assert_eq!(name(&e), "ImageNotFoundException");
    assert_eq!(rule_for(&missing, &Err(e)), RuleId::List2);
    let both = describe(Some(vec![id(Some(&d), None)]), Some(5), None);
    let e = rejected(&mut r, &both);
    assert_eq!(name(&e), "InvalidParameterException");
    assert_eq!(rule_for(&both, &Err(e)), RuleId::List2);
    // A Docker manifest reports its own media type.
    let docker = manifest(b"b", &[]).replace(OCI_MANIFEST, DOCKER_MANIFEST);
    r.apply(&put(&docker, None)).expect("docker");
    let out = r.apply(&describe(None, None, None));
    let Ok(Response::ImageDetails { details, .. }) = out else {
        panic!("{out:?}")
    };
    assert_eq!(details.len(), 2);
    assert!(
        details
            .iter()
            .any(|d| d.media_type == DOCKER_MANIFEST && d.tags.is_empty())
    );
}

#[test]
fn mut_1_the_four_settings_and_their_filters() {
    let mut r = registry();
    let create = |kind: Option<&str>, filters: &[&str]| {
        Request::CreateRepository(CreateRepository {
            registry_id: None,
            repository_name: Some("fresh".into()),
            image_tag_mutability: kind.map(Into::into),
            image_tag_mutability_exclusion_filters: (!filters.is_empty()).then(|| {
                filters
                    .iter()
                    .map(|f| ExclusionFilter {
                        filter_type: Some("WILDCARD".into()),
                        filter: Some((*f).into()),
                    })
                    .collect()
            }),
        })
    };
    for (kind, filters) in [
        (Some("SOMETIMES"), &[][..]),
        (Some("MUTABLE"), &["a*"][..]),
        (Some("IMMUTABLE_WITH_EXCLUSION"), &[][..]),
        (
            Some("MUTABLE_WITH_EXCLUSION"),
            &["a", "b", "c", "d", "e", "f"][..],
        ),
        (Some("MUTABLE_WITH_EXCLUSION"), &["no/slash"][..]),
    ] {
        let req = create(kind, filters);
        let e = rejected(&mut r, &req);
        assert_eq!(
            rule_for(&req, &Err(e)),
            RuleId::Mut1,
            "{kind:?} {filters:?}"
        );
    }
    let out = r.apply(&create(None, &[]));
    let Ok(Response::Repository(info)) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        info.image_tag_mutability.map(|m| m.kind.as_str()),
        Some("MUTABLE")
    );
    let (rule, out) = decided(&mut r, &mutability("IMMUTABLE", &[]));
    assert_eq!(rule, RuleId::Mut1);
    assert!(out.is_ok());
    assert_eq!(
        name(&rejected(&mut r, &mutability("IMMUTABLE", &["x*"]))),
        "InvalidParameterException"
    );
}

#[test]
fn check_3_an_unreferenced_layer_is_available_unless_the_knob_says_otherwise() {
    let check = Request::BatchCheckLayerAvailability(BatchCheckLayerAvailability {
        registry_id: None,
        repository_name: Some(REPO.into()),
        layer_digests: Some(vec![digest_of(b"a")]),
    });
    let available = |r: &mut Registry| match r.apply(&check) {
        Ok(Response::Availability { layers, .. }) => layers[0].available,
        other => panic!("{other:?}"),
    };
    assert!(available(&mut layers()));
    let mut r = with_layers(Profile {
        unreferenced_layer_check: UnreferencedLayerCheck::Unavailable,
        ..Profile::ecr()
    });
    assert!(!available(&mut r));
    assert_eq!(rule_for(&check, &r.clone().apply(&check)), RuleId::Check3);
    r.apply(&put(&manifest(b"a", &[]), None)).expect("image");
    assert!(available(&mut r), "referenced now");
}

#[test]
fn admin_2_a_repository_holding_an_image_needs_force_one_with_layers_does_not() {
    let delete = |force| {
        Request::DeleteRepository(DeleteRepository {
            registry_id: None,
            repository_name: Some(REPO.into()),
            force,
        })
    };
    assert!(layers().apply(&delete(None)).is_ok());
    let mut r = layers();
    r.apply(&put(&manifest(b"a", &[]), Some("v1")))
        .expect("image");
    assert_eq!(
        name(&rejected(&mut r, &delete(Some(false)))),
        "RepositoryNotEmptyException"
    );
    assert!(r.apply(&delete(Some(true))).is_ok());
    r.apply(&create(REPO)).expect("again");
    assert_eq!(r.image_count(REPO), 0, "force removed the images");
}

#[test]
fn bad_image_input_gets_typed_errors_not_panics() {
    let mut r = layers();
    // Over the limit: refused on its length, before any parsing.
    let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(4_194_304));
    let e = rejected(&mut r, &put(&huge, None));
    assert!(
        matches!(&e, EcrError::InvalidParameter { member, problem: ParameterProblem::Constraint(_) } if member == "imageManifest"),
        "{e:?}"
    );
    // Nested 10,000 deep: a JSON error, not a stack overflow.
    let deep = format!(
        "{{\"mediaType\":\"{OCI_MANIFEST}\",\"x\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(
        name(&rejected(&mut r, &put(&deep, None))),
        "InvalidParameterException"
    );
    // 10,000 layers, all the same stored one: taken, its size counted once.
    let many: Vec<&[u8]> = vec![b"b"; 10_000];
    assert!(r.apply(&put(&manifest(b"a", &many), None)).is_ok());
    // 101 ids.
    let ids = vec![id(None, Some("x")); 101];
    for req in [
        get(ids.clone()),
        delete(ids.clone()),
        describe(Some(ids), None, None),
    ] {
        assert_eq!(name(&rejected(&mut r, &req)), "InvalidParameterException");
    }
    // A token never issued, and one of another listing.
    let Ok(Response::ImageIds { .. }) = r.apply(&list(None, None, None)) else {
        panic!("list")
    };
    for token in ["", "garbage", "l.zz.00", "da.00.0000000000000000"] {
        let req = describe(None, None, Some(token.into()));
        assert_eq!(
            name(&rejected(&mut r, &req)),
            "InvalidParameterException",
            "{token}"
        );
    }
}
