//! The runner against moto_server (pinned in scripts/requirements.txt), a peer nobody here
//! wrote: it must find divergences, and per rule the same ones as the committed report
//! `fixtures/peers/moto-5.2.5.json` (set UPDATE_PEERS=1 to rewrite it after a review).

mod common;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::clients::{moto_server, with_test_env};
use ecr_conformance::model::Profile;
use ecr_conformance::runner::{self, Endpoint, RunConfig, SigningKeys};

const MOTO_VERSION: &str = "5.2.5";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> (Server, u16) {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let mut cmd = with_test_env(Command::new(moto_server()));
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = Server(cmd.spawn().expect("moto_server starts"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, port)
}

#[test]
fn moto_diverges_from_the_model_on_the_same_rules_as_its_committed_report() {
    let (_server, port) = start_moto();
    let config = RunConfig {
        profile: Profile::ecr(),
        cases: 64,
        seed: 1,
        filter: None,
        repositories: Vec::new(),
        prefix: "ecr-conformance".into(),
        registry_id: None,
        scenarios_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios"),
        regressions_dir: None,
        stop: Arc::new(AtomicBool::new(false)),
        progress: false,
    };
    let endpoint = Endpoint::new(
        &format!("http://127.0.0.1:{port}"),
        "us-east-1",
        SigningKeys::test(),
        Duration::from_secs(60),
    );
    let report =
        runner::run(&endpoint, &format!("moto_server {MOTO_VERSION}"), &config).expect("run");
    assert!(
        !report.passed(),
        "moto matched the model everywhere; the peer changed:\n{}",
        report.text()
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fixtures/peers/moto-{MOTO_VERSION}.json"));
    let now: serde_json::Value = serde_json::to_value(&report).expect("JSON");
    if std::env::var_os("UPDATE_PEERS").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&now).expect("JSON") + "\n",
        )
        .expect("write");
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("committed report"))
            .expect("JSON");
    let verdicts = |r: &serde_json::Value| -> Vec<(String, bool)> {
        r["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().unwrap_or_default().to_owned(),
                    x["divergences"].as_u64() > Some(0),
                )
            })
            .collect()
    };
    assert_eq!(
        verdicts(&now),
        verdicts(&committed),
        "moto's per-rule result changed:\n{}",
        report.text()
    );
}
