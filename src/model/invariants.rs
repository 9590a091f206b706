//! The model's invariants, checked after every request: what the property tests and the
//! fuzz targets assert of any sequence. For tests: it keeps every accepted byte.

use std::collections::BTreeMap;

use super::digest::digest_of;
use super::{Outcome, Registry, Request, Response};

/// A checker that follows one registry through its requests.
#[derive(Debug, Default)]
pub struct Invariants {
    /// The bytes each open upload accepted, in order.
    accepted: BTreeMap<String, Vec<u8>>,
}

impl Invariants {
    /// A checker for a registry with no open upload.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies `request` to `registry` and checks: a rejected request left the registry
    /// unchanged; an accepted part starts at the number of bytes accepted before and its
    /// `lastByteReceived` is the last of them; a completed digest is the SHA-256 of exactly
    /// the accepted bytes; every open upload expects the byte after those it accepted.
    pub fn apply(&mut self, registry: &mut Registry, request: &Request) -> Result<Outcome, String> {
        let before = registry.clone();
        let outcome = registry.apply(request);
        match &outcome {
            Err(e) if *registry != before => {
                return Err(format!("rejected with {e} yet changed the registry"));
            }
            Err(_) => {}
            Ok(Response::UploadInitiated { upload_id, .. }) => {
                self.accepted.insert(upload_id.clone(), Vec::new());
            }
            Ok(Response::PartAccepted {
                upload_id,
                last_byte_received,
                ..
            }) => {
                let Request::UploadLayerPart(p) = request else {
                    return Err(format!("a part answer to {request:?}"));
                };
                let bytes = p
                    .layer_part_blob
                    .as_ref()
                    .map(|b| b.bytes())
                    .unwrap_or_default();
                let so_far = self.accepted.entry(upload_id.clone()).or_default();
                if p.part_first_byte != Some(so_far.len() as i64) {
                    return Err(format!(
                        "accepted a part at {:?} with {} bytes before",
                        p.part_first_byte,
                        so_far.len()
                    ));
                }
                so_far.extend_from_slice(&bytes);
                if *last_byte_received != so_far.len() as i64 - 1 {
                    return Err(format!(
                        "lastByteReceived {last_byte_received} after {} bytes",
                        so_far.len()
                    ));
                }
            }
            Ok(Response::LayerCompleted {
                upload_id,
                layer_digest,
                ..
            }) => {
                let bytes = self.accepted.remove(upload_id).unwrap_or_default();
                let want = digest_of(&bytes);
                if *layer_digest != want {
                    return Err(format!("completed as {layer_digest}, bytes hash to {want}"));
                }
            }
            Ok(_) => {}
        }
        for id in registry.upload_ids() {
            let want = self.accepted.get(id).map_or(0, |b| b.len() as u64);
            let expects = registry.upload(id).map(|u| u.received());
            if expects != Some(want) {
                return Err(format!(
                    "upload {id} expects byte {expects:?}, accepted {want}"
                ));
            }
        }
        Ok(outcome)
    }
}
