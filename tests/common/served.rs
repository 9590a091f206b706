//! `ecr-conformance serve` as a child process, for the tests and benches that read its
//! memory or its log: started, its URL read from its first line, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `serve`.
pub struct Served {
    pub child: Child,
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        // SIGTERM first, so `serve` removes its temporary blob store; SIGKILL after 5 s.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ecr-conformance serve <args>` as a command, stderr discarded unless the caller says.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecr-conformance"));
    cmd.arg("serve").args(args).stderr(Stdio::null());
    cmd
}

/// Starts `cmd` (from [`command`]) and waits for the URL it prints first.
pub fn start(mut cmd: Command) -> Served {
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("URL line");
    Served {
        child,
        url: line.trim().to_owned(),
    }
}

/// `ecr-conformance serve <args>`, started.
pub fn serve(args: &[&str]) -> Served {
    start(command(args))
}

/// A field of the process's /proc status (`VmRSS:`, `VmHWM:`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// `moto_server` (the command, without its address) on a free loopback port, once it
/// listens (at most 30 s).
pub fn moto(mut cmd: Command) -> Result<Served, String> {
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let child = cmd
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("moto_server does not start: {e}"))?;
    let server = Served {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("moto_server did not listen on {port} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(server)
}
