//! The client rules: what `client_check` expects of a client that pushes a layer, each
//! with a one-line statement and where it comes from. Findings name these ids.

use serde::Serialize;

use crate::model::Source;

/// Fewest attempts of a throttled call before a client may give up on it (CLIENT-5): the
/// default of botocore's standard retry mode, aws-sdk-rust, the Go and JavaScript v3 SDKs.
pub const MIN_THROTTLED_ATTEMPTS: usize = 3;

/// Most attempts of one call a client may make while it is throttled (CLIENT-5).
pub const MAX_ATTEMPTS: usize = 10;

/// Retries of a throttled call that all come sooner than this after the throttled answer
/// did not back off (CLIENT-5). Full jitter makes a single short wait legal; with two
/// waits drawn from 0..1 s and 0..2 s both fall under 25 ms once in 3,000 pushes.
pub const MIN_BACKOFF_MS: u64 = 25;

/// With this many waits or more, waits that all lie within 25% of each other did not grow
/// (CLIENT-5): full-jitter backoff does that about once in 6,000 pushes.
pub const FLAT_WAITS: usize = 4;

/// One rule a client is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClientRule {
    /// The id, e.g. `CLIENT-3`.
    pub id: &'static str,
    /// What the rule says, in one line.
    pub statement: &'static str,
    /// The kinds of source it rests on (as for the server rules).
    pub sources: &'static [Source],
    /// Where exactly it comes from.
    pub from: &'static str,
}

use Source::{Chosen, Docs, Model, Seen};

/// Every client rule, in the order findings are listed.
pub const CLIENT_RULES: &[ClientRule] = &[
    ClientRule {
        id: "CLIENT-1",
        statement: "What the client stores is the file: every part holds the file's bytes at its range, the digest it lists is the file's, and the layer stored has the file's digest and size (nothing lost, doubled or encoded twice); where the plan lets the push succeed, it does.",
        sources: &[Model, Docs],
        from: "spec §4 PART-4, DONE-4, DONE-6; §6: botocore base64-encodes blobs itself, AWS CLI v1 reads file:// as text",
    },
    ClientRule {
        id: "CLIENT-2",
        statement: "Every part but the last holds 5 MiB..20 MiB, the last at most 20 MiB; the advertised partSize is a hint, any size in range is fine.",
        sources: &[Model, Docs],
        from: "spec §3 layerPartBlob 0..20971520, §4 DONE-3; API reference: LayerPartTooSmallException \"Layer parts must be at least 5 MiB in size\"",
    },
    ClientRule {
        id: "CLIENT-3",
        statement: "A 5xx answer (ServerException, whether or not the call took effect) does not end the push: the client sends the call again or resumes the same upload; it does not open a new upload, re-send from byte 0, or give up.",
        sources: &[Seen],
        from: "spec §6: SDKs retry 5xx and parts are not idempotent; §4 PART-3 [seen]: \"First byte of the layer part is 10485760 instead of 20971520\"",
    },
    ClientRule {
        id: "CLIENT-4",
        statement: "After InvalidLayerPartException for a part's position, the client's next part of that upload starts at lastValidByteReceived + 1 (0 when the member is absent), or it completes when that is the end of the layer.",
        sources: &[Model, Seen],
        from: "spec §4 PART-3, PART-5; §6: \"a client must resume from lastValidByteReceived + 1\"",
    },
    ClientRule {
        id: "CLIENT-5",
        statement: "A throttled call (ThrottlingException) is retried, at least 3 attempts, after waits that back off (not every retry within 25 ms; 4 or more waits not all within 25% of each other), and at most 10 attempts in all.",
        sources: &[Seen],
        from: "spec §2: ThrottlingException, 400, \"Rate exceeded\" [seen]; SDK retry behaviour: botocore standard mode and aws-sdk-rust make 3 attempts with full-jitter exponential backoff (base 1 s for throttling)",
    },
    ClientRule {
        id: "CLIENT-6",
        statement: "A layer that BatchCheckLayerAvailability reports AVAILABLE, or LayerAlreadyExistsException from CompleteLayerUpload, is stored: the client opens no new upload for it and goes on (to PutImage; with --layer-only it exits 0).",
        sources: &[Model, Seen],
        from: "spec §1 push flow step 1, §4 DONE-5, CHECK-1; awslabs/amazon-ecr-containerd-resolver treats LayerAlreadyExistsException as success",
    },
    ClientRule {
        id: "CLIENT-7",
        statement: "COMMAND's exit status agrees with what it was answered: 0 when the push ended in a success (the image put, or ImageAlreadyExistsException; with --layer-only a completed layer, LayerAlreadyExistsException, the layer reported available), non-zero when it gave up; and it exits within the time limit.",
        sources: &[Chosen],
        from: "this project: scripts and CI read a push's outcome from its exit status",
    },
    ClientRule {
        id: "CLIENT-8",
        statement: "The push ends with PutImage of the manifest it was given, byte for byte, with its tag; ImageAlreadyExistsException (that image and tag already there) is success; a refusal (ImageTagAlreadyExistsException, LayersNotFoundException, any other 4xx) ends the push with a non-zero exit, never as success.",
        sources: &[Model, Seen],
        from: "spec §9 IMG-1 (the digest is of the bytes as sent), IMG-4, IMG-6, IMG-7; aws/aws-sdk#750: SDK maintainers, after asking the ECR team, treat ImageAlreadyExistsException on an identical re-put as benign",
    },
];

/// The rule with this id.
pub fn client_rule(id: &str) -> Option<&'static ClientRule> {
    CLIENT_RULES.iter().find(|r| r.id == id)
}
