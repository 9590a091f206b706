//! The six operations' input and output members, in the service model's order, with what
//! the AWS CLI needs of them: type, required, the smallest length or value it checks.

use super::json::J;
use crate::wire::Operation;

/// A member's type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Str,
    Enum(&'static [&'static str]),
    Long,
    /// A boolean inside a structure (`scanOnPush=true`).
    Bool,
    /// A top-level boolean, given as `--force` / `--no-force`.
    Flag,
    Blob,
    Timestamp,
    List(&'static Ty),
    Struct(&'static [Member]),
}

/// One member.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    /// The least length (strings, lists) or value (longs) the CLI accepts.
    pub(crate) min: Option<i64>,
}

const fn m(name: &'static str, ty: Ty) -> Member {
    Member {
        name,
        ty,
        required: false,
        min: None,
    }
}

const fn req(name: &'static str, ty: Ty) -> Member {
    Member {
        name,
        ty,
        required: true,
        min: None,
    }
}

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

const REGISTRY_ID: Member = m("registryId", Ty::Str);
const REPOSITORY_NAME: Member = min(req("repositoryName", Ty::Str), 2);
const DIGESTS: Member = min(req("layerDigests", Ty::List(&Ty::Str)), 1);
const LONG: Ty = Ty::Long;

const MUTABILITY: &[&str] = &[
    "MUTABLE",
    "IMMUTABLE",
    "IMMUTABLE_WITH_EXCLUSION",
    "MUTABLE_WITH_EXCLUSION",
];
const EXCLUSION_FILTER: &[Member] = &[
    req("filterType", Ty::Enum(&["WILDCARD"])),
    min(req("filter", Ty::Str), 1),
];
const SCANNING: &[Member] = &[m("scanOnPush", Ty::Bool)];
const ENCRYPTION: &[Member] = &[
    req("encryptionType", Ty::Enum(&["AES256", "KMS", "KMS_DSSE"])),
    min(m("kmsKey", Ty::Str), 1),
];
const TAG: &[Member] = &[min(req("Key", Ty::Str), 1), req("Value", Ty::Str)];
const REPOSITORY: &[Member] = &[
    m("repositoryArn", Ty::Str),
    m("registryId", Ty::Str),
    m("repositoryName", Ty::Str),
    m("repositoryUri", Ty::Str),
    m("createdAt", Ty::Timestamp),
    m("imageTagMutability", Ty::Enum(MUTABILITY)),
    m(
        "imageTagMutabilityExclusionFilters",
        Ty::List(&Ty::Struct(EXCLUSION_FILTER)),
    ),
    m("imageScanningConfiguration", Ty::Struct(SCANNING)),
    m("encryptionConfiguration", Ty::Struct(ENCRYPTION)),
];
const REPOSITORY_OUT: &[Member] = &[m("repository", Ty::Struct(REPOSITORY))];

/// The operations `call` knows, in the order help lists them.
pub(crate) const OPERATIONS: &[OpShape] = &[
    OpShape {
        cli: "initiate-layer-upload",
        op: Operation::InitiateLayerUpload,
        input: &[REGISTRY_ID, REPOSITORY_NAME],
        output: &[m("uploadId", Ty::Str), m("partSize", LONG)],
        summary: "Opens an upload; answers its uploadId and partSize.",
    },
    OpShape {
        cli: "upload-layer-part",
        op: Operation::UploadLayerPart,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            req("uploadId", Ty::Str),
            min(req("partFirstByte", LONG), 0),
            min(req("partLastByte", LONG), 0),
            req("layerPartBlob", Ty::Blob),
        ],
        output: &[
            m("registryId", Ty::Str),
            m("repositoryName", Ty::Str),
            m("uploadId", Ty::Str),
            m("lastByteReceived", LONG),
        ],
        summary: "Sends the bytes partFirstByte..=partLastByte of an upload.",
    },
    OpShape {
        cli: "complete-layer-upload",
        op: Operation::CompleteLayerUpload,
        input: &[
            REGISTRY_ID,
            REPOSITORY_NAME,
            req("uploadId", Ty::Str),
            DIGESTS,
        ],
        output: &[
            m("registryId", Ty::Str),
            m("repositoryName", Ty::Str),
            m("uploadId", Ty::Str),
            m("layerDigest", Ty::Str),
        ],
        summary: "Completes an upload, naming the layer's sha256 digest.",
    },
    OpShape {
        cli: "batch-check-layer-availability",
        op: Operation::BatchCheckLayerAvailability,
        input: &[REGISTRY_ID, REPOSITORY_NAME, DIGESTS],
        output: &[
            m(
                "layers",
                Ty::List(&Ty::Struct(&[
                    m("layerDigest", Ty::Str),
                    m(
                        "layerAvailability",
                        Ty::Enum(&["AVAILABLE", "UNAVAILABLE", "ARCHIVED"]),
                    ),
                    m("layerSize", LONG),
                    m("mediaType", Ty::Str),
                ])),
            ),
            m(
                "failures",
                Ty::List(&Ty::Struct(&[
                    m("layerDigest", Ty::Str),
                    m(
                        "failureCode",
                        Ty::Enum(&["InvalidLayerDigest", "MissingLayerDigest"]),
                    ),
                    m("failureReason", Ty::Str),
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
            m("tags", Ty::List(&Ty::Struct(TAG))),
            m("imageTagMutability", Ty::Enum(MUTABILITY)),
            m(
                "imageTagMutabilityExclusionFilters",
                Ty::List(&Ty::Struct(EXCLUSION_FILTER)),
            ),
            m("imageScanningConfiguration", Ty::Struct(SCANNING)),
            m("encryptionConfiguration", Ty::Struct(ENCRYPTION)),
        ],
        output: REPOSITORY_OUT,
        summary: "Creates a repository.",
    },
    OpShape {
        cli: "delete-repository",
        op: Operation::DeleteRepository,
        input: &[REGISTRY_ID, REPOSITORY_NAME, m("force", Ty::Flag)],
        output: REPOSITORY_OUT,
        summary: "Deletes a repository (--force: with its layers).",
    },
];

/// The operation named `cli`.
pub(crate) fn operation(cli: &str) -> Option<&'static OpShape> {
    OPERATIONS.iter().find(|o| o.cli == cli)
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
pub(crate) fn input_skeleton(members: &[Member]) -> J {
    J::Obj(
        members
            .iter()
            .map(|m| (m.name.to_owned(), skeleton_value(m.ty, m.name, false)))
            .collect(),
    )
}

/// The skeleton `--generate-cli-skeleton output` prints: strings hold their member name.
pub(crate) fn output_skeleton(members: &[Member]) -> J {
    J::Obj(
        members
            .iter()
            .map(|m| (m.name.to_owned(), skeleton_value(m.ty, m.name, true)))
            .collect(),
    )
}

fn skeleton_value(ty: Ty, name: &str, output: bool) -> J {
    match ty {
        Ty::Str if output => J::Str(name.to_owned()),
        Ty::Enum(_) if output => J::Str(name.to_owned()),
        Ty::Str => J::Str(String::new()),
        Ty::Enum(values) => J::Str(values.first().copied().unwrap_or_default().to_owned()),
        Ty::Long => J::Num(0.into()),
        Ty::Bool | Ty::Flag => J::Bool(true),
        Ty::Blob => J::Null,
        Ty::Timestamp => J::Str("1970-01-01T00:00:00".to_owned()),
        Ty::List(inner) => J::List(vec![skeleton_value(*inner, name, output)]),
        Ty::Struct(members) if output => output_skeleton(members),
        Ty::Struct(members) => input_skeleton(members),
    }
}

/// An answer as the AWS CLI prints it: members in the model's order, members the model does
/// not know and `null` ones left out, everything else as it came.
pub(crate) fn reshape(value: &J, members: &[Member]) -> J {
    J::Obj(
        members
            .iter()
            .filter_map(|m| {
                let v = value.get(m.name)?;
                (!matches!(v, J::Null)).then(|| (m.name.to_owned(), reshape_value(v, m.ty)))
            })
            .collect(),
    )
}

fn reshape_value(v: &J, ty: Ty) -> J {
    match (ty, v) {
        (Ty::Struct(members), J::Obj(_)) => reshape(v, members),
        (Ty::List(inner), J::List(items)) => {
            J::List(items.iter().map(|i| reshape_value(i, *inner)).collect())
        }
        _ => v.clone(),
    }
}
