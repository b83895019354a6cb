//! A small hand-written HTTP/1.1 server on 127.0.0.1 that speaks MCP correctly for the handshake
//! and misbehaves in one configured way on every other request.
//!
//! It answers `initialize` (with an `Mcp-Session-Id`), `notifications/initialized` (202) and
//! `DELETE` (200) correctly, and every other JSON-RPC request with the configured [`Chaos`]
//! (notifications and the harness's own replies get 202, except under
//! [`Chaos::ResponseToNotification`]). Written by hand on a `TcpListener`, not with wiremock or
//! hyper, because most misbehaviours are below what an HTTP library lets a server do: cut a body
//! short, reset a connection, lie in `Content-Length`, drip bytes, send a garbage status line.
//! Every response says `Connection: close`, so one connection carries one exchange.

pub use super::misbehave::Chaos;
use super::misbehave::{respond, whole, Act};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The `initialize` result every chaos server (and the stdio scripts) give.
pub const INIT_RESULT: &str = include_str!("../../fixtures/chaos/initialize-result.json");

/// How long a "hang" holds a connection open (far beyond any test timeout).
const HANG: Duration = Duration::from_secs(120);

/// Largest request head read before the connection is dropped.
const MAX_HEAD: usize = 64 * 1024;

/// What the server saw: one request.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `GET`, `POST`, `DELETE`, …
    pub method: String,
    /// Lower-cased header names with their values.
    pub headers: Vec<(String, String)>,
    /// The body (lossy UTF-8).
    pub body: String,
}

/// A running chaos server; stops when dropped.
pub struct ChaosServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: JoinHandle<()>,
}

impl ChaosServer {
    /// Starts a server on an ephemeral 127.0.0.1 port.
    pub async fn start(chaos: Chaos) -> ChaosServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let chaos = Arc::new(chaos);
        let (seen2, url) = (Arc::clone(&seen), format!("http://{addr}/mcp"));
        let accept = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (chaos, seen, url) = (Arc::clone(&chaos), Arc::clone(&seen2), url.clone());
                tokio::spawn(async move { serve(sock, &chaos, &seen, &url).await });
            }
        });
        ChaosServer { addr, seen, accept }
    }

    /// The MCP endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for ChaosServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(mut sock: TcpStream, chaos: &Chaos, seen: &Mutex<Vec<Seen>>, url: &str) {
    let Some(req) = read_request(&mut sock).await else {
        return;
    };
    if let Ok(mut s) = seen.lock() {
        s.push(req.clone());
    }
    for act in respond(chaos, &req, url) {
        let ok = match act {
            Act::Write(b) => sock.write_all(&b).await.is_ok(),
            Act::Drip(b, every) => drip(&mut sock, &b, every).await,
            Act::Flood { chunk, total } => flood(&mut sock, &chunk, total).await,
            Act::Every(b, every) => loop {
                if sock.write_all(&b).await.is_err() {
                    break false;
                }
                tokio::time::sleep(every).await;
            },
            Act::Hang => {
                tokio::time::sleep(HANG).await;
                false
            }
            Act::Reset => {
                let _ = sock.set_zero_linger();
                return;
            }
        };
        if !ok {
            return;
        }
    }
    let _ = sock.shutdown().await;
}

async fn drip(sock: &mut TcpStream, bytes: &[u8], every: Duration) -> bool {
    for b in bytes {
        if sock.write_all(&[*b]).await.is_err() {
            return false;
        }
        tokio::time::sleep(every).await;
    }
    true
}

async fn flood(sock: &mut TcpStream, chunk: &[u8], total: usize) -> bool {
    let mut sent = 0;
    while sent < total {
        let n = chunk.len().min(total - sent);
        if sock.write_all(&chunk[..n]).await.is_err() {
            return false;
        }
        sent += n;
    }
    true
}

/// Reads one request (head, then a `Content-Length` body); `None` for anything else.
async fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if !buf[0].is_ascii_uppercase() {
            // Not HTTP (e.g. a TLS ClientHello): answer as a plain HTTP server would.
            let _ = sock
                .write_all(&whole("400 Bad Request", "text/plain", b""))
                .await;
            return None;
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let method = lines.next()?.split(' ').next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Seen {
        method,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
