//! An ECR endpoint written from `shared/spec/ecr-layer-upload.md` and §9 of
//! `shared/spec/ecr-images-and-registry.md` alone, without the crate's model, wire types or
//! fake: a second opinion to test the runner's verdicts against legal variants (every knob of
//! spec §7 and §9) and defects (`Defect`) the project did not write itself.
//!
//! Plain HTTP/1.1 on 127.0.0.1 with a thread per connection; SigV4 is not checked. Each
//! upload keeps a running SHA-256, its byte count and its part sizes, never its bytes; an
//! image keeps its manifest, and a layer is referenced while some image names it.

#![allow(dead_code, unreachable_pub)] // a test helper: not every item is used by every test

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The endpoint's own registry id (spec §5).
pub const REGISTRY_ID: &str = "012345678910";
/// The endpoint's region (spec §5).
pub const REGION: &str = "us-east-1";
/// The model's cap on a blob, in decoded bytes (spec §3).
const MAX_BLOB_BYTES: u64 = 20_971_520;
/// Every part but the last must be at least this long at completion (DONE-3).
const MIN_PART_BYTES: u64 = 5_242_880;
/// The longest manifest, in characters (the model's `ImageManifest` length).
const MAX_MANIFEST_CHARS: usize = 4_194_304;
/// The longest tag, in characters (IMG-8).
const MAX_TAG_CHARS: usize = 300;
/// The largest request body read.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The largest request head read.
const MAX_HEAD_BYTES: usize = 64 * 1024;
const TARGET_PREFIX: &str = "AmazonEC2ContainerRegistry_V20150921.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Every knob of spec §7 (and of §9, the image knobs) with its values as the spec spells
/// them, the `ecr` profile's first (for `max-part-bytes`, the second is the smaller limit the
/// catalog must show).
pub const KNOBS: &[(&str, &[&str])] = &[
    ("repository-name-pattern", &["oci2026", "legacy"]),
    ("upload-id-case", &["exact", "insensitive"]),
    ("max-part-bytes", &["20971520", "10485760"]),
    (
        "oversize-part-error",
        &["invalid-parameter", "invalid-layer-part"],
    ),
    (
        "range-mismatch-error",
        &["invalid-layer-part", "invalid-parameter"],
    ),
    ("nothing-received-yet", &["omitted", "zero", "minus-one"]),
    ("digest-list-meaning", &["all-must-match", "any-may-match"]),
    ("advertised-part-size", &["10485760"]),
    ("blob-padding", &["required", "optional"]),
    (
        "malformed-request-error",
        &["serialization", "invalid-parameter"],
    ),
    ("failed-completion", &["keeps-upload", "consumes-upload"]),
    ("delete-with-layers-needs-force", &["false", "true"]),
    (
        "foreign-registry-error",
        &["repository-not-found", "access-denied"],
    ),
    ("layer-lookup", &["exact", "hex-either-case"]),
    ("schema1-manifest", &["refused", "accepted"]),
    (
        "immutable-repush-error",
        &["image-already-exists", "image-tag-already-exists"],
    ),
    ("duplicate-image-ids", &["once", "each"]),
    ("deleted-ids", &["per-tag", "one"]),
    ("unreferenced-layer-check", &["available", "unavailable"]),
];

/// An enum for one knob, with its spellings.
macro_rules! knob {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

knob!(
    /// `repository-name-pattern` (VAL-2).
    NamePattern {
        /// The 2026 OCI-compatible pattern.
        Oci2026 = "oci2026",
        /// The older pattern, which rejects `a__b` and `a--b`.
        Legacy = "legacy",
    }
);
knob!(
    /// `upload-id-case` (PART-1, DONE-1).
    IdCase {
        /// Ids compare exactly.
        Exact = "exact",
        /// Ids compare in any letter case.
        Insensitive = "insensitive",
    }
);
knob!(
    /// The error of `oversize-part-error` (PART-2) and `range-mismatch-error` (PART-4).
    PartError {
        /// `InvalidParameterException`.
        InvalidParameter = "invalid-parameter",
        /// `InvalidLayerPartException`, with its members.
        InvalidLayerPart = "invalid-layer-part",
    }
);
knob!(
    /// `nothing-received-yet` (PART-5).
    NothingReceived {
        /// `lastValidByteReceived` omitted.
        Omitted = "omitted",
        /// `lastValidByteReceived: 0`.
        Zero = "zero",
        /// `lastValidByteReceived: -1`.
        MinusOne = "minus-one",
    }
);
knob!(
    /// `digest-list-meaning` (DONE-4).
    DigestList {
        /// Every listed digest must match.
        AllMustMatch = "all-must-match",
        /// One matching digest is enough.
        AnyMayMatch = "any-may-match",
    }
);
knob!(
    /// `blob-padding` (WIRE-2).
    Padding {
        /// Base64 padding is required.
        Required = "required",
        /// Unpadded base64 is accepted too.
        Optional = "optional",
    }
);
knob!(
    /// `malformed-request-error` (WIRE-2).
    MalformedError {
        /// `SerializationException`.
        Serialization = "serialization",
        /// `InvalidParameterException`.
        InvalidParameter = "invalid-parameter",
    }
);
knob!(
    /// `failed-completion` (STATE-1).
    FailedCompletion {
        /// A completion refused at DONE-2..5 keeps the upload.
        KeepsUpload = "keeps-upload",
        /// A completion refused at DONE-2..5 ends the upload.
        ConsumesUpload = "consumes-upload",
    }
);
knob!(
    /// `foreign-registry-error` (REPO-1).
    ForeignRegistry {
        /// `RepositoryNotFoundException`.
        RepositoryNotFound = "repository-not-found",
        /// `AccessDeniedException`.
        AccessDenied = "access-denied",
    }
);
knob!(
    /// `layer-lookup` (CHECK-1, CHECK-2).
    LayerLookup {
        /// Digests are looked up exactly as sent.
        Exact = "exact",
        /// The hex of a digest matches in either letter case.
        HexEitherCase = "hex-either-case",
    }
);

knob!(
    /// `schema1-manifest` (IMG-3).
    Schema1 {
        /// Docker schema 1 manifests are refused.
        Refused = "refused",
        /// They are accepted; their `fsLayers[].blobSum` are their layers.
        Accepted = "accepted",
    }
);
knob!(
    /// `immutable-repush-error` (IMG-6): the identical re-push of an immutable tag.
    RepushError {
        /// `ImageAlreadyExistsException`.
        ImageAlreadyExists = "image-already-exists",
        /// `ImageTagAlreadyExistsException`.
        ImageTagAlreadyExists = "image-tag-already-exists",
    }
);
knob!(
    /// `duplicate-image-ids` (GET-1).
    DuplicateIds {
        /// An id asked twice answers once.
        Once = "once",
        /// It answers each time.
        Each = "each",
    }
);
knob!(
    /// `deleted-ids` (DEL-1): what a delete by digest of a tagged image lists.
    DeletedIds {
        /// One `{digest, tag}` per tag.
        PerTag = "per-tag",
        /// One `{digest}`.
        One = "one",
    }
);
knob!(
    /// `unreferenced-layer-check` (CHECK-3).
    UnreferencedCheck {
        /// `AVAILABLE`.
        Available = "available",
        /// Listed as `UNAVAILABLE`.
        Unavailable = "unavailable",
    }
);

/// One legal protocol variant: a value for every knob of spec §7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// `repository-name-pattern`.
    pub repository_name_pattern: NamePattern,
    /// `upload-id-case`.
    pub upload_id_case: IdCase,
    /// `max-part-bytes`.
    pub max_part_bytes: u64,
    /// `oversize-part-error`.
    pub oversize_part_error: PartError,
    /// `range-mismatch-error`.
    pub range_mismatch_error: PartError,
    /// `nothing-received-yet`.
    pub nothing_received_yet: NothingReceived,
    /// `digest-list-meaning`.
    pub digest_list_meaning: DigestList,
    /// `advertised-part-size`.
    pub advertised_part_size: u64,
    /// `blob-padding`.
    pub blob_padding: Padding,
    /// `malformed-request-error`.
    pub malformed_request_error: MalformedError,
    /// `failed-completion`.
    pub failed_completion: FailedCompletion,
    /// `delete-with-layers-needs-force`.
    pub delete_with_layers_needs_force: bool,
    /// `foreign-registry-error`.
    pub foreign_registry_error: ForeignRegistry,
    /// `layer-lookup`.
    pub layer_lookup: LayerLookup,
    /// `schema1-manifest`.
    pub schema1_manifest: Schema1,
    /// `immutable-repush-error`.
    pub immutable_repush_error: RepushError,
    /// `duplicate-image-ids`.
    pub duplicate_image_ids: DuplicateIds,
    /// `deleted-ids`.
    pub deleted_ids: DeletedIds,
    /// `unreferenced-layer-check`.
    pub unreferenced_layer_check: UnreferencedCheck,
}

impl Variant {
    /// The `ecr` profile's values.
    pub fn ecr() -> Self {
        Variant {
            repository_name_pattern: NamePattern::Oci2026,
            upload_id_case: IdCase::Exact,
            max_part_bytes: MAX_BLOB_BYTES,
            oversize_part_error: PartError::InvalidParameter,
            range_mismatch_error: PartError::InvalidLayerPart,
            nothing_received_yet: NothingReceived::Omitted,
            digest_list_meaning: DigestList::AllMustMatch,
            advertised_part_size: 10_485_760,
            blob_padding: Padding::Required,
            malformed_request_error: MalformedError::Serialization,
            failed_completion: FailedCompletion::KeepsUpload,
            delete_with_layers_needs_force: false,
            foreign_registry_error: ForeignRegistry::RepositoryNotFound,
            layer_lookup: LayerLookup::Exact,
            schema1_manifest: Schema1::Refused,
            immutable_repush_error: RepushError::ImageAlreadyExists,
            duplicate_image_ids: DuplicateIds::Once,
            deleted_ids: DeletedIds::PerTag,
            unreferenced_layer_check: UnreferencedCheck::Available,
        }
    }

    /// This variant with `knob` (spelled as in spec §7) set to `value`; panics on a knob or
    /// value the spec does not name.
    pub fn with(mut self, knob: &str, value: &str) -> Self {
        fn parsed<T>(knob: &str, value: &str, v: Option<T>) -> T {
            v.unwrap_or_else(|| panic!("{knob} has no value {value:?} in spec §7"))
        }
        let number = || parsed(knob, value, value.parse::<u64>().ok());
        match knob {
            "repository-name-pattern" => {
                self.repository_name_pattern = parsed(knob, value, NamePattern::parse(value))
            }
            "upload-id-case" => self.upload_id_case = parsed(knob, value, IdCase::parse(value)),
            "max-part-bytes" => {
                let n = number();
                assert!(
                    (1..=MAX_BLOB_BYTES).contains(&n),
                    "max-part-bytes is at most {MAX_BLOB_BYTES}"
                );
                self.max_part_bytes = n;
            }
            "oversize-part-error" => {
                self.oversize_part_error = parsed(knob, value, PartError::parse(value))
            }
            "range-mismatch-error" => {
                self.range_mismatch_error = parsed(knob, value, PartError::parse(value))
            }
            "nothing-received-yet" => {
                self.nothing_received_yet = parsed(knob, value, NothingReceived::parse(value))
            }
            "digest-list-meaning" => {
                self.digest_list_meaning = parsed(knob, value, DigestList::parse(value))
            }
            "advertised-part-size" => self.advertised_part_size = number(),
            "blob-padding" => self.blob_padding = parsed(knob, value, Padding::parse(value)),
            "malformed-request-error" => {
                self.malformed_request_error = parsed(knob, value, MalformedError::parse(value))
            }
            "failed-completion" => {
                self.failed_completion = parsed(knob, value, FailedCompletion::parse(value))
            }
            "delete-with-layers-needs-force" => {
                self.delete_with_layers_needs_force = match value {
                    "false" => false,
                    "true" => true,
                    _ => parsed(knob, value, None),
                }
            }
            "foreign-registry-error" => {
                self.foreign_registry_error = parsed(knob, value, ForeignRegistry::parse(value))
            }
            "layer-lookup" => self.layer_lookup = parsed(knob, value, LayerLookup::parse(value)),
            "schema1-manifest" => {
                self.schema1_manifest = parsed(knob, value, Schema1::parse(value))
            }
            "immutable-repush-error" => {
                self.immutable_repush_error = parsed(knob, value, RepushError::parse(value))
            }
            "duplicate-image-ids" => {
                self.duplicate_image_ids = parsed(knob, value, DuplicateIds::parse(value))
            }
            "deleted-ids" => self.deleted_ids = parsed(knob, value, DeletedIds::parse(value)),
            "unreferenced-layer-check" => {
                self.unreferenced_layer_check = parsed(knob, value, UnreferencedCheck::parse(value))
            }
            _ => panic!("spec §7 has no knob {knob:?}"),
        }
        self
    }
}

/// A way to break one rule of the spec. Most change the endpoint's state, not only its
/// answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// A part whose first byte is past the next expected byte is appended.
    AcceptsGap,
    /// A part starting before the next expected byte is appended.
    AcceptsOverlap,
    /// An upload with no bytes completes, storing the empty layer.
    CompletesEmpty,
    /// An UploadLayerPart refused at PART-3 or PART-4 ends its upload.
    ConsumesUploadOnRefusedPart,
    /// A part refused at PART-4 still adds its bytes.
    CountsRefusedPart,
    /// A completion whose digest does not match succeeds and stores the layer under the
    /// (first) listed digest.
    StoresWrongDigest,
    /// A layer already in the repository is stored again.
    AcceptsDuplicateLayer,
    /// Parts shorter than 5 MiB complete.
    NoMinimumPartSize,
    /// Re-sending the part just accepted is answered as accepted, and nothing is appended.
    ResendIsIdempotent,
    /// `lastByteReceived` is the byte count, not the last byte's index.
    LastByteIsCount,
    /// UploadLayerPart finds an upload of another repository (the part goes to it).
    ForgetsUploadsOfOtherRepo,
    /// InitiateLayerUpload on an unknown repository creates it.
    AutoCreatesRepository,
    /// An empty body is refused with SerializationException instead of read as `{}`.
    EmptyBodyRefused,
    /// A deleted repository's layers come back when it is created again.
    KeepsLayersAfterDelete,
    /// InvalidLayerPartException never carries `lastValidByteReceived`.
    OmitsLastValidByte,
    /// A digest that breaks the LayerDigest pattern is reported as MissingLayerDigest.
    MalformedDigestIsMissing,
    /// InitiateLayerUpload advertises a part size of 1 MiB, below the range.
    AdvertisesTinyPartSize,
    /// The image digest is computed over the manifest re-serialised with its keys sorted,
    /// not over the bytes sent.
    DigestOfCanonicalJson,
    /// The manifest is kept re-serialised (pretty-printed), not byte for byte; the digest
    /// is still that of the bytes sent.
    ReserialisesManifest,
    /// PutImage's `imageDigest` is not checked.
    IgnoresGivenDigest,
    /// Any manifest is stored: not JSON, no media type or an unknown one (the media type
    /// then defaults to Docker v2, as fakecloud does).
    AcceptsAnyManifest,
    /// An image manifest's config and layers are not looked up.
    SkipsLayerCheck,
    /// An index's children are not looked up.
    SkipsChildCheck,
    /// An identical re-push (same digest, no tag or the same tag) is answered 200.
    RepushSucceeds,
    /// A mutable tag moved off an image deletes that image when it was its last tag (moto).
    MoveDeletesOldImage,
    /// An immutable tag asked to move answers ImageAlreadyExistsException.
    ImmutableMoveIsImageAlreadyExists,
    /// PutImage's tag is not checked against `[a-zA-Z0-9-_.]+` (its length still is).
    AcceptsAnyTag,
    /// BatchGetImage of a digest and a tag ignores the tag (fakecloud).
    DigestWinsOverTag,
    /// GetDownloadUrlForLayer gives a URL for a completed layer no image references.
    UrlForUnreferencedLayer,
    /// BatchDeleteImage by digest of a tagged image answers it deleted but leaves it, tags
    /// and all.
    DeleteByDigestKeepsTags,
    /// BatchDeleteImage deletes an image a stored index names.
    DeletesIndexChild,
    /// ListImages answers every row in one page whatever `maxResults` says.
    ListIgnoresMaxResults,
    /// DescribeImages' `imageSizeInBytes` is the manifest's length (fakecloud).
    SizeIsManifestLength,
    /// The `*_WITH_EXCLUSION` tag mutabilities are refused (fakecloud).
    RefusesExclusions,
    /// DeleteRepository without `force` deletes a repository holding images.
    DeletesRepositoryWithImages,
}

impl Defect {
    /// Every defect.
    pub const ALL: &[Defect] = &[
        Defect::AcceptsGap,
        Defect::AcceptsOverlap,
        Defect::CompletesEmpty,
        Defect::ConsumesUploadOnRefusedPart,
        Defect::CountsRefusedPart,
        Defect::StoresWrongDigest,
        Defect::AcceptsDuplicateLayer,
        Defect::NoMinimumPartSize,
        Defect::ResendIsIdempotent,
        Defect::LastByteIsCount,
        Defect::ForgetsUploadsOfOtherRepo,
        Defect::AutoCreatesRepository,
        Defect::EmptyBodyRefused,
        Defect::KeepsLayersAfterDelete,
        Defect::OmitsLastValidByte,
        Defect::MalformedDigestIsMissing,
        Defect::AdvertisesTinyPartSize,
        Defect::DigestOfCanonicalJson,
        Defect::ReserialisesManifest,
        Defect::IgnoresGivenDigest,
        Defect::AcceptsAnyManifest,
        Defect::SkipsLayerCheck,
        Defect::SkipsChildCheck,
        Defect::RepushSucceeds,
        Defect::MoveDeletesOldImage,
        Defect::ImmutableMoveIsImageAlreadyExists,
        Defect::AcceptsAnyTag,
        Defect::DigestWinsOverTag,
        Defect::UrlForUnreferencedLayer,
        Defect::DeletesIndexChild,
        Defect::ListIgnoresMaxResults,
        Defect::SizeIsManifestLength,
        Defect::RefusesExclusions,
        Defect::DeletesRepositoryWithImages,
        Defect::DeleteByDigestKeepsTags,
    ];

    /// The rule it breaks.
    pub fn rule(self) -> &'static str {
        match self {
            Defect::AcceptsGap | Defect::AcceptsOverlap | Defect::ResendIsIdempotent => "PART-3",
            Defect::CompletesEmpty => "DONE-2",
            Defect::ConsumesUploadOnRefusedPart | Defect::CountsRefusedPart => "STATE-1",
            Defect::StoresWrongDigest => "DONE-4",
            Defect::AcceptsDuplicateLayer => "DONE-5",
            Defect::NoMinimumPartSize => "DONE-3",
            Defect::LastByteIsCount => "PART-6",
            Defect::ForgetsUploadsOfOtherRepo => "PART-1",
            Defect::AutoCreatesRepository => "REPO-1",
            Defect::EmptyBodyRefused => "WIRE-2",
            Defect::KeepsLayersAfterDelete => "ADMIN-2",
            Defect::OmitsLastValidByte => "PART-5",
            Defect::MalformedDigestIsMissing => "CHECK-2",
            Defect::AdvertisesTinyPartSize => "INIT-2",
            Defect::DigestOfCanonicalJson | Defect::ReserialisesManifest => "IMG-1",
            Defect::IgnoresGivenDigest => "IMG-2",
            Defect::AcceptsAnyManifest => "IMG-3",
            Defect::SkipsLayerCheck => "IMG-4",
            Defect::SkipsChildCheck => "IMG-5",
            Defect::RepushSucceeds => "IMG-6",
            Defect::MoveDeletesOldImage | Defect::ImmutableMoveIsImageAlreadyExists => "IMG-7",
            Defect::AcceptsAnyTag => "IMG-8",
            Defect::DigestWinsOverTag => "GET-1",
            Defect::UrlForUnreferencedLayer => "URL-1",
            Defect::DeleteByDigestKeepsTags | Defect::DeletesIndexChild => "DEL-1",
            Defect::ListIgnoresMaxResults => "LIST-1",
            Defect::SizeIsManifestLength => "LIST-2",
            Defect::RefusesExclusions => "MUT-1",
            Defect::DeletesRepositoryWithImages => "ADMIN-2",
        }
    }

    /// Whether it is one of the image defects (spec §9) rather than a layer defect.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            Defect::DigestOfCanonicalJson
                | Defect::ReserialisesManifest
                | Defect::IgnoresGivenDigest
                | Defect::AcceptsAnyManifest
                | Defect::SkipsLayerCheck
                | Defect::SkipsChildCheck
                | Defect::RepushSucceeds
                | Defect::MoveDeletesOldImage
                | Defect::ImmutableMoveIsImageAlreadyExists
                | Defect::AcceptsAnyTag
                | Defect::DigestWinsOverTag
                | Defect::UrlForUnreferencedLayer
                | Defect::DeleteByDigestKeepsTags
                | Defect::DeletesIndexChild
                | Defect::ListIgnoresMaxResults
                | Defect::SizeIsManifestLength
                | Defect::RefusesExclusions
                | Defect::DeletesRepositoryWithImages
        )
    }

    /// Whether it changes the endpoint's state (not only its answers).
    pub fn changes_state(self) -> bool {
        !matches!(
            self,
            Defect::LastByteIsCount
                | Defect::EmptyBodyRefused
                | Defect::OmitsLastValidByte
                | Defect::MalformedDigestIsMissing
                | Defect::AdvertisesTinyPartSize
                | Defect::ImmutableMoveIsImageAlreadyExists
                | Defect::DigestWinsOverTag
                | Defect::UrlForUnreferencedLayer
                | Defect::ListIgnoresMaxResults
                | Defect::SizeIsManifestLength
        )
    }
}

/// A running endpoint; stops when dropped.
pub struct Independent {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Independent {
    /// Starts an endpoint following `variant`, with `defects`.
    pub fn start(variant: Variant, defects: &[Defect]) -> Independent {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let shared = Arc::new(Shared {
            endpoint: Logic::new(variant, defects, nanos ^ u64::from(addr.port())),
            stop: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            connections: Mutex::new(HashMap::new()),
        });
        let accepting = Arc::clone(&shared);
        let accept = std::thread::spawn(move || accept_loop(listener, accepting));
        Independent {
            url: format!("http://{addr}"),
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// HTTP requests received so far (every request read whole, answered or not).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Independent {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Unblocks `accept`.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let connections = std::mem::take(
            &mut *self
                .shared
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for stream in connections.into_values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

struct Shared {
    endpoint: Logic,
    stop: AtomicBool,
    requests: AtomicU64,
    /// Open connections, to close them on drop.
    connections: Mutex<HashMap<u64, TcpStream>>,
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut next_id = 0u64;
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else { continue };
        let id = next_id;
        next_id += 1;
        if let Ok(clone) = stream.try_clone() {
            shared
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, clone);
        }
        let serving = Arc::clone(&shared);
        std::thread::spawn(move || {
            serve_connection(&serving, stream);
            serving
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        });
    }
}

/// One HTTP request as read.
struct HttpRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What reading a request gave.
enum Incoming {
    Request(HttpRequest),
    /// The body is over the limit: answered 413, then the connection closes.
    TooLarge,
    /// End of stream or a broken request.
    Done,
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Incoming {
    let mut head: Vec<String> = Vec::new();
    let mut size = 0usize;
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Incoming::Done,
            Ok(n) => size += n,
        }
        if size > MAX_HEAD_BYTES {
            return Incoming::Done;
        }
        let text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_owned();
        if text.is_empty() {
            if head.is_empty() {
                continue; // stray blank lines before a request line
            }
            break;
        }
        head.push(text);
    }
    let mut request_line = head[0].split_whitespace();
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let version = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = head[1..]
        .iter()
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let connection = find("connection").unwrap_or_default();
    let close = connection.contains("close")
        || (version == "HTTP/1.0" && !connection.contains("keep-alive"));
    let Ok(length) = find("content-length")
        .unwrap_or_else(|| "0".to_owned())
        .parse::<usize>()
    else {
        return Incoming::Done;
    };
    if length > MAX_BODY_BYTES {
        return Incoming::TooLarge;
    }
    if find("expect").is_some_and(|e| e == "100-continue")
        && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
    {
        return Incoming::Done;
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return Incoming::Done;
    }
    Incoming::Request(HttpRequest {
        method,
        path,
        headers,
        body,
        close,
    })
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let request = match read_request(&mut reader, &mut writer) {
            Incoming::Request(r) => r,
            Incoming::TooLarge => {
                let body = error_body("SerializationException", "the body is over 32 MiB");
                let _ = writer.write_all(&http_answer(
                    413,
                    &body,
                    &shared.endpoint.request_id(),
                    true,
                ));
                return;
            }
            Incoming::Done => return,
        };
        shared.requests.fetch_add(1, Ordering::SeqCst);
        let (status, body) = if request.method != "POST" || request.path != "/" {
            (
                404,
                error_body(
                    "UnknownOperationException",
                    "every operation is POST / with X-Amz-Target",
                ),
            )
        } else {
            shared
                .endpoint
                .answer(request.header("x-amz-target"), &request.body)
        };
        let out = http_answer(status, &body, &shared.endpoint.request_id(), request.close);
        if writer.write_all(&out).is_err() || writer.flush().is_err() || request.close {
            return;
        }
    }
}

fn http_answer(status: u16, body: &Value, request_id: &str, close: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        _ => "Internal Server Error",
    };
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {CONTENT_TYPE}\r\nx-amzn-RequestId: {request_id}\r\nContent-Length: {}\r\n{}\r\n",
        bytes.len(),
        if close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes();
    out.extend_from_slice(&bytes);
    out
}

fn error_body(name: &str, message: &str) -> Value {
    json!({"__type": name, "message": message})
}

// ---------------------------------------------------------------------------------------
// The protocol.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    CreateRepository,
    DeleteRepository,
    InitiateLayerUpload,
    UploadLayerPart,
    CompleteLayerUpload,
    BatchCheckLayerAvailability,
    PutImage,
    BatchGetImage,
    GetDownloadUrlForLayer,
    BatchDeleteImage,
    DescribeImages,
    ListImages,
    PutImageTagMutability,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    Long,
    Blob,
    StrList,
    Bool,
    /// A list of `{imageDigest?, imageTag?}`.
    ImageIds,
    /// `{tagStatus?, imageStatus?}`.
    Filter,
    /// A list of `{filterType?, filter?}`.
    ExclusionFilters,
}

impl Op {
    fn from_x_amz_target(target: &str) -> Option<Op> {
        Some(match target.strip_prefix(TARGET_PREFIX)? {
            "CreateRepository" => Op::CreateRepository,
            "DeleteRepository" => Op::DeleteRepository,
            "InitiateLayerUpload" => Op::InitiateLayerUpload,
            "UploadLayerPart" => Op::UploadLayerPart,
            "CompleteLayerUpload" => Op::CompleteLayerUpload,
            "BatchCheckLayerAvailability" => Op::BatchCheckLayerAvailability,
            "PutImage" => Op::PutImage,
            "BatchGetImage" => Op::BatchGetImage,
            "GetDownloadUrlForLayer" => Op::GetDownloadUrlForLayer,
            "BatchDeleteImage" => Op::BatchDeleteImage,
            "DescribeImages" => Op::DescribeImages,
            "ListImages" => Op::ListImages,
            "PutImageTagMutability" => Op::PutImageTagMutability,
            _ => return None,
        })
    }

    /// The input members, in the model's order.
    fn members(self) -> &'static [(&'static str, Kind)] {
        const REG: (&str, Kind) = ("registryId", Kind::Str);
        const REPO: (&str, Kind) = ("repositoryName", Kind::Str);
        const ID: (&str, Kind) = ("uploadId", Kind::Str);
        const DIGESTS: (&str, Kind) = ("layerDigests", Kind::StrList);
        const IDS: (&str, Kind) = ("imageIds", Kind::ImageIds);
        const TOKEN: (&str, Kind) = ("nextToken", Kind::Str);
        const MAX: (&str, Kind) = ("maxResults", Kind::Long);
        const FILTER: (&str, Kind) = ("filter", Kind::Filter);
        const MUTABILITY: (&str, Kind) = ("imageTagMutability", Kind::Str);
        const EXCLUSIONS: (&str, Kind) =
            ("imageTagMutabilityExclusionFilters", Kind::ExclusionFilters);
        match self {
            Op::CreateRepository => &[REG, REPO, MUTABILITY, EXCLUSIONS],
            Op::InitiateLayerUpload => &[REG, REPO],
            Op::DeleteRepository => &[REG, REPO, ("force", Kind::Bool)],
            Op::UploadLayerPart => &[
                REG,
                REPO,
                ID,
                ("partFirstByte", Kind::Long),
                ("partLastByte", Kind::Long),
                ("layerPartBlob", Kind::Blob),
            ],
            Op::CompleteLayerUpload => &[REG, REPO, ID, DIGESTS],
            Op::BatchCheckLayerAvailability => &[REG, REPO, DIGESTS],
            Op::PutImage => &[
                REG,
                REPO,
                ("imageManifest", Kind::Str),
                ("imageManifestMediaType", Kind::Str),
                ("imageTag", Kind::Str),
                ("imageDigest", Kind::Str),
            ],
            Op::BatchGetImage => &[REG, REPO, IDS, ("acceptedMediaTypes", Kind::StrList)],
            Op::GetDownloadUrlForLayer => &[REG, REPO, ("layerDigest", Kind::Str)],
            Op::BatchDeleteImage => &[REG, REPO, IDS],
            Op::DescribeImages => &[REG, REPO, IDS, TOKEN, MAX, FILTER],
            Op::ListImages => &[REG, REPO, TOKEN, MAX, FILTER],
            Op::PutImageTagMutability => &[REG, REPO, MUTABILITY, EXCLUSIONS],
        }
    }
}

/// One entry of `imageIds`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ImageIdIn {
    digest: Option<String>,
    tag: Option<String>,
}

impl ImageIdIn {
    /// The id as a failure echoes it.
    fn json(&self) -> Value {
        let mut id = Map::new();
        if let Some(d) = &self.digest {
            id.insert("imageDigest".into(), d.as_str().into());
        }
        if let Some(t) = &self.tag {
            id.insert("imageTag".into(), t.as_str().into());
        }
        Value::Object(id)
    }
}

/// One entry of `imageTagMutabilityExclusionFilters`.
#[derive(Debug, Clone, Default)]
struct ExclusionIn {
    filter_type: Option<String>,
    filter: Option<String>,
}

/// A request's members, decoded.
#[derive(Debug, Default)]
struct Input {
    registry_id: Option<String>,
    repository_name: Option<String>,
    upload_id: Option<String>,
    part_first_byte: Option<i64>,
    part_last_byte: Option<i64>,
    blob: Option<Vec<u8>>,
    layer_digests: Option<Vec<String>>,
    force: Option<bool>,
    image_manifest: Option<String>,
    image_manifest_media_type: Option<String>,
    image_tag: Option<String>,
    image_digest: Option<String>,
    image_ids: Option<Vec<ImageIdIn>>,
    accepted_media_types: Option<Vec<String>>,
    layer_digest: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    /// `filter.tagStatus`.
    tag_status: Option<String>,
    image_tag_mutability: Option<String>,
    exclusion_filters: Option<Vec<ExclusionIn>>,
}

/// An error answer.
#[derive(Debug)]
struct Refusal {
    name: &'static str,
    message: String,
    members: Map<String, Value>,
}

impl Refusal {
    fn new(name: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            name,
            message: message.into(),
            members: Map::new(),
        }
    }

    fn invalid(member: &str, constraint: &str) -> Self {
        Refusal::new(
            "InvalidParameterException",
            format!("Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'"),
        )
    }

    fn body(self) -> Value {
        let mut body = Map::new();
        body.insert("__type".into(), self.name.into());
        body.insert("message".into(), self.message.into());
        body.extend(self.members);
        Value::Object(body)
    }
}

type Answer = Result<Value, Refusal>;

/// An upload in progress: a running digest, never the bytes.
struct Upload {
    repository: String,
    /// The next byte expected.
    next: i64,
    /// Bytes hashed.
    size: u64,
    hasher: Sha256,
    /// The size of every part appended, in order.
    parts: Vec<u64>,
    /// The range of the part accepted last.
    last_range: Option<(i64, i64)>,
}

impl Upload {
    fn append(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.parts.push(bytes.len() as u64);
    }

    fn digest(&self) -> String {
        format!("sha256:{}", hex(&self.hasher.clone().finalize()))
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A repository's tag mutability (MUT-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MutabilityKind {
    Mutable,
    Immutable,
    MutableWithExclusion,
    ImmutableWithExclusion,
}

impl MutabilityKind {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "MUTABLE" => MutabilityKind::Mutable,
            "IMMUTABLE" => MutabilityKind::Immutable,
            "MUTABLE_WITH_EXCLUSION" => MutabilityKind::MutableWithExclusion,
            "IMMUTABLE_WITH_EXCLUSION" => MutabilityKind::ImmutableWithExclusion,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            MutabilityKind::Mutable => "MUTABLE",
            MutabilityKind::Immutable => "IMMUTABLE",
            MutabilityKind::MutableWithExclusion => "MUTABLE_WITH_EXCLUSION",
            MutabilityKind::ImmutableWithExclusion => "IMMUTABLE_WITH_EXCLUSION",
        }
    }

    fn takes_filters(self) -> bool {
        matches!(
            self,
            MutabilityKind::MutableWithExclusion | MutabilityKind::ImmutableWithExclusion
        )
    }
}

#[derive(Debug, Clone)]
struct Mutability {
    kind: MutabilityKind,
    /// The WILDCARD filters.
    filters: Vec<String>,
}

impl Mutability {
    /// Whether `tag` may not move (IMG-7).
    fn immutable(&self, tag: &str) -> bool {
        let excluded = self.filters.iter().any(|f| wildcard_match(f, tag));
        match self.kind {
            MutabilityKind::Mutable => false,
            MutabilityKind::Immutable => true,
            MutabilityKind::MutableWithExclusion => excluded,
            MutabilityKind::ImmutableWithExclusion => !excluded,
        }
    }

    fn filters_json(&self) -> Value {
        self.filters
            .iter()
            .map(|f| json!({"filterType": "WILDCARD", "filter": f}))
            .collect()
    }
}

/// Whether `text` fully matches `pattern`, where `*` is any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // matched[j]: p[..i] matches t[..j].
    let mut matched = vec![false; t.len() + 1];
    matched[0] = true;
    for &c in &p {
        let mut next = vec![false; t.len() + 1];
        if c == '*' {
            let mut any = false;
            for j in 0..=t.len() {
                any |= matched[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = matched[j - 1] && t[j - 1] == c;
            }
        }
        matched = next;
    }
    matched[t.len()]
}

/// What a stored manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ManifestKind {
    Image,
    Index,
    Schema1,
}

/// A manifest read as far as the image rules need.
#[derive(Debug, Clone)]
struct Manifest {
    media_type: String,
    kind: ManifestKind,
    /// The config's digest and media type.
    config: Option<(String, Option<String>)>,
    layers: Vec<String>,
    children: Vec<String>,
}

impl Manifest {
    /// The config and layer digests, each once.
    fn blobs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in self.config.iter().map(|(d, _)| d).chain(&self.layers) {
            if !out.contains(d) {
                out.push(d.clone());
            }
        }
        out
    }
}

/// A stored image.
#[derive(Debug, Clone)]
struct Image {
    /// As sent (or as the endpoint keeps it).
    manifest: String,
    media_type: String,
    artifact_media_type: Option<String>,
    /// Config and layers, each once.
    blobs: Vec<String>,
    children: Vec<String>,
    size: u64,
    pushed_at: f64,
    /// Push order: the listings' order.
    seq: u64,
}

/// A repository.
struct Repository {
    created_at: f64,
    mutability: Mutability,
    /// Digest → image.
    images: HashMap<String, Image>,
    /// Tag → digest.
    tags: HashMap<String, String>,
}

impl Repository {
    fn new(mutability: Mutability) -> Self {
        Repository {
            created_at: now_seconds(),
            mutability,
            images: HashMap::new(),
            tags: HashMap::new(),
        }
    }

    /// The tags on `digest`, sorted.
    fn tags_of(&self, digest: &str) -> Vec<String> {
        let mut tags: Vec<String> = self
            .tags
            .iter()
            .filter(|(_, d)| *d == digest)
            .map(|(t, _)| t.clone())
            .collect();
        tags.sort();
        tags
    }

    /// Whether some image names `digest` as config or layer.
    fn referenced(&self, digest: &str) -> bool {
        self.images
            .values()
            .any(|i| i.blobs.iter().any(|b| b == digest))
    }

    /// Whether a stored index other than `digest` itself names `digest` as a child.
    fn is_child(&self, digest: &str) -> bool {
        self.images
            .iter()
            .any(|(d, i)| d != digest && i.children.iter().any(|c| c == digest))
    }

    /// Removes an image and every tag on it; returns the tags.
    fn remove_image(&mut self, digest: &str) -> Vec<String> {
        let tags = self.tags_of(digest);
        for t in &tags {
            self.tags.remove(t);
        }
        self.images.remove(digest);
        tags
    }
}

/// Where a listing's next page starts: after this (push order, tag) row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    repository: String,
    listing: Op,
    tag_status: Option<String>,
    after: (u64, String),
}

#[derive(Default)]
struct State {
    /// Repository name → repository.
    repositories: HashMap<String, Repository>,
    /// Repository name → layer digest → size.
    layers: HashMap<String, HashMap<String, u64>>,
    /// Upload id as minted (lower case) → upload.
    uploads: HashMap<String, Upload>,
    minted: u64,
    /// Images pushed so far.
    pushes: u64,
    /// Page tokens issued.
    tokens: HashMap<String, Cursor>,
    tokens_minted: u64,
}

struct Patterns {
    registry_id: Regex,
    name_oci2026: Regex,
    name_legacy: Regex,
    upload_id: Regex,
    layer_digest: Regex,
    image_tag: Regex,
    exclusion_filter: Regex,
}

/// The endpoint's behaviour, apart from HTTP.
struct Logic {
    variant: Variant,
    defects: Vec<Defect>,
    seed: u64,
    request_ids: AtomicU64,
    patterns: Patterns,
    state: Mutex<State>,
}

/// SplitMix64's finaliser: a bijection of u64, so distinct inputs give distinct ids.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn uuid_like(a: u64, b: u64) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// `body` with every JSON number token `-0` written as ` 0` (the spec reads `-0` as 0;
/// serde_json would make it a float).
fn without_minus_zero(body: &[u8]) -> Cow<'_, [u8]> {
    // Most bodies (every base64 blob) have no `-0` at all.
    if memchr::memmem::find(body, b"-0").is_none() {
        return Cow::Borrowed(body);
    }
    let mut out: Option<Vec<u8>> = None;
    let (mut in_string, mut escaped) = (false, false);
    for i in 0..body.len() {
        let c = body[i];
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'-' if body.get(i + 1) == Some(&b'0')
                && !matches!(body.get(i + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
                && !matches!(
                    i.checked_sub(1).map(|p| body[p]),
                    Some(b'0'..=b'9' | b'e' | b'E' | b'.')
                ) =>
            {
                out.get_or_insert_with(|| body.to_vec())[i] = b' ';
            }
            _ => {}
        }
    }
    out.map_or(Cow::Borrowed(body), Cow::Owned)
}

/// Member `key` of `o`: absent (or `null`), a string, or `Err` for another type.
fn optional_string(o: &Map<String, Value>, key: &str) -> Result<Option<String>, ()> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| (d.as_millis() as f64) / 1000.0)
}

impl Logic {
    fn new(variant: Variant, defects: &[Defect], seed: u64) -> Self {
        let re = |p: &str| Regex::new(p).expect("pattern");
        Logic {
            variant,
            defects: defects.to_vec(),
            seed,
            request_ids: AtomicU64::new(0),
            patterns: Patterns {
                registry_id: re(r"^[0-9]{12}$"),
                name_oci2026: re(
                    r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$",
                ),
                name_legacy: re(
                    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$",
                ),
                upload_id: re(
                    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                ),
                layer_digest: re(r"^[a-zA-Z0-9\-_+.]+:[a-fA-F0-9]+$"),
                image_tag: re(r"^[a-zA-Z0-9_.-]+$"),
                exclusion_filter: re(r"^[0-9a-zA-Z._*-]{1,128}$"),
            },
            state: Mutex::new(State::default()),
        }
    }

    fn has(&self, defect: Defect) -> bool {
        self.defects.contains(&defect)
    }

    fn request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::Relaxed);
        let k = self.seed.rotate_left(17) ^ n.wrapping_mul(2);
        uuid_like(mix(k), mix(k ^ 1))
    }

    fn repository_body(&self, name: &str, repo: &Repository) -> Value {
        json!({"repository": {
            "registryId": REGISTRY_ID,
            "repositoryName": name,
            "repositoryArn": format!("arn:aws:ecr:{REGION}:{REGISTRY_ID}:repository/{name}"),
            "repositoryUri": format!("{REGISTRY_ID}.dkr.ecr.{REGION}.amazonaws.com/{name}"),
            "createdAt": repo.created_at,
            "imageTagMutability": repo.mutability.kind.as_str(),
            "imageTagMutabilityExclusionFilters": repo.mutability.filters_json(),
        }})
    }

    /// The HTTP status and body answering one call.
    fn answer(&self, target: Option<&str>, body: &[u8]) -> (u16, Value) {
        match self.call(target, body) {
            Ok(v) => (200, v),
            Err(refusal) => (400, refusal.body()),
        }
    }

    fn call(&self, target: Option<&str>, body: &[u8]) -> Answer {
        // WIRE-1
        let Some(op) = target.and_then(Op::from_x_amz_target) else {
            return Err(Refusal::new(
                "UnknownOperationException",
                format!("unknown operation {:?}", target.unwrap_or("(none)")),
            ));
        };
        // WIRE-2: the whole body, every blob included.
        let input = self.decode(op, body)?;
        // VAL-1, VAL-2, in member order.
        self.validate(op, &input)?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // REPO-1 (and ADMIN-1's existing name), then the operation's rules.
        self.check_registry(&input)?;
        let repo = input.repository_name.clone().unwrap_or_default();
        match op {
            Op::CreateRepository => self.create(&mut state, &repo, &input),
            Op::DeleteRepository => self.delete(&mut state, &repo, input.force),
            Op::InitiateLayerUpload => self.initiate(&mut state, &repo),
            Op::UploadLayerPart => self.part(&mut state, &repo, input),
            Op::CompleteLayerUpload => self.complete(&mut state, &repo, input),
            Op::BatchCheckLayerAvailability => self.check(&state, &repo, input),
            Op::PutImage => self.put_image(&mut state, &repo, &input),
            Op::BatchGetImage => self.get_images(&state, &repo, &input),
            Op::GetDownloadUrlForLayer => self.download_url(&state, &repo, &input),
            Op::BatchDeleteImage => self.delete_images(&mut state, &repo, &input),
            Op::DescribeImages => self.describe_images(&mut state, &repo, &input),
            Op::ListImages => self.list_images(&mut state, &repo, &input),
            Op::PutImageTagMutability => self.put_mutability(&mut state, &repo, &input),
        }
    }

    fn malformed(&self, message: impl Into<String>) -> Refusal {
        let name = match self.variant.malformed_request_error {
            MalformedError::Serialization => "SerializationException",
            MalformedError::InvalidParameter => "InvalidParameterException",
        };
        Refusal::new(name, message)
    }

    fn decode(&self, op: Op, body: &[u8]) -> Result<Input, Refusal> {
        let value: Value = if body.is_empty() && !self.has(Defect::EmptyBodyRefused) {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(&without_minus_zero(body))
                .map_err(|e| self.malformed(format!("the body is not JSON: {e}")))?
        };
        let Value::Object(object) = value else {
            return Err(self.malformed("the body is not a JSON object"));
        };
        let engine = GeneralPurpose::new(
            &alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(match self.variant.blob_padding {
                Padding::Required => DecodePaddingMode::RequireCanonical,
                Padding::Optional => DecodePaddingMode::Indifferent,
            }),
        );
        let mut input = Input::default();
        for &(name, kind) in op.members() {
            // Unknown members are ignored; `null` is read as absent.
            let Some(v) = object.get(name).filter(|v| !v.is_null()) else {
                continue;
            };
            let wrong = |what: &str| self.malformed(format!("'{name}' is not {what}"));
            match kind {
                Kind::Str => {
                    let s = Some(v.as_str().ok_or_else(|| wrong("a string"))?.to_owned());
                    match name {
                        "registryId" => input.registry_id = s,
                        "repositoryName" => input.repository_name = s,
                        "uploadId" => input.upload_id = s,
                        "imageManifest" => input.image_manifest = s,
                        "imageManifestMediaType" => input.image_manifest_media_type = s,
                        "imageTag" => input.image_tag = s,
                        "imageDigest" => input.image_digest = s,
                        "layerDigest" => input.layer_digest = s,
                        "nextToken" => input.next_token = s,
                        "imageTagMutability" => input.image_tag_mutability = s,
                        _ => unreachable!("no string member {name}"),
                    }
                }
                Kind::Long => {
                    let n = v
                        .as_i64()
                        .ok_or_else(|| wrong("an integer in the signed 64-bit range"))?;
                    match name {
                        "partFirstByte" => input.part_first_byte = Some(n),
                        "partLastByte" => input.part_last_byte = Some(n),
                        _ => {
                            // `maxResults` is a 32-bit integer.
                            if i32::try_from(n).is_err() {
                                return Err(wrong("an integer in the signed 32-bit range"));
                            }
                            input.max_results = Some(n);
                        }
                    }
                }
                Kind::Blob => {
                    let text = v.as_str().ok_or_else(|| wrong("a base64 string"))?;
                    let bytes = engine
                        .decode(text)
                        .map_err(|e| wrong(&format!("standard base64 ({e})")))?;
                    input.blob = Some(bytes);
                }
                Kind::StrList => {
                    let items = v.as_array().ok_or_else(|| wrong("a list"))?;
                    let strings = items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                        .ok_or_else(|| wrong("a list of strings"))?;
                    match name {
                        "layerDigests" => input.layer_digests = Some(strings),
                        _ => input.accepted_media_types = Some(strings),
                    }
                }
                Kind::Bool => input.force = Some(v.as_bool().ok_or_else(|| wrong("a boolean"))?),
                Kind::ImageIds => {
                    let items = v.as_array().ok_or_else(|| wrong("a list"))?;
                    let mut ids = Vec::with_capacity(items.len());
                    for item in items {
                        let o = item
                            .as_object()
                            .ok_or_else(|| wrong("a list of image ids"))?;
                        ids.push(ImageIdIn {
                            digest: optional_string(o, "imageDigest")
                                .map_err(|()| wrong("a list of image ids"))?,
                            tag: optional_string(o, "imageTag")
                                .map_err(|()| wrong("a list of image ids"))?,
                        });
                    }
                    input.image_ids = Some(ids);
                }
                Kind::Filter => {
                    let o = v.as_object().ok_or_else(|| wrong("a filter"))?;
                    input.tag_status =
                        optional_string(o, "tagStatus").map_err(|()| wrong("a filter"))?;
                    optional_string(o, "imageStatus").map_err(|()| wrong("a filter"))?;
                }
                Kind::ExclusionFilters => {
                    let items = v.as_array().ok_or_else(|| wrong("a list"))?;
                    let mut filters = Vec::with_capacity(items.len());
                    for item in items {
                        let o = item.as_object().ok_or_else(|| wrong("a list of filters"))?;
                        filters.push(ExclusionIn {
                            filter_type: optional_string(o, "filterType")
                                .map_err(|()| wrong("a list of filters"))?,
                            filter: optional_string(o, "filter")
                                .map_err(|()| wrong("a list of filters"))?,
                        });
                    }
                    input.exclusion_filters = Some(filters);
                }
            }
        }
        Ok(input)
    }

    fn validate(&self, op: Op, input: &Input) -> Result<(), Refusal> {
        let missing = |member: &str| {
            Refusal::new(
                "InvalidParameterException",
                format!("Invalid parameter: '{member}' is required"),
            )
        };
        for &(name, _) in op.members() {
            match name {
                "registryId" => {
                    if let Some(r) = &input.registry_id
                        && !self.patterns.registry_id.is_match(r)
                    {
                        return Err(Refusal::invalid(name, "[0-9]{12}"));
                    }
                }
                "repositoryName" => {
                    let r = input
                        .repository_name
                        .as_ref()
                        .ok_or_else(|| missing(name))?;
                    let pattern = match self.variant.repository_name_pattern {
                        NamePattern::Oci2026 => &self.patterns.name_oci2026,
                        NamePattern::Legacy => &self.patterns.name_legacy,
                    };
                    let length = r.chars().count();
                    if !(2..=256).contains(&length) || !pattern.is_match(r) {
                        return Err(Refusal::invalid(name, pattern.as_str()));
                    }
                }
                "uploadId" => {
                    let id = input.upload_id.as_ref().ok_or_else(|| missing(name))?;
                    if !self.patterns.upload_id.is_match(id) {
                        return Err(Refusal::invalid(name, self.patterns.upload_id.as_str()));
                    }
                }
                "partFirstByte" | "partLastByte" => {
                    let n = if name == "partFirstByte" {
                        input.part_first_byte
                    } else {
                        input.part_last_byte
                    };
                    if n.ok_or_else(|| missing(name))? < 0 {
                        return Err(Refusal::invalid(name, "Member must have value >= 0"));
                    }
                }
                "layerPartBlob" => {
                    let blob = input.blob.as_ref().ok_or_else(|| missing(name))?;
                    // PART-2 is a model constraint, checked here, unless the target answers
                    // InvalidLayerPartException (then it is checked once the upload is found).
                    if blob.len() as u64 > self.variant.max_part_bytes
                        && self.variant.oversize_part_error == PartError::InvalidParameter
                    {
                        return Err(Refusal::invalid(
                            name,
                            &format!("Member must have length <= {}", self.variant.max_part_bytes),
                        ));
                    }
                }
                "layerDigests" => {
                    let digests = input.layer_digests.as_ref().ok_or_else(|| missing(name))?;
                    if !(1..=100).contains(&digests.len()) {
                        return Err(Refusal::invalid(name, "Member must have length 1..100"));
                    }
                    let broken = |d: &String| match op {
                        Op::CompleteLayerUpload => !self.patterns.layer_digest.is_match(d),
                        _ => d.chars().count() > 1000,
                    };
                    if digests.iter().any(broken) {
                        return Err(Refusal::invalid(name, "LayerDigest"));
                    }
                }
                "imageManifest" => {
                    let m = input.image_manifest.as_ref().ok_or_else(|| missing(name))?;
                    if !(1..=MAX_MANIFEST_CHARS).contains(&m.chars().count()) {
                        return Err(Refusal::invalid(
                            name,
                            &format!("Member must have length between 1 and {MAX_MANIFEST_CHARS}"),
                        ));
                    }
                }
                "imageTag" => {
                    if let Some(t) = &input.image_tag
                        && !(1..=MAX_TAG_CHARS).contains(&t.chars().count())
                    {
                        return Err(Refusal::invalid(
                            name,
                            &format!("Member must have length between 1 and {MAX_TAG_CHARS}"),
                        ));
                    }
                }
                "imageIds" => {
                    let ids = match (&input.image_ids, op) {
                        (None, Op::DescribeImages) => continue,
                        (ids, _) => ids.as_ref().ok_or_else(|| missing(name))?,
                    };
                    if !(1..=100).contains(&ids.len()) {
                        return Err(Refusal::invalid(
                            name,
                            "Member must have length between 1 and 100",
                        ));
                    }
                    if op == Op::DescribeImages {
                        // LIST-2
                        if input.next_token.is_some() || input.max_results.is_some() {
                            return Err(Refusal::new(
                                "InvalidParameterException",
                                "imageIds cannot be used with nextToken or maxResults",
                            ));
                        }
                        if ids.iter().any(|i| i.digest.is_none() && i.tag.is_none()) {
                            return Err(Refusal::new(
                                "InvalidParameterException",
                                "Invalid request parameters: both tag and digest cannot be null",
                            ));
                        }
                    }
                }
                "acceptedMediaTypes" => {
                    if let Some(types) = &input.accepted_media_types
                        && !(1..=100).contains(&types.len())
                    {
                        return Err(Refusal::invalid(
                            name,
                            "Member must have length between 1 and 100",
                        ));
                    }
                }
                "layerDigest" => {
                    let d = input.layer_digest.as_ref().ok_or_else(|| missing(name))?;
                    if !self.patterns.layer_digest.is_match(d) {
                        return Err(Refusal::invalid(name, self.patterns.layer_digest.as_str()));
                    }
                }
                "maxResults" => {
                    if let Some(n) = input.max_results
                        && !(1..=1000).contains(&n)
                    {
                        return Err(Refusal::invalid(
                            name,
                            "Member must have value between 1 and 1000",
                        ));
                    }
                }
                "filter" => {
                    if let Some(t) = &input.tag_status
                        && !["TAGGED", "UNTAGGED", "ANY"].contains(&t.as_str())
                    {
                        return Err(Refusal::invalid(
                            "filter.tagStatus",
                            "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]",
                        ));
                    }
                }
                "imageTagMutability" => {
                    if op == Op::PutImageTagMutability && input.image_tag_mutability.is_none() {
                        return Err(missing(name));
                    }
                    self.mutability(input)?;
                }
                _ => {} // force: any boolean; the rest: any string
            }
        }
        Ok(())
    }

    fn check_registry(&self, input: &Input) -> Result<(), Refusal> {
        match &input.registry_id {
            Some(r) if r != REGISTRY_ID => Err(match self.variant.foreign_registry_error {
                ForeignRegistry::RepositoryNotFound => Refusal::new(
                    "RepositoryNotFoundException",
                    format!("The repository does not exist in the registry with id '{r}'"),
                ),
                ForeignRegistry::AccessDenied => Refusal::new(
                    "AccessDeniedException",
                    format!("not authorized to use the registry '{r}'"),
                ),
            }),
            _ => Ok(()),
        }
    }

    fn repository_exists(&self, state: &mut State, repo: &str, may_create: bool) -> Answer {
        if state.repositories.contains_key(repo) {
            return Ok(Value::Null);
        }
        if may_create {
            state
                .repositories
                .insert(repo.to_owned(), Repository::new(mutable()));
            return Ok(Value::Null);
        }
        Err(Refusal::new(
            "RepositoryNotFoundException",
            format!(
                "The repository with name '{repo}' does not exist in the registry with id '{REGISTRY_ID}'"
            ),
        ))
    }

    fn create(&self, state: &mut State, repo: &str, input: &Input) -> Answer {
        if state.repositories.contains_key(repo) {
            return Err(Refusal::new(
                "RepositoryAlreadyExistsException",
                format!("The repository with name '{repo}' already exists"),
            ));
        }
        let created = Repository::new(self.mutability(input)?);
        let body = self.repository_body(repo, &created);
        state.repositories.insert(repo.to_owned(), created);
        Ok(body)
    }

    fn delete(&self, state: &mut State, repo: &str, force: Option<bool>) -> Answer {
        self.repository_exists(state, repo, false)?;
        let force = force == Some(true);
        // ADMIN-2: images make a repository not empty; layers alone only under the knob.
        let has_images = state
            .repositories
            .get(repo)
            .is_some_and(|r| !r.images.is_empty());
        if has_images && !force && !self.has(Defect::DeletesRepositoryWithImages) {
            return Err(Refusal::new(
                "RepositoryNotEmptyException",
                format!(
                    "The repository with name '{repo}' in registry with id '{REGISTRY_ID}' cannot be deleted because it still contains images"
                ),
            ));
        }
        let has_layers = state.layers.get(repo).is_some_and(|l| !l.is_empty());
        if self.variant.delete_with_layers_needs_force && has_layers && !force {
            return Err(Refusal::new(
                "RepositoryNotEmptyException",
                format!(
                    "The repository with name '{repo}' cannot be deleted because it still contains layers"
                ),
            ));
        }
        let Some(removed) = state.repositories.remove(repo) else {
            return self.repository_exists(state, repo, false);
        };
        state.uploads.retain(|_, u| u.repository != repo);
        state.tokens.retain(|_, c| c.repository != repo);
        if !self.has(Defect::KeepsLayersAfterDelete) {
            state.layers.remove(repo);
        }
        Ok(self.repository_body(repo, &removed))
    }

    fn initiate(&self, state: &mut State, repo: &str) -> Answer {
        self.repository_exists(state, repo, self.has(Defect::AutoCreatesRepository))?;
        let n = state.minted;
        state.minted += 1;
        let k = self.seed ^ n.wrapping_mul(2);
        let id = uuid_like(mix(k), mix(k ^ 1));
        state.uploads.insert(
            id.clone(),
            Upload {
                repository: repo.to_owned(),
                next: 0,
                size: 0,
                hasher: Sha256::new(),
                parts: Vec::new(),
                last_range: None,
            },
        );
        let part_size = if self.has(Defect::AdvertisesTinyPartSize) {
            1_048_576
        } else {
            self.variant.advertised_part_size
        };
        Ok(json!({"uploadId": id, "partSize": part_size}))
    }

    /// The key of upload `id` in `repo` (PART-1, DONE-1); any repository when `any_repo`.
    fn find_upload(&self, state: &State, repo: &str, id: &str, any_repo: bool) -> Option<String> {
        let key = match self.variant.upload_id_case {
            IdCase::Exact => id.to_owned(),
            IdCase::Insensitive => id.to_ascii_lowercase(),
        };
        state
            .uploads
            .get(&key)
            .filter(|u| any_repo || u.repository == repo)
            .map(|_| key)
    }

    fn not_found(id: &str, repo: &str) -> Refusal {
        Refusal::new(
            "UploadNotFoundException",
            format!("Upload with id '{id}' is not found in the repository with name '{repo}'"),
        )
    }

    /// InvalidLayerPartException with PART-5's members.
    fn invalid_part(&self, repo: &str, id: &str, next: i64, message: String) -> Refusal {
        let mut r = Refusal::new("InvalidLayerPartException", message);
        r.members.insert("registryId".into(), REGISTRY_ID.into());
        r.members.insert("repositoryName".into(), repo.into());
        r.members.insert("uploadId".into(), id.into());
        let last_valid = if next > 0 {
            Some(next - 1)
        } else {
            match self.variant.nothing_received_yet {
                NothingReceived::Omitted => None,
                NothingReceived::Zero => Some(0),
                NothingReceived::MinusOne => Some(-1),
            }
        };
        if let Some(n) = last_valid.filter(|_| !self.has(Defect::OmitsLastValidByte)) {
            r.members.insert("lastValidByteReceived".into(), n.into());
        }
        r
    }

    fn part(&self, state: &mut State, repo: &str, input: Input) -> Answer {
        self.repository_exists(state, repo, false)?;
        let id = input.upload_id.unwrap_or_default();
        let first = input.part_first_byte.unwrap_or_default();
        let last = input.part_last_byte.unwrap_or_default();
        let blob = input.blob.unwrap_or_default();
        // PART-1
        let key = self
            .find_upload(
                state,
                repo,
                &id,
                self.has(Defect::ForgetsUploadsOfOtherRepo),
            )
            .ok_or_else(|| Logic::not_found(&id, repo))?;
        let consume_on_refusal = self.has(Defect::ConsumesUploadOnRefusedPart);
        let Some(upload) = state.uploads.get_mut(&key) else {
            return Err(Logic::not_found(&id, repo));
        };
        let next = upload.next;
        // PART-2, when it answers InvalidLayerPartException (else checked with VAL-2).
        if blob.len() as u64 > self.variant.max_part_bytes {
            return Err(self.invalid_part(
                repo,
                &id,
                next,
                format!(
                    "The layer part is {} bytes, over the limit of {}",
                    blob.len(),
                    self.variant.max_part_bytes
                ),
            ));
        }
        // PART-3
        if self.has(Defect::ResendIsIdempotent) && upload.last_range == Some((first, last)) {
            return Ok(self.part_accepted(repo, &id, last, upload.size));
        }
        let tolerated = (first > next && self.has(Defect::AcceptsGap))
            || (first < next && self.has(Defect::AcceptsOverlap));
        if first != next && !tolerated {
            let refusal = self.invalid_part(
                repo,
                &id,
                next,
                format!("First byte of the layer part is {next} instead of {first}"),
            );
            if consume_on_refusal {
                state.uploads.remove(&key);
            }
            return Err(refusal);
        }
        // PART-4
        let fits = last >= first && i128::from(last) - i128::from(first) + 1 == blob.len() as i128;
        if !fits {
            let message = format!(
                "The layer part's range {first}..{last} does not fit its {} bytes",
                blob.len()
            );
            let refusal = match self.variant.range_mismatch_error {
                PartError::InvalidLayerPart => self.invalid_part(repo, &id, next, message),
                PartError::InvalidParameter => Refusal::new("InvalidParameterException", message),
            };
            if consume_on_refusal {
                state.uploads.remove(&key);
            } else if self.has(Defect::CountsRefusedPart) && !blob.is_empty() {
                upload.append(&blob);
                upload.next += blob.len() as i64;
            }
            return Err(refusal);
        }
        // PART-6
        upload.append(&blob);
        upload.next = last + 1;
        upload.last_range = Some((first, last));
        let size = upload.size;
        Ok(self.part_accepted(repo, &id, last, size))
    }

    fn part_accepted(&self, repo: &str, id: &str, last: i64, size: u64) -> Value {
        let last_byte = if self.has(Defect::LastByteIsCount) {
            size as i64
        } else {
            last
        };
        json!({
            "registryId": REGISTRY_ID,
            "repositoryName": repo,
            "uploadId": id,
            "lastByteReceived": last_byte,
        })
    }

    fn complete(&self, state: &mut State, repo: &str, input: Input) -> Answer {
        self.repository_exists(state, repo, false)?;
        let id = input.upload_id.unwrap_or_default();
        let digests = input.layer_digests.unwrap_or_default();
        // DONE-1
        let key = self
            .find_upload(state, repo, &id, false)
            .ok_or_else(|| Logic::not_found(&id, repo))?;
        let checked = self.completion_checks(state, repo, &key, &digests);
        match checked {
            Err(refusal) => {
                if self.variant.failed_completion == FailedCompletion::ConsumesUpload {
                    state.uploads.remove(&key);
                }
                Err(refusal)
            }
            Ok((digest, size)) => {
                // DONE-6
                state.uploads.remove(&key);
                state
                    .layers
                    .entry(repo.to_owned())
                    .or_default()
                    .insert(digest.clone(), size);
                Ok(json!({
                    "registryId": REGISTRY_ID,
                    "repositoryName": repo,
                    "uploadId": id,
                    "layerDigest": digest,
                }))
            }
        }
    }

    /// DONE-2..5: the digest to store the layer under, and its size.
    fn completion_checks(
        &self,
        state: &State,
        repo: &str,
        key: &str,
        digests: &[String],
    ) -> Result<(String, u64), Refusal> {
        let Some(upload) = state.uploads.get(key) else {
            return Err(Logic::not_found(key, repo));
        };
        // DONE-2
        if upload.size == 0 && !self.has(Defect::CompletesEmpty) {
            return Err(Refusal::new(
                "EmptyUploadException",
                "The layer upload was not completed because the upload has no layer parts",
            ));
        }
        // DONE-3
        if let Some((_, but_last)) = upload.parts.split_last()
            && but_last.iter().any(|&p| p < MIN_PART_BYTES)
            && !self.has(Defect::NoMinimumPartSize)
        {
            return Err(Refusal::new(
                "LayerPartTooSmallException",
                format!("Every layer part but the last must be at least {MIN_PART_BYTES} bytes"),
            ));
        }
        // DONE-4
        let actual = upload.digest();
        let hex_part = &actual["sha256:".len()..];
        let matches = |d: &String| {
            d.strip_prefix("sha256:")
                .is_some_and(|h| h.eq_ignore_ascii_case(hex_part))
        };
        let accepted = match self.variant.digest_list_meaning {
            DigestList::AllMustMatch => digests.iter().all(matches),
            DigestList::AnyMayMatch => digests.iter().any(matches),
        };
        let stored = if accepted {
            actual
        } else if self.has(Defect::StoresWrongDigest) {
            digests.first().cloned().unwrap_or(actual)
        } else {
            return Err(Refusal::new(
                "InvalidLayerException",
                format!("The calculated layer digest {actual} does not match the listed digests"),
            ));
        };
        // DONE-5
        if state
            .layers
            .get(repo)
            .is_some_and(|l| l.contains_key(&stored))
            && !self.has(Defect::AcceptsDuplicateLayer)
        {
            return Err(Refusal::new(
                "LayerAlreadyExistsException",
                format!("The layer {stored} already exists in the repository '{repo}'"),
            ));
        }
        Ok((stored, upload.size))
    }

    fn check(&self, state: &State, repo: &str, input: Input) -> Answer {
        if !state.repositories.contains_key(repo) {
            return Err(Refusal::new(
                "RepositoryNotFoundException",
                format!("The repository with name '{repo}' does not exist"),
            ));
        }
        let stored = state.layers.get(repo);
        let lookup = |d: &str| -> Option<(&str, u64)> {
            let layers = stored?;
            if let Some((k, &size)) = layers.get_key_value(d) {
                return Some((k.as_str(), size));
            }
            match self.variant.layer_lookup {
                LayerLookup::Exact => None,
                LayerLookup::HexEitherCase => {
                    let (algorithm, hex_part) = d.split_once(':')?;
                    layers.iter().find_map(|(k, &size)| {
                        let (a, h) = k.split_once(':')?;
                        (a == algorithm && h.eq_ignore_ascii_case(hex_part))
                            .then_some((k.as_str(), size))
                    })
                }
            }
        };
        let images = state.repositories.get(repo);
        // CHECK-3: a layer no image references.
        let availability = |key: &str| {
            let referenced = images.is_some_and(|r| r.referenced(key));
            if referenced || self.variant.unreferenced_layer_check == UnreferencedCheck::Available {
                "AVAILABLE"
            } else {
                "UNAVAILABLE"
            }
        };
        let mut layers = Vec::new();
        let mut failures = Vec::new();
        for d in input.layer_digests.unwrap_or_default() {
            // CHECK-2, CHECK-1
            if !self.patterns.layer_digest.is_match(&d) {
                let code = if self.has(Defect::MalformedDigestIsMissing) {
                    "MissingLayerDigest"
                } else {
                    "InvalidLayerDigest"
                };
                failures.push(json!({
                    "layerDigest": d,
                    "failureCode": code,
                    "failureReason": "Invalid layer digest",
                }));
            } else if let Some((key, size)) = lookup(&d) {
                layers.push(json!({
                    "layerDigest": d,
                    "layerAvailability": availability(key),
                    "layerSize": size,
                }));
            } else {
                failures.push(json!({
                    "layerDigest": d,
                    "failureCode": "MissingLayerDigest",
                    "failureReason": "Requested layer digest is not available in the repository",
                }));
            }
        }
        Ok(json!({"layers": layers, "failures": failures}))
    }
}

// ---------------------------------------------------------------------------------------
// Images (spec §9).

const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
const SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// The default tag mutability.
fn mutable() -> Mutability {
    Mutability {
        kind: MutabilityKind::Mutable,
        filters: Vec::new(),
    }
}

fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// `value` with every object's members in key order.
fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted_keys(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

fn failure_reason(code: &str) -> &'static str {
    match code {
        "InvalidImageDigest" => {
            "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'"
        }
        "InvalidImageTag" => {
            "Invalid request parameters: image tag should satisfy the regex '[a-zA-Z0-9-_.]+'"
        }
        "MissingDigestAndTag" => "Invalid request parameters: both tag and digest cannot be null",
        "ImageTagDoesNotMatchDigest" => "The image tag does not match the image digest",
        "ImageReferencedByManifestList" => "The image is referenced by a manifest list",
        _ => "Requested image not found",
    }
}

impl Logic {
    /// MUT-1: the tag mutability a request sets (absent: MUTABLE), checked.
    fn mutability(&self, input: &Input) -> Result<Mutability, Refusal> {
        let member = "imageTagMutability";
        let kind = match &input.image_tag_mutability {
            None => MutabilityKind::Mutable,
            Some(k) => MutabilityKind::parse(k).ok_or_else(|| {
                Refusal::invalid(
                    member,
                    "Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]",
                )
            })?,
        };
        if kind.takes_filters() && self.has(Defect::RefusesExclusions) {
            return Err(Refusal::new(
                "InvalidParameterException",
                "Invalid value for imageTagMutability",
            ));
        }
        let filters_member = "imageTagMutabilityExclusionFilters";
        let filters = input.exclusion_filters.as_deref().unwrap_or_default();
        if kind.takes_filters() && !(1..=5).contains(&filters.len()) {
            return Err(Refusal::invalid(
                filters_member,
                &format!("{} needs 1 to 5 filters", kind.as_str()),
            ));
        }
        if !kind.takes_filters() && !filters.is_empty() {
            return Err(Refusal::invalid(
                filters_member,
                &format!("{} takes no filters", kind.as_str()),
            ));
        }
        let mut out = Vec::with_capacity(filters.len());
        for f in filters {
            if f.filter_type.as_deref() != Some("WILDCARD") {
                return Err(Refusal::invalid(
                    "imageTagMutabilityExclusionFilters.filterType",
                    "Member must satisfy enum value set: [WILDCARD]",
                ));
            }
            let text = f.filter.as_deref().unwrap_or_default();
            if !self.patterns.exclusion_filter.is_match(text) {
                return Err(Refusal::invalid(
                    "imageTagMutabilityExclusionFilters.filter",
                    self.patterns.exclusion_filter.as_str(),
                ));
            }
            out.push(text.to_owned());
        }
        Ok(Mutability { kind, filters: out })
    }

    fn is_tag(&self, tag: &str) -> bool {
        (1..=MAX_TAG_CHARS).contains(&tag.chars().count()) && self.patterns.image_tag.is_match(tag)
    }

    /// IMG-3: the manifest read with the request's `imageManifestMediaType` (`given`).
    fn parse_manifest(&self, text: &str, given: Option<&str>) -> Result<Manifest, Refusal> {
        let bad = |why: &str| {
            Refusal::new(
                "InvalidParameterException",
                format!(
                    "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax' ({why})"
                ),
            )
        };
        let value: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        let Value::Object(o) = &value else {
            return Err(bad("not a JSON object"));
        };
        let own = optional_string(o, "mediaType").map_err(|()| bad("mediaType"))?;
        let schema_version = o.get("schemaVersion").and_then(Value::as_i64);
        let media_type = match (own, given) {
            (Some(m), _) => m,
            (None, Some(g)) => g.to_owned(),
            (None, None) if schema_version == Some(1) => SCHEMA1.to_owned(),
            (None, None) => return Err(bad("no mediaType and no imageManifestMediaType")),
        };
        let kind = match media_type.as_str() {
            DOCKER_MANIFEST | OCI_MANIFEST => ManifestKind::Image,
            DOCKER_MANIFEST_LIST | OCI_INDEX => ManifestKind::Index,
            SCHEMA1 | SCHEMA1_SIGNED if self.variant.schema1_manifest == Schema1::Accepted => {
                ManifestKind::Schema1
            }
            other => {
                return Err(Refusal::new(
                    "InvalidParameterException",
                    format!(
                        "Invalid parameter at 'ImageManifest': unsupported media type '{other}'"
                    ),
                ));
            }
        };
        // A descriptor: an object whose `key` is a digest in the LayerDigest pattern.
        let descriptor = |v: &Value, key: &str| -> Result<(String, Option<String>), Refusal> {
            let d = v
                .as_object()
                .ok_or_else(|| bad("a descriptor is no object"))?;
            let digest = optional_string(d, key)
                .map_err(|()| bad("a descriptor's digest"))?
                .filter(|x| self.patterns.layer_digest.is_match(x))
                .ok_or_else(|| bad("a descriptor's digest"))?;
            let media = optional_string(d, "mediaType").map_err(|()| bad("a descriptor"))?;
            Ok((digest, media))
        };
        let list = |member: &str, key: &str| -> Result<Vec<String>, Refusal> {
            match o.get(member) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| descriptor(i, key).map(|(d, _)| d))
                    .collect(),
                Some(_) => Err(bad(member)),
            }
        };
        let mut manifest = Manifest {
            media_type,
            kind,
            config: None,
            layers: Vec::new(),
            children: Vec::new(),
        };
        match kind {
            ManifestKind::Image => {
                let config = o
                    .get("config")
                    .filter(|c| !c.is_null())
                    .ok_or_else(|| bad("an image manifest needs a config"))?;
                manifest.config = Some(descriptor(config, "digest")?);
                manifest.layers = list("layers", "digest")?;
            }
            ManifestKind::Index => manifest.children = list("manifests", "digest")?,
            ManifestKind::Schema1 => manifest.layers = list("fsLayers", "blobSum")?,
        }
        Ok(manifest)
    }

    fn put_image(&self, state: &mut State, name: &str, input: &Input) -> Answer {
        self.repository_exists(state, name, false)?;
        let sent = input.image_manifest.clone().unwrap_or_default();
        // IMG-3
        let manifest = match self.parse_manifest(&sent, input.image_manifest_media_type.as_deref())
        {
            Ok(m) => m,
            Err(_) if self.has(Defect::AcceptsAnyManifest) => {
                let own = serde_json::from_str::<Value>(&sent)
                    .ok()
                    .and_then(|v| v.get("mediaType")?.as_str().map(str::to_owned));
                Manifest {
                    media_type: own
                        .or_else(|| input.image_manifest_media_type.clone())
                        .unwrap_or_else(|| DOCKER_MANIFEST.to_owned()),
                    kind: ManifestKind::Image,
                    config: None,
                    layers: Vec::new(),
                    children: Vec::new(),
                }
            }
            Err(refusal) => return Err(refusal),
        };
        // IMG-1
        let digest = match serde_json::from_str::<Value>(&sent) {
            Ok(v) if self.has(Defect::DigestOfCanonicalJson) => {
                sha256_digest(sorted_keys(&v).to_string().as_bytes())
            }
            _ => sha256_digest(sent.as_bytes()),
        };
        // IMG-2
        if let Some(given) = &input.image_digest
            && *given != digest
            && !self.has(Defect::IgnoresGivenDigest)
        {
            return Err(Refusal::new(
                "ImageDigestDoesNotMatchException",
                format!(
                    "Invalid parameter at 'imageDigest': '{given}' is not the digest of the manifest, {digest}"
                ),
            ));
        }
        // IMG-8
        if let Some(t) = &input.image_tag
            && !self.patterns.image_tag.is_match(t)
            && !self.has(Defect::AcceptsAnyTag)
        {
            return Err(Refusal::invalid(
                "imageTag",
                "must satisfy regular expression '[a-zA-Z0-9-_.]+'",
            ));
        }
        let layers = state.layers.get(name);
        let Some(repo) = state.repositories.get_mut(name) else {
            return self.repository_exists(state, name, false);
        };
        // IMG-4, IMG-5, and the image's size.
        let blobs = manifest.blobs();
        let size = match manifest.kind {
            ManifestKind::Image | ManifestKind::Schema1 => {
                let missing: Vec<&String> = blobs
                    .iter()
                    .filter(|b| !layers.is_some_and(|l| l.contains_key(*b)))
                    .collect();
                if !missing.is_empty() && !self.has(Defect::SkipsLayerCheck) {
                    return Err(Refusal::new(
                        "LayersNotFoundException",
                        format!(
                            "The layers with layerDigests '{missing:?}' do not exist in the repository with name '{name}'"
                        ),
                    ));
                }
                blobs
                    .iter()
                    .filter_map(|b| layers.and_then(|l| l.get(b)))
                    .sum()
            }
            ManifestKind::Index => {
                let missing: Vec<&String> = manifest
                    .children
                    .iter()
                    .filter(|c| !repo.images.contains_key(*c))
                    .collect();
                if !missing.is_empty() && !self.has(Defect::SkipsChildCheck) {
                    return Err(Refusal::new(
                        "ReferencedImagesNotFoundException",
                        format!(
                            "The manifest list references images that do not exist: {missing:?}"
                        ),
                    ));
                }
                manifest
                    .children
                    .iter()
                    .filter_map(|c| repo.images.get(c).map(|i| i.size))
                    .max()
                    .unwrap_or(0)
            }
        };
        // IMG-6, IMG-7
        let stored = repo.images.contains_key(&digest);
        let tag_text = input.image_tag.clone().unwrap_or_else(|| "null".to_owned());
        let already = || {
            Refusal::new(
                "ImageAlreadyExistsException",
                format!(
                    "Image with digest '{digest}' and tag '{tag_text}' already exists in the repository with name '{name}' in registry with id '{REGISTRY_ID}'"
                ),
            )
        };
        let tag_taken = |t: &str| {
            Refusal::new(
                "ImageTagAlreadyExistsException",
                format!(
                    "The image tag '{t}' already exists in the '{name}' repository and cannot be overwritten because the tag is immutable."
                ),
            )
        };
        let repush_ok = self.has(Defect::RepushSucceeds);
        let mut moved_from = None;
        match &input.image_tag {
            None if stored && !repush_ok => return Err(already()),
            None => {}
            Some(t) => match repo.tags.get(t) {
                Some(on) if *on == digest && !repush_ok => {
                    let taken = repo.mutability.immutable(t)
                        && self.variant.immutable_repush_error
                            == RepushError::ImageTagAlreadyExists;
                    return Err(if taken { tag_taken(t) } else { already() });
                }
                // `Defect::RepushSucceeds`: answered 200, nothing changes.
                Some(on) if *on == digest => {}
                Some(on) => {
                    if repo.mutability.immutable(t) {
                        return Err(if self.has(Defect::ImmutableMoveIsImageAlreadyExists) {
                            already()
                        } else {
                            tag_taken(t)
                        });
                    }
                    moved_from = Some(on.clone());
                }
                None => {}
            },
        }
        // Every check passed: store.
        if !stored {
            state.pushes += 1;
            let kept = match serde_json::from_str::<Value>(&sent) {
                Ok(v) if self.has(Defect::ReserialisesManifest) => {
                    serde_json::to_string_pretty(&v).unwrap_or_else(|_| sent.clone())
                }
                _ => sent.clone(),
            };
            repo.images.insert(
                digest.clone(),
                Image {
                    manifest: kept,
                    media_type: manifest.media_type.clone(),
                    artifact_media_type: manifest.config.as_ref().and_then(|(_, m)| m.clone()),
                    blobs,
                    children: manifest.children.clone(),
                    size,
                    pushed_at: now_seconds(),
                    seq: state.pushes,
                },
            );
        }
        if let Some(t) = &input.image_tag {
            repo.tags.insert(t.clone(), digest.clone());
            if let Some(old) = moved_from
                && self.has(Defect::MoveDeletesOldImage)
                && repo.tags_of(&old).is_empty()
            {
                repo.images.remove(&old);
            }
        }
        let image = &repo.images[&digest];
        let mut id = json!({"imageDigest": digest});
        if let Some(t) = &input.image_tag {
            id["imageTag"] = t.as_str().into();
        }
        Ok(json!({"image": {
            "registryId": REGISTRY_ID,
            "repositoryName": name,
            "imageId": id,
            "imageManifest": image.manifest,
            "imageManifestMediaType": image.media_type,
        }}))
    }

    /// GET-1: the digest an id names in `repo`, or its failure code. `tag_counts` false
    /// ignores the tag when a digest is given (`Defect::DigestWinsOverTag`).
    fn resolve(
        &self,
        repo: &Repository,
        id: &ImageIdIn,
        tag_counts: bool,
    ) -> Result<String, &'static str> {
        if let Some(d) = &id.digest
            && !self.patterns.layer_digest.is_match(d)
        {
            return Err("InvalidImageDigest");
        }
        if let Some(t) = &id.tag
            && !self.is_tag(t)
        {
            return Err("InvalidImageTag");
        }
        match (&id.digest, &id.tag) {
            (None, None) => Err("MissingDigestAndTag"),
            (Some(d), None) => repo
                .images
                .contains_key(d)
                .then(|| d.clone())
                .ok_or("ImageNotFound"),
            (None, Some(t)) => repo.tags.get(t).cloned().ok_or("ImageNotFound"),
            (Some(d), Some(t)) => {
                if !repo.images.contains_key(d) {
                    return Err("ImageNotFound");
                }
                if !tag_counts {
                    return Ok(d.clone());
                }
                match repo.tags.get(t) {
                    Some(on) if on == d => Ok(d.clone()),
                    Some(_) => Err("ImageTagDoesNotMatchDigest"),
                    None => Err("ImageNotFound"),
                }
            }
        }
    }

    fn failure(id: &ImageIdIn, code: &str) -> Value {
        json!({"imageId": id.json(), "failureCode": code, "failureReason": failure_reason(code)})
    }

    fn get_images(&self, state: &State, name: &str, input: &Input) -> Answer {
        let Some(repo) = state.repositories.get(name) else {
            return Err(self.no_repository(name));
        };
        let mut asked: Vec<&ImageIdIn> = Vec::new();
        let mut images = Vec::new();
        let mut failures = Vec::new();
        for id in input.image_ids.iter().flatten() {
            if self.variant.duplicate_image_ids == DuplicateIds::Once && asked.contains(&id) {
                continue;
            }
            asked.push(id);
            match self.resolve(repo, id, !self.has(Defect::DigestWinsOverTag)) {
                Ok(d) => {
                    let image = &repo.images[&d];
                    let mut image_id = json!({"imageDigest": d});
                    if let Some(t) = &id.tag {
                        image_id["imageTag"] = t.as_str().into();
                    }
                    images.push(json!({
                        "registryId": REGISTRY_ID,
                        "repositoryName": name,
                        "imageId": image_id,
                        "imageManifest": image.manifest,
                        "imageManifestMediaType": image.media_type,
                    }));
                }
                Err(code) => failures.push(Logic::failure(id, code)),
            }
        }
        Ok(json!({"images": images, "failures": failures}))
    }

    fn no_repository(&self, name: &str) -> Refusal {
        Refusal::new(
            "RepositoryNotFoundException",
            format!(
                "The repository with name '{name}' does not exist in the registry with id '{REGISTRY_ID}'"
            ),
        )
    }

    fn download_url(&self, state: &State, name: &str, input: &Input) -> Answer {
        let Some(repo) = state.repositories.get(name) else {
            return Err(self.no_repository(name));
        };
        let digest = input.layer_digest.clone().unwrap_or_default();
        // URL-1
        if !state
            .layers
            .get(name)
            .is_some_and(|l| l.contains_key(&digest))
        {
            return Err(Refusal::new(
                "LayersNotFoundException",
                format!(
                    "The layers with layerDigests '[{digest}]' do not exist in the repository with name '{name}'"
                ),
            ));
        }
        if !repo.referenced(&digest) && !self.has(Defect::UrlForUnreferencedLayer) {
            return Err(Refusal::new(
                "LayerInaccessibleException",
                format!(
                    "The layer {digest} is not available because it is not associated with an image"
                ),
            ));
        }
        Ok(json!({
            "downloadUrl": format!("https://layers.independent.invalid/{REGISTRY_ID}/{name}/{digest}?X-Amz-Expires=3600"),
            "layerDigest": digest,
        }))
    }

    fn delete_images(&self, state: &mut State, name: &str, input: &Input) -> Answer {
        let Some(repo) = state.repositories.get_mut(name) else {
            return Err(self.no_repository(name));
        };
        let mut deleted = Vec::new();
        let mut failures = Vec::new();
        for id in input.image_ids.iter().flatten() {
            let digest = match self.resolve(repo, id, true) {
                Ok(d) => d,
                Err(code) => {
                    failures.push(Logic::failure(id, code));
                    continue;
                }
            };
            let tags = repo.tags_of(&digest);
            let last_tag = tags.len() <= 1;
            let goes = id.tag.is_none() || last_tag;
            // DEL-1: an image a stored index names stays while the index does.
            if goes && repo.is_child(&digest) && !self.has(Defect::DeletesIndexChild) {
                failures.push(Logic::failure(id, "ImageReferencedByManifestList"));
                continue;
            }
            match &id.tag {
                Some(t) => {
                    repo.tags.remove(t);
                    if last_tag {
                        repo.remove_image(&digest);
                    }
                    deleted.push(json!({"imageDigest": digest, "imageTag": t}));
                }
                None => {
                    let tags = if self.has(Defect::DeleteByDigestKeepsTags) && !tags.is_empty() {
                        tags
                    } else {
                        repo.remove_image(&digest)
                    };
                    if self.variant.deleted_ids == DeletedIds::PerTag && !tags.is_empty() {
                        deleted.extend(
                            tags.iter()
                                .map(|t| json!({"imageDigest": digest, "imageTag": t})),
                        );
                    } else {
                        deleted.push(json!({"imageDigest": digest}));
                    }
                }
            }
        }
        Ok(json!({"imageIds": deleted, "failures": failures}))
    }

    fn detail(&self, name: &str, repo: &Repository, digest: &str) -> Value {
        let image = &repo.images[digest];
        let size = if self.has(Defect::SizeIsManifestLength) {
            image.manifest.len() as u64
        } else {
            image.size
        };
        let mut detail = json!({
            "registryId": REGISTRY_ID,
            "repositoryName": name,
            "imageDigest": digest,
            "imageSizeInBytes": size,
            "imagePushedAt": image.pushed_at,
            "imageManifestMediaType": image.media_type,
        });
        let tags = repo.tags_of(digest);
        if !tags.is_empty() {
            detail["imageTags"] = tags.into();
        }
        if let Some(m) = &image.artifact_media_type {
            detail["artifactMediaType"] = m.as_str().into();
        }
        detail
    }

    /// The images a listing keeps (`filter.tagStatus`), in push order.
    fn listed<'a>(repo: &'a Repository, tag_status: &str) -> Vec<(&'a String, &'a Image)> {
        let mut kept: Vec<(&String, &Image)> = repo
            .images
            .iter()
            .filter(|(d, _)| match tag_status {
                "TAGGED" => !repo.tags_of(d).is_empty(),
                "UNTAGGED" => repo.tags_of(d).is_empty(),
                _ => true,
            })
            .collect();
        kept.sort_by_key(|(_, i)| i.seq);
        kept
    }

    /// One page of `rows` (sorted by key) for `input`'s token and `maxResults`, and the
    /// token of the next page if there is one.
    fn page(
        &self,
        state: &mut State,
        name: &str,
        listing: Op,
        input: &Input,
        rows: Vec<((u64, String), Value)>,
        size: usize,
    ) -> Result<(Vec<Value>, Option<String>), Refusal> {
        let tag_status = input.tag_status.clone().unwrap_or_else(|| "ANY".to_owned());
        let after = match &input.next_token {
            None => None,
            Some(t) => {
                let cursor = state.tokens.get(t).filter(|c| {
                    c.repository == name
                        && c.listing == listing
                        && c.tag_status.as_deref() == Some(tag_status.as_str())
                });
                match cursor {
                    Some(c) => Some(c.after.clone()),
                    None => {
                        return Err(Refusal::invalid(
                            "nextToken",
                            "The specified nextToken is not valid",
                        ));
                    }
                }
            }
        };
        let mut rest = rows
            .into_iter()
            .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
            .peekable();
        let mut page = Vec::new();
        let mut last = None;
        while page.len() < size {
            let Some((k, v)) = rest.next() else { break };
            page.push(v);
            last = Some(k);
        }
        let next = match (rest.peek(), last) {
            (Some(_), Some(after)) => {
                state.tokens_minted += 1;
                let n = state.tokens_minted;
                let token = format!(
                    "{:016x}{:016x}",
                    mix(self.seed.rotate_left(29) ^ n),
                    mix(n.wrapping_mul(3))
                );
                state.tokens.insert(
                    token.clone(),
                    Cursor {
                        repository: name.to_owned(),
                        listing,
                        tag_status: Some(tag_status),
                        after,
                    },
                );
                Some(token)
            }
            _ => None,
        };
        Ok((page, next))
    }

    fn describe_images(&self, state: &mut State, name: &str, input: &Input) -> Answer {
        let Some(repo) = state.repositories.get(name) else {
            return Err(self.no_repository(name));
        };
        if let Some(ids) = &input.image_ids {
            // LIST-2: every id must name an image.
            let mut seen: Vec<String> = Vec::new();
            let mut details = Vec::new();
            for id in ids {
                match self.resolve(repo, id, true) {
                    Ok(d) => {
                        if !seen.contains(&d) {
                            details.push(self.detail(name, repo, &d));
                            seen.push(d);
                        }
                    }
                    Err(code @ ("InvalidImageDigest" | "InvalidImageTag")) => {
                        return Err(Refusal::new(
                            "InvalidParameterException",
                            failure_reason(code),
                        ));
                    }
                    Err(_) => {
                        return Err(Refusal::new(
                            "ImageNotFoundException",
                            format!(
                                "The image with imageId {} does not exist within the repository with name '{name}' in the registry with id '{REGISTRY_ID}'",
                                id.json()
                            ),
                        ));
                    }
                }
            }
            return Ok(json!({"imageDetails": details}));
        }
        let status = input.tag_status.clone().unwrap_or_else(|| "ANY".to_owned());
        let rows = Logic::listed(repo, &status)
            .into_iter()
            .map(|(d, i)| ((i.seq, String::new()), self.detail(name, repo, d)))
            .collect();
        let size = input.max_results.map_or(100, |n| n as usize);
        let (details, next) = self.page(state, name, Op::DescribeImages, input, rows, size)?;
        let mut body = json!({"imageDetails": details});
        if let Some(t) = next {
            body["nextToken"] = t.into();
        }
        Ok(body)
    }

    fn list_images(&self, state: &mut State, name: &str, input: &Input) -> Answer {
        let Some(repo) = state.repositories.get(name) else {
            return Err(self.no_repository(name));
        };
        let status = input.tag_status.clone().unwrap_or_else(|| "ANY".to_owned());
        let mut rows = Vec::new();
        for (d, image) in Logic::listed(repo, &status) {
            let tags = repo.tags_of(d);
            if tags.is_empty() {
                rows.push(((image.seq, String::new()), json!({"imageDigest": d})));
            }
            for t in tags {
                let row = json!({"imageDigest": d, "imageTag": t});
                rows.push(((image.seq, t), row));
            }
        }
        let size = if self.has(Defect::ListIgnoresMaxResults) {
            usize::MAX
        } else {
            input.max_results.map_or(100, |n| n as usize)
        };
        let (ids, next) = self.page(state, name, Op::ListImages, input, rows, size)?;
        let mut body = json!({"imageIds": ids});
        if let Some(t) = next {
            body["nextToken"] = t.into();
        }
        Ok(body)
    }

    fn put_mutability(&self, state: &mut State, name: &str, input: &Input) -> Answer {
        let setting = self.mutability(input)?;
        let Some(repo) = state.repositories.get_mut(name) else {
            return Err(self.no_repository(name));
        };
        // MUT-1: later pushes only; the tags in place stay.
        repo.mutability = setting;
        Ok(json!({
            "registryId": REGISTRY_ID,
            "repositoryName": name,
            "imageTagMutability": repo.mutability.kind.as_str(),
            "imageTagMutabilityExclusionFilters": repo.mutability.filters_json(),
        }))
    }
}
