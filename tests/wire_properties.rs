//! Properties of the wire layer: round trips and the error-name rule.

use ecr_conformance::model::{ImageFilter, ImageId, Request};
use ecr_conformance::strategy::steps;
use ecr_conformance::wire::{self, *};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("\\PC{0,12}")
}
fn long() -> impl Strategy<Value = Option<i64>> {
    proptest::option::of(any::<i64>())
}
fn list() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(prop::collection::vec("\\PC{0,8}", 0..4))
}
fn blob() -> impl Strategy<Value = Option<Blob>> {
    proptest::option::of(
        (prop::collection::vec(any::<u8>(), 0..64), any::<bool>()).prop_map(|(bytes, padded)| {
            // No padding is needed when the length is a multiple of 3: both forms agree.
            let padded = padded || bytes.len() % 3 == 0;
            Blob::with_padding(bytes, padded)
        }),
    )
}

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: &T,
) -> Result<(), TestCaseError> {
    let json = serde_json::to_vec(value).expect("serializes");
    let back: T = serde_json::from_slice(&json).expect("decodes what it encoded");
    prop_assert_eq!(&back, value);
    Ok(())
}

proptest! {
    #[test]
    fn encode_then_decode_is_the_identity_for_every_request_type(
        (a, b, c) in (text(), text(), text()),
        (first, last) in (long(), long()),
        blob in blob(),
        digests in list(),
        force in proptest::option::of(any::<bool>()),
    ) {
        round_trips(&CreateRepositoryRequest {
            registry_id: a.clone(), repository_name: b.clone(), image_tag_mutability: c.clone(),
            image_tag_mutability_exclusion_filters: None,
        })?;
        round_trips(&PutImageRequest {
            registry_id: a.clone(), repository_name: b.clone(), image_manifest: c.clone(),
            image_manifest_media_type: a.clone(), image_tag: b.clone(), image_digest: c.clone(),
        })?;
        let ids = digests.clone().map(|d| d.into_iter().map(|x| ImageId {
            image_digest: Some(x.clone()), image_tag: (x.len() % 2 == 0).then_some(x),
        }).collect::<Vec<_>>());
        round_trips(&BatchGetImageRequest {
            registry_id: a.clone(), repository_name: b.clone(), image_ids: ids.clone(),
            accepted_media_types: digests.clone(),
        })?;
        round_trips(&BatchDeleteImageRequest {
            registry_id: a.clone(), repository_name: b.clone(), image_ids: ids.clone(),
        })?;
        round_trips(&DescribeImagesRequest {
            registry_id: a.clone(), repository_name: b.clone(), image_ids: ids,
            next_token: c.clone(), max_results: first, filter: None,
        })?;
        round_trips(&ListImagesRequest {
            registry_id: a.clone(), repository_name: b.clone(), next_token: c.clone(),
            max_results: last, filter: Some(ImageFilter { tag_status: a.clone() }),
        })?;
        round_trips(&GetDownloadUrlForLayerRequest {
            registry_id: a.clone(), repository_name: b.clone(), layer_digest: c.clone(),
        })?;
        round_trips(&DeleteRepositoryRequest { registry_id: a.clone(), repository_name: b.clone(), force })?;
        round_trips(&InitiateLayerUploadRequest { registry_id: a.clone(), repository_name: b.clone() })?;
        round_trips(&UploadLayerPartRequest {
            registry_id: a.clone(), repository_name: b.clone(), upload_id: c.clone(),
            part_first_byte: first.map(Long), part_last_byte: last.map(Long), layer_part_blob: blob,
        })?;
        round_trips(&CompleteLayerUploadRequest {
            registry_id: a.clone(), repository_name: b.clone(), upload_id: c.clone(),
            layer_digests: digests.clone(),
        })?;
        round_trips(&BatchCheckLayerAvailabilityRequest {
            registry_id: a, repository_name: b, layer_digests: digests,
        })?;
    }

    #[test]
    fn encode_then_decode_is_the_identity_for_every_answer_type(
        (a, b, c, d) in (text(), text(), text(), text()),
        n in long(),
        layers in prop::collection::vec((text(), text(), long()), 0..3),
    ) {
        round_trips(&RepositoryResponse { repository: Some(Repository {
            repository_arn: a.clone(), registry_id: b.clone(), repository_name: c.clone(), repository_uri: d.clone(),
            image_tag_mutability: a.clone(), image_tag_mutability_exclusion_filters: None,
        }) })?;
        round_trips(&InitiateLayerUploadResponse { upload_id: a.clone(), part_size: n })?;
        round_trips(&UploadLayerPartResponse {
            registry_id: a.clone(), repository_name: b.clone(), upload_id: c.clone(), last_byte_received: n,
        })?;
        round_trips(&CompleteLayerUploadResponse {
            registry_id: a.clone(), repository_name: b.clone(), upload_id: c.clone(), layer_digest: d.clone(),
        })?;
        round_trips(&BatchCheckLayerAvailabilityResponse {
            layers: Some(layers.iter().cloned().map(|(x, y, z)| Layer {
                layer_digest: x, layer_availability: y, layer_size: z,
            }).collect()),
            failures: Some(layers.into_iter().map(|(x, y, z)| LayerFailure {
                layer_digest: x, failure_code: y, failure_reason: z.map(|v| v.to_string()),
            }).collect()),
        })?;
        round_trips(&ErrorBody {
            type_: a, code: b, message: c, registry_id: d.clone(), repository_name: d.clone(),
            upload_id: d, last_valid_byte_received: n,
        })?;
    }

    #[test]
    fn every_generated_model_request_survives_the_wire_unchanged(generated in steps(30)) {
        let registry = ecr_conformance::model::Registry::new(ecr_conformance::model::Profile::ecr());
        for step in generated {
            let request = step.concretize(&registry, &[], &["r0".to_owned(), "r1".to_owned(), "r2".to_owned()]);
            match wire::encode_request(&request) {
                Some((op, body)) => {
                    prop_assert_eq!(wire::decode_request(Some(&op.x_amz_target()), &body), request)
                }
                None => {
                    let undecodable = matches!(request, Request::Malformed { .. } | Request::UnknownOperation { .. });
                    prop_assert!(undecodable, "{:?} has no encoding", request);
                }
            }
        }
    }

    #[test]
    fn sanitizing_accepts_all_four_spellings_of_an_error_name(
        name in "[A-Za-z][A-Za-z0-9]{0,30}",
        ns in "[a-z][a-z0-9.]{0,20}",
        uri in "(http|https)://[a-z.]{1,12}/[a-z/#.]{0,12}",
    ) {
        for spelled in [
            name.clone(),
            format!("{ns}#{name}"),
            format!("{name}:{uri}"),
            format!("{ns}#{name}:{uri}"),
        ] {
            prop_assert_eq!(sanitize_error_name(&spelled), name.as_str());
            // Idempotent: a sanitized name stays as it is.
            prop_assert_eq!(sanitize_error_name(sanitize_error_name(&spelled)), name.as_str());
        }
    }

    #[test]
    fn the_error_name_is_found_in_the_header_in_code_or_in_type(
        name in "[A-Za-z]{1,20}Exception",
        place in 0usize..3,
    ) {
        let spelled = format!("com.amazonaws.ecr#{name}:http://internal.amazon.com/");
        let mut body = ErrorBody::default();
        let header = match place {
            0 => Some(spelled.as_str()),
            1 => { body.code = Some(spelled.clone()); None }
            _ => { body.type_ = Some(spelled.clone()); None }
        };
        prop_assert_eq!(error_name(header, &body), Some(name.as_str()));
    }

    #[test]
    fn any_bytes_as_a_body_decode_to_a_request_without_panicking(
        body in prop::collection::vec(any::<u8>(), 0..256),
        op in 0usize..6,
    ) {
        let target = Operation::ALL[op].x_amz_target();
        let _ = wire::decode_request(Some(&target), &body);
    }
}
