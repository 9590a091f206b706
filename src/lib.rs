//! ecr-conformance: a conformance and fuzz test harness for the Amazon ECR layer-upload API.
//!
//! Start at [`model::Registry::apply`], the transition function every other part calls.
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
pub mod fake;
pub mod fixture;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod protocol;
pub mod runner;
pub mod strategy;
pub mod wire;

/// README.md's Rust examples, compiled and run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
