//! The JUnit rendering of a report: a case fails only on FAIL (or differs under
//! `--strict`), and a stopped run fails what it did not reach.

use super::judge::Verdict;
use super::report::Report;

impl Report {
    /// JUnit XML (written by `quick-junit`): one test case per scenario and one for the
    /// generated runs; a case fails on a FAIL (or, under `--strict`, a differs), on a
    /// scenario that could not run to its end, and, in a stopped run, where it was not run.
    pub fn junit(&self) -> String {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let counts = |v: Verdict| v == Verdict::Fail || (self.strict && v == Verdict::Differs);
        let mut cases: Vec<(String, Option<String>)> = self
            .scenarios
            .iter()
            .map(|c| {
                let failure = c.error.clone().or_else(|| {
                    let lines: Vec<String> = c
                        .steps
                        .iter()
                        .filter(|st| counts(st.verdict))
                        .flat_map(|st| {
                            st.divergences.iter().map(move |d| {
                                format!(
                                    "step {} {} {} [{}] {}: expected {}, got {}",
                                    st.index,
                                    st.operation,
                                    st.verdict.as_str(),
                                    d.rule,
                                    d.on,
                                    d.expected,
                                    d.actual
                                )
                            })
                        })
                        .collect();
                    (!lines.is_empty()).then(|| lines.join("\n"))
                });
                (c.name.clone(), failure)
            })
            .collect();
        if let Some(g) = &self.generated {
            let failure = g.failure.as_ref().map(|f| {
                format!(
                    "smallest failing sequence: {} steps{}",
                    f.steps.len(),
                    g.regression
                        .as_ref()
                        .map(|p| format!(", written to {p}"))
                        .unwrap_or_default()
                )
            });
            cases.push((
                format!("generated ({} cases, seed {})", g.cases, g.seed),
                failure,
            ));
        }
        let mut messages: Vec<&str> = cases
            .iter()
            .map(|(name, _)| {
                let errored = self
                    .scenarios
                    .iter()
                    .any(|c| &c.name == name && c.error.is_some());
                if errored {
                    "did not run to its end"
                } else {
                    "diverged from the model"
                }
            })
            .collect();
        // What a stopped run did not reach: failed when the target stopped it (a CI reading
        // only JUnit sees it), skipped when interrupted (neither passed nor failed); and
        // one case for the stop itself.
        let mut skipped: Vec<(String, String)> = Vec::new();
        if let Some(stopped) = &self.stopped {
            for n in &self.not_run {
                let name = n.split(':').next().unwrap_or_default().to_owned();
                let text = format!("not run: {}", stopped.reason);
                if stopped.interrupted() {
                    skipped.push((name, text));
                } else {
                    cases.push((name, Some(text)));
                    messages.push("not run");
                }
            }
            cases.push(("run".to_owned(), Some(format!("run stopped: {stopped}"))));
            messages.push("run stopped");
        }
        let mut suite = TestSuite::new("ecr-conformance");
        let skipped = skipped.into_iter().map(|(name, text)| {
            let mut status = TestCaseStatus::skipped();
            status.set_message(text);
            (name, status)
        });
        let statuses = cases
            .into_iter()
            .zip(messages)
            .map(|((name, failure), message)| {
                let status = match failure {
                    None => TestCaseStatus::success(),
                    Some(text) => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        status.set_message(message);
                        status.set_description(text);
                        status
                    }
                };
                (name, status)
            });
        for (name, status) in statuses.chain(skipped) {
            let mut case = TestCase::new(name, status);
            case.set_classname("ecr-conformance");
            suite.add_test_case(case);
        }
        let mut report = quick_junit::Report::new("ecr-conformance");
        report.add_test_suite(suite);
        report
            .to_string()
            .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->\n"))
    }
}
