//! ecr-conformance: a conformance and fuzz test harness for the Amazon ECR layer-upload API.
//!
//! From `cargo test`, two doors:
//! - an **emulator author** holds an endpoint to the rules with [`Conformance`]: a URL (or
//!   any [`Transport`]) in, a [`Report`] out, with [`Report::assert_passed`] and a
//!   snapshot-stable [`Report::rule_table`];
//! - a **client author** starts a [`FakeEcr`] (with [`Fault`]s), points the client at
//!   [`FakeEcr::uri`], then asserts on what it received ([`FakeEcr::request_log`] with
//!   `record_requests(true)`) and on what it holds ([`FakeEcr::with_registry`]).
//!
//! The names a user needs are re-exported here, once. Underneath, start at
//! [`model::Registry::apply`], the transition function every other part calls.
//!
//! - [`client_check`]: judges a client that pushes a layer, under fault plans on the fake;
//! - [`fake`]: a fake ECR endpoint driven by the model, with faults, for testing clients;
//! - [`fixture`]: the fixture file conventions (`$blob` descriptions, wire cases);
//! - [`model`]: the reference model, a pure state machine of the upload protocol;
//! - [`wire`]: awsJson 1.1 request, response and error types, and their codec;
//! - [`runner`]: the conformance runner: scenarios, generated runs, comparison, reports;
//! - [`strategy`]: proptest generators of layers, part plans and operation sequences.

pub mod call;
pub mod client_check;
mod conformance;
pub mod fake;
pub mod fixture;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod protocol;
pub mod runner;
pub mod strategy;
pub mod wire;

pub use conformance::Conformance;
pub use fake::{FakeEcr, FakeEcrBuilder, Fault, FaultKind, LoggedRequest};
pub use model::{ErrorCode, Profile, RuleId};
pub use protocol::{Keys, Transport};
pub use runner::{Report, RuleVerdict, RunConfig, RunError};

/// README.md's Rust examples, compiled and run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
