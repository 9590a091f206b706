//! CLIENT-2: part sizes (at least 5 MiB but the last, at most the part limit).

use super::*;

impl Judge<'_> {
    /// CLIENT-2: part sizes.
    pub(super) fn part_sizes(&mut self) {
        let mut accepted: BTreeMap<&str, Vec<&LoggedRequest>> = BTreeMap::new();
        let mut any = false;
        let mut over = None;
        for e in self.parts() {
            any = true;
            if over.is_none() && e.blob_length.is_some_and(|n| n > MAX_PART_BYTES) {
                over = Some(e.index);
            }
            if e.applied
                && let Some(u) = e.upload_id.as_deref()
            {
                accepted.entry(u).or_default().push(e);
            }
        }
        if !any {
            return;
        }
        self.checked("CLIENT-2");
        let mut ordered: Vec<&LoggedRequest> = accepted.values().flatten().copied().collect();
        ordered.sort_by_key(|e| e.index);
        self.out.part_sizes = ordered.iter().filter_map(|e| e.blob_length).collect();
        if let Some(at) = over {
            let len = self.log()[at].blob_length.unwrap_or_default();
            let requests = self.around(at);
            self.find(
                "CLIENT-2",
                format!("a part of {len} bytes was sent: parts hold at most {MAX_PART_BYTES}"),
                requests,
            );
            return;
        }
        let small = accepted.values().find_map(|ps| {
            ps.iter()
                .take(ps.len().saturating_sub(1))
                .find(|e| e.blob_length.is_some_and(|n| n < MIN_PART_BYTES))
                .map(|e| (e.index, e.blob_length.unwrap_or_default()))
        });
        if let Some((at, len)) = small {
            let requests = self.around(at);
            self.find(
                "CLIENT-2",
                format!(
                    "a part of {len} bytes was followed by another: every part but the last holds at least {MIN_PART_BYTES} bytes"
                ),
                requests,
            );
        }
    }
}
