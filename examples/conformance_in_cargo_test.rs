//! ecr-conformance from `cargo test`, both ways round (README: Use it from cargo test).
//!
//! - An **emulator author** holds an endpoint to ECR's rules: here the endpoint is served
//!   by the test's own tokio runtime (as an emulator under test usually is), and the run
//!   goes through `Conformance::run_async`, which does not starve that runtime. The per-rule
//!   table is held by an insta snapshot.
//! - A **client author** starts the fake ECR with a fault, pushes a layer with their client
//!   (the Rust SDK here) and asserts what the fake received and holds.
//!
//! `cargo test --example conformance_in_cargo_test` runs both (Cargo.toml sets `test = true`).

fn main() {
    eprintln!("run me as tests: cargo test --example conformance_in_cargo_test");
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::net::SocketAddr;

    use aws_sdk_ecr::config::retry::RetryConfig;
    use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_ecr::primitives::Blob;
    use ecr_conformance::fake::{HttpRequest, Responder};
    use ecr_conformance::{Conformance, FakeEcr, Fault, FaultKind, Profile};
    use http_body_util::{BodyExt as _, Full};
    use hyper::body::Bytes;

    /// An "emulator" served by the caller's runtime: a hyper server answering with the fake's
    /// responder (a real emulator would answer with its own code).
    async fn serve_on_this_runtime(responder: Responder) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let responder = responder.clone();
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let responder = responder.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let headers: Vec<(&str, &str)> = parts
                                .headers
                                .iter()
                                .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
                                .collect();
                            let header =
                                |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
                            let answer = responder.handle(HttpRequest {
                                method: parts.method.as_str(),
                                path: parts.uri.path(),
                                query: parts.uri.query().unwrap_or_default(),
                                headers: &headers,
                                content_type: header("content-type"),
                                x_amz_target: header("x-amz-target"),
                                body: &body,
                                decoded: None,
                            });
                            let mut response = hyper::Response::builder().status(answer.status);
                            for (k, v) in &answer.headers {
                                response = response.header(*k, v.as_str());
                            }
                            Ok::<_, Infallible>(
                                response
                                    .body(Full::new(Bytes::from(answer.body)))
                                    .expect("response"),
                            )
                        }
                    },
                );
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        addr
    }

    /// The emulator author's test: a `#[tokio::test]` (one thread) that serves the endpoint
    /// and runs the suite against it.
    #[tokio::test]
    async fn my_emulator_conforms_to_ecr() {
        let responder = FakeEcr::builder().responder().expect("responder");
        let addr = serve_on_this_runtime(responder).await;
        let report = Conformance::url(&format!("http://{addr}"))
            .profile(Profile::ecr())
            .cases(16)
            .seed(1)
            .run_async()
            .await
            .expect("the run");
        report.assert_passed();
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!("conformance_in_cargo_test_rule_table", report.rule_table());
        });
    }

    /// The client author's test: the fake throttles the first part; the client must retry it
    /// and still store the right layer.
    #[tokio::test]
    async fn my_client_pushes_a_layer_through_a_throttled_part() {
        let fake = FakeEcr::builder()
            .repository("my-app")
            .record_requests(true)
            .fault(Fault {
                operation: ecr_conformance::wire::Operation::UploadLayerPart,
                nth: 1,
                kind: FaultKind::Throttle,
            })
            .start()
            .expect("fake");
        let ecr = aws_sdk_ecr::Client::from_conf(
            aws_sdk_ecr::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(fake.uri())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("test", "test", None, None, "example"))
                .retry_config(RetryConfig::standard().with_max_attempts(3))
                .build(),
        );
        // The client under test: one upload of one part.
        let layer = b"a layer's bytes".to_vec();
        let id = ecr
            .initiate_layer_upload()
            .repository_name("my-app")
            .send()
            .await
            .expect("initiate")
            .upload_id
            .expect("uploadId");
        ecr.upload_layer_part()
            .repository_name("my-app")
            .upload_id(&id)
            .part_first_byte(0)
            .part_last_byte(layer.len() as i64 - 1)
            .layer_part_blob(Blob::new(layer.clone()))
            .send()
            .await
            .expect("the part, retried after the throttle");
        let digest = ecr_conformance::model::digest::digest_of(&layer);
        ecr.complete_layer_upload()
            .repository_name("my-app")
            .upload_id(&id)
            .layer_digests(&digest)
            .send()
            .await
            .expect("complete");

        // What the fake received: the throttled part, then the retry that landed.
        let parts: Vec<_> = fake
            .request_log()
            .into_iter()
            .filter(|r| r.operation == Some(ecr_conformance::wire::Operation::UploadLayerPart))
            .collect();
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(parts[0].fault, Some(FaultKind::Throttle));
        assert!(parts[1].applied);
        // What it holds: the layer, under the digest of the bytes.
        let size = fake.with_registry(|r| r.layer_size("my-app", &digest));
        assert_eq!(size, Some(layer.len() as u64));
    }
}
