//! The stdio transport: newline-delimited JSON-RPC on an input and an output stream, one
//! implicit session, logs only on stderr, a clean return at end of input.
//!
//! Requests are handled in arrival order; only long-running tool calls run concurrently, so
//! a `notifications/cancelled` can reach them while they work.

use crate::batch;
use crate::config::ServerConfig;
use crate::context::Outlet;
use crate::dispatch::{self, NotificationOutcome};
use crate::fault::Fault;
use crate::jsonrpc::{classify, error_response, null_success, Incoming, RpcError};
use crate::session::Session;
use crate::state::ServerState;
use serde_json::Value;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Longest input line accepted; longer ones are answered with a parse error and skipped.
const MAX_LINE: usize = 4 * 1024 * 1024;

/// The banner of the `stdout-banner` fault.
const BANNER: &[u8] = b"reference server starting\n";

/// Serves one stdio connection until `input` ends.
pub async fn serve_stdio<R, W>(config: ServerConfig, input: R, output: W) -> io::Result<()>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
{
    let state = ServerState::new(config);
    let banner = state.has(Fault::StdoutBanner);
    let (tx, rx) = mpsc::unbounded_channel::<Value>();
    let reader = async move {
        let session = Arc::new(Session::new_stdio(tx.clone()));
        state.sessions.insert(session.clone());
        let mut tasks = JoinSet::new();
        let result = read_loop(&state, &session, &tx, input, &mut tasks).await;
        tracing::debug!("stdin closed; stopping");
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        state.sessions.clear();
        result
    };
    let (read, written) = tokio::join!(reader, write_loop(output, rx, banner));
    read.and(written)
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut out: W,
    mut rx: mpsc::UnboundedReceiver<Value>,
    banner: bool,
) -> io::Result<()> {
    let result: io::Result<()> = async {
        if banner {
            out.write_all(BANNER).await?;
            out.flush().await?;
        }
        while let Some(msg) = rx.recv().await {
            // Serialised JSON escapes newlines inside strings, so each message is one line.
            let mut line = serde_json::to_vec(&msg)?;
            line.push(b'\n');
            out.write_all(&line).await?;
            out.flush().await?;
        }
        Ok(())
    }
    .await;
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// What one read of a line produced.
enum LineRead {
    Line,
    TooLong,
    Eof,
}

/// Reads up to a newline into `buf` (without it), keeping at most `MAX_LINE` bytes.
async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<LineRead> {
    let mut overflow = false;
    loop {
        let avail = reader.fill_buf().await?;
        if avail.is_empty() {
            return Ok(match (overflow, buf.is_empty()) {
                (true, _) => LineRead::TooLong,
                (false, true) => LineRead::Eof,
                (false, false) => LineRead::Line,
            });
        }
        let (chunk, used, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        if !overflow && buf.len() + chunk.len() <= MAX_LINE {
            buf.extend_from_slice(chunk);
        } else {
            overflow = true;
            buf.clear();
        }
        reader.consume(used);
        if done {
            return Ok(if overflow {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    state: &Arc<ServerState>,
    session: &Arc<Session>,
    tx: &mpsc::UnboundedSender<Value>,
    input: R,
    tasks: &mut JoinSet<()>,
) -> io::Result<()> {
    let mut reader = BufReader::new(input);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let parsed = match read_line(&mut reader, &mut buf).await? {
            LineRead::Eof => return Ok(()),
            LineRead::TooLong => Err(format!("line longer than {MAX_LINE} bytes")),
            LineRead::Line => {
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                serde_json::from_slice::<Value>(&buf).map_err(|e| e.to_string())
            }
        };
        // Reap finished long-running calls so the set does not grow without bound.
        while tasks.try_join_next().is_some() {}
        match parsed {
            Err(e) => {
                tracing::debug!("unparsable line: {e}");
                let reply = if state.has(Fault::ParseErrorOk) {
                    null_success()
                } else {
                    error_response(Value::Null, &RpcError::parse_error(e))
                };
                let _ = tx.send(reply);
            }
            Ok(Value::Array(items))
                if crate::limits::check_batch(&state.config.limits, items.len()).is_some() =>
            {
                let max = state.config.limits.max_batch;
                let refused =
                    crate::limits::Exceeded::new(crate::limits::Limit::Batch, max, Value::Null);
                let _ = tx.send(refused.message());
            }
            Ok(Value::Array(items)) => match batch::refusal(state, session, &items) {
                Some(e) => {
                    let _ = tx.send(error_response(Value::Null, &e));
                }
                None => {
                    let replies = batch::run(state, session, items).await;
                    if !replies.is_empty() {
                        let _ = tx.send(Value::Array(replies));
                    }
                }
            },
            // The 2026-07-28 era: stateless, beside the legacy session (crate::modern).
            Ok(msg) if crate::modern::is_modern(&msg) => {
                crate::modern::stdio::handle(state, tx, msg, tasks).await
            }
            Ok(msg) => handle_message(state, session, tx, msg, tasks).await,
        }
    }
}

async fn handle_message(
    state: &Arc<ServerState>,
    session: &Arc<Session>,
    tx: &mpsc::UnboundedSender<Value>,
    msg: Value,
    tasks: &mut JoinSet<()>,
) {
    match classify(&msg) {
        Incoming::Invalid { id, reason } => {
            let _ = tx.send(error_response(id, &RpcError::invalid_request(reason)));
        }
        Incoming::Response => {
            // A client's answer to a request the server sent (unknown ids are ignored).
            session.client().resolve(&msg);
        }
        Incoming::Notification { method, params } => {
            if method == "notifications/cancelled" {
                // It may name a modern request (those run outside the session).
                crate::modern::stdio::cancel(state, params.as_ref());
            }
            match dispatch::notification(state, session, &method, params.as_ref()) {
                NotificationOutcome::Rejected(e) => {
                    let _ = tx.send(error_response(Value::Null, &e));
                }
                NotificationOutcome::Accepted if state.has(Fault::ReplyToNotifications) => {
                    let _ = tx.send(null_success());
                }
                NotificationOutcome::Accepted => {}
            }
        }
        Incoming::Request { id, method, params } => {
            let long = dispatch::is_long_running(&method, params.as_ref());
            let (state, session, tx) = (state.clone(), session.clone(), tx.clone());
            let work = async move {
                let reply =
                    dispatch::request(&state, &session, id, &method, params, Outlet::Session).await;
                if let Some(m) = reply.into_message() {
                    let _ = tx.send(m);
                }
            };
            if long {
                tasks.spawn(work);
            } else {
                work.await;
            }
        }
    }
}
