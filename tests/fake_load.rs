//! The fake under load and under slow clients, as a separate `serve` process so its memory
//! can be read: 32 concurrent clients push layers in parts of mixed sizes with deliberately
//! bad parts in between; afterwards every completed layer has exactly the right digest and
//! size, every refused part changed nothing, and the fake's memory is back near idle.
//! Clients that stall or hold connections open do not keep others from being served.

mod common;

use std::cell::Cell;
use std::io::Write;
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::served::{self, serve};
use ecr_conformance::model::digest::digest_of;
use ecr_conformance::strategy::fill;
use serde_json::{Value, json};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
const CLIENTS: usize = 32;
const LAYERS_PER_CLIENT: usize = 3;

/// A field of /proc/PID/status, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    served::status_kib(pid, field).expect("a /proc status field")
}

struct Client {
    agent: ureq::Agent,
    url: String,
    requests: Cell<u64>,
}

/// The two tests measure time and memory: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

impl Client {
    fn new(url: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Client {
            agent,
            url: url.to_owned(),
            requests: Cell::new(0),
        }
    }

    /// One call: (status, answer JSON).
    fn call(&self, operation: &str, body: &[u8]) -> (u16, Value) {
        self.requests.set(self.requests.get() + 1);
        let mut answer = self
            .agent
            .post(&self.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AmazonEC2ContainerRegistry_V20150921.{operation}"),
            )
            .send(body)
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        let status = answer.status().as_u16();
        let text = answer
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .expect("answer");
        (status, serde_json::from_slice(&text).unwrap_or(Value::Null))
    }

    fn json(&self, operation: &str, body: Value) -> (u16, Value) {
        self.call(operation, body.to_string().as_bytes())
    }
}

fn part_body(repo: &str, id: &str, first: usize, last: usize, bytes: &[u8]) -> Vec<u8> {
    let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!(
        r#"{{"repositoryName":"{repo}","uploadId":"{id}","partFirstByte":{first},"partLastByte":{last},"layerPartBlob":"{blob}"}}"#
    )
    .into_bytes()
}

/// A tiny deterministic generator, so each client's plan is reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// What one client did: layers completed (digest, size) and bad parts refused.
#[derive(Default)]
struct Pushed {
    layers: Vec<(String, String, u64)>,
    refused: u32,
    requests: u64,
}

/// Sends one deliberately bad part and checks it was refused without changing the upload:
/// the answer names the error and, for an out-of-place part, the bytes received so far.
fn bad_part(c: &Client, repo: &str, id: &str, next: usize, rng: &mut Lcg) {
    let (status, answer) = match rng.next(4) {
        // A gap: starts past the next expected byte.
        0 => c.call(
            "UploadLayerPart",
            &part_body(repo, id, next + 1, next + 10, &[7; 10]),
        ),
        // The range says more bytes than the blob holds.
        1 => c.call(
            "UploadLayerPart",
            &part_body(repo, id, next, next + 99, &[7; 10]),
        ),
        // A blob that is not base64.
        2 => c.call(
            "UploadLayerPart",
            format!(
                r#"{{"repositoryName":"{repo}","uploadId":"{id}","partFirstByte":{next},"partLastByte":{next},"layerPartBlob":"!!!"}}"#
            )
            .as_bytes(),
        ),
        // Completion before the layer is whole, with a wrong digest.
        _ => c.json(
            "CompleteLayerUpload",
            json!({"repositoryName": repo, "uploadId": id,
                   "layerDigests": [format!("sha256:{}", "0".repeat(64))]}),
        ),
    };
    assert_eq!(status, 400, "a bad part was accepted: {answer}");
    assert!(answer["__type"].is_string(), "{answer}");
    // Before the first byte the member is the profile's choice; after it, it is exact.
    if answer["__type"] == "InvalidLayerPartException" && next > 0 {
        assert_eq!(answer["lastValidByteReceived"], json!(next - 1), "{answer}");
    }
}

fn push_layers(url: &str, client: usize, deadline: Instant) -> Pushed {
    let c = Client::new(url);
    let mut rng = Lcg(client as u64 + 1);
    let mut pushed = Pushed::default();
    let repo = format!("load-{client}");
    let (status, _) = c.json("CreateRepository", json!({"repositoryName": repo}));
    assert_eq!(status, 200);
    for n in 0..LAYERS_PER_CLIENT {
        if Instant::now() > deadline {
            break;
        }
        let size = 64 * KIB + rng.next(12 * MIB);
        let layer = fill(size, (client * 100 + n) as u64);
        let (status, up) = c.json("InitiateLayerUpload", json!({"repositoryName": repo}));
        assert_eq!(status, 200, "{up}");
        let id = up["uploadId"].as_str().expect("uploadId").to_owned();
        let mut next = 0;
        while next < size {
            if rng.next(5) == 0 {
                bad_part(&c, &repo, &id, next, &mut rng);
                pushed.refused += 1;
            }
            // Parts of 5 to 7 MiB (the least a part but the last may be), the last smaller.
            let len = (5 * MIB + rng.next(2 * MIB)).min(size - next);
            let (status, answer) = c.call(
                "UploadLayerPart",
                &part_body(&repo, &id, next, next + len - 1, &layer[next..next + len]),
            );
            assert_eq!(status, 200, "{answer}");
            assert_eq!(answer["lastByteReceived"], json!(next + len - 1));
            next += len;
        }
        let digest = digest_of(&layer);
        let (status, done) = c.json(
            "CompleteLayerUpload",
            json!({"repositoryName": repo, "uploadId": id, "layerDigests": [digest]}),
        );
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["layerDigest"], json!(digest));
        pushed.layers.push((repo.clone(), digest, size as u64));
    }
    pushed.requests = c.requests.get();
    pushed
}

#[test]
fn thirty_two_clients_push_layers_with_bad_parts_and_every_layer_is_exact_and_memory_returns() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let served = serve(&[]);
    let pid = served.child.id();
    std::thread::sleep(Duration::from_millis(200));
    let idle = status_kib(pid, "VmRSS:");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let workers: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let url = served.url.clone();
            std::thread::spawn(move || push_layers(&url, i, deadline))
        })
        .collect();
    let results: Vec<Pushed> = workers
        .into_iter()
        .map(|w| w.join().expect("a client failed"))
        .collect();
    let elapsed = started.elapsed();
    let requests: u64 = results.iter().map(|p| p.requests).sum();
    let peak = status_kib(pid, "VmHWM:");

    // Every completed layer is there with its exact size.
    let c = Client::new(&served.url);
    let mut layers = 0;
    let mut bytes = 0;
    for pushed in &results {
        for (repo, digest, size) in &pushed.layers {
            let (status, found) = c.json(
                "BatchCheckLayerAvailability",
                json!({"repositoryName": repo, "layerDigests": [digest]}),
            );
            assert_eq!(status, 200);
            assert_eq!(found["layers"][0]["layerSize"], json!(size), "{found}");
            assert_eq!(found["layers"][0]["layerAvailability"], "AVAILABLE");
            layers += 1;
            bytes += size;
        }
    }
    let refused: u32 = results.iter().map(|p| p.refused).sum();
    assert!(layers >= CLIENTS, "too few layers completed: {layers}");
    assert!(refused > 0);

    // The memory comes back: freed bodies are returned, not kept.
    let mut after = status_kib(pid, "VmRSS:");
    for _ in 0..50 {
        if after <= idle + 24 * 1024 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        after = status_kib(pid, "VmRSS:");
    }
    eprintln!(
        "load: {CLIENTS} clients, {layers} layers ({:.0} MiB), {refused} bad parts refused, \
         {requests} requests in {:.1} s = {:.0} requests/s; RSS idle {:.1} MiB, peak {:.1} MiB, \
         after {:.1} MiB",
        bytes as f64 / MIB as f64,
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        after as f64 / 1024.0
    );
    assert!(peak < 200 * 1024, "peak RSS {peak} KiB");
    assert!(
        after <= idle + 24 * 1024,
        "RSS after the load {after} KiB, idle {idle} KiB"
    );
}

#[test]
fn stalled_bodies_and_idle_connections_do_not_keep_other_clients_from_being_served() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let served = serve(&[]);
    let addr = served.url.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    // Connections opened and never used.
    for _ in 0..16 {
        held.push(TcpStream::connect(&addr).expect("connect"));
    }
    // Bodies that stop halfway: small ones, and two that declare a 20 MiB part.
    for declared in [1000usize, 1000, 1000, 1000, 27_962_100, 27_962_100] {
        let mut s = TcpStream::connect(&addr).expect("connect");
        s.write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
                 X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.UploadLayerPart\r\n\
                 Content-Length: {declared}\r\n\r\n{{\"repositoryName\":\"x\",\"layerPartBlob\":\""
            )
            .as_bytes(),
        )
        .expect("half a body");
        s.write_all(&vec![b'A'; declared / 2]).expect("half a body");
        held.push(s);
    }
    // Meanwhile a client pushes a layer, promptly.
    let started = Instant::now();
    let pushed = push_layers(&served.url, 1000, started + Duration::from_secs(60));
    assert_eq!(pushed.layers.len(), LAYERS_PER_CLIENT);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a push next to stalled clients took {:?}",
        started.elapsed()
    );
    drop(held);
}
