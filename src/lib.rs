//! ecr-conformance: a conformance and fuzz test harness for the Amazon ECR layer-upload API.
//!
//! - [`model`]: the reference model, a pure state machine of the upload protocol;
//! - [`wire`]: awsJson 1.1 request, response and error types, and their codec;
//! - [`strategy`]: proptest generators of layers, part plans and operation sequences.

pub mod model;
pub mod strategy;
pub mod wire;
