//! One virtual user's HTTP/1.1 connection (hyper's client `conn` API, not a pooled client: the
//! user owns its socket, which is what keeps the generator's CPU per request low) and the full
//! JSON-RPC round trip over it: the body is read to its end and parsed, and an SSE response is
//! parsed event by event until the response with the request's id arrives. An https endpoint
//! gets a TLS session per connection ([`super::tls`]).

use super::tls::{Stream, Tls, TlsSetupError};
use crate::load::metrics::{ErrorKind, TransportKind};
use crate::transport::SseParser;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The `Mcp-Session-Id` header.
pub const SESSION_HEADER: &str = "mcp-session-id";
/// The `MCP-Protocol-Version` header.
pub const VERSION_HEADER: &str = "mcp-protocol-version";

/// Where the load goes: a Streamable HTTP endpoint, http:// or https://.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The resolved socket address.
    pub addr: SocketAddr,
    /// Path (and query) of the endpoint.
    pub path: Uri,
    /// Headers every request carries (Host, Accept, user headers).
    pub base_headers: HeaderMap,
    /// The TLS client of an https:// endpoint.
    pub tls: Option<Tls>,
}

/// Why the endpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// Not an http:// or https:// URL.
    #[error("{0}")]
    Url(String),
    /// The TLS client cannot be set up (e.g. an unreadable `--ca-cert`).
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// The host did not resolve.
    #[error("cannot resolve {host}: {detail}")]
    Resolve {
        /// Host as given.
        host: String,
        /// Resolver message.
        detail: String,
    },
}

impl Endpoint {
    /// Resolves `url` and prepares the headers, adding `extra` (e.g. Authorization); an
    /// https:// URL trusts the webpki roots only.
    pub async fn resolve(url: &str, extra: &[(String, String)]) -> Result<Self, EndpointError> {
        Self::resolve_with(url, extra, None).await
    }

    /// Like [`Endpoint::resolve`]; an https:// URL also trusts the certificates of the PEM
    /// file `ca_cert` (ignored for http://).
    pub async fn resolve_with(
        url: &str,
        extra: &[(String, String)],
        ca_cert: Option<&Path>,
    ) -> Result<Self, EndpointError> {
        let parsed =
            url::Url::parse(url).map_err(|e| EndpointError::Url(format!("`{url}`: {e}")))?;
        let https = match parsed.scheme() {
            "http" => false,
            "https" => true,
            _ => {
                return Err(EndpointError::Url(format!(
                    "`{url}`: the load engine speaks http:// and https:// (HTTP/1.1) only"
                )))
            }
        };
        let host = parsed
            .host_str()
            .ok_or_else(|| EndpointError::Url(format!("`{url}` has no host")))?
            .to_string();
        let tls = if https {
            Some(Tls::new(&host, ca_cert)?)
        } else {
            None
        };
        let port = parsed
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let lookup = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let addr = tokio::net::lookup_host((lookup.as_str(), port))
            .await
            .map_err(|e| EndpointError::Resolve {
                host: host.clone(),
                detail: e.to_string(),
            })?
            .next()
            .ok_or_else(|| EndpointError::Resolve {
                host: host.clone(),
                detail: "no address".into(),
            })?;
        let mut path = parsed.path().to_string();
        if let Some(q) = parsed.query() {
            path = format!("{path}?{q}");
        }
        let path: Uri = path
            .parse()
            .map_err(|e| EndpointError::Url(format!("`{url}`: {e}")))?;
        let authority = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_string(),
        };
        let mut base_headers = HeaderMap::new();
        let bad = |what: &str| EndpointError::Url(format!("invalid header value for {what}"));
        base_headers.insert(
            HOST,
            HeaderValue::from_str(&authority).map_err(|_| bad("Host"))?,
        );
        base_headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        base_headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (k, v) in extra {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| bad(k))?;
            base_headers.append(name, HeaderValue::from_str(v).map_err(|_| bad(k))?);
        }
        Ok(Endpoint {
            addr,
            path,
            base_headers,
            tls,
        })
    }
}

/// What a round trip produced when the server answered at all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Mcp-Session-Id` of the response.
    pub session_id: Option<String>,
    /// The JSON-RPC error code, when the response was an error.
    pub rpc_error: Option<i64>,
    /// `result.isError` was true.
    pub is_error: bool,
    /// `result.protocolVersion` (initialize).
    pub protocol_version: Option<String>,
}

impl Answer {
    /// The error this answer counts as, if any.
    pub fn error(&self) -> Option<ErrorKind> {
        if !(200..300).contains(&self.status) {
            Some(ErrorKind::Http(self.status))
        } else if let Some(c) = self.rpc_error {
            Some(ErrorKind::JsonRpc(c))
        } else if self.is_error {
            Some(ErrorKind::IsError)
        } else {
            None
        }
    }
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    result: Option<ResultProbe>,
    #[serde(default)]
    error: Option<ErrorProbe>,
}

#[derive(Deserialize)]
struct ResultProbe {
    #[serde(rename = "isError", default)]
    is_error: Option<bool>,
    #[serde(rename = "protocolVersion", default)]
    protocol_version: Option<String>,
    // Every other member is still parsed (so validated) by serde_json, then skipped.
}

#[derive(Deserialize)]
struct ErrorProbe {
    code: i64,
}

/// What a response body says about request `id`: `None` when it is not that response (a
/// notification, or another id). The whole body is parsed, so a malformed one is an error.
pub fn probe(bytes: &[u8], id: u64) -> Result<Option<Answer>, ErrorKind> {
    let p: Probe =
        serde_json::from_slice(bytes).map_err(|_| ErrorKind::Transport(TransportKind::Protocol))?;
    if p.id.as_ref().and_then(Value::as_u64) != Some(id)
        || (p.result.is_none() && p.error.is_none())
    {
        return Ok(None);
    }
    let mut a = Answer::default();
    if let Some(e) = p.error {
        a.rpc_error = Some(e.code);
    }
    if let Some(r) = p.result {
        a.is_error = r.is_error == Some(true);
        a.protocol_version = r.protocol_version;
    }
    Ok(Some(a))
}

/// hyper's connection future: it does the socket I/O for the [`SendRequest`] handle.
type Driver = http1::Connection<TokioIo<Stream>, Full<Bytes>>;

/// An open HTTP/1.1 connection. Its I/O is driven inside the user's own task (polled beside
/// each wait of a request) rather than by a spawned task: one task per user and no cross-task
/// wake-up per request, which is what keeps the generator's CPU per request at a raw tool's.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    driver: Option<Driver>,
    /// When the last exchange ended.
    idle_since: Instant,
}

/// An idle connection older than this is polled once before use, so a close by the server
/// while it sat idle is noticed before a request is lost to it (a back-to-back loop skips the
/// extra read syscall).
const IDLE_CHECK: Duration = Duration::from_millis(50);

/// Awaits `fut` while driving the connection's I/O; once the connection ends it is dropped,
/// which fails whatever still waits on it (callers bound every wait with a timeout).
async fn drive<F: std::future::Future>(driver: &mut Option<Driver>, fut: F) -> F::Output {
    use std::future::Future;
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        if let Some(d) = driver.as_mut() {
            if std::pin::Pin::new(d).poll(cx).is_ready() {
                *driver = None;
            }
        }
        fut.as_mut().poll(cx)
    })
    .await
}

fn io_error(_: impl std::fmt::Debug) -> ErrorKind {
    ErrorKind::Transport(TransportKind::Io)
}

/// Why a connection could not be opened: the kind the report counts, and what happened.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct ConnectError {
    /// How the report counts it.
    pub kind: ErrorKind,
    /// What happened, for a person (e.g. the TLS refusal).
    pub detail: String,
}

impl Conn {
    /// Connects to `ep` within `timeout`.
    pub async fn open(ep: &Endpoint, timeout: Duration) -> Result<Conn, ErrorKind> {
        Self::connect(ep, timeout).await.map_err(|e| e.kind)
    }

    /// Like [`Conn::open`], saying why a connection failed.
    pub async fn connect(ep: &Endpoint, timeout: Duration) -> Result<Conn, ConnectError> {
        let failed = |detail: String| ConnectError {
            kind: ErrorKind::Transport(TransportKind::Connect),
            detail,
        };
        let connect = async {
            let tcp = TcpStream::connect(ep.addr)
                .await
                .map_err(|e| failed(format!("TCP connect to {}: {e}", ep.addr)))?;
            let _ = tcp.set_nodelay(true);
            let stream = match &ep.tls {
                None => Stream::Plain(tcp),
                Some(tls) => tls
                    .handshake(tcp)
                    .await
                    .map_err(|e| failed(format!("TLS handshake with {}: {e}", ep.addr)))?,
            };
            let (sender, conn) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| failed(format!("HTTP/1.1 handshake: {e}")))?;
            Ok(Conn {
                sender,
                driver: Some(conn),
                idle_since: Instant::now(),
            })
        };
        tokio::time::timeout(timeout, connect)
            .await
            .unwrap_or_else(|_| {
                Err(ConnectError {
                    kind: ErrorKind::Timeout,
                    detail: format!("no connection to {} within {timeout:?}", ep.addr),
                })
            })
    }

    /// Whether the connection can take another request (first letting it notice a close by
    /// the server while it sat idle).
    pub fn is_usable(&mut self) -> bool {
        if self.idle_since.elapsed() < IDLE_CHECK {
            return self.driver.is_some() && !self.sender.is_closed();
        }
        if let Some(d) = self.driver.as_mut() {
            let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
            if std::future::Future::poll(std::pin::Pin::new(d), &mut cx).is_ready() {
                self.driver = None;
            }
        }
        self.driver.is_some() && !self.sender.is_closed()
    }

    /// Sends `body` as a POST with `headers` and reads the whole answer before `deadline`.
    /// `id` is the request id to wait for (None for a notification: any 2xx is the answer).
    /// After an `Err` the connection must be dropped.
    pub async fn post(
        &mut self,
        ep: &Endpoint,
        headers: &HeaderMap,
        body: Bytes,
        id: Option<u64>,
        deadline: Instant,
        max_body: usize,
    ) -> Result<Answer, ErrorKind> {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = ep.path.clone();
        *req.headers_mut() = headers.clone();
        let out = tokio::time::timeout_at(deadline, self.round_trip(req, id, max_body))
            .await
            .unwrap_or(Err(ErrorKind::Timeout));
        self.idle_since = Instant::now();
        out
    }

    /// Sends a DELETE (session end) and reads its answer before `deadline`.
    pub async fn delete(
        &mut self,
        ep: &Endpoint,
        headers: &HeaderMap,
        deadline: Instant,
    ) -> Result<Answer, ErrorKind> {
        let mut req = Request::new(Full::new(Bytes::new()));
        *req.method_mut() = Method::DELETE;
        *req.uri_mut() = ep.path.clone();
        *req.headers_mut() = headers.clone();
        req.headers_mut().remove(CONTENT_TYPE);
        let out = tokio::time::timeout_at(deadline, self.round_trip(req, None, 64 * 1024))
            .await
            .unwrap_or(Err(ErrorKind::Timeout));
        self.idle_since = Instant::now();
        out
    }

    async fn round_trip(
        &mut self,
        req: Request<Full<Bytes>>,
        id: Option<u64>,
        max_body: usize,
    ) -> Result<Answer, ErrorKind> {
        let Conn { sender, driver, .. } = self;
        drive(driver, sender.ready()).await.map_err(io_error)?;
        let resp = drive(driver, sender.send_request(req))
            .await
            .map_err(io_error)?;
        let status = resp.status().as_u16();
        let session_id = resp
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let sse = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("text/event-stream")
            });
        let mut body = resp.into_body();
        let mut answer = Answer {
            status,
            session_id,
            ..Answer::default()
        };
        let mut found = false;
        if sse {
            let mut parser = SseParser::new(max_body);
            while let Some(frame) = drive(driver, body.frame()).await {
                let frame = frame.map_err(io_error)?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let events = parser
                    .push(&data)
                    .map_err(|_| ErrorKind::Transport(TransportKind::Protocol))?;
                for ev in events {
                    if found || ev.data.is_empty() {
                        continue;
                    }
                    if let Some(Ok(Some(a))) = id.map(|id| probe(ev.data.as_bytes(), id)) {
                        answer.rpc_error = a.rpc_error;
                        answer.is_error = a.is_error;
                        answer.protocol_version = a.protocol_version;
                        found = true;
                    }
                }
            }
        } else {
            let mut buf: Vec<u8> = Vec::new();
            while let Some(frame) = drive(driver, body.frame()).await {
                let frame = frame.map_err(io_error)?;
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > max_body {
                        return Err(ErrorKind::Transport(TransportKind::Protocol));
                    }
                    buf.extend_from_slice(&data);
                }
            }
            if let (Some(id), true) = (id, (200..300).contains(&status)) {
                if let Some(a) = probe(&buf, id)? {
                    answer.rpc_error = a.rpc_error;
                    answer.is_error = a.is_error;
                    answer.protocol_version = a.protocol_version;
                    found = true;
                }
            }
        }
        if id.is_some() && (200..300).contains(&status) && !found {
            // A 2xx without the response to our request: not a usable JSON-RPC answer.
            return Err(ErrorKind::Transport(TransportKind::Protocol));
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_pick_out_what_the_load_report_needs() {
        let a = probe(
            br#"{"jsonrpc":"2.0","id":7,"result":{"content":[],"isError":true}}"#,
            7,
        )
        .unwrap()
        .unwrap();
        assert!(a.is_error);
        let a = probe(
            br#"{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"x"}}"#,
            7,
        )
        .unwrap()
        .unwrap();
        assert_eq!(a.rpc_error, Some(-32603));
        assert_eq!(
            probe(br#"{"jsonrpc":"2.0","id":8,"result":{}}"#, 7).unwrap(),
            None,
            "another id is not our answer"
        );
        assert_eq!(
            probe(br#"{"jsonrpc":"2.0","method":"notifications/progress"}"#, 7).unwrap(),
            None
        );
        assert!(probe(b"{nope", 7).is_err());
        let a = probe(br#"{"id":1,"result":{"protocolVersion":"2025-06-18"}}"#, 1)
            .unwrap()
            .unwrap();
        assert_eq!(a.protocol_version.as_deref(), Some("2025-06-18"));
    }

    #[test]
    fn answers_classify_their_error() {
        let mut a = Answer {
            status: 200,
            ..Answer::default()
        };
        assert_eq!(a.error(), None);
        a.is_error = true;
        assert_eq!(a.error(), Some(ErrorKind::IsError));
        a.rpc_error = Some(-32602);
        assert_eq!(a.error(), Some(ErrorKind::JsonRpc(-32602)));
        a.status = 503;
        assert_eq!(a.error(), Some(ErrorKind::Http(503)));
    }
}
