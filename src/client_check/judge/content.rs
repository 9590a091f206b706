//! CLIENT-1: the stored layer is the layer's bytes (its content, and the catch-all where it is missing and no other rule says why).

use super::*;

impl Judge<'_> {
    /// CLIENT-1: parts, listed digests and stored layers are the file's.
    pub(super) fn content(&mut self) {
        self.checked("CLIENT-1");
        let (digest, size) = (self.ev.layer.digest().to_owned(), self.ev.layer.size());
        let mut found: Option<(String, usize)> = None;
        for e in self.parts() {
            let (Some(first), Some(last), Some(len), Some(sha)) = (
                e.part_first_byte,
                e.part_last_byte,
                e.blob_length,
                e.blob_sha256.as_deref(),
            ) else {
                continue;
            };
            // Positions are the client's: i128 holds any difference of two i64s.
            let range = (i128::from(last) - i128::from(first) + 1).max(0);
            let ranges = self.ev.layer.range_digests(first, last);
            let what = if range != i128::from(len) {
                let twice = ranges.as_ref().is_some_and(|(_, enc)| enc == sha);
                let ratio = range > 0 && i128::from(len) == (range + 2) / 3 * 4;
                let why = if twice {
                    ": the blob is the base64 text of the file's bytes there, encoded a second time on the wire"
                } else if ratio {
                    ": 4/3 of the range, as base64 text of it would be"
                } else {
                    ""
                };
                format!(
                    "part {first}..={last} ({range} bytes) was sent with a {len}-byte blob{why}"
                )
            } else if first < 0 || last as u64 >= size {
                format!("part {first}..={last} lies outside the file's {size} bytes")
            } else if ranges.as_ref().is_some_and(|(raw, _)| raw != sha) {
                format!(
                    "the bytes of part {first}..={last} are not the file's bytes at that range (blob {})",
                    short(sha)
                )
            } else {
                continue;
            };
            found = Some((what, e.index));
            break;
        }
        if let Some((what, at)) = found {
            let requests = self.around(at);
            self.find("CLIENT-1", what, requests);
            return;
        }
        let listed = self.log().iter().find_map(|e| {
            (e.operation == Some(Operation::CompleteLayerUpload))
                .then(|| e.layer_digests.iter().find(|l| !names_content(l, &digest)))
                .flatten()
                .map(|l| (l.clone(), e.index))
        });
        if let Some((l, at)) = listed {
            let what = format!(
                "CompleteLayerUpload listed {}, but the file's digest is {digest}",
                short_line(&l)
            );
            let requests = self.around(at);
            self.find("CLIENT-1", what, requests);
            return;
        }
        let other: Vec<String> = self
            .ev
            .stored
            .iter()
            .filter(|(d, s)| !(d == &digest && *s == size))
            .map(|(d, s)| format!("{d} ({s} bytes)"))
            .collect();
        if !other.is_empty() {
            let what = format!(
                "the repository holds {}, not the file ({digest}, {size} bytes)",
                other.join(", ")
            );
            let requests = self.last(4);
            self.find("CLIENT-1", what, requests);
        }
    }
    /// CLIENT-1's catch-all: the layer is missing where the plan lets it be stored and no
    /// other rule says why.
    pub(super) fn stored_at_all(&mut self) {
        let digest = self.ev.layer.digest();
        let stored = self.ev.stored.iter().any(|(d, _)| d == digest);
        // A client killed for time is CLIENT-7's finding.
        if stored
            || self.ev.plan.may_give_up
            || self.ev.exit.timed_out
            || !self.out.findings.is_empty()
        {
            return;
        }
        let what = if self.log().is_empty() {
            format!(
                "the layer was not stored: the client sent no request ({})",
                self.exit_text()
            )
        } else {
            format!("the layer was not stored ({})", self.exit_text())
        };
        let requests = self.last(5);
        self.find("CLIENT-1", what, requests);
    }
}
