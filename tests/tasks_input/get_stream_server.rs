//! A small MCP server (hyper, 127.0.0.1) whose task asks for input on the standalone GET
//! stream only, as the 2025-11-25 tasks spec allows ("clients SHOULD expect messages to be
//! delivered on any SSE stream, including the HTTP GET stream").
//!
//! It answers `initialize`, `tools/call` of `approval_job` as a task (`t-1`), `tasks/get` and
//! `tasks/result` with plain JSON (no SSE on POSTs, so nothing can ride on the `tasks/result`
//! stream). 50 ms after the call the task goes `input_required` and an `elicitation/create`
//! is queued for the GET stream (sent at once when one is open, else when one opens). The
//! client's answer (a POSTed response to that request) moves the task back to `working`, then
//! 20 ms later to `completed` with the answer's `name` in its result; `tasks/result` blocks
//! (at most 10 s) until then. wiremock cannot do this: it sends whole bodies and keeps no state.

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The id of the server's elicitation request.
pub const ELICIT_ID: &str = "mock-elicit-1";
const RELATED: &str = "io.modelcontextprotocol/related-task";

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// How the server behaves.
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    /// The elicitation carries `_meta[related-task]` naming the task.
    pub related_meta: bool,
}

#[derive(Default)]
struct Shared {
    /// Messages for a GET stream not open yet.
    queued: Vec<Value>,
    /// The open GET stream's sender.
    listener: Option<mpsc::UnboundedSender<Bytes>>,
    /// GET requests received.
    gets: usize,
    /// The client's answer to the elicitation.
    answer: Option<Value>,
}

struct Server {
    behaviour: Behaviour,
    shared: Mutex<Shared>,
    status: watch::Sender<&'static str>,
}

/// A running mock; the accept loop stops when dropped.
pub struct GetStreamServer {
    url: String,
    server: Arc<Server>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for GetStreamServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl GetStreamServer {
    /// Starts on an ephemeral 127.0.0.1 port.
    pub async fn start(behaviour: Behaviour) -> GetStreamServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let server = Arc::new(Server {
            behaviour,
            shared: Mutex::new(Shared::default()),
            status: watch::channel("working").0,
        });
        let s = Arc::clone(&server);
        let accept = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let s = Arc::clone(&s);
                        async move { Ok::<_, Infallible>(s.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(sock), service)
                        .await;
                });
            }
        });
        GetStreamServer {
            url,
            server,
            accept,
        }
    }

    /// The MCP endpoint.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// How many GET requests arrived.
    pub fn gets(&self) -> usize {
        self.server.shared.lock().unwrap().gets
    }

    /// The client's answer to the elicitation, if it came.
    pub fn answer(&self) -> Option<Value> {
        self.server.shared.lock().unwrap().answer.clone()
    }

    /// Whether a GET stream is open now (its reader still there).
    pub fn get_stream_open(&self) -> bool {
        let shared = self.server.shared.lock().unwrap();
        shared.listener.as_ref().is_some_and(|l| !l.is_closed())
    }
}

fn json_response(status: StatusCode, body: &Value, session: bool) -> Response<Body> {
    let mut b = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if session {
        b = b.header("mcp-session-id", "sess-get-1");
    }
    b.body(Full::new(Bytes::from(body.to_string())).boxed_unsync())
        .unwrap()
}

fn empty(status: StatusCode) -> Response<Body> {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()).boxed_unsync())
        .unwrap()
}

fn event(msg: &Value) -> Bytes {
    Bytes::from(format!("data: {msg}\n\n"))
}

fn task(status: &str) -> Value {
    json!({"taskId": "t-1", "status": status, "createdAt": "2025-11-25T10:00:00Z",
        "lastUpdatedAt": "2025-11-25T10:00:00Z", "ttl": 60000, "pollInterval": 50})
}

impl Server {
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        match *req.method() {
            Method::GET => self.open_stream(),
            Method::DELETE => empty(StatusCode::OK),
            Method::POST => {
                let bytes = match req.into_body().collect().await {
                    Ok(b) => b.to_bytes(),
                    Err(_) => return empty(StatusCode::BAD_REQUEST),
                };
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(msg) => self.post(msg).await,
                    Err(_) => empty(StatusCode::BAD_REQUEST),
                }
            }
            _ => empty(StatusCode::METHOD_NOT_ALLOWED),
        }
    }

    /// The GET stream: what was queued, then whatever comes while it stays open.
    fn open_stream(&self) -> Response<Body> {
        let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
        {
            let mut shared = self.shared.lock().unwrap();
            shared.gets += 1;
            for msg in shared.queued.drain(..) {
                let _ = tx.send(event(&msg));
            }
            shared.listener = Some(tx);
        }
        let frames = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
        });
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/event-stream")
            .body(StreamBody::new(frames).boxed_unsync())
            .unwrap()
    }

    /// Sends `msg` on the GET stream, or queues it for the next one.
    fn to_get_stream(&self, msg: Value) {
        let mut shared = self.shared.lock().unwrap();
        match &shared.listener {
            Some(l) if !l.is_closed() => {
                let _ = l.send(event(&msg));
            }
            _ => shared.queued.push(msg),
        }
    }

    async fn post(self: Arc<Self>, msg: Value) -> Response<Body> {
        let id = msg.get("id").cloned().unwrap_or(Value::Null);
        let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
        let ok = |result: Value| {
            json_response(
                StatusCode::OK,
                &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                false,
            )
        };
        if method.is_empty() {
            // The client's answer to a request of ours.
            if msg.get("id") == Some(&json!(ELICIT_ID)) {
                if let Some(result) = msg.get("result") {
                    self.answered(result.clone());
                }
            }
            return empty(StatusCode::ACCEPTED);
        }
        match method {
            "initialize" => json_response(
                StatusCode::OK,
                &json!({"jsonrpc": "2.0", "id": id, "result": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {"tools": {}, "tasks": {"requests": {"tools": {"call": {}}}}},
                    "serverInfo": {"name": "get-stream-asker", "version": "0"}}}),
                true,
            ),
            "notifications/initialized" => empty(StatusCode::ACCEPTED),
            "tools/call" => {
                let s = Arc::clone(&self);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    s.status.send_replace("input_required");
                    let mut params = json!({"mode": "form", "message": "Approve?",
                        "requestedSchema": {"type": "object",
                            "properties": {"approve": {"type": "boolean"}, "name": {"type": "string"}},
                            "required": ["approve"]}});
                    if s.behaviour.related_meta {
                        params["_meta"] = json!({RELATED: {"taskId": "t-1"}});
                    }
                    s.to_get_stream(json!({"jsonrpc": "2.0", "id": ELICIT_ID,
                        "method": "elicitation/create", "params": params}));
                });
                ok(json!({"task": task("working")}))
            }
            "tasks/get" => ok(task(*self.status.borrow())),
            "tasks/result" => {
                let mut rx = self.status.subscribe();
                let done = rx.wait_for(|s| *s == "completed");
                if tokio::time::timeout(Duration::from_secs(10), done)
                    .await
                    .is_err()
                {
                    return ok(json!({"content": [], "isError": true}));
                }
                let name = self
                    .shared
                    .lock()
                    .unwrap()
                    .answer
                    .as_ref()
                    .and_then(|a| a.pointer("/content/name"))
                    .and_then(Value::as_str)
                    .unwrap_or("nobody")
                    .to_string();
                ok(
                    json!({"content": [{"type": "text", "text": format!("approved by {name}")}],
                    "_meta": {RELATED: {"taskId": "t-1"}}}),
                )
            }
            _ => json_response(
                StatusCode::OK,
                &json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32601, "message": "method not found"}}),
                false,
            ),
        }
    }

    /// The answer came: back to `working`, then `completed` 20 ms later.
    fn answered(self: &Arc<Self>, result: Value) {
        self.shared.lock().unwrap().answer = Some(result);
        self.status.send_replace("working");
        let s = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            s.status.send_replace("completed");
        });
    }
}
