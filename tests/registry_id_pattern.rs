//! WIRE-3 reads a member's pattern, not only its equality with the model: a target that
//! answers `registryId` "abc" (which the model would otherwise learn and then agree with)
//! FAILs WIRE-3.

use ecr_conformance::fake::Responder;
use ecr_conformance::protocol::{Observed, Transport, TransportError, WireRequest};
use ecr_conformance::{Conformance, FakeEcr, RuleVerdict};
use serde_json::Value;

/// The fake, with every `registryId` in its answers (nested too) replaced by `abc`.
struct AbcRegistry(Responder);

fn rewrite(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if k == "registryId" {
                    *x = "abc".into();
                } else {
                    rewrite(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite),
        _ => {}
    }
}

impl Transport for AbcRegistry {
    fn send(&self, request: &WireRequest) -> Result<(Observed, u32), TransportError> {
        let (mut observed, retries) = self.0.send(request)?;
        if let Some(body) = &mut observed.body {
            rewrite(body);
        }
        Ok((observed, retries))
    }
}

#[test]
fn a_registry_id_out_of_its_pattern_fails_wire_3_though_the_model_learned_it() {
    let fake = FakeEcr::builder().responder().expect("responder");
    let report = Conformance::transport(AbcRegistry(fake), "abc registry")
        .cases(0)
        .run()
        .expect("a report");
    let wire3 = report
        .rules
        .iter()
        .find(|r| r.id.as_str() == "WIRE-3")
        .expect("WIRE-3");
    assert_eq!(wire3.verdict, RuleVerdict::Fail, "{}", report.text());
    let first = wire3.first.as_ref().expect("a first FAIL");
    assert_eq!(first.divergence.on.as_str(), "registryId");
    assert_eq!(first.divergence.actual.to_string(), "\"abc\"");
}
