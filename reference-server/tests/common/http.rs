//! An HTTP client for the Streamable HTTP transport, over reqwest.

use super::sse::{drain_events, SseEvent};
use super::{init_params, notification, request, result, WAIT};
use futures::StreamExt;
use mcp_reference_server::{start_http, RunningServer, ServerConfig};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Starts a server on an ephemeral loopback port.
pub async fn start(config: ServerConfig) -> RunningServer {
    start_http(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind")
}

/// What one HTTP exchange produced.
#[derive(Debug)]
pub struct Exchange {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The raw body (for SSE: the whole stream).
    pub body: String,
    /// SSE events, when the body was a stream.
    pub events: Vec<SseEvent>,
    /// JSON-RPC messages: the JSON body, or the data of every SSE event that has some.
    pub messages: Vec<Value>,
}

impl Exchange {
    /// The content type without parameters.
    pub fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
            .unwrap_or_default()
    }

    /// The single JSON message (JSON body, or the last SSE message).
    pub fn message(&self) -> &Value {
        self.messages
            .last()
            .unwrap_or_else(|| panic!("no message in {} {:?}", self.status, self.body))
    }

    /// The JSON body parsed.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Reads a whole response.
pub async fn exchange(resp: reqwest::Response) -> Exchange {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = tokio::time::timeout(WAIT, resp.bytes())
        .await
        .expect("body timed out")
        .expect("body");
    let body = String::from_utf8_lossy(&bytes).to_string();
    let is_sse = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let (events, messages) = if is_sse {
        let mut buf = body.clone();
        let events = drain_events(&mut buf);
        assert!(buf.is_empty(), "unterminated SSE event: {buf:?}");
        let messages = events.iter().filter_map(SseEvent::message).collect();
        (events, messages)
    } else if body.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (
            Vec::new(),
            serde_json::from_str::<Value>(&body)
                .map(|v| vec![v])
                .unwrap_or_default(),
        )
    };
    Exchange {
        status,
        headers,
        body,
        events,
        messages,
    }
}

/// A client of one MCP endpoint, remembering its session.
#[derive(Clone)]
pub struct HttpClient {
    pub http: reqwest::Client,
    pub url: String,
    pub session: Option<String>,
    pub protocol: Option<String>,
}

impl HttpClient {
    pub fn new(url: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            http,
            url,
            session: None,
            protocol: None,
        }
    }

    /// A POST with the headers a correct client sends.
    pub fn post_builder(&self) -> RequestBuilder {
        let mut b = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json");
        if let Some(s) = &self.session {
            b = b.header("mcp-session-id", s);
        }
        if let Some(p) = &self.protocol {
            b = b.header("mcp-protocol-version", p);
        }
        b
    }

    /// A GET or DELETE with the session headers.
    pub fn builder(&self, method: reqwest::Method) -> RequestBuilder {
        let mut b = self.http.request(method, &self.url);
        if let Some(s) = &self.session {
            b = b.header("mcp-session-id", s);
        }
        if let Some(p) = &self.protocol {
            b = b.header("mcp-protocol-version", p);
        }
        b
    }

    /// POSTs a JSON body and reads the whole response.
    pub async fn post(&self, body: &Value) -> Exchange {
        self.send(self.post_builder().body(body.to_string())).await
    }

    /// Sends a prepared request and reads the whole response.
    pub async fn send(&self, b: RequestBuilder) -> Exchange {
        exchange(b.send().await.expect("request failed")).await
    }

    /// Sends a request and returns the exchange.
    pub async fn request(&self, id: Value, method: &str, params: Value) -> Exchange {
        self.post(&request(id, method, params)).await
    }

    /// Sends a request and returns its result (failing on errors).
    pub async fn call(&self, id: i64, method: &str, params: Value) -> Value {
        let ex = self.request(json!(id), method, params).await;
        assert_eq!(ex.status, StatusCode::OK, "{method}: {}", ex.body);
        let msg = ex
            .messages
            .iter()
            .find(|m| m.get("id") == Some(&json!(id)))
            .unwrap_or_else(|| panic!("no response: {}", ex.body));
        result(msg).clone()
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value) -> Exchange {
        self.post(&notification(method, params)).await
    }

    /// initialize (remembering session and version) + initialized; returns the result.
    pub async fn initialize(&mut self, version: &str) -> Value {
        let ex = self
            .request(json!(0), "initialize", init_params(version))
            .await;
        assert_eq!(ex.status, StatusCode::OK, "{}", ex.body);
        let sid = ex
            .headers
            .get("mcp-session-id")
            .expect("no session header")
            .to_str()
            .unwrap()
            .to_string();
        let r = result(ex.message()).clone();
        self.session = Some(sid);
        self.protocol = r["protocolVersion"].as_str().map(str::to_string);
        let ack = self.notify("notifications/initialized", json!({})).await;
        assert!(ack.status.is_success(), "initialized: {}", ack.status);
        r
    }

    /// Opens the session's GET stream.
    pub async fn open_stream(&self) -> SseReader {
        let resp = self
            .builder(reqwest::Method::GET)
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("GET");
        SseReader::new(resp)
    }
}

/// Reads an SSE response incrementally.
pub struct SseReader {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
    ready: std::collections::VecDeque<SseEvent>,
    pub ended: bool,
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        Self {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.bytes_stream().boxed(),
            buf: String::new(),
            ready: Default::default(),
            ended: false,
        }
    }

    /// The next event (comments included) within `within`.
    pub async fn next_event(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(ev) = self.ready.pop_front() {
                return Some(ev);
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return None,
                Ok(None) => self.ended = true,
                Ok(Some(chunk)) => match chunk {
                    Ok(bytes) => {
                        self.buf.push_str(&String::from_utf8_lossy(&bytes));
                        self.ready.extend(drain_events(&mut self.buf));
                    }
                    Err(_) => self.ended = true,
                },
            }
        }
    }

    /// The next JSON-RPC message within `within`, skipping comments and priming events.
    pub async fn next_message(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let ev = self.next_event(left).await?;
            if let Some(m) = ev.message() {
                return Some(m);
            }
        }
    }
}
