//! A fake ECR endpoint whose behaviour *is* the model: decode the awsJson request, apply it
//! to a [`Registry`](crate::model::Registry), encode the answer. For testing clients.
//!
//! [`FakeEcr`] serves over HTTP on 127.0.0.1 with its own hyper server, which caps bodies
//! ([`MAX_BODY_BYTES`]), reads them with a deadline and keeps nothing: wiremock's server
//! reads every body whole, without a limit, so it is not the default. The same behaviour
//! mounts on a wiremock `MockServer` through [`Responder`], which implements
//! `wiremock::Respond`.

mod buffer;
mod builder;
mod fault;
mod log;
mod quirk;
mod responder;
mod server;
mod store;
mod transport;

pub use crate::protocol::HttpRequest;
pub use crate::protocol::Keys;
pub use crate::protocol::sigv4::{MAX_CLOCK_SKEW, Refusal};
pub use builder::{FakeEcr, FakeEcrBuilder, FakeError, MAX_BODY_BYTES};
pub use fault::{Fault, FaultKind, FaultSpecError, MAX_DELAY_MS};
pub use log::{DoorLogged, LoggedRequest, MAX_LOGGED_REQUESTS};
pub use quirk::Quirk;
pub use responder::{HttpAnswer, Responder};
pub use store::StoreAt;
