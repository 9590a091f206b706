//! Where the pinned clients are: `scripts/test` installs them in `.venv` and exports
//! their paths. Without them these tests fail with the reason (never skip quietly).

use std::path::PathBuf;
use std::process::{Command, Output};

fn venv_tool(var: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    assert!(
        p.exists(),
        "{} is missing: run scripts/test, which installs the pinned Python clients \
         (scripts/requirements.txt) in .venv, or set {var}",
        p.display()
    );
    p
}

/// The virtual environment's Python.
pub fn python() -> PathBuf {
    venv_tool("ECR_CONFORMANCE_PYTHON", "python")
}

/// AWS CLI v1 from the virtual environment.
pub fn aws() -> PathBuf {
    venv_tool("ECR_CONFORMANCE_AWS", "aws")
}

/// AWS CLI v2: Debian's `awscli` 2.9.19 (`scripts/test` installs it), or
/// `ECR_CONFORMANCE_AWS_V2`.
#[allow(dead_code)]
pub fn aws_v2() -> PathBuf {
    let p = std::env::var_os("ECR_CONFORMANCE_AWS_V2")
        .map_or_else(|| PathBuf::from("/usr/bin/aws"), PathBuf::from);
    assert!(
        p.exists(),
        "{} is missing: run scripts/test, which installs Debian's awscli 2.9.19, or set \
         ECR_CONFORMANCE_AWS_V2",
        p.display()
    );
    p
}

/// moto's server from the virtual environment.
pub fn moto_server() -> PathBuf {
    venv_tool("ECR_CONFORMANCE_MOTO_SERVER", "moto_server")
}

/// A command with fixed test credentials and no user configuration.
pub fn with_test_env(mut cmd: Command) -> Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "interop-test-secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "");
    cmd
}

/// Runs and returns the output, with both streams in the panic message on a spawn error.
pub fn run(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Stdout parsed as JSON, or a panic that shows both streams.
pub fn json_of(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
