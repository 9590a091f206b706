//! CLIENT-6: a LayerAlreadyExistsException at completion is success.

use super::*;

impl Judge<'_> {
    /// CLIENT-6: an existing layer ends the push as a success.
    pub(super) fn existing_layer(&mut self) {
        let Some(seen) = self.exists_answer() else {
            return;
        };
        let at = seen.index;
        let how = if seen.error.as_ref() == Some(&EXISTS) {
            "CompleteLayerUpload answered LayerAlreadyExistsException"
        } else {
            "BatchCheckLayerAvailability reported the layer AVAILABLE"
        };
        self.checked("CLIENT-6");
        let again = self.log()[at + 1..]
            .iter()
            .find(|x| x.operation == Some(Operation::InitiateLayerUpload))
            .map(|x| x.index);
        if let Some(x) = again {
            let requests = self.around(x);
            self.find(
                "CLIENT-6",
                format!("{how} (#{at}), and the client pushed it again (#{x})"),
                requests,
            );
        } else if !self.ev.exit.success() && !self.ev.exit.timed_out && self.puts().next().is_none()
        {
            // Once the client went on to PutImage, its exit status is CLIENT-8's and CLIENT-7's.
            let requests = self.around(at);
            let what = format!(
                "{how} (#{at}), and the client ended with {}",
                self.exit_text()
            );
            self.find("CLIENT-6", what, requests);
        }
    }
}
