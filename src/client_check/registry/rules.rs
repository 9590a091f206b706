//! The registry-door client rules: what `client-check --door registry` expects of a client
//! that pushes (or pulls) an image through `/v2/`, each with where it comes from. Every
//! source is in the spec's facts on the registry door (`ecr-registry-door.md`).

use crate::client_check::ClientRule;
use crate::model::Source::{Chosen, Docs, Model, Seen};

/// Most attempts of one call a client may make (REGCLIENT-7), as CLIENT-5 on the API door.
pub const MAX_ATTEMPTS: usize = 10;

/// Every registry-door client rule, in the order findings are listed.
pub const REGISTRY_CLIENT_RULES: &[ClientRule] = &[
    ClientRule {
        id: "REGCLIENT-1",
        statement: "What the registry holds at the end is the image given: every blob of the layout stored under its digest and size, the manifest PUT byte for byte under its tag (a pull: the layout written holds the manifest and every blob, byte for byte); where the plan lets the push succeed, it does.",
        sources: &[Model, Docs],
        from: "spec §10 REG-5, REG-7, §9 IMG-1; OCI distribution spec (push and pull)",
    },
    ClientRule {
        id: "REGCLIENT-2",
        statement: "A PATCH answered 201 Created (ECR's answer, where the OCI spec says 202) is a success: the client goes on with that upload (the next chunk, or the final PUT).",
        sources: &[Seen],
        from: "spec §10 REG-3 knob patch-status; facts §2.2: dotnet/sdk-container-builds#279, regclient#81/#82, openai/tart#273, kitops#821, jdx/mise#11376",
    },
    ClientRule {
        id: "REGCLIENT-3",
        statement: "The client does not trust a `Range` that did not advance: each chunk's `Content-Range` starts at the bytes the upload holds, which ECR's `Range` stops telling after the first chunk.",
        sources: &[Seen],
        from: "spec §10 REG-3 knob patch-range; facts §2.2: aws/containers-roadmap#2831 transcript, crashappsec/chalk#682 (a client that trusted it looped on 416)",
    },
    ClientRule {
        id: "REGCLIENT-4",
        statement: "Chunks sent with `Content-Range` hold 5 MiB..20 MiB each but the last (ECR takes smaller ones, then refuses the final PUT); a body streamed without `Content-Range`, or the whole blob in one PUT, is fine at any size.",
        sources: &[Seen, Docs],
        from: "spec §10 REG-3, REG-4; facts §2.2: dotnet#424 (CloudTrail LayerPartTooSmallException), the API's 5 MiB part minimum and 20 MiB part cap",
    },
    ClientRule {
        id: "REGCLIENT-5",
        statement: "A blob GET's 307 is followed to the storage URL without the registry's `Authorization` (the storage refuses a request that carries it with 400 \"Only one auth mechanism allowed\").",
        sources: &[Seen, Docs],
        from: "spec §10 REG-6; facts §2.3: open-policy-agent/opa#6580, #6728",
    },
    ClientRule {
        id: "REGCLIENT-6",
        statement: "A manifest PUT answered 201 without `Location` (ECR's answer) is a success: the client does not fail on it.",
        sources: &[Seen],
        from: "spec §10 REG-7 knob manifest-put-location; facts §2.4: oras-project/rust-oci-client#33, #40, apple/swift-container-plugin#27, containers/image#1010",
    },
    ClientRule {
        id: "REGCLIENT-7",
        statement: "After a 5xx, 416, 429 or 403 answer the client resumes the upload where it stands (GET of the upload, or the answer's `Range`), sends a call that was not applied again, opens a new upload, fetches a new token, or gives up with a non-zero exit; it never re-sends an upload from byte 0 on the same upload, and sends no call more than 10 times.",
        sources: &[Seen],
        from: "spec §10 REG-1, REG-3, REG-8; facts §2.2: apple/containerization#790/#792 (re-sent from 0 on the same session: 416), §2.1 (403 on an expired token)",
    },
    ClientRule {
        id: "REGCLIENT-8",
        statement: "COMMAND's exit status agrees with the outcome: 0 when the image is stored under its tag (a pull: written to the layout), non-zero when it is not; and it exits within the time limit.",
        sources: &[Chosen],
        from: "this project: scripts and CI read a push's outcome from its exit status",
    },
];
