//! CLIENT-7: the exit status says what happened.

use super::*;

impl Judge<'_> {
    /// CLIENT-7: the exit status agrees with the answers, and COMMAND ends in time.
    pub(super) fn exit_status(&mut self) {
        self.checked("CLIENT-7");
        let exit = self.ev.exit;
        if exit.timed_out {
            let what = format!(
                "COMMAND did not exit within {} s and was killed",
                self.ev.timeout.as_secs()
            );
            let requests = self.last(5);
            self.find("CLIENT-7", what, requests);
            return;
        }
        if self.has("CLIENT-6") || self.has("CLIENT-8") {
            return; // the exit status after an existing layer or an image put is theirs
        }
        let (success, saw_success, stored) = if let Some(image) = self.ev.image {
            let answer = self.image_stored_answer();
            (
                answer,
                answer.is_some() || image.stored(),
                "the image was stored or already there",
            )
        } else {
            let success = self.log().iter().rev().find(|e| {
                (e.operation == Some(Operation::CompleteLayerUpload) && e.status == 200)
                    || e.error.as_ref() == Some(&EXISTS)
            });
            let saw = success.is_some() || self.exists_answer().is_some();
            (success, saw, "the layer was stored or already there")
        };
        if exit.success() && !saw_success {
            let what = format!("COMMAND exited 0, but no answer said {stored}");
            let requests = self.last(4);
            self.find("CLIENT-7", what, requests);
        } else if !exit.success() && saw_success && self.out.findings.is_empty() {
            let at = success.map_or(0, |e| e.index);
            let what = format!(
                "the push succeeded (#{at}), but COMMAND ended with {}",
                self.exit_text()
            );
            let requests = self.around(at);
            self.find("CLIENT-7", what, requests);
        }
    }
}
