//! One client connection to a target: send requests and notifications, await responses, answer
//! server→client requests, and keep everything that arrived as evidence.
//!
//! A [`Session`] owns a transport (Streamable HTTP or stdio) and the receiving end of its inbox.
//! Messages that are not the awaited response stay buffered ([`Session::received`]) until a
//! check takes them ([`Session::wait_for`], [`Session::drain`]); server→client requests are
//! answered automatically (`ping` → `{}`, replies set with [`Session::set_reply`], otherwise
//! -32601) and stay visible too. Every wait is bounded by `ClientOptions::timeout`, and what a
//! session holds is bounded by `ClientOptions::max_body_bytes` (see `kept`): a server that floods
//! costs the harness a few times the cap, not the length of the flood.

mod exchange;
mod framing;
mod inbox;
mod kept;
mod legacy;
pub mod param_annotations;
mod replies;
pub mod stateless;

use crate::protocol::jsonrpc;
use crate::protocol::ProtocolVersion;
use crate::transcript::Transcript;
use crate::transport::{
    ClientOptions, HttpMeta, HttpTransport, Inbox, InboxReceiver, LegacySseTransport,
    StdioTransport, Target, TransportError,
};
use exchange::describe_wait;
use framing::Framing;
use inbox::Waiting;
use kept::{Evict, Kept};
pub use replies::ClientReply;
use serde_json::{json, Value};
pub use stateless::{ResultType, Stateless};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// After the deadline, how long to wait for a POST whose response already arrived to report its
/// HTTP facts (its task stops reading at the same deadline).
const META_GRACE: Duration = Duration::from_millis(500);

/// How long a POST's SSE stream may stay open after the awaited response arrived before the
/// send returns anyway (closing it is only a SHOULD; waiting the full timeout would make every
/// request to such a server cost the timeout).
const STREAM_GRACE: Duration = Duration::from_secs(1);

/// What one send produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exchange {
    /// The response (result or error) to the request sent; for a batch, an array of the
    /// responses that arrived, in request order. `None` for notifications and responses, or when
    /// the HTTP exchange ended without it.
    pub response: Option<Value>,
    /// HTTP facts of the POST (HTTP targets only).
    pub http: Option<HttpMeta>,
    /// Other messages that arrived while waiting (also kept in [`Session::received`]).
    pub received: Vec<Value>,
    /// From the send until the response arrived (or until the send returned, without one).
    pub elapsed: Duration,
}

/// The wire a session speaks.
#[derive(Debug)]
enum Wire {
    Http(HttpTransport),
    Legacy(LegacySseTransport),
    Stdio(StdioTransport),
}

/// One client connection to a target.
#[derive(Debug)]
pub struct Session {
    wire: Wire,
    inbox: InboxReceiver,
    /// Held so the inbox never reports "closed" by itself; closure comes as `Incoming::Closed`.
    _inbox_tx: Inbox,
    opts: ClientOptions,
    transcript: Transcript,
    /// Messages not yet taken (the oldest give way past the cap).
    buffer: Kept<Value>,
    /// Non-JSON-RPC items (the first ones are kept, up to the cap).
    garbage: Kept<String>,
    framing: Framing,
    closed: Option<String>,
    next_id: i64,
    replies: HashMap<String, ClientReply>,
    /// The client capabilities the handshake declares (then: what `initialize` declared).
    client_caps: Value,
    /// Every server→client request received (the first ones, up to the cap), as evidence.
    server_requests: Kept<Value>,
    /// Server notifications judged run-wide (see [`JUDGED_NOTIFICATIONS`]), the first ones.
    judged_notifications: Kept<Value>,
    /// The ids of the `subscriptions/listen` requests sent (the first ones).
    listen_ids: Kept<Value>,
    init_result: Option<Value>,
    version: Option<ProtocolVersion>,
    /// The 2026-07-28 per-request declarations, when the session speaks the stateless wire.
    stateless: Option<Stateless>,
    /// Headers for the next HTTP POST only (taken by the exchange).
    request_headers: Vec<(String, String)>,
}

/// Server notifications a session keeps for run-wide judging: elicitation completions (their
/// ids must have been issued) and cancellations (2026-07-28: listen ids only). The session also
/// keeps URL-elicitation-required errors (-32042), which issue elicitation ids too.
pub const JUDGED_NOTIFICATIONS: [&str; 2] = [
    "notifications/elicitation/complete",
    "notifications/cancelled",
];

impl Session {
    /// Connects: builds the HTTP client for a URL (nothing is sent yet) or spawns the command.
    pub async fn open(
        target: &Target,
        opts: ClientOptions,
        transcript: Transcript,
    ) -> Result<Session, TransportError> {
        let cap = opts.max_body_bytes;
        let (tx, rx) = Inbox::channel(cap, transcript.clone());
        let wire = match target {
            Target::Http { url } => Wire::Http(HttpTransport::new(
                url,
                opts.clone(),
                transcript.clone(),
                tx.clone(),
            )?),
            Target::LegacySse { url } => Wire::Legacy(
                LegacySseTransport::connect(url, opts.clone(), transcript.clone(), tx.clone())
                    .await?,
            ),
            Target::Stdio { program, args, env } => Wire::Stdio(StdioTransport::spawn(
                program,
                args,
                env,
                opts.clone(),
                transcript.clone(),
                tx.clone(),
            )?),
        };
        Ok(Session {
            wire,
            inbox: rx,
            _inbox_tx: tx,
            opts,
            transcript,
            buffer: Kept::new(cap, Evict::Oldest, "unread messages"),
            garbage: Kept::new(cap, Evict::Newest, "non-JSON-RPC output"),
            framing: Framing::default(),
            closed: None,
            next_id: 1,
            replies: HashMap::new(),
            client_caps: json!({}),
            server_requests: Kept::new(cap, Evict::Newest, "server requests"),
            judged_notifications: Kept::new(cap, Evict::Newest, "judged notifications"),
            listen_ids: Kept::new(cap, Evict::Newest, "listen ids"),
            init_result: None,
            version: None,
            stateless: None,
            request_headers: Vec::new(),
        })
    }

    /// Switches to the 2026-07-28 stateless wire at `version`: no handshake; from now on every
    /// request sent with [`send`](Self::send), [`request`](Self::request) or
    /// [`start`](Self::start) carries the per-request `_meta` fields and, over HTTP, the
    /// `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers (raw sends are left alone).
    /// No session id is ever sent.
    pub fn enter_stateless(&mut self, version: ProtocolVersion) {
        self.version = Some(version);
        self.stateless = Some(Stateless::new(version.as_str()));
        if let Wire::Http(http) = &self.wire {
            http.set_session_id(None);
            http.set_protocol_version(Some(version.as_str().to_string()));
        }
    }

    /// The stateless declarations, when the session speaks the stateless wire.
    pub fn stateless(&self) -> Option<&Stateless> {
        self.stateless.as_ref()
    }

    /// The stateless declarations, to change what later requests declare (capabilities, log
    /// level, client info, mirrored tool arguments).
    pub fn stateless_mut(&mut self) -> Option<&mut Stateless> {
        self.stateless.as_mut()
    }

    /// In stateless mode: the message with its `_meta` fields, and the next POST's headers set.
    fn prepare(&mut self, message: Value) -> Value {
        if message.get("method").and_then(Value::as_str) == Some("subscriptions/listen") {
            if let Some(id) = message.get("id") {
                self.listen_ids.push(id.clone(), &self.transcript);
            }
        }
        let Some(st) = &self.stateless else {
            return message;
        };
        let (message, headers) = st.prepare(message);
        if matches!(self.wire, Wire::Http(_)) {
            self.request_headers = headers;
        }
        message
    }

    /// `initialize` params for `version`: no client capabilities declared, `clientInfo` mcpcheck.
    pub fn default_initialize_params(version: ProtocolVersion) -> Value {
        json!({
            "protocolVersion": version.as_str(),
            "capabilities": {},
            "clientInfo": {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")}
        })
    }

    /// Sends `initialize` (not `notifications/initialized`). On a result, stores it and the
    /// negotiated version and, over HTTP, takes the `Mcp-Session-Id` response header and starts
    /// sending `MCP-Protocol-Version` when the negotiated version has that header.
    pub async fn initialize(&mut self, params: Value) -> Result<Exchange, TransportError> {
        if let Some(caps) = params.get("capabilities") {
            self.client_caps = caps.clone();
        }
        let ex = self.request("initialize", Some(params)).await?;
        let Some(result) = ex.response.as_ref().and_then(|r| r.get("result")) else {
            return Ok(ex);
        };
        self.init_result = Some(result.clone());
        self.version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .and_then(ProtocolVersion::parse);
        if let Wire::Http(http) = &self.wire {
            if let Some(id) = ex.http.as_ref().and_then(|m| m.header("mcp-session-id")) {
                http.set_session_id(Some(id.to_string()));
            }
            if let Some(v) = self
                .version
                .filter(|v| v.features().protocol_version_header)
            {
                http.set_protocol_version(Some(v.as_str().to_string()));
            }
        }
        Ok(ex)
    }

    /// Opens a session and completes the handshake at `version`; on failure the session is
    /// closed. Returns the session and the `initialize` result.
    pub async fn open_initialized(
        target: &Target,
        opts: ClientOptions,
        transcript: Transcript,
        version: ProtocolVersion,
    ) -> Result<(Session, Value), TransportError> {
        let mut session = Session::open(target, opts, transcript).await?;
        match session.handshake(version).await {
            Ok(init) => Ok((session, init)),
            Err(e) => {
                let _ = session.close().await;
                Err(e)
            }
        }
    }

    /// `initialize` with default params, then `notifications/initialized`; returns the result,
    /// or `Err(Protocol)` when the server answered with an error or not at all.
    pub async fn handshake(&mut self, version: ProtocolVersion) -> Result<Value, TransportError> {
        let mut params = Self::default_initialize_params(version);
        params["capabilities"] = self.client_caps.clone();
        let ex = self.initialize(params).await?;
        let Some(resp) = ex.response else {
            return Err(TransportError::Protocol(
                "the initialize request got no response".into(),
            ));
        };
        if let Some(err) = resp.get("error") {
            return Err(TransportError::Protocol(format!(
                "initialize was answered with an error: {err}"
            )));
        }
        let Some(result) = resp.get("result").cloned() else {
            return Err(TransportError::Protocol(format!(
                "initialize response has no result: {resp}"
            )));
        };
        self.send(jsonrpc::notification("notifications/initialized", None))
            .await?;
        Ok(result)
    }

    /// A fresh integer request id (1, 2, 3, …).
    pub fn fresh_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }

    /// Sends request `method` with a fresh integer id and waits for its response.
    pub async fn request(
        &mut self,
        method: &str,
        params: Option<Value>,
    ) -> Result<Exchange, TransportError> {
        let id = self.fresh_id();
        self.send(jsonrpc::request(json!(id), method, params)).await
    }

    /// Sends any message as given. For a request (or a batch holding requests), waits up to the
    /// timeout for the response with the same id and JSON type (`Err(Timeout)` if none came);
    /// over HTTP, returns early with `response: None` when the POST ended without it. For
    /// notifications and responses, returns after the send (HTTP: with the POST's facts).
    /// A request whose exchange saw a framing violation (a batch nobody sent, a second response
    /// to one request) ends in `Err(Protocol)` naming it.
    pub async fn send(&mut self, message: Value) -> Result<Exchange, TransportError> {
        let message = self.prepare(message);
        let waiting = Waiting::for_message(&message);
        let batch = message.is_array();
        let what = describe_wait(&message);
        self.exchange(message.to_string(), waiting, batch, None, what)
            .await
    }

    /// Sends `body` verbatim (stdio: plus `\n`; HTTP: as the POST body) and collects what arrives
    /// within `quiet` (HTTP: until the POST ends, at most the timeout). The response is the one
    /// matching the body's request id if it parses, else the first error with a null id.
    pub async fn send_raw(
        &mut self,
        body: &str,
        quiet: Duration,
    ) -> Result<Exchange, TransportError> {
        self.request_headers.clear();
        let waiting = Waiting::for_raw(body);
        let batch = serde_json::from_str::<Value>(body).is_ok_and(|v| v.is_array());
        self.exchange(
            body.to_string(),
            waiting,
            batch,
            Some(quiet),
            "anything".into(),
        )
        .await
    }

    /// Sends a request without waiting for its response (HTTP: the POST runs in its own task).
    pub async fn start(&mut self, message: Value) -> Result<(), TransportError> {
        let message = self.prepare(message);
        match &mut self.wire {
            Wire::Http(http) => {
                let headers = std::mem::take(&mut self.request_headers);
                drop(http.post_with(message.to_string().into_bytes(), headers));
                Ok(())
            }
            Wire::Legacy(legacy) => {
                legacy.post_detached(message.to_string().into_bytes());
                Ok(())
            }
            Wire::Stdio(stdio) => stdio.send(&message).await,
        }
    }

    /// The response to request `id` (buffered or arriving within `timeout`); `None` on timeout.
    pub async fn wait_response(
        &mut self,
        id: &Value,
        timeout: Duration,
    ) -> Result<Option<Value>, TransportError> {
        Ok(self
            .wait_for(timeout, |v| jsonrpc::is_response_to(v, id))
            .await)
    }

    /// The first message (buffered, or arriving within `timeout`) matching `pred`, taken out of
    /// the buffer.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(v) = self.buffer.take_first(&pred) {
            return Some(v);
        }
        let deadline = Instant::now() + timeout;
        while let Ok(next) = self.next_message(deadline).await {
            match next {
                Some(v) if pred(&v) => return Some(v),
                Some(v) => self.buffer_message(v),
                None => {}
            }
        }
        None
    }

    /// Everything buffered plus everything arriving within `window`; the buffer is emptied.
    pub async fn drain(&mut self, window: Duration) -> Vec<Value> {
        let deadline = Instant::now() + window;
        while let Ok(next) = self.next_message(deadline).await {
            if let Some(v) = next {
                self.buffer_message(v);
            }
        }
        self.buffer.take_all()
    }

    /// Messages received and not yet taken (server requests and notifications included).
    pub fn received(&self) -> &[Value] {
        self.buffer.as_slice()
    }

    /// Received items that were not JSON-RPC messages, so far (the first ones, up to the cap).
    pub fn garbage(&self) -> &[String] {
        self.garbage.as_slice()
    }

    /// Why the server side closed, if it did (stdio: the process exit).
    pub fn closed(&self) -> Option<&str> {
        self.closed.as_deref()
    }

    /// The negotiated protocol version, if `initialize` returned a known one.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// The `initialize` result, once received.
    pub fn init_result(&self) -> Option<&Value> {
        self.init_result.as_ref()
    }

    /// The HTTP session id, if the server issued one.
    pub fn session_id(&self) -> Option<String> {
        self.http().and_then(HttpTransport::session_id)
    }

    /// The HTTP transport, for raw exchanges (`None` on stdio; on the legacy transport the
    /// client bound to the POST URI).
    pub fn http(&self) -> Option<&HttpTransport> {
        match &self.wire {
            Wire::Http(h) => Some(h),
            Wire::Legacy(l) => Some(l.http()),
            Wire::Stdio(_) => None,
        }
    }

    /// The legacy HTTP+SSE transport (`None` on the others).
    pub fn legacy(&self) -> Option<&LegacySseTransport> {
        match &self.wire {
            Wire::Legacy(l) => Some(l),
            _ => None,
        }
    }

    /// The stdio transport, for its stderr (`None` on HTTP).
    pub fn stdio(&self) -> Option<&StdioTransport> {
        match &self.wire {
            Wire::Stdio(s) => Some(s),
            Wire::Http(_) | Wire::Legacy(_) => None,
        }
    }

    /// The transcript everything is recorded in.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The client options in force.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// Answers server→client requests for `method` with `result` from now on.
    pub fn set_reply(&mut self, method: &str, result: Value) {
        self.set_client_reply(method, ClientReply::Result(result));
    }

    /// Answers server→client requests for `method` with `reply` (a result or an error).
    pub fn set_client_reply(&mut self, method: &str, reply: ClientReply) {
        self.replies.insert(method.to_string(), reply);
    }

    /// The reply configured for `method`, if any (2026-07-28: what answers an input request).
    pub fn client_reply(&self, method: &str) -> Option<&ClientReply> {
        self.replies.get(method)
    }

    /// The client capabilities [`handshake`](Self::handshake) declares (default `{}`).
    pub fn set_client_capabilities(&mut self, capabilities: Value) {
        self.client_caps = capabilities;
    }

    /// The client capabilities declared in the last `initialize` sent (or to be declared).
    pub fn client_capabilities(&self) -> &Value {
        &self.client_caps
    }

    /// Every server→client request received so far (answered or not), in arrival order.
    pub fn server_requests(&self) -> &[Value] {
        self.server_requests.as_slice()
    }

    /// Every server notification received so far whose method is one of
    /// [`JUDGED_NOTIFICATIONS`], and every -32042 error response, in arrival order (kept even
    /// when a step consumed it).
    pub fn judged_notifications(&self) -> &[Value] {
        self.judged_notifications.as_slice()
    }

    /// The ids of the `subscriptions/listen` requests sent so far with `send` or `start`.
    pub fn listen_ids(&self) -> &[Value] {
        self.listen_ids.as_slice()
    }

    /// Ends the session: HTTP sends `DELETE` when a session id exists (returning its facts);
    /// stdio closes stdin and stops the process.
    pub async fn close(self) -> Result<Option<HttpMeta>, TransportError> {
        match self.wire {
            Wire::Http(http) if http.session_id().is_some() => {
                http.delete_session().await.map(Some)
            }
            // Dropping the transport closes the stream, which ends the legacy session.
            Wire::Http(_) | Wire::Legacy(_) => Ok(None),
            Wire::Stdio(stdio) => {
                stdio.shutdown().await;
                Ok(None)
            }
        }
    }
}
