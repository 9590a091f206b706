//! CLIENT-8: the push ends with PutImage of the manifest given, and its answer decides the
//! exit status.

use super::*;

impl Judge<'_> {
    /// CLIENT-8: the manifest goes byte for byte with its tag; ImageAlreadyExistsException
    /// is success; a refusal is a failure.
    pub(super) fn image_put(&mut self) {
        let Some(image) = self.ev.image else {
            return; // --layer-only
        };
        let exit = self.ev.exit;
        let puts: Vec<&LoggedRequest> = self.puts().collect();
        let there = image.stored();
        if puts.is_empty() {
            // Only a client that had its layer stored could put the image. Otherwise
            // another rule explains why the push stopped, or stopping was right: refusing
            // before a put that would be refused, or finding the image already there.
            let digest = self.ev.layer.digest();
            let layer_stored = self.ev.stored.iter().any(|(d, _)| d == digest);
            let right_stop =
                (!exit.success() && image.setup.refused()) || (exit.success() && there);
            if !layer_stored || exit.timed_out || !self.out.findings.is_empty() || right_stop {
                return;
            }
            self.checked("CLIENT-8");
            let how = if self.log().is_empty() {
                "the client sent no request"
            } else {
                "the push ended without PutImage"
            };
            let what = format!(
                "{how}: the image (tag {:?}, {}) was never put ({})",
                image.tag,
                image.digest,
                self.exit_text()
            );
            let requests = self.last(4);
            self.find("CLIENT-8", what, requests);
            return;
        }
        self.checked("CLIENT-8");
        for p in &puts {
            if p.manifest_digest.as_deref() != Some(image.digest.as_str()) {
                let what = match (&p.manifest_digest, p.manifest_length) {
                    (Some(d), Some(n)) => format!(
                        "PutImage (#{}) sent a manifest of {n} bytes ({}), not the file given ({} bytes, {}): a manifest goes byte for byte, the image digest is of the bytes as sent (IMG-1)",
                        p.index,
                        short(d),
                        image.manifest_length,
                        short(&image.digest)
                    ),
                    _ => format!("PutImage (#{}) sent no manifest", p.index),
                };
                let requests = self.around(p.index);
                self.find("CLIENT-8", what, requests);
                return;
            }
            if p.image_tag.as_deref() != Some(image.tag.as_str()) {
                let what = match &p.image_tag {
                    Some(t) => format!(
                        "PutImage (#{}) put tag {:?}, not the tag given, {:?}",
                        p.index,
                        short(t),
                        image.tag
                    ),
                    None => format!(
                        "PutImage (#{}) put no tag; the tag given is {:?}",
                        p.index, image.tag
                    ),
                };
                let requests = self.around(p.index);
                self.find("CLIENT-8", what, requests);
                return;
            }
        }
        let last = puts[puts.len() - 1];
        // The last answer that refused the image: a 4xx that is neither a throttle (CLIENT-5)
        // nor ImageAlreadyExistsException (success).
        let refusal = puts.iter().rev().find(|p| {
            (400..500).contains(&p.status)
                && p.error.as_ref() != Some(&THROTTLED)
                && p.error.as_ref() != Some(&IMAGE_EXISTS)
        });
        let answered = |e: &LoggedRequest| {
            e.error
                .as_ref()
                .map_or_else(|| format!("HTTP {}", e.status), ToString::to_string)
        };
        if image.setup.refused() {
            if exit.success() && !exit.timed_out {
                let at = refusal.unwrap_or(&last);
                let what = format!(
                    "PutImage answered {} (#{}): the image was not stored, yet COMMAND exited 0",
                    answered(at),
                    at.index
                );
                let requests = self.around(at.index);
                self.find("CLIENT-8", what, requests);
            }
            return;
        }
        if exit.timed_out {
            return; // CLIENT-7's
        }
        match self.image_stored_answer() {
            Some(s) if !exit.success() && s.error.as_ref() == Some(&IMAGE_EXISTS) => {
                let what = format!(
                    "PutImage answered ImageAlreadyExistsException (#{}): that image and tag are already there, which is success, yet the client ended with {}",
                    s.index,
                    self.exit_text()
                );
                let requests = self.around(s.index);
                self.find("CLIENT-8", what, requests);
            }
            // A 200 and a non-zero exit is CLIENT-7's.
            Some(_) => {}
            None if there || !self.out.findings.is_empty() => {}
            None => {
                let at = refusal.unwrap_or(&last);
                let what = format!(
                    "the image was not stored: PutImage (#{}) was answered {} ({})",
                    at.index,
                    answered(at),
                    self.exit_text()
                );
                let requests = self.around(at.index);
                self.find("CLIENT-8", what, requests);
            }
        }
    }
}
