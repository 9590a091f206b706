//! Running COMMAND: with the plan's environment, a time limit, and the tail of what it
//! printed kept (never all of it: a chatty client must not grow the report without end).

use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Bytes of each output stream kept (the last ones).
const TAIL_BYTES: usize = 4096;

/// How COMMAND ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExitInfo {
    /// The exit code, when it exited.
    pub code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// Whether it was killed for running past the time limit.
    pub timed_out: bool,
}

impl ExitInfo {
    /// Whether it exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// `exit 0`, `exit 255`, `killed by signal 9`, `timed out (killed)`.
    pub fn describe(&self) -> String {
        match (self.timed_out, self.code, self.signal) {
            (true, _, _) => "timed out (killed)".to_owned(),
            (false, Some(c), _) => format!("exit {c}"),
            (false, None, Some(s)) => format!("killed by signal {s}"),
            (false, None, None) => "ended without a status".to_owned(),
        }
    }
}

/// What a run of COMMAND left.
#[derive(Debug)]
pub(crate) struct Ran {
    pub(crate) exit: ExitInfo,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

fn tail_reader(
    mut stream: impl Read + Send + 'static,
) -> (JoinHandle<Vec<u8>>, mpsc::Receiver<()>) {
    let (done, finished) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let mut kept: Vec<u8> = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > 2 * TAIL_BYTES {
                        kept.drain(..kept.len() - TAIL_BYTES);
                    }
                }
            }
        }
        let _ = done.send(());
        if kept.len() > TAIL_BYTES {
            kept.drain(..kept.len() - TAIL_BYTES);
        }
        kept
    });
    (handle, finished)
}

/// Kills the process group COMMAND leads (its children too).
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// Runs `command` with `env` set and `unset` removed, killing it after `timeout`. An
/// error means it could not be started.
pub(crate) fn run(
    command: &[String],
    env: &[(String, String)],
    unset: &[&str],
    timeout: Duration,
) -> io::Result<Ran> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no COMMAND given"))?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in unset {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn()?;
    let (out, out_done) = match child.stdout.take() {
        Some(s) => tail_reader(s),
        None => tail_reader(io::empty()),
    };
    let (err, err_done) = match child.stderr.take() {
        Some(s) => tail_reader(s),
        None => tail_reader(io::empty()),
    };
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() >= timeout {
            timed_out = true;
            kill_group(&mut child);
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Something COMMAND started in the background may still hold its output open.
    let grace = Duration::from_secs(2);
    if out_done.recv_timeout(grace).is_err() || err_done.recv_timeout(grace).is_err() {
        kill_group(&mut child);
    }
    let text = |h: JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned()
    };
    #[cfg(unix)]
    let signal = {
        use std::os::unix::process::ExitStatusExt as _;
        status.signal()
    };
    #[cfg(not(unix))]
    let signal = None;
    Ok(Ran {
        exit: ExitInfo {
            code: status.code(),
            signal,
            timed_out,
        },
        stdout: text(out),
        stderr: text(err),
    })
}
