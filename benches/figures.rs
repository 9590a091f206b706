//! The project's performance figures, each against a baseline measured in the same run
//! (this machine is shared and noisy, so ratios are what compare across runs).
//!
//! `cargo bench --bench figures [NAME...]` with NAME among model, wire, fake, memory,
//! runner, images, registry (default: all). `fake` compares with moto_server from `.venv` (scripts/test
//! installs it); without it, that comparison says so and is skipped.

use std::process::Command;
use std::time::{Duration, Instant};

use ecr_conformance::fake::FakeEcr;
use ecr_conformance::model::{PartBlob, Profile, Registry, Request, UploadLayerPart};
use ecr_conformance::protocol::{Endpoint, Keys};
use ecr_conformance::runner::{self, RunConfig};
use ecr_conformance::strategy::fill;
use ecr_conformance::wire::{self, Operation};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;
const PART: usize = 20 * MIB;

fn create(r: &mut Registry, name: &str) {
    let body = format!("{{\"repositoryName\":\"{name}\"}}");
    r.apply(&wire::decode_request(
        Some(&Operation::CreateRepository.x_amz_target()),
        body.as_bytes(),
    ))
    .expect("create");
}

fn initiate(r: &mut Registry, repo: &str) -> String {
    let body = format!("{{\"repositoryName\":\"{repo}\"}}");
    match r.apply(&wire::decode_request(
        Some(&Operation::InitiateLayerUpload.x_amz_target()),
        body.as_bytes(),
    )) {
        Ok(ecr_conformance::model::Response::UploadInitiated { upload_id, .. }) => upload_id,
        other => panic!("{other:?}"),
    }
}

fn part_body(repo: &str, id: &str, first: usize, text: &str, len: usize) -> Vec<u8> {
    format!(
        "{{\"repositoryName\":\"{repo}\",\"uploadId\":\"{id}\",\"partFirstByte\":{first},\"partLastByte\":{},\"layerPartBlob\":\"{text}\"}}",
        first + len - 1
    )
    .into_bytes()
}

/// Figure 1: Model operations per second with 1 KiB parts, against SHA-256 of the same bytes.
fn model() {
    let n = 200_000;
    let block = fill(1024, 1);
    let mut r = Registry::new(Profile::ecr());
    create(&mut r, "bench");
    let id = initiate(&mut r, "bench");
    let t = Instant::now();
    for i in 0..n {
        let req = Request::UploadLayerPart(UploadLayerPart {
            registry_id: None,
            repository_name: Some("bench".into()),
            upload_id: Some(id.clone()),
            part_first_byte: Some(i * 1024),
            part_last_byte: Some(i * 1024 + 1023),
            layer_part_blob: Some(PartBlob::new(block.clone())),
        });
        r.apply(&req).expect("accepted");
    }
    let model = n as f64 / t.elapsed().as_secs_f64();
    let mut h = Sha256::new();
    let t = Instant::now();
    for _ in 0..n {
        h.update(&block);
    }
    std::hint::black_box(h.finalize());
    let base = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "model      {model:>12.0} UploadLayerPart/s (1 KiB parts); baseline SHA-256 of 1 KiB {base:>10.0}/s; ratio {:.2}",
        model / base
    );
}

/// Single-core SHA-256 of 20 MiB parts (sha2, which uses the SHA extensions where the CPU
/// has them): the floor every layer byte must pass, in MiB/s.
fn sha256_alone(bytes: &[u8], rounds: usize) -> f64 {
    let t = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(Sha256::digest(bytes));
    }
    (rounds * bytes.len()) as f64 / MIB as f64 / t.elapsed().as_secs_f64()
}

/// Figure 2: The fake's ingest of one 20 MiB part without the network: the body in 64 KiB
/// frames through the streaming decoder, then applied; against
/// base64-simd + SHA-256 of the same bytes, and SHA-256 alone. Returns SHA-256's MiB/s.
fn wire_and_model() -> f64 {
    let rounds = 10;
    let bytes = fill(PART, 2);
    let text = wire::blob::encode(&bytes);
    let target = Operation::UploadLayerPart.x_amz_target();
    let mut r = Registry::new(Profile::ecr());
    create(&mut r, "bench");
    let bodies: Vec<bytes::Bytes> = (0..rounds)
        .map(|_| {
            let id = initiate(&mut r, "bench");
            part_body("bench", &id, 0, &text, PART).into()
        })
        .collect();
    let t = Instant::now();
    for body in bodies {
        let mut ingest = wire::stream::PartIngest::new(true);
        for at in (0..body.len()).step_by(64 * 1024) {
            let frame = body.slice(at..(at + 64 * 1024).min(body.len()));
            ingest.push(&frame, &mut |id| r.speculate(id));
        }
        let req = match ingest.finish(body) {
            wire::stream::Ingested::Decoded(req) => *req,
            wire::stream::Ingested::Whole(body) => {
                let call = ecr_conformance::protocol::WireRequest {
                    x_amz_target: Some(target.clone()),
                    content_type: Some(wire::CONTENT_TYPE.to_owned()),
                    body: body.to_vec(),
                };
                wire::decode_http(&call.as_http())
            }
        };
        r.apply(&req).expect("accepted");
    }
    let ours = (rounds * PART) as f64 / MIB as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut out = vec![0u8; PART];
    for _ in 0..rounds {
        let decoded = base64_simd::STANDARD
            .decode(text.as_bytes(), base64_simd::Out::from_slice(&mut out))
            .expect("base64");
        std::hint::black_box(Sha256::digest(decoded));
    }
    let limit = (rounds * PART) as f64 / MIB as f64 / t.elapsed().as_secs_f64();
    let sha = sha256_alone(&bytes, rounds);
    println!(
        "wire       {ours:>8.0} MiB/s stream-decode+hash+apply of 20 MiB parts; base64-simd + SHA-256 {limit:.0} MiB/s (ratio {:.2}); SHA-256 alone {sha:.0} MiB/s (ratio {:.2})",
        ours / limit,
        ours / sha
    );
    sha
}

/// One awsJson call over a fresh loopback connection, as plainly as HTTP/1.1 allows: the
/// head, then the prebuilt body in one write (no client-side copy or encoding), then the
/// answer read to the end (`Connection: close`). The same client pushes to the fake and to
/// moto_server, so what differs is the endpoint.
fn call(url: &str, op: Operation, body: &[u8]) -> serde_json::Value {
    use std::io::{Read as _, Write as _};
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: {}\r\nX-Amz-Target: {}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        wire::CONTENT_TYPE,
        op.x_amz_target(),
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(body).expect("body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("answer");
    let text = String::from_utf8_lossy(&answer);
    let (head, json) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{text}"
    );
    serde_json::from_str(json).unwrap_or_default()
}

fn push(url: &str, repo: &str, parts: usize, text: &str) -> f64 {
    let call = |op: Operation, body: Vec<u8>| call(url, op, &body);
    call(
        Operation::CreateRepository,
        format!("{{\"repositoryName\":\"{repo}\"}}").into_bytes(),
    );
    let id = call(
        Operation::InitiateLayerUpload,
        format!("{{\"repositoryName\":\"{repo}\"}}").into_bytes(),
    )["uploadId"]
        .as_str()
        .expect("uploadId")
        .to_owned();
    // The bodies are made before the clock starts: what is timed is the endpoint.
    let bodies: Vec<Vec<u8>> = (0..parts)
        .map(|i| part_body(repo, &id, i * PART, text, PART))
        .collect();
    let t = Instant::now();
    for body in bodies {
        self::call(url, Operation::UploadLayerPart, &body);
    }
    (parts * PART) as f64 / MIB as f64 / t.elapsed().as_secs_f64()
}

/// The tests' helper for `serve` processes (the same file, so the two cannot drift).
#[path = "../tests/common/served.rs"]
#[allow(dead_code, unreachable_pub)]
mod served;
use served::Served;

fn moto_url() -> Option<Served> {
    // scripts/bench exports where it installed moto_server; else the tests' .venv.
    let bin = std::env::var("ECR_CONFORMANCE_MOTO_SERVER").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/moto_server").to_owned()
    });
    if !std::path::Path::new(&bin).exists() {
        return None;
    }
    served::moto(Command::new(&bin)).ok()
}

/// A loopback endpoint that reads each request and throws it away, answering every call
/// with the same canned upload id: what the network and this client cost alone.
fn sink() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1024 * 1024];
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut body_seen = 0;
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let text = String::from_utf8_lossy(&head);
            let end = text.find("\r\n\r\n").map_or(head.len(), |i| i + 4);
            body_seen += head.len() - end;
            let length: usize = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while body_seen < length {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                body_seen += n;
            }
            let json = r#"{"uploadId":"00000000-0000-4000-8000-000000000000"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                json.len()
            );
        }
    });
    url
}

/// Figure 3: The fake end to end over loopback, against moto_server doing the same and against
/// single-core SHA-256 (`sha`, measured in this run).
fn fake(sha: f64) {
    let text = wire::blob::encode(&fill(PART, 3));
    let fake = FakeEcr::builder().start().expect("fake");
    let ours = push(&fake.uri(), "bench", 20, &text);
    let wire_only = push(&sink(), "bench", 20, &text);
    println!(
        "loopback   {wire_only:>8.0} MiB/s the same pushes to an endpoint that reads and discards (network and client alone); the fake is {:.2} of it",
        ours / wire_only
    );
    let moto = moto_url().map(|server| push(&server.url, "bench", 3, &text));
    match moto {
        Some(m) => println!(
            "fake       {ours:>8.0} MiB/s UploadLayerPart 20 MiB over loopback; moto_server {m:.0} MiB/s; ratio {:.1}x (goal >= 10x); {:.2} of single-core SHA-256 (goal >= 0.50)",
            ours / m,
            ours / sha
        ),
        None => println!(
            "fake       {ours:>8.0} MiB/s UploadLayerPart 20 MiB over loopback; moto_server not measured (no .venv: run scripts/bench, which installs it); {:.2} of single-core SHA-256 (goal >= 0.50)",
            ours / sha
        ),
    }
}

fn serve() -> (Served, String) {
    let server = served::serve(&["--repository", "bench"]);
    let url = server.url.clone();
    (server, url)
}

fn peak_rss_mib(server: &Served) -> f64 {
    served::status_kib(server.child.id(), "VmHWM:").map_or(-1.0, |kib| kib as f64 / 1024.0)
}

/// Figure 4: Peak RSS of `serve` while layers go through it.
fn memory() {
    let text = wire::blob::encode(&fill(PART, 4));
    for mib in [256usize, 1024] {
        let (server, url) = serve();
        let idle = peak_rss_mib(&server);
        let rate = push(&url, "solo", mib / 20 + 1, &text);
        println!(
            "memory     peak RSS {:6.1} MiB after {:4} MiB in one upload (idle {idle:.1} MiB; {rate:.0} MiB/s) (goal < 200)",
            peak_rss_mib(&server),
            (mib / 20 + 1) * 20
        );
    }
    let (server, url) = serve();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (url, text) = (url.clone(), text.clone());
            std::thread::spawn(move || push(&url, &format!("c{i}"), 7, &text))
        })
        .collect();
    let total: f64 = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    println!(
        "memory     peak RSS {:6.1} MiB with 8 uploads of 140 MiB at once ({total:.0} MiB/s together) (goal < 200)",
        peak_rss_mib(&server)
    );
}

/// A 2 KiB OCI manifest naming `layer` as config and layer, made distinct by `i`.
fn image_manifest(layer: &str, i: usize) -> String {
    let head = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{layer}","size":16}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer}","size":16}}],"annotations":{{"n":"{i}","pad":""#
    );
    let pad = 2048usize.saturating_sub(head.len() + 3);
    format!("{head}{}\"}}}}", "x".repeat(pad))
}

/// Calls per second of `op` with `bodies` against `url`.
fn rate(url: &str, op: Operation, bodies: &[Vec<u8>]) -> f64 {
    let t = Instant::now();
    for b in bodies {
        call(url, op, b);
    }
    bodies.len() as f64 / t.elapsed().as_secs_f64()
}

/// Seconds for one page of `max` from ListImages (and DescribeImages), over all pages.
fn page_costs(url: &str, repo: &str, max: usize) -> (f64, f64, usize) {
    let mut costs = [0.0f64; 2];
    let mut pages = 0;
    for (k, op) in [Operation::ListImages, Operation::DescribeImages]
        .into_iter()
        .enumerate()
    {
        let mut token: Option<String> = None;
        let t = Instant::now();
        let mut n = 0;
        loop {
            let body = match &token {
                Some(t) => {
                    format!(r#"{{"repositoryName":"{repo}","maxResults":{max},"nextToken":"{t}"}}"#)
                }
                None => format!(r#"{{"repositoryName":"{repo}","maxResults":{max}}}"#),
            };
            let answer = call(url, op, body.as_bytes());
            n += 1;
            match answer["nextToken"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        costs[k] = t.elapsed().as_secs_f64() / f64::from(n);
        pages = n as usize;
    }
    (costs[0], costs[1], pages)
}

/// Figure 6: 10,000 images of 2 KiB manifests through `serve`: PutImage, ListImages and
/// DescribeImages over all pages, per call against hashing the same manifest (the
/// floor PutImage's digest sets) and against one empty ListImages (the HTTP round trip
/// with no work); a page's cost at 1,000 and at 10,000 images; `serve`'s memory.
fn images() {
    let (server, url) = serve();
    let idle = peak_rss_mib(&server);
    let layer_bytes = fill(16, 9);
    let layer = ecr_conformance::model::digest::digest_of(&layer_bytes);
    let repo = "images";
    call(
        &url,
        Operation::CreateRepository,
        format!(r#"{{"repositoryName":"{repo}"}}"#).as_bytes(),
    );
    let id = call(
        &url,
        Operation::InitiateLayerUpload,
        format!(r#"{{"repositoryName":"{repo}"}}"#).as_bytes(),
    )["uploadId"]
        .as_str()
        .expect("uploadId")
        .to_owned();
    let text = wire::blob::encode(&layer_bytes);
    call(
        &url,
        Operation::UploadLayerPart,
        &part_body(repo, &id, 0, &text, 16),
    );
    call(
        &url,
        Operation::CompleteLayerUpload,
        format!(r#"{{"repositoryName":"{repo}","uploadId":"{id}","layerDigests":["{layer}"]}}"#)
            .as_bytes(),
    );
    let empty = format!(r#"{{"repositoryName":"{repo}"}}"#).into_bytes();
    let round_trip = rate(&url, Operation::ListImages, &vec![empty; 200]);
    let manifests: Vec<String> = (0..10_000).map(|i| image_manifest(&layer, i)).collect();
    let bodies: Vec<Vec<u8>> = manifests
        .iter()
        .enumerate()
        .map(|(i, m)| {
            serde_json::to_vec(&serde_json::json!({
                "repositoryName": repo, "imageManifest": m, "imageTag": format!("t{i}")
            }))
            .expect("json")
        })
        .collect();
    let t = Instant::now();
    for m in &manifests {
        std::hint::black_box(Sha256::digest(m.as_bytes()));
    }
    let hash = manifests.len() as f64 / t.elapsed().as_secs_f64();
    let put_first = rate(&url, Operation::PutImage, &bodies[..1000]);
    let (list_1k, describe_1k, _) = page_costs(&url, repo, 100);
    let put_rest = rate(&url, Operation::PutImage, &bodies[1000..]);
    let (list_10k, describe_10k, pages) = page_costs(&url, repo, 100);
    println!(
        "images     PutImage {put_rest:>7.0}/s (first 1,000: {put_first:.0}/s); SHA-256 of the same 2 KiB manifests {hash:>9.0}/s; empty ListImages {round_trip:.0}/s (the HTTP round trip); PutImage per call = {:.2} round trips",
        round_trip / put_rest
    );
    println!(
        "images     a page of 100: ListImages {:.2} ms at 1,000 images, {:.2} ms at 10,000 ({pages} pages; ratio {:.2}); DescribeImages {:.2} ms / {:.2} ms (ratio {:.2}) (goal: ratio ~1, a page does not grow with the images)",
        list_1k * 1e3,
        list_10k * 1e3,
        list_10k / list_1k,
        describe_1k * 1e3,
        describe_10k * 1e3,
        describe_10k / describe_1k
    );
    println!(
        "images     serve peak RSS {:.1} MiB with 10,000 images of 2 KiB (idle {idle:.1} MiB) (goal < 100)",
        peak_rss_mib(&server)
    );
}

/// Figure 5: The default run against the embedded fake.
fn runner() {
    let fake = FakeEcr::builder().start().expect("fake");
    let endpoint = Endpoint::new(
        &fake.uri(),
        "us-east-1",
        Keys::test(),
        Duration::from_secs(60),
    );
    let config = RunConfig {
        cases: 256,
        seed: 1,
        prefix: "bench".into(),
        ..RunConfig::new(Profile::ecr())
    };
    let only = RunConfig {
        filter: Some(regex::Regex::new("^generated$").expect("regex")),
        ..config.clone()
    };
    let t = Instant::now();
    runner::run(&endpoint, "bench", &only).expect("run");
    let generated = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = runner::run(&endpoint, "bench", &config).expect("run");
    let all = t.elapsed().as_secs_f64();
    let catalog = RunConfig {
        cases: 0,
        ..RunConfig::new(Profile::ecr())
    };
    let t = Instant::now();
    runner::run(&endpoint, "bench", &catalog).expect("run");
    let scenarios = t.elapsed().as_secs_f64();
    // The baseline: hashing the catalog's blob bytes once, here and now.
    let blob_bytes = catalog_blob_bytes();
    let block = fill(MIB, 1);
    let t = Instant::now();
    let mut left = blob_bytes;
    let mut h = Sha256::new();
    while left > 0 {
        let n = left.min(MIB);
        h.update(&block[..n]);
        left -= n;
    }
    std::hint::black_box(h.finalize());
    let hash_once = t.elapsed().as_secs_f64();
    println!(
        "runner     default run (11 scenarios + 256 cases) {all:.1} s (goal < 60 s), {}; generated alone {:.0} cases/s",
        if report.passed() {
            "no divergence"
        } else {
            "DIVERGED"
        },
        256.0 / generated
    );
    println!(
        "catalog    11 scenarios alone {scenarios:.2} s, {:.0} MiB of blobs: {:.1}x the time to SHA-256 them once ({hash_once:.3} s)",
        blob_bytes as f64 / MIB as f64,
        scenarios / hash_once
    );
}

/// The bytes of every `$blob` in the catalog.
fn catalog_blob_bytes() -> usize {
    fn walk(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(m) => match m.get("$blob") {
                Some(spec) => spec["length"].as_u64().unwrap_or(0) as usize,
                None => m.values().map(walk).sum(),
            },
            serde_json::Value::Array(items) => items.iter().map(walk).sum(),
            _ => 0,
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/scenarios");
    std::fs::read_dir(dir)
        .expect("the catalog")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .filter_map(|text| serde_json::from_str(&text).ok())
        .map(|v: serde_json::Value| walk(&v))
        .sum()
}

/// A `/v2/` client for the registry figure: HTTP/1.1 over ureq, no redirects followed.
fn door_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

/// An absolute URL of `location` as `base` answered it.
fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_owned()
    } else {
        format!("{base}{location}")
    }
}

fn location_of<B>(response: &ureq::http::Response<B>, base: &str) -> String {
    let l = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location");
    absolute(base, l)
}

/// Pushes `blob` to `/v2/<repo>` of `base` in chunks of `chunk` bytes with Content-Range
/// (`None`: one PATCH without it), then the final PUT; MiB/s over the whole push.
fn door_push(base: &str, repo: &str, blob: &[u8], chunk: Option<usize>) -> f64 {
    let agent = door_agent();
    let digest = format!("sha256:{:x}", Sha256::digest(blob));
    let t = Instant::now();
    let started = agent
        .post(format!("{base}/v2/{repo}/blobs/uploads/"))
        .send_empty()
        .expect("POST");
    assert_eq!(started.status().as_u16(), 202, "POST");
    let mut location = location_of(&started, base);
    let pieces: Vec<(usize, &[u8])> = match chunk {
        Some(n) => blob
            .chunks(n)
            .enumerate()
            .map(|(i, c)| (i * n, c))
            .collect(),
        None => vec![(0, blob)],
    };
    for (first, piece) in pieces {
        let mut request = agent.patch(&location);
        if chunk.is_some() {
            request = request.header(
                "content-range",
                format!("{first}-{}", first + piece.len() - 1),
            );
        }
        let answer = request
            .header("content-type", "application/octet-stream")
            .send(piece)
            .expect("PATCH");
        let status = answer.status().as_u16();
        assert!(status == 201 || status == 202, "PATCH answered {status}");
        location = location_of(&answer, base);
    }
    let sep = if location.contains('?') { '&' } else { '?' };
    let done = agent
        .put(format!("{location}{sep}digest={digest}"))
        .send_empty()
        .expect("PUT");
    assert_eq!(done.status().as_u16(), 201, "PUT");
    blob.len() as f64 / MIB as f64 / t.elapsed().as_secs_f64()
}

/// Debian's docker-registry from `.peers` (scripts/test unpacks it) on a free port, with its
/// own storage folder; `None` without it.
fn docker_registry() -> Option<(std::process::Child, std::path::PathBuf, String)> {
    let bin = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.peers/docker-registry/usr/bin/docker-registry"
    );
    if !std::path::Path::new(bin).exists() {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let dir = std::env::temp_dir().join(format!("ecr-conformance-bench-dreg-{port}"));
    std::fs::create_dir_all(dir.join("store")).ok()?;
    let config = dir.join("reg.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("store").display()
        ),
    )
    .ok()?;
    let child = Command::new(bin)
        .arg("serve")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let until = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((child, dir, format!("http://127.0.0.1:{port}")))
}

/// Figure 7: a 1 GiB blob through the registry door of `serve` (its blob store on), in
/// 20 MiB PATCH chunks and as one streamed PATCH, against single-core SHA-256 of the same
/// bytes (the floor: this door has no base64, so the hash and the store write are what every
/// byte must pass) and against docker-registry pushing the same blob in the same run; the
/// fake's peak RSS.
fn registry() {
    let blob = fill(1 << 30, 7);
    let sha = sha256_alone(&blob, 1);
    println!("registry   {sha:>8.0} MiB/s single-core SHA-256 of the 1 GiB blob (the floor)");
    let server = served::serve(&["--repository", "bench"]);
    let chunked = door_push(&server.url, "bench", &blob, Some(PART));
    let streamed = door_push(&server.url, "bench", &fill(1 << 30, 8), None);
    let peak = peak_rss_mib(&server);
    drop(server);
    let peer = docker_registry().map(|(mut child, dir, url)| {
        let c = door_push(&url, "bench", &blob, Some(PART));
        let s = door_push(&url, "bench", &fill(1 << 30, 8), None);
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(dir);
        (c, s)
    });
    for (what, ours, theirs) in [
        ("20 MiB PATCH chunks", chunked, peer.map(|p| p.0)),
        ("one streamed PATCH ", streamed, peer.map(|p| p.1)),
    ] {
        let versus = match theirs {
            Some(t) => format!(
                "docker-registry {t:.0} MiB/s, the fake {:.2}x of it",
                ours / t
            ),
            None => "docker-registry not measured (scripts/test unpacks it into .peers)".to_owned(),
        };
        println!(
            "registry   {ours:>8.0} MiB/s 1 GiB over /v2/ in {what}: {:.2} of SHA-256 (goal >= 0.6); {versus}",
            ours / sha
        );
    }
    println!("registry   peak RSS {peak:6.1} MiB of serve after both pushes (goal <= 200)");
}

fn main() {
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |n: &str| names.is_empty() || names.iter().any(|x| x == n);
    if wants("model") {
        model();
    }
    let sha = if wants("wire") || wants("fake") {
        wire_and_model()
    } else {
        0.0
    };
    if wants("fake") {
        fake(sha);
    }
    if wants("memory") {
        memory();
    }
    if wants("runner") {
        runner();
    }
    if wants("images") {
        images();
    }
    if wants("registry") {
        registry();
    }
}
