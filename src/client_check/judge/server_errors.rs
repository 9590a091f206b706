//! CLIENT-3: after a 5xx, resume from what the upload holds.

use super::*;

impl Judge<'_> {
    /// CLIENT-3: a 5xx does not end the push.
    pub(super) fn after_server_errors(&mut self) {
        let log = self.log();
        let mut finding: Option<(String, usize)> = None;
        for (i, e) in log.iter().enumerate() {
            if e.status < 500 || e.status > 599 {
                continue;
            }
            self.checked("CLIENT-3");
            if finding.is_some() {
                continue;
            }
            let later = &log[i + 1..];
            let what = match e.operation {
                Some(Operation::UploadLayerPart) => {
                    let (Some(upload), Some(first), Some(last)) =
                        (e.upload_id.as_deref(), e.part_first_byte, e.part_last_byte)
                    else {
                        continue;
                    };
                    let next = if e.applied {
                        last.saturating_add(1)
                    } else {
                        first
                    };
                    part_resumed(later, upload, first, next).map(|r| {
                        let (w, at) = (r.what, r.at);
                        let tail = if r.gave_up {
                            format!(" ({})", self.exit_text())
                        } else {
                            String::new()
                        };
                        (
                            format!(
                                "after the 500 on part {first}..={last} (#{}){w}{tail}",
                                e.index
                            ),
                            at,
                        )
                    })
                }
                Some(Operation::CompleteLayerUpload) => {
                    let upload = e.upload_id.as_deref();
                    let digest = self.ev.layer.digest();
                    let resumed = later.iter().find(|x| {
                        (x.operation == Some(Operation::CompleteLayerUpload)
                            && x.upload_id.as_deref() == upload)
                            || x.operation == Some(Operation::InitiateLayerUpload)
                            || x.available.iter().any(|a| names_content(a, digest))
                    });
                    match resumed {
                        Some(x) if x.operation == Some(Operation::InitiateLayerUpload) => Some((
                            format!(
                                "after the 500 on CompleteLayerUpload (#{}) the client opened a new upload (#{}) instead of completing again",
                                e.index, x.index
                            ),
                            x.index,
                        )),
                        Some(_) => None,
                        None => Some((
                            format!(
                                "after the 500 on CompleteLayerUpload (#{}) the client gave up: it sent no completion again ({})",
                                e.index,
                                self.exit_text()
                            ),
                            e.index,
                        )),
                    }
                }
                Some(op) => {
                    let again = later.iter().any(|x| x.operation == Some(op));
                    (!again).then(|| {
                        (
                            format!(
                                "after the 500 on {} (#{}) the client gave up ({})",
                                op.name(),
                                e.index,
                                self.exit_text()
                            ),
                            e.index,
                        )
                    })
                }
                None => None,
            };
            if what.is_some() {
                finding = what;
            }
        }
        if let Some((what, at)) = finding {
            let requests = self.around(at);
            self.find("CLIENT-3", what, requests);
        }
    }
}
