//! The fake's responder as a [`Transport`]: the runner's requests reach the model in
//! process, with no socket, through the same `handle` the server and wiremock call.

use super::responder::Responder;
use crate::protocol::HttpRequest;
use crate::protocol::{Observed, Transport, TransportError, WireRequest, observe};

impl Transport for Responder {
    fn send(&self, request: &WireRequest) -> Result<(Observed, u32), TransportError> {
        let x_amz_target = request.x_amz_target.as_deref();
        let content_type = request.content_type.as_deref();
        let body = &request.body[..];
        let mut headers = Vec::new();
        if let Some(t) = x_amz_target {
            headers.push(("x-amz-target", t));
        }
        if let Some(c) = content_type {
            headers.push(("content-type", c));
        }
        let answer = self.handle(HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            content_type,
            x_amz_target,
            body,
            decoded: None,
        });
        if let Some(delay) = answer.delay {
            std::thread::sleep(delay);
        }
        let answered_type = answer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone());
        Ok((
            observe(
                answer.status,
                answered_type,
                answer.error_name(),
                &answer.body,
            ),
            0,
        ))
    }
}
