//! CLIENT-4: after InvalidLayerPartException, resume from `lastValidByteReceived + 1`.

use super::*;

impl Judge<'_> {
    /// CLIENT-4: after InvalidLayerPartException, the next part starts where it says.
    pub(super) fn after_invalid_parts(&mut self) {
        let log = self.log();
        let size = self.ev.layer.size() as i64;
        let mut finding: Option<(String, usize)> = None;
        for (i, e) in log.iter().enumerate() {
            if e.error.as_ref() != Some(&INVALID_PART) || !position_problem(e) {
                continue;
            }
            self.checked("CLIENT-4");
            if finding.is_some() {
                continue;
            }
            let Some(upload) = e.upload_id.as_deref() else {
                continue;
            };
            // Within a 5xx's aftermath, restarting and giving up are CLIENT-3's.
            let after_5xx = log[..i]
                .iter()
                .any(|x| x.status >= 500 && x.upload_id.as_deref() == Some(upload));
            let next = e
                .last_valid_byte_received
                .map_or(0, |l| l.saturating_add(1));
            let said = match e.last_valid_byte_received {
                Some(l) => format!("lastValidByteReceived {l}"),
                None => "no lastValidByteReceived (nothing received)".to_owned(),
            };
            let then = log[i + 1..].iter().find(|x| {
                x.operation == Some(Operation::InitiateLayerUpload)
                    || (matches!(
                        x.operation,
                        Some(Operation::UploadLayerPart | Operation::CompleteLayerUpload)
                    ) && x.upload_id.as_deref() == Some(upload))
            });
            let what = match then {
                Some(x) if x.operation == Some(Operation::UploadLayerPart) => {
                    let first = x.part_first_byte.unwrap_or(-1);
                    if first == next || (after_5xx && first == 0) {
                        None
                    } else {
                        Some((
                            format!(
                                "after InvalidLayerPartException with {said} (#{}) the next part starts at byte {first} (#{}), not {next}",
                                e.index, x.index
                            ),
                            x.index,
                        ))
                    }
                }
                Some(x) if x.operation == Some(Operation::CompleteLayerUpload) => (next != size)
                    .then(|| {
                        (
                            format!(
                                "after InvalidLayerPartException with {said} (#{}) the client completed the upload (#{}) without sending bytes {next}..",
                                e.index, x.index
                            ),
                            x.index,
                        )
                    }),
                Some(x) => (!after_5xx).then(|| {
                    (
                        format!(
                            "after InvalidLayerPartException with {said} (#{}) the client left the upload and opened a new one (#{})",
                            e.index, x.index
                        ),
                        x.index,
                    )
                }),
                None => (!after_5xx).then(|| {
                    (
                        format!(
                            "after InvalidLayerPartException with {said} (#{}) the client gave up ({})",
                            e.index,
                            self.exit_text()
                        ),
                        e.index,
                    )
                }),
            };
            finding = what;
        }
        if let Some((what, at)) = finding {
            let requests = self.around(at);
            self.find("CLIENT-4", what, requests);
        }
    }
}
