//! Debian's docker-registry (distribution 2.8.2, the OCI reference) judged through the
//! registry door, as `scripts/peers docker-registry` does: its differences from ECR are knob
//! values (`patch-status=202` first of all) and its FAILs are rules real ECR keeps (REG-4:
//! small chunks complete). `scripts/test` unpacks it into `.peers/docker-registry`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ecr_conformance::model::{Profile, RuleId};
use ecr_conformance::runner::door::{DoorConfig, run_registry_door};

struct Registry {
    child: Child,
    _dir: std::path::PathBuf,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

fn start() -> (Registry, String) {
    let bin = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.peers/docker-registry/usr/bin/docker-registry"
    );
    assert!(
        std::path::Path::new(bin).exists(),
        "{bin} is missing: scripts/test unpacks Debian's docker-registry 2.8.2 there"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let dir = std::env::temp_dir().join(format!("ecr-conformance-dreg-{port}"));
    std::fs::create_dir_all(dir.join("store")).expect("a folder");
    let config = dir.join("reg.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("store").display()
        ),
    )
    .expect("config written");
    let child = Command::new(bin)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry starts");
    let registry = Registry { child, _dir: dir };
    let until = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "docker-registry did not listen in 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (registry, format!("http://127.0.0.1:{port}"))
}

#[test]
fn docker_registry_differs_from_ecr_on_patch_status_and_fails_reg_4() {
    let (_registry, url) = start();
    let config = DoorConfig {
        cases: 16,
        seed: 1,
        ..DoorConfig::new(&url, Profile::ecr())
    };
    let report = run_registry_door(&config, None).expect("the run runs");
    let inferred: Vec<(&str, &str)> = report
        .inferred
        .iter()
        .map(|c| (c.knob, c.value.as_str()))
        .collect();
    assert!(
        inferred.contains(&("patch-status", "202")),
        "{}",
        report.text()
    );
    assert!(
        inferred.contains(&("patch-range", "advancing")),
        "{}",
        report.text()
    );
    let verdict = |rule: RuleId| {
        report
            .rules
            .iter()
            .find(|r| r.id == rule)
            .map(|r| r.verdict.as_str())
    };
    assert_eq!(verdict(RuleId::Reg4), Some("FAIL"), "{}", report.text());
    assert_eq!(verdict(RuleId::Reg8), Some("pass"), "{}", report.text());
    assert!(!report.passed());
}
