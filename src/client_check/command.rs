//! Running COMMAND: with the plan's environment, a time limit, and the tail of what it
//! printed kept (never all of it: a chatty client must not grow the report without end).

use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
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
    /// Whether the interrupt ended it (it was killed; nothing of it is judged).
    pub(crate) interrupted: bool,
}

/// The tail of a stream, kept where it can be read while the stream is still open (a
/// background process COMMAND started may hold it open for ever: it is not waited for).
type Tail = Arc<Mutex<Vec<u8>>>;

fn tail_reader(mut stream: impl Read + Send + 'static) -> (Tail, mpsc::Receiver<()>) {
    let (done, finished) = mpsc::channel();
    let kept: Tail = Arc::default();
    let shared = kept.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let mut kept = shared.lock().unwrap_or_else(|e| e.into_inner());
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > 2 * TAIL_BYTES {
                        let cut = kept.len() - TAIL_BYTES;
                        kept.drain(..cut);
                    }
                }
            }
        }
        let _ = done.send(());
    });
    (kept, finished)
}

/// The last [`TAIL_BYTES`] of what a stream gave so far, as text.
fn tail_text(tail: &Tail) -> String {
    let kept = tail.lock().unwrap_or_else(|e| e.into_inner());
    let from = kept.len().saturating_sub(TAIL_BYTES);
    String::from_utf8_lossy(&kept[from..]).into_owned()
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

/// Runs `command` with `env` set and `unset` removed, killing it (its process group) after
/// `timeout` or once `stop` is set. Its output is waited for at most 2 s after it ends, and
/// never past `timeout`. An error means it could not be started.
pub(crate) fn run(
    command: &[String],
    env: &[(String, String)],
    unset: &[&str],
    timeout: Duration,
    stop: &AtomicBool,
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
    let mut interrupted = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if stop.load(Ordering::Relaxed) {
            interrupted = true;
            kill_group(&mut child);
            break child.wait()?;
        }
        if started.elapsed() >= timeout {
            timed_out = true;
            kill_group(&mut child);
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Something COMMAND started in the background (in its group, or in a session of its
    // own) may still hold its output open: it is waited for a little, never past the
    // timeout, and then left behind with what it gave so far.
    let grace = Duration::from_secs(2)
        .min(timeout.saturating_sub(started.elapsed()))
        .max(Duration::from_millis(100));
    let until = Instant::now() + grace;
    for done in [&out_done, &err_done] {
        let left = until.saturating_duration_since(Instant::now());
        if !interrupted && done.recv_timeout(left).is_err() {
            kill_group(&mut child);
        }
    }
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
        stdout: tail_text(&out),
        stderr: tail_text(&err),
        interrupted,
    })
}
