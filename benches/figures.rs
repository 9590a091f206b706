//! The project's performance figures, each against a baseline measured in the same run
//! (this machine is shared and noisy, so ratios are what compare across runs).
//!
//! `cargo bench --bench figures [NAME...]` with NAME among model, wire, fake, memory,
//! runner (default: all). `fake` compares with moto_server from `.venv` (scripts/test
//! installs it); without it, that comparison says so and is skipped.

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ecr_conformance::fake::FakeEcr;
use ecr_conformance::model::{PartBlob, Profile, Registry, Request, UploadLayerPart};
use ecr_conformance::runner::{self, Endpoint, RunConfig, SigningKeys};
use ecr_conformance::strategy::fill;
use ecr_conformance::wire::{self, Operation};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;
const PART: usize = 20 * MIB;

fn create(r: &mut Registry, name: &str) {
    let body = format!("{{\"repositoryName\":\"{name}\"}}");
    r.apply(&wire::decode_request(
        Some(&Operation::CreateRepository.target()),
        body.as_bytes(),
    ))
    .expect("create");
}

fn initiate(r: &mut Registry, repo: &str) -> String {
    let body = format!("{{\"repositoryName\":\"{repo}\"}}");
    match r.apply(&wire::decode_request(
        Some(&Operation::InitiateLayerUpload.target()),
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

/// 1. Model operations per second with 1 KiB parts, against SHA-256 of the same bytes.
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

/// 2. Decode + base64 + hash + apply of one 20 MiB part, against base64 + SHA-256 alone.
fn wire_and_model() -> f64 {
    let rounds = 10;
    let bytes = fill(PART, 2);
    let text = wire::blob::encode(&bytes);
    let target = Operation::UploadLayerPart.target();
    let mut r = Registry::new(Profile::ecr());
    create(&mut r, "bench");
    // Bodies as the fake holds them (shared bytes), so blobs take the fake's path: checked,
    // then decoded while hashed.
    let bodies: Vec<bytes::Bytes> = (0..rounds)
        .map(|_| {
            let id = initiate(&mut r, "bench");
            part_body("bench", &id, 0, &text, PART).into()
        })
        .collect();
    let t = Instant::now();
    for body in &bodies {
        let req =
            wire::decode_http_shared("POST", "/", Some(wire::CONTENT_TYPE), Some(&target), body);
        r.apply(&req).expect("accepted");
    }
    let ours = (rounds * PART) as f64 / MIB as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..rounds {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&text)
            .expect("base64");
        std::hint::black_box(Sha256::digest(&decoded));
    }
    let limit = (rounds * PART) as f64 / MIB as f64 / t.elapsed().as_secs_f64();
    println!(
        "wire       {ours:>8.0} MiB/s decode+hash+apply of 20 MiB parts; limit (base64 + SHA-256) {limit:.0} MiB/s; ratio {:.2} (goal >= 0.60)",
        ours / limit
    );
    limit
}

fn push(url: &str, repo: &str, parts: usize, text: &str) -> f64 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let call = |op: Operation, body: Vec<u8>| -> serde_json::Value {
        let mut resp = agent
            .post(format!("{url}/"))
            .header("content-type", wire::CONTENT_TYPE)
            .header("x-amz-target", op.target())
            .header("authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00")
            .send(&body[..])
            .expect("answer");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(status, 200, "{v}");
        v
    };
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
        call(Operation::UploadLayerPart, body);
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

/// 3. The fake end to end over loopback, against moto_server doing the same.
fn fake(limit: f64) {
    let text = wire::blob::encode(&fill(PART, 3));
    let fake = FakeEcr::builder().start().expect("fake");
    let ours = push(&fake.uri(), "bench", 20, &text);
    let moto = moto_url().map(|server| push(&server.url, "bench", 3, &text));
    match moto {
        Some(m) => println!(
            "fake       {ours:>8.0} MiB/s UploadLayerPart 20 MiB over loopback; moto_server {m:.0} MiB/s; ratio {:.1}x (goal >= 10x); {:.2} of the wire limit (goal >= 0.50)",
            ours / m,
            ours / limit
        ),
        None => println!(
            "fake       {ours:>8.0} MiB/s UploadLayerPart 20 MiB over loopback; moto_server not measured (no .venv: run scripts/bench, which installs it); {:.2} of the wire limit (goal >= 0.50)",
            ours / limit
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

/// 4. Peak RSS of `serve` while layers go through it.
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

/// 5. The default run against the embedded fake.
fn runner() {
    let fake = FakeEcr::builder().start().expect("fake");
    let endpoint = Endpoint::new(
        &fake.uri(),
        "us-east-1",
        SigningKeys::test(),
        Duration::from_secs(60),
    );
    let config = RunConfig {
        cases: 256,
        seed: 1,
        prefix: "bench".into(),
        ..RunConfig::new(Profile::ecr())
    };
    let t = Instant::now();
    let report = runner::run(&endpoint, "bench", &config).expect("run");
    let all = t.elapsed().as_secs_f64();
    let only = RunConfig {
        filter: Some(regex::Regex::new("^generated$").expect("regex")),
        ..config
    };
    let t = Instant::now();
    runner::run(&endpoint, "bench", &only).expect("run");
    let generated = t.elapsed().as_secs_f64();
    println!(
        "runner     default run (11 scenarios + 256 cases) {all:.1} s (goal < 60 s), {}; generated alone {:.0} cases/s",
        if report.passed() {
            "no divergence"
        } else {
            "DIVERGED"
        },
        256.0 / generated
    );
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
    let limit = if wants("wire") || wants("fake") {
        wire_and_model()
    } else {
        0.0
    };
    if wants("fake") {
        fake(limit);
    }
    if wants("memory") {
        memory();
    }
    if wants("runner") {
        runner();
    }
}
