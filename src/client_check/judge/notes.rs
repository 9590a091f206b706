//! Notes: what the judge saw that is no finding.

use super::*;

impl Judge<'_> {
    /// Notes: a plan none of whose faults fired did not test what it is about.
    pub(super) fn notes(&mut self) {
        let faults: Vec<Fault> = self
            .ev
            .plan
            .faults
            .iter()
            .filter_map(|spec| spec.parse::<Fault>().ok())
            .collect();
        let calls = |op: Operation| {
            self.log()
                .iter()
                .filter(|e| e.operation == Some(op))
                .count() as u64
        };
        let Some(first) = faults.first() else {
            return;
        };
        if faults.iter().all(|f| calls(f.operation) < f.nth) {
            let n = calls(first.operation);
            self.out.notes.push(format!(
                "no fault fired, so the plan tested nothing of its own: the client made {n} {} call{} (a larger --layer-size makes more parts)",
                first.operation.name(),
                if n == 1 { "" } else { "s" }
            ));
        }
    }
}
