//! The operations' input and output members, in the service model's order, with what
//! the AWS CLI needs of them: type, required, the smallest length or value it checks; and
//! what is made of them alone (option names, skeletons, answers reshaped as the CLI prints
//! them). It is not the wire layer ([`crate::wire`] decodes what an endpoint receives):
//! these shapes describe what the command line accepts and what it prints.

use super::json::Json;
use crate::wire::Operation;

/// A member's type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Type {
    Str,
    Enum(&'static [&'static str]),
    Long,
    /// A boolean inside a structure (`scanOnPush=true`).
    Bool,
    /// A top-level boolean, given as `--force` / `--no-force`.
    Flag,
    Blob,
    Timestamp,
    List(&'static Type),
    Struct(&'static [Member]),
    /// A map from strings (only in answers: `findingSeverityCounts`).
    Map(&'static Type),
}

/// One member.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub(crate) name: &'static str,
    pub(crate) ty: Type,
    pub(crate) required: bool,
    /// The least length (strings, lists) or value (longs) the CLI accepts.
    pub(crate) min: Option<i64>,
}

/// An optional member.
const fn optional(name: &'static str, ty: Type) -> Member {
    Member {
        name,
        ty,
        required: false,
        min: None,
    }
}

/// A required member.
const fn required(name: &'static str, ty: Type) -> Member {
    Member {
        name,
        ty,
        required: true,
        min: None,
    }
}

/// `member` with the least length or value the CLI checks.
const fn min(mut member: Member, least: i64) -> Member {
    member.min = Some(least);
    member
}

/// One operation as the CLI knows it.
#[derive(Debug)]
pub(crate) struct OpShape {
    /// `upload-layer-part`.
    pub(crate) cli: &'static str,
    pub(crate) op: Operation,
    pub(crate) input: &'static [Member],
    pub(crate) output: &'static [Member],
    /// One line on what it does, for help.
    pub(crate) summary: &'static str,
}

const REGISTRY_ID: Member = optional("registryId", Type::Str);
const REPOSITORY_NAME: Member = min(required("repositoryName", Type::Str), 2);
const DIGESTS: Member = min(required("layerDigests", Type::List(&Type::Str)), 1);
const LONG: Type = Type::Long;

const MUTABILITY: &[&str] = &[
    "MUTABLE",
    "IMMUTABLE",
    "IMMUTABLE_WITH_EXCLUSION",
    "MUTABLE_WITH_EXCLUSION",
];
const EXCLUSION_FILTER: &[Member] = &[
    required("filterType", Type::Enum(&["WILDCARD"])),
    min(required("filter", Type::Str), 1),
];
const SCANNING: &[Member] = &[optional("scanOnPush", Type::Bool)];
const ENCRYPTION: &[Member] = &[
    required("encryptionType", Type::Enum(&["AES256", "KMS", "KMS_DSSE"])),
    min(optional("kmsKey", Type::Str), 1),
];
const TAG: &[Member] = &[
    min(required("Key", Type::Str), 1),
    required("Value", Type::Str),
];
const REPOSITORY: &[Member] = &[
    optional("repositoryArn", Type::Str),
    optional("registryId", Type::Str),
    optional("repositoryName", Type::Str),
    optional("repositoryUri", Type::Str),
    optional("createdAt", Type::Timestamp),
    optional("imageTagMutability", Type::Enum(MUTABILITY)),
    optional(
        "imageTagMutabilityExclusionFilters",
        Type::List(&Type::Struct(EXCLUSION_FILTER)),
    ),
    optional("imageScanningConfiguration", Type::Struct(SCANNING)),
    optional("encryptionConfiguration", Type::Struct(ENCRYPTION)),
];
const REPOSITORY_OUT: &[Member] = &[optional("repository", Type::Struct(REPOSITORY))];

const IMAGE_ID: &[Member] = &[
    optional("imageDigest", Type::Str),
    min(optional("imageTag", Type::Str), 1),
];
const IMAGE_IDS: Member = min(required("imageIds", Type::List(&Type::Struct(IMAGE_ID))), 1);
const IMAGE: &[Member] = &[
    optional("registryId", Type::Str),
    optional("repositoryName", Type::Str),
    optional("imageId", Type::Struct(IMAGE_ID)),
    optional("imageManifest", Type::Str),
    optional("imageManifestMediaType", Type::Str),
];
const FAILURE_CODES: &[&str] = &[
    "InvalidImageDigest",
    "InvalidImageTag",
    "ImageTagDoesNotMatchDigest",
    "ImageNotFound",
    "MissingDigestAndTag",
    "ImageReferencedByManifestList",
    "KmsError",
    "UpstreamAccessDenied",
    "UpstreamTooManyRequests",
    "UpstreamUnavailable",
    "ImageInaccessible",
];
const IMAGE_FAILURES: Member = optional(
    "failures",
    Type::List(&Type::Struct(&[
        optional("imageId", Type::Struct(IMAGE_ID)),
        optional("failureCode", Type::Enum(FAILURE_CODES)),
        optional("failureReason", Type::Str),
    ])),
);
const IMAGE_FILTER: Member = optional(
    "filter",
    Type::Struct(&[
        optional("tagStatus", Type::Enum(&["TAGGED", "UNTAGGED", "ANY"])),
        optional(
            "imageStatus",
            Type::Enum(&["ACTIVE", "ARCHIVED", "ACTIVATING", "ANY"]),
        ),
    ]),
);
const NEXT_TOKEN: Member = optional("nextToken", Type::Str);
const MAX_RESULTS: Member = min(optional("maxResults", Type::Long), 1);
const EXCLUSION_FILTERS: Member = optional(
    "imageTagMutabilityExclusionFilters",
    Type::List(&Type::Struct(EXCLUSION_FILTER)),
);

/// The operations `call` knows, in the order help lists them.
pub(crate) const OPERATIONS: &[OpShape] = &[
    OpShape {
        cli: "initiate-layer-upload",
        op: Operation::InitiateLayerUpload,
        input: &[REGISTRY_ID, REPOSITORY_NAME],
        output: &[optional("uploadId", Type::Str), optional("partSize", LONG)],
        summary: "Opens an upload; answers its uploadId and partSize.",
    },
    OpShape {
        cli: "upload-layer-part",
        op: Operation::UploadLayerPart,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            required("uploadId", Type::Str),
            min(required("partFirstByte", LONG), 0),
            min(required("partLastByte", LONG), 0),
            required("layerPartBlob", Type::Blob),
        ],
        output: &[
            optional("registryId", Type::Str),
            optional("repositoryName", Type::Str),
            optional("uploadId", Type::Str),
            optional("lastByteReceived", LONG),
        ],
        summary: "Sends the bytes partFirstByte..=partLastByte of an upload.",
    },
    OpShape {
        cli: "complete-layer-upload",
        op: Operation::CompleteLayerUpload,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            required("uploadId", Type::Str),
            DIGESTS,
        ],
        output: &[
            optional("registryId", Type::Str),
            optional("repositoryName", Type::Str),
            optional("uploadId", Type::Str),
            optional("layerDigest", Type::Str),
        ],
        summary: "Completes an upload, naming the layer's sha256 digest.",
    },
    OpShape {
        cli: "batch-check-layer-availability",
        op: Operation::BatchCheckLayerAvailability,
        input: &[REGISTRY_ID, REPOSITORY_NAME, DIGESTS],
        output: &[
            optional(
                "layers",
                Type::List(&Type::Struct(&[
                    optional("layerDigest", Type::Str),
                    optional(
                        "layerAvailability",
                        Type::Enum(&["AVAILABLE", "UNAVAILABLE", "ARCHIVED"]),
                    ),
                    optional("layerSize", LONG),
                    optional("mediaType", Type::Str),
                ])),
            ),
            optional(
                "failures",
                Type::List(&Type::Struct(&[
                    optional("layerDigest", Type::Str),
                    optional(
                        "failureCode",
                        Type::Enum(&["InvalidLayerDigest", "MissingLayerDigest"]),
                    ),
                    optional("failureReason", Type::Str),
                ])),
            ),
        ],
        summary: "Says which of the given layer digests the repository holds.",
    },
    OpShape {
        cli: "create-repository",
        op: Operation::CreateRepository,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            optional("tags", Type::List(&Type::Struct(TAG))),
            optional("imageTagMutability", Type::Enum(MUTABILITY)),
            optional(
                "imageTagMutabilityExclusionFilters",
                Type::List(&Type::Struct(EXCLUSION_FILTER)),
            ),
            optional("imageScanningConfiguration", Type::Struct(SCANNING)),
            optional("encryptionConfiguration", Type::Struct(ENCRYPTION)),
        ],
        output: REPOSITORY_OUT,
        summary: "Creates a repository.",
    },
    OpShape {
        cli: "delete-repository",
        op: Operation::DeleteRepository,
        input: &[REGISTRY_ID, REPOSITORY_NAME, optional("force", Type::Flag)],
        output: REPOSITORY_OUT,
        summary: "Deletes a repository (--force: with its images, layers and uploads).",
    },
    OpShape {
        cli: "put-image",
        op: Operation::PutImage,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            min(required("imageManifest", Type::Str), 1),
            optional("imageManifestMediaType", Type::Str),
            min(optional("imageTag", Type::Str), 1),
            optional("imageDigest", Type::Str),
        ],
        output: &[optional("image", Type::Struct(IMAGE))],
        summary: "Stores an image manifest (file://PATH reads it as text), with an optional tag.",
    },
    OpShape {
        cli: "batch-get-image",
        op: Operation::BatchGetImage,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            IMAGE_IDS,
            min(optional("acceptedMediaTypes", Type::List(&Type::Str)), 1),
        ],
        output: &[
            optional("images", Type::List(&Type::Struct(IMAGE))),
            IMAGE_FAILURES,
        ],
        summary: "Gets images' manifests by digest or tag (imageDigest=D or imageTag=T).",
    },
    OpShape {
        cli: "get-download-url-for-layer",
        op: Operation::GetDownloadUrlForLayer,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            required("layerDigest", Type::Str),
        ],
        output: &[
            optional("downloadUrl", Type::Str),
            optional("layerDigest", Type::Str),
        ],
        summary: "Gets a download URL for a layer an image references.",
    },
    OpShape {
        cli: "batch-delete-image",
        op: Operation::BatchDeleteImage,
        input: &[REGISTRY_ID, REPOSITORY_NAME, IMAGE_IDS],
        output: &[
            optional("imageIds", Type::List(&Type::Struct(IMAGE_ID))),
            IMAGE_FAILURES,
        ],
        summary: "Deletes images by digest, or untags them by tag.",
    },
    OpShape {
        cli: "describe-images",
        op: Operation::DescribeImages,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            min(optional("imageIds", Type::List(&Type::Struct(IMAGE_ID))), 1),
            NEXT_TOKEN,
            MAX_RESULTS,
            IMAGE_FILTER,
        ],
        output: &[
            optional(
                "imageDetails",
                Type::List(&Type::Struct(&[
                    optional("registryId", Type::Str),
                    optional("repositoryName", Type::Str),
                    optional("imageDigest", Type::Str),
                    optional("imageTags", Type::List(&Type::Str)),
                    optional("imageSizeInBytes", LONG),
                    optional("imagePushedAt", Type::Timestamp),
                    optional(
                        "imageScanStatus",
                        Type::Struct(&[
                            optional("status", Type::Str),
                            optional("description", Type::Str),
                        ]),
                    ),
                    optional(
                        "imageScanFindingsSummary",
                        Type::Struct(&[
                            optional("imageScanCompletedAt", Type::Timestamp),
                            optional("vulnerabilitySourceUpdatedAt", Type::Timestamp),
                            optional("findingSeverityCounts", Type::Map(&LONG)),
                        ]),
                    ),
                    optional("imageManifestMediaType", Type::Str),
                    optional("artifactMediaType", Type::Str),
                    optional("lastRecordedPullTime", Type::Timestamp),
                    optional("subjectManifestDigest", Type::Str),
                    optional("imageStatus", Type::Str),
                    optional("lastArchivedAt", Type::Timestamp),
                    optional("lastActivatedAt", Type::Timestamp),
                ])),
            ),
            NEXT_TOKEN,
        ],
        summary: "Describes images (one page, as the AWS CLI with --no-paginate).",
    },
    OpShape {
        cli: "list-images",
        op: Operation::ListImages,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            NEXT_TOKEN,
            MAX_RESULTS,
            IMAGE_FILTER,
        ],
        output: &[
            optional("imageIds", Type::List(&Type::Struct(IMAGE_ID))),
            NEXT_TOKEN,
        ],
        summary: "Lists image ids (one page, as the AWS CLI with --no-paginate).",
    },
    OpShape {
        cli: "put-image-tag-mutability",
        op: Operation::PutImageTagMutability,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            required("imageTagMutability", Type::Enum(MUTABILITY)),
            EXCLUSION_FILTERS,
        ],
        output: &[
            optional("registryId", Type::Str),
            optional("repositoryName", Type::Str),
            optional("imageTagMutability", Type::Enum(MUTABILITY)),
            EXCLUSION_FILTERS,
        ],
        summary: "Sets a repository's tag mutability.",
    },
    OpShape {
        cli: "get-authorization-token",
        op: Operation::GetAuthorizationToken,
        input: &[optional("registryIds", Type::List(&Type::Str))],
        output: &[optional(
            "authorizationData",
            Type::List(&Type::Struct(AUTHORIZATION_DATA)),
        )],
        summary: "Gets a registry-door token: base64 of AWS:<password>, for HTTP Basic on /v2/.",
    },
];

const AUTHORIZATION_DATA: &[Member] = &[
    optional("authorizationToken", Type::Str),
    optional("expiresAt", Type::Timestamp),
    optional("proxyEndpoint", Type::Str),
];

/// The operation named `cli`.
pub(crate) fn operation(cli: &str) -> Option<&'static OpShape> {
    OPERATIONS.iter().find(|shape| shape.cli == cli)
}

/// `registryId` → `registry-id`.
pub(crate) fn option_name(member: &str) -> String {
    let mut out = String::new();
    for c in member.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The skeleton `--generate-cli-skeleton input` prints: `""` for strings, the first value
/// of an enum (the AWS CLI picks one at random), 0, `true`, `null` for blobs, one element
/// per list.
pub(crate) fn input_skeleton(members: &[Member]) -> Json {
    Json::Obj(
        members
            .iter()
            .map(|member| {
                let value = skeleton_value(member.ty, member.name, false);
                (member.name.to_owned(), value)
            })
            .collect(),
    )
}

/// The skeleton `--generate-cli-skeleton output` prints: strings hold their member name.
pub(crate) fn output_skeleton(members: &[Member]) -> Json {
    Json::Obj(
        members
            .iter()
            .map(|member| {
                let value = skeleton_value(member.ty, member.name, true);
                (member.name.to_owned(), value)
            })
            .collect(),
    )
}

fn skeleton_value(ty: Type, name: &str, output: bool) -> Json {
    match ty {
        Type::Str if output => Json::Str(name.to_owned()),
        Type::Enum(_) if output => Json::Str(name.to_owned()),
        Type::Str => Json::Str(String::new()),
        Type::Enum(values) => Json::Str(values.first().copied().unwrap_or_default().to_owned()),
        Type::Long => Json::Num(0.into()),
        Type::Bool | Type::Flag => Json::Bool(true),
        Type::Blob => Json::Null,
        Type::Timestamp => Json::Str("1970-01-01T00:00:00".to_owned()),
        Type::List(inner) => Json::List(vec![skeleton_value(*inner, name, output)]),
        Type::Map(inner) => Json::Obj(vec![(
            "KeyName".to_owned(),
            skeleton_value(*inner, "KeyName", output),
        )]),
        Type::Struct(members) if output => output_skeleton(members),
        Type::Struct(members) => input_skeleton(members),
    }
}

/// An answer as the AWS CLI prints it: members in the model's order, members the model does
/// not know and `null` ones left out, everything else as it came.
pub(crate) fn reshape(value: &Json, members: &[Member]) -> Json {
    Json::Obj(
        members
            .iter()
            .filter_map(|member| {
                let v = value.get(member.name)?;
                (!matches!(v, Json::Null))
                    .then(|| (member.name.to_owned(), reshape_value(v, member.ty)))
            })
            .collect(),
    )
}

fn reshape_value(v: &Json, ty: Type) -> Json {
    match (ty, v) {
        (Type::Struct(members), Json::Obj(_)) => reshape(v, members),
        (Type::List(inner), Json::List(items)) => {
            Json::List(items.iter().map(|i| reshape_value(i, *inner)).collect())
        }
        _ => v.clone(),
    }
}
