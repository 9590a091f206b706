//! CLIENT-5: after a throttle, back off and try again.

use super::*;

impl Judge<'_> {
    /// CLIENT-5: throttled calls are retried, with backoff, a bounded number of times.
    pub(super) fn after_throttles(&mut self) {
        let log = self.log();
        let mut seen_in_run = vec![false; log.len()];
        let mut finding: Option<(String, usize)> = None;
        for i in 0..log.len() {
            if log[i].error.as_ref() != Some(&THROTTLED) || seen_in_run[i] {
                continue;
            }
            self.checked("CLIENT-5");
            // The run of attempts of this call: each next one after a throttled answer.
            let mut attempts = vec![i];
            let mut waits = Vec::new();
            let mut gave_up = false;
            let mut at = i;
            while log[at].error.as_ref() == Some(&THROTTLED) {
                seen_in_run[at] = true;
                match log[at + 1..].iter().find(|x| same_call(x, &log[at])) {
                    Some(x) => {
                        waits.push(x.arrived.saturating_duration_since(log[at].answered));
                        attempts.push(x.index);
                        at = x.index;
                    }
                    None => {
                        gave_up = true;
                        break;
                    }
                }
            }
            if finding.is_some() {
                continue;
            }
            let call = describe_call(&log[i]);
            let n = attempts.len();
            let ms: Vec<String> = waits
                .iter()
                .map(|w| format!("{} ms", w.as_millis()))
                .collect();
            let last = *attempts.last().unwrap_or(&i);
            if gave_up && n < MIN_THROTTLED_ATTEMPTS {
                finding = Some((
                    format!(
                        "{call} was throttled and the client gave up after {n} attempt{} ({}): a throttled call is retried, at least {MIN_THROTTLED_ATTEMPTS} attempts",
                        if n == 1 { "" } else { "s" },
                        self.exit_text()
                    ),
                    last,
                ));
            } else if n > MAX_ATTEMPTS {
                finding = Some((
                    format!(
                        "{call} was attempted {n} times while throttled: at most {MAX_ATTEMPTS}"
                    ),
                    last,
                ));
            } else if !waits.is_empty()
                && waits
                    .iter()
                    .all(|w| w.as_millis() < u128::from(MIN_BACKOFF_MS))
            {
                finding = Some((
                    format!(
                        "{call} was retried without backing off: waits after ThrottlingException {} (each under {MIN_BACKOFF_MS} ms)",
                        ms.join(", ")
                    ),
                    attempts.get(1).copied().unwrap_or(i),
                ));
            } else if waits.len() >= FLAT_WAITS {
                let min = waits.iter().min().copied().unwrap_or_default();
                let max = waits.iter().max().copied().unwrap_or_default();
                if max.as_secs_f64() <= 1.25 * min.as_secs_f64() {
                    finding = Some((
                        format!(
                            "{call} was retried after waits that do not grow: {}",
                            ms.join(", ")
                        ),
                        last,
                    ));
                }
            }
        }
        if let Some((what, at)) = finding {
            let requests = self.around(at);
            self.find("CLIENT-5", what, requests);
        }
    }
}
