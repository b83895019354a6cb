//! stdio client: a spawned server process spoken to with one JSON-RPC message per line.
//!
//! A reader task turns each stdout line into an inbox item (lines over the cap are skipped with
//! a note), a second task keeps the last stderr lines, and a waiter task reports the process
//! exit as [`Incoming::Closed`] once stdout has been read. Every wait is bounded: writes by
//! `ClientOptions::timeout`, shutdown by a 2 s grace period before the process is killed.

use super::record::{RecordBudget, STREAM_RECORD_BYTES, STREAM_RECORD_ITEMS};
use super::{decode_framed, ClientOptions, Inbox, Incoming, TransportError};
use crate::transcript::{clip_body, Entry, Transcript, MAX_RECORDED_BODY};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

/// How many stderr lines are kept (and at most recorded in the transcript).
pub const STDERR_LINES_KEPT: usize = 1000;

/// Longest stderr line kept in the tail (the transcript keeps up to `MAX_RECORDED_BODY`).
const STDERR_TAIL_LINE: usize = 4096;

/// How much of stdout one process may put in the transcript (all of a check's traffic goes
/// through it, so more than one SSE stream's allowance).
const STDOUT_RECORD_BYTES: usize = 8 * STREAM_RECORD_BYTES;
/// Lines of stdout one process may put in the transcript.
const STDOUT_RECORD_ITEMS: usize = 5 * STREAM_RECORD_ITEMS;

/// How long [`StdioTransport::shutdown`] waits for the process to exit after closing stdin.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How long the exit report waits for stdout to drain (a grandchild may hold it open).
const STDOUT_DRAIN: Duration = Duration::from_secs(1);

/// A running stdio server.
#[derive(Debug)]
pub struct StdioTransport {
    stdin: Option<ChildStdin>,
    transcript: Transcript,
    opts: ClientOptions,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// Dropping or firing this kills the process.
    kill: Option<oneshot::Sender<()>>,
    /// Fires once the process has exited and its exit was reported.
    exited: Option<oneshot::Receiver<()>>,
    pid: Option<u32>,
}

impl StdioTransport {
    /// Starts `program` with `args` and extra `env`, delivering what it prints to `inbox`.
    pub fn spawn(
        program: &str,
        args: &[String],
        env: &[(String, String)],
        opts: ClientOptions,
        transcript: Transcript,
        inbox: Inbox,
    ) -> Result<Self, TransportError> {
        let mut child = Command::new(program)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| TransportError::Connect(format!("cannot start `{program}`: {e}")))?;
        let pid = child.id();
        transcript.note(format!(
            "started `{program}` (pid {})",
            pid.map_or("?".into(), |p| p.to_string())
        ));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let cap = opts.max_body_bytes;
        let stdout_task = stdout.map(|out| {
            let (transcript, inbox) = (transcript.clone(), inbox.clone());
            tokio::spawn(read_stdout(BufReader::new(out), cap, transcript, inbox))
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(err) = stderr {
            let (transcript, tail) = (transcript.clone(), Arc::clone(&stderr_tail));
            tokio::spawn(read_stderr(BufReader::new(err), cap, transcript, tail));
        }
        let (kill_tx, kill_rx) = oneshot::channel();
        let (exit_tx, exit_rx) = oneshot::channel();
        tokio::spawn(wait_exit(
            child,
            kill_rx,
            stdout_task,
            transcript.clone(),
            inbox,
            exit_tx,
        ));
        Ok(Self {
            stdin,
            transcript,
            opts,
            stderr_tail,
            kill: Some(kill_tx),
            exited: Some(exit_rx),
            pid,
        })
    }

    /// Writes one message as a line (`\n`-terminated) and records it.
    pub async fn send(&mut self, message: &Value) -> Result<(), TransportError> {
        // serde_json escapes control characters, so the text holds no raw newline.
        let mut line = message.to_string();
        line.push('\n');
        self.write_raw(line.as_bytes()).await
    }

    /// Writes `bytes` exactly as given (no newline added) and records them as one line.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let text = String::from_utf8_lossy(bytes);
        let shown = text.strip_suffix('\n').unwrap_or(&text);
        self.transcript.push(Entry::StdioSend {
            t_ms: self.transcript.now_ms(),
            line: clip_body(shown),
        });
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(TransportError::Io("stdin is already closed".into()));
        };
        let write = async {
            stdin.write_all(bytes).await?;
            stdin.flush().await
        };
        let written = tokio::time::timeout(self.opts.timeout, write).await;
        match written {
            Err(_) => {
                // Part of the line may be in the pipe: nothing written after it could be
                // framed, so stdin is closed rather than left half-written.
                self.stdin = None;
                self.transcript.note(format!(
                    "the server did not read its stdin for {}ms; a message may be partly written, so stdin is now closed",
                    self.opts.timeout.as_millis()
                ));
                Err(TransportError::Timeout {
                    what: "the server to read its stdin".into(),
                    after: self.opts.timeout,
                })
            }
            Ok(Err(e)) => Err(TransportError::Io(format!(
                "writing to the server's stdin: {e}"
            ))),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// The last (up to [`STDERR_LINES_KEPT`]) lines the server wrote to stderr.
    pub fn stderr_tail(&self) -> Vec<String> {
        lock(&self.stderr_tail).iter().cloned().collect()
    }

    /// The process id, while known.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Closes stdin, waits up to [`SHUTDOWN_GRACE`] for the process to exit, then kills it.
    pub async fn shutdown(mut self) {
        drop(self.stdin.take());
        let Some(exited) = self.exited.take() else {
            return;
        };
        let mut exited = exited;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut exited)
            .await
            .is_ok()
        {
            return;
        }
        self.transcript.note(format!(
            "server still running {}s after stdin closed; killing it",
            SHUTDOWN_GRACE.as_secs()
        ));
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        // Killing is immediate; the bound only guards against a wait that never returns.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, exited).await;
    }
}

/// Waits for the process to exit (or kills it when asked or when the transport is dropped),
/// lets stdout drain, then reports the exit.
async fn wait_exit(
    mut child: Child,
    kill: oneshot::Receiver<()>,
    stdout_task: Option<tokio::task::JoinHandle<()>>,
    transcript: Transcript,
    inbox: Inbox,
    exited: oneshot::Sender<()>,
) {
    let status = tokio::select! {
        s = child.wait() => s,
        _ = kill => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    if let Some(task) = stdout_task {
        let _ = tokio::time::timeout(STDOUT_DRAIN, task).await;
    }
    let text = match status {
        Ok(s) => describe_exit(s),
        Err(e) => format!("exit status unknown: {e}"),
    };
    transcript.note(format!("server process {text}"));
    inbox.send(Incoming::Closed(text));
    let _ = exited.send(());
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("exited with status: killed by signal {sig}");
        }
    }
    format!("exited with status {status}")
}

/// What [`read_lines`] found.
enum Line<'a> {
    /// A complete line, without its `\n`.
    Full(&'a [u8]),
    /// A line longer than the cap (skipped up to its newline).
    TooLong,
    /// Bytes after the last newline when the stream ended.
    Unterminated(&'a [u8]),
}

/// Reads `\n`-separated lines, holding at most `cap` bytes of one line.
///
/// By hand rather than `AsyncBufReadExt::lines`: that one buffers a line of any length and
/// fails on invalid UTF-8, and a harness must bound memory and see every byte.
async fn read_lines<R: AsyncBufRead + Unpin>(
    mut reader: R,
    cap: usize,
    mut on_line: impl FnMut(Line<'_>),
) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut skipping = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            if !skipping && !line.is_empty() {
                on_line(Line::Unterminated(&line));
            }
            return Ok(());
        }
        let (part, used, ends) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        if !skipping {
            if line.len() + part.len() > cap {
                skipping = true;
                line.clear();
                on_line(Line::TooLong);
            } else {
                line.extend_from_slice(part);
            }
        }
        reader.consume(used);
        if ends {
            if !skipping {
                on_line(Line::Full(&line));
            }
            line.clear();
            skipping = false;
        }
    }
}

async fn read_stdout<R: AsyncBufRead + Unpin>(
    reader: R,
    cap: usize,
    transcript: Transcript,
    inbox: Inbox,
) {
    let mut record = RecordBudget::new(STDOUT_RECORD_BYTES, STDOUT_RECORD_ITEMS);
    let mut deliver = |bytes: &[u8]| {
        let (recorded, note) = record.admit(bytes.len().min(MAX_RECORDED_BODY));
        if let Some(note) = note {
            transcript.note(format!("stdout: {note}"));
        }
        if recorded {
            transcript.push(Entry::StdioRecv {
                t_ms: transcript.now_ms(),
                line: clip_body(&String::from_utf8_lossy(bytes)),
            });
        }
        for item in decode_framed(bytes, false) {
            inbox.send(item);
        }
    };
    let result = read_lines(reader, cap, |line| match line {
        Line::Full(bytes) => deliver(bytes),
        Line::Unterminated(bytes) => {
            transcript.note("stdout ended with a line that has no newline");
            deliver(bytes);
        }
        Line::TooLong => {
            let text = format!("stdout line longer than the {cap}-byte cap (skipped)");
            transcript.note(text.clone());
            inbox.send(Incoming::Garbage(text));
        }
    })
    .await;
    if let Some(note) = record.summary("stdout") {
        transcript.note(note);
    }
    match result {
        Ok(()) => transcript.note("server closed stdout"),
        Err(e) => transcript.note(format!("reading stdout failed: {e}")),
    }
}

async fn read_stderr<R: AsyncBufRead + Unpin>(
    reader: R,
    cap: usize,
    transcript: Transcript,
    tail: Arc<Mutex<VecDeque<String>>>,
) {
    let mut record = RecordBudget::new(STREAM_RECORD_BYTES, STDERR_LINES_KEPT);
    let mut keep = |text: String| {
        let (recorded, note) = record.admit(text.len().min(MAX_RECORDED_BODY));
        if let Some(note) = note {
            transcript.note(format!("stderr: {note}"));
        }
        if recorded {
            transcript.push(Entry::Stderr {
                t_ms: transcript.now_ms(),
                line: clip_body(&text),
            });
        }
        let mut tail = lock(&tail);
        if tail.len() == STDERR_LINES_KEPT {
            tail.pop_front();
        }
        tail.push_back(clip_line(&text, STDERR_TAIL_LINE));
    };
    let _ = read_lines(reader, cap, |line| match line {
        Line::Full(b) | Line::Unterminated(b) => keep(String::from_utf8_lossy(b).into_owned()),
        Line::TooLong => keep(format!(
            "[stderr line longer than the {cap}-byte cap, skipped]"
        )),
    })
    .await;
    if let Some(note) = record.summary("stderr") {
        transcript.note(note);
    }
}

/// `text` cut to at most `max` bytes on a char boundary, marked when cut.
fn clip_line(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes]", &text[..end], text.len() - end)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a VecDeque of lines inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(input: &[u8], cap: usize) -> Vec<String> {
        let mut out = Vec::new();
        read_lines(input, cap, |l| {
            out.push(match l {
                Line::Full(b) => format!("full:{}", String::from_utf8_lossy(b)),
                Line::TooLong => "too-long".into(),
                Line::Unterminated(b) => format!("tail:{}", String::from_utf8_lossy(b)),
            })
        })
        .await
        .unwrap();
        out
    }

    #[tokio::test]
    async fn lines_are_split_capped_and_resynchronised() {
        assert_eq!(lines_of(b"a\nbb\n", 8).await, vec!["full:a", "full:bb"]);
        assert_eq!(
            lines_of(b"0123456789\nok\n", 4).await,
            vec!["too-long", "full:ok"]
        );
        assert_eq!(
            lines_of(b"x\n\nlast", 8).await,
            vec!["full:x", "full:", "tail:last"]
        );
        // A line exactly at the cap is kept.
        assert_eq!(lines_of(b"abcd\n", 4).await, vec!["full:abcd"]);
    }
}
