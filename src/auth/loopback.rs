//! A tiny HTTP/1.1 server on 127.0.0.1 for the two things a client must serve itself: the
//! redirect callback of an interactive authorization, and a client ID metadata document.
//!
//! Hand-written: it answers `GET`s with a fixed reply and reports what was asked, nothing more;
//! a server framework would be a new dependency for that. Each connection is read for at most
//! 16 KiB of head within 5 s and closed after one reply. The server stops when dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Largest request head read.
const MAX_HEAD: usize = 16 * 1024;
/// Longest wait for a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// A request the server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
}

/// What the server answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// Body.
    pub body: String,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: String) -> Self {
        Self {
            status: 200,
            content_type: "application/json".into(),
            body,
        }
    }

    /// 200 with an HTML body.
    pub fn html(body: &str) -> Self {
        Self {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: body.to_string(),
        }
    }

    /// 404.
    pub fn not_found() -> Self {
        Self {
            status: 404,
            content_type: "text/plain".into(),
            body: "not found".into(),
        }
    }
}

/// Decides the reply to a request.
pub type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A running loopback server.
#[derive(Debug)]
pub struct LoopbackServer {
    port: u16,
    log: Arc<Mutex<Vec<Seen>>>,
    rx: mpsc::UnboundedReceiver<Seen>,
    task: JoinHandle<()>,
}

impl LoopbackServer {
    /// Binds an ephemeral port on 127.0.0.1 and serves `handler`.
    pub async fn start(handler: Handler) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::unbounded_channel();
        let task_log = Arc::clone(&log);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&task_log);
                let tx = tx.clone();
                tokio::spawn(async move {
                    serve_one(stream, &handler, |seen| {
                        // Recorded before the reply goes out, so a client that has its answer
                        // always finds its request in the log.
                        lock(&log).push(seen.clone());
                        let _ = tx.send(seen.clone());
                    })
                    .await;
                });
            }
        });
        Ok(Self {
            port,
            log,
            rx,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request answered so far.
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.log).clone()
    }

    /// The next request answered, waiting at most `timeout`.
    pub async fn next_request(&mut self, timeout: Duration) -> Option<Seen> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(mut stream: TcpStream, handler: &Handler, record: impl FnOnce(&Seen)) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    let head_end = loop {
        let n = match tokio::time::timeout(HEAD_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > MAX_HEAD {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    let seen = Seen {
        method: parts.next().unwrap_or_default().to_string(),
        target: parts.next().unwrap_or_default().to_string(),
    };
    let reply = handler(&seen);
    record(&seen);
    let text = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{}",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len(),
        reply.body
    );
    let _ = tokio::time::timeout(HEAD_TIMEOUT, stream.write_all(text.as_bytes())).await;
    let _ = stream.shutdown().await;
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Status",
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a Vec of records inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_and_reports_requests() {
        let mut server = LoopbackServer::start(Arc::new(|s: &Seen| {
            if s.target.starts_with("/doc") {
                Reply::json("{\"a\":1}".into())
            } else {
                Reply::not_found()
            }
        }))
        .await
        .unwrap();
        let client = reqwest::Client::new();
        let r = client
            .get(format!("{}/doc?x=1", server.origin()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "{\"a\":1}");
        let seen = server.next_request(Duration::from_secs(2)).await.unwrap();
        assert_eq!(seen.target, "/doc?x=1");
        let r = client
            .get(format!("{}/nope", server.origin()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(server.next_request(Duration::from_secs(2)).await.is_some());
        assert_eq!(server.requests().len(), 2);
        assert!(server
            .next_request(Duration::from_millis(50))
            .await
            .is_none());
    }
}
