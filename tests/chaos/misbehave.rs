//! The misbehaviours of the chaos server: what each one sends in place of a correct answer.
//!
//! [`respond`] turns one request into the [`Act`]s of its response: correct for the handshake
//! (`initialize` with an `Mcp-Session-Id`, `notifications/initialized` 202, `DELETE` 200),
//! and for every other request the configured [`Chaos`].

use super::server::{Seen, INIT_RESULT};
use serde_json::{json, Value};
use std::time::Duration;

/// One way to misbehave on every request after the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chaos {
    /// No misbehaviour: a correct server (the control case).
    Honest,
    /// Half the body, then a TCP reset.
    ResetMidBody,
    /// The connection is closed without a byte of response.
    CloseWithoutReply,
    /// The request is read and never answered; the connection stays open.
    NoResponse,
    /// An SSE stream that sends nothing and never ends.
    SseSilent,
    /// An SSE stream that sends only comments, forever.
    SseCommentsOnly,
    /// The correct JSON body, one byte per second.
    SlowDrip,
    /// A JSON body of this many bytes (over the client's cap), its length declared.
    HugeBody(usize),
    /// A chunked JSON body of this many bytes, its length not declared.
    HugeChunkedBody(usize),
    /// One SSE event whose data is this many bytes.
    HugeSseEvent(usize),
    /// Endless `data:` lines with no blank line: one event that never ends.
    SseEndlessEvent,
    /// The correct response with an invalid UTF-8 byte inside a string.
    InvalidUtf8,
    /// A JSON object that is no JSON-RPC message.
    NotJsonRpc,
    /// The response carries another id.
    WrongId,
    /// The response carries the id as a string (or a string id as a number).
    IdTypeChanged,
    /// The response carries `"id": null`.
    IdNull,
    /// The response twice, as two SSE events.
    DuplicateSse,
    /// Requests are answered correctly; notifications get a JSON-RPC response.
    ResponseToNotification,
    /// The response wrapped in a JSON array, as if a batch had been sent.
    UnsolicitedBatch,
    /// The correct JSON body with `Content-Type: text/plain`.
    WrongContentType,
    /// A 307 to the same URL.
    RedirectLoop,
    /// A 307 to this absolute URL.
    RedirectTo(String),
    /// A 500 with an HTML page.
    Html5xx,
    /// A 401, with this `WWW-Authenticate` value or none.
    Unauthorized(Option<String>),
    /// A response with both `result` and `error`.
    ResultAndError,
    /// A 200 `application/json` with an empty body.
    EmptyBody200,
    /// `Content-Length` 100 bytes longer than the body, then the connection closes.
    ContentLengthTooLong,
    /// A chunked body cut inside its first chunk.
    ChunkedCutShort,
    /// A chunked body holding the response whose last (empty) chunk never comes.
    ChunkedNoTerminator,
    /// An SSE stream with one notification that closes before the response.
    SseClosesEarly,
    /// An SSE event whose data is not JSON, then the stream closes.
    SseDataNotJson,
    /// A legacy `event: endpoint` event (HTTP+SSE transport), then the stream closes.
    SseEndpointJunk,
    /// Requests are answered correctly; `GET` gets a 200 with a JSON body.
    GetJson,
    /// Every request after the handshake gets 404, as if the session were gone.
    SessionGone404,
    /// The response says `"jsonrpc": "1.0"`.
    JsonRpcVersion1,
    /// A request answered 202 with no body (as if it were a notification).
    Accepted202,
    /// A status line that is not HTTP.
    GarbageStatusLine,
    /// A response head with a 1 MiB header.
    HugeHeader,
    /// A server request with the id of the client's request, instead of a response.
    RequestInsteadOfResponse,
    /// These bytes, verbatim, as the whole response (for fuzzing); then the connection closes.
    Raw(Vec<u8>),
    /// An SSE stream of `notifications/message` events of `event` bytes each, `total` bytes in
    /// all, then the correct response.
    NotificationFlood { total: usize, event: usize },
}

/// One act of a response.
pub enum Act {
    Write(Vec<u8>),
    /// Writes the bytes one at a time, this far apart.
    Drip(Vec<u8>, Duration),
    /// Writes `chunk` repeatedly until `total` bytes went out (the last copy cut to fit).
    Flood {
        chunk: Vec<u8>,
        total: usize,
    },
    /// Writes the bytes every interval, forever.
    Every(Vec<u8>, Duration),
    Hang,
    /// Closes with a TCP reset instead of a FIN.
    Reset,
}

/// A response head; every response closes its connection.
fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// A complete response with a `Content-Length` body.
pub fn whole(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let len = body.len().to_string();
    let mut out = head(
        status,
        &[("content-type", content_type), ("content-length", &len)],
    );
    out.extend_from_slice(body);
    out
}

fn sse_head() -> Vec<u8> {
    head(
        "200 OK",
        &[
            ("content-type", "text/event-stream"),
            ("cache-control", "no-cache"),
        ],
    )
}

fn sse_event(data: &str) -> Vec<u8> {
    format!("data: {data}\n\n").into_bytes()
}

/// The correct answer to a request: `ping` → `{}`, `tools/list` → no tools, else -32601.
fn honest(id: &Value, method: &str) -> Value {
    match method {
        "ping" => json!({"jsonrpc": "2.0", "id": id, "result": {}}),
        "tools/list" => json!({"jsonrpc": "2.0", "id": id, "result": {"tools": []}}),
        _ => json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32601, "message": format!("method not found: {method}")}}),
    }
}

pub fn respond(chaos: &Chaos, req: &Seen, url: &str) -> Vec<Act> {
    use Act::*;
    let ok_json = |v: &Value| {
        vec![Write(whole(
            "200 OK",
            "application/json",
            v.to_string().as_bytes(),
        ))]
    };
    match req.method.as_str() {
        "DELETE" => return vec![Write(whole("200 OK", "text/plain", b""))],
        "GET" if *chaos == Chaos::GetJson => return ok_json(&json!({"jsonrpc": "2.0"})),
        "GET" => return vec![Write(whole("405 Method Not Allowed", "text/plain", b""))],
        "POST" => {}
        _ => return vec![Write(whole("405 Method Not Allowed", "text/plain", b""))],
    }
    let msg: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
    let method = msg.get("method").and_then(Value::as_str);
    let id = msg.get("id").cloned();
    let (id, method) = match (id, method) {
        (Some(id), Some("initialize")) => {
            let init: Value = serde_json::from_str(INIT_RESULT).unwrap_or(Value::Null);
            let body = json!({"jsonrpc": "2.0", "id": id, "result": init}).to_string();
            let len = body.len().to_string();
            let mut out = head(
                "200 OK",
                &[
                    ("content-type", "application/json"),
                    ("mcp-session-id", "chaos-session-1"),
                    ("content-length", &len),
                ],
            );
            out.extend_from_slice(body.as_bytes());
            return vec![Write(out)];
        }
        (Some(id), Some(m)) => (id, m.to_string()),
        (None, Some(_)) if *chaos == Chaos::ResponseToNotification => {
            return ok_json(&json!({"jsonrpc": "2.0", "id": null, "result": {}}));
        }
        // Notifications, the harness's replies and unparsable bodies.
        _ => return vec![Write(whole("202 Accepted", "text/plain", b""))],
    };
    let good = honest(&id, &method);
    let good_text = good.to_string();
    let with_id = |new_id: Value| {
        let mut v = good.clone();
        v["id"] = new_id;
        ok_json(&v)
    };
    match chaos {
        Chaos::Honest | Chaos::ResponseToNotification | Chaos::GetJson => ok_json(&good),
        Chaos::ResetMidBody => {
            let len = good_text.len().to_string();
            let mut out = head(
                "200 OK",
                &[
                    ("content-type", "application/json"),
                    ("content-length", &len),
                ],
            );
            out.extend_from_slice(&good_text.as_bytes()[..good_text.len() / 2]);
            vec![Write(out), Reset]
        }
        Chaos::CloseWithoutReply => vec![],
        Chaos::NoResponse => vec![Hang],
        Chaos::SseSilent => vec![Write(sse_head()), Hang],
        Chaos::SseCommentsOnly => vec![
            Write(sse_head()),
            Every(b": keep-alive\n\n".to_vec(), Duration::from_millis(100)),
        ],
        Chaos::SlowDrip => {
            let len = good_text.len().to_string();
            vec![
                Write(head(
                    "200 OK",
                    &[
                        ("content-type", "application/json"),
                        ("content-length", &len),
                    ],
                )),
                Drip(good_text.into_bytes(), Duration::from_secs(1)),
            ]
        }
        Chaos::HugeBody(n) => {
            let prefix = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"pad":""#);
            let suffix = r#""}}"#;
            let pad = n.saturating_sub(prefix.len() + suffix.len());
            let len = (prefix.len() + pad + suffix.len()).to_string();
            let mut first = head(
                "200 OK",
                &[
                    ("content-type", "application/json"),
                    ("content-length", &len),
                ],
            );
            first.extend_from_slice(prefix.as_bytes());
            vec![
                Write(first),
                Flood {
                    chunk: vec![b'a'; 64 * 1024],
                    total: pad,
                },
                Write(suffix.as_bytes().to_vec()),
            ]
        }
        Chaos::HugeChunkedBody(n) => {
            let prefix = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"pad":""#);
            let mut first = head(
                "200 OK",
                &[
                    ("content-type", "application/json"),
                    ("transfer-encoding", "chunked"),
                ],
            );
            first.extend_from_slice(format!("{:x}\r\n{prefix}\r\n", prefix.len()).as_bytes());
            let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
            chunk.extend_from_slice(&[b'a'; 64 * 1024]);
            chunk.extend_from_slice(b"\r\n");
            let count = n / (64 * 1024);
            vec![
                Write(first),
                Flood {
                    total: count * chunk.len(),
                    chunk,
                },
                Write(b"3\r\n\"}}\r\n0\r\n\r\n".to_vec()),
            ]
        }
        Chaos::HugeSseEvent(n) => {
            let prefix = format!(r#"data: {{"jsonrpc":"2.0","id":{id},"result":{{"pad":""#);
            let mut first = sse_head();
            first.extend_from_slice(prefix.as_bytes());
            vec![
                Write(first),
                Flood {
                    chunk: vec![b'a'; 64 * 1024],
                    total: *n,
                },
                Write(b"\"}}\n\n".to_vec()),
            ]
        }
        Chaos::SseEndlessEvent => {
            let mut line = b"data: ".to_vec();
            line.extend_from_slice(&[b'x'; 1017]);
            line.push(b'\n');
            vec![
                Write(sse_head()),
                Flood {
                    chunk: line,
                    total: 1 << 20,
                },
                Hang,
            ]
        }
        Chaos::InvalidUtf8 => {
            let text = json!({"jsonrpc": "2.0", "id": id, "result": {"_meta": {"note": "BAD"}}})
                .to_string()
                .into_bytes();
            let bad: Vec<u8> = replace(&text, b"BAD", b"\xC3\x28\xFF");
            vec![Write(whole("200 OK", "application/json", &bad))]
        }
        Chaos::NotJsonRpc => ok_json(&json!({"hello": "world", "answer": 42})),
        Chaos::WrongId => with_id(json!("chaos-wrong-id")),
        Chaos::IdTypeChanged => with_id(match &id {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(json!(0)),
            other => Value::String(other.to_string()),
        }),
        Chaos::IdNull => with_id(Value::Null),
        Chaos::DuplicateSse => {
            let ev = sse_event(&good_text);
            vec![Write(sse_head()), Write(ev.clone()), Write(ev)]
        }
        Chaos::UnsolicitedBatch => ok_json(&json!([good])),
        Chaos::WrongContentType => {
            vec![Write(whole("200 OK", "text/plain", good_text.as_bytes()))]
        }
        Chaos::RedirectLoop => vec![Write(redirect(url))],
        Chaos::RedirectTo(to) => vec![Write(redirect(to))],
        Chaos::Html5xx => vec![Write(whole(
            "500 Internal Server Error",
            "text/html",
            b"<html><body><h1>Internal Server Error</h1><p>upstream fell over</p></body></html>",
        ))],
        Chaos::Unauthorized(challenge) => {
            let mut h = vec![("content-length", "0")];
            if let Some(c) = challenge {
                h.push(("www-authenticate", c.as_str()));
            }
            vec![Write(head("401 Unauthorized", &h))]
        }
        Chaos::ResultAndError => ok_json(&json!({"jsonrpc": "2.0", "id": id, "result": {},
            "error": {"code": -32603, "message": "both at once"}})),
        Chaos::EmptyBody200 => vec![Write(whole("200 OK", "application/json", b""))],
        Chaos::ContentLengthTooLong => {
            let len = (good_text.len() + 100).to_string();
            let mut out = head(
                "200 OK",
                &[
                    ("content-type", "application/json"),
                    ("content-length", &len),
                ],
            );
            out.extend_from_slice(good_text.as_bytes());
            vec![Write(out)]
        }
        Chaos::ChunkedCutShort | Chaos::ChunkedNoTerminator => {
            let mut out = head(
                "200 OK",
                &[
                    ("content-type", "application/json"),
                    ("transfer-encoding", "chunked"),
                ],
            );
            out.extend_from_slice(format!("{:x}\r\n", good_text.len()).as_bytes());
            if *chaos == Chaos::ChunkedCutShort {
                out.extend_from_slice(&good_text.as_bytes()[..good_text.len() / 2]);
                vec![Write(out)]
            } else {
                out.extend_from_slice(good_text.as_bytes());
                out.extend_from_slice(b"\r\n");
                vec![Write(out), Hang]
            }
        }
        Chaos::SseClosesEarly => {
            let note = json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "working on it"}});
            vec![Write(sse_head()), Write(sse_event(&note.to_string()))]
        }
        Chaos::SseDataNotJson => vec![Write(sse_head()), Write(sse_event("hello, not json"))],
        Chaos::SseEndpointJunk => vec![
            Write(sse_head()),
            Write(b"event: endpoint\ndata: /messages?sessionId=chaos\n\n".to_vec()),
        ],
        Chaos::SessionGone404 => vec![Write(whole(
            "404 Not Found",
            "application/json",
            json!({"jsonrpc": "2.0", "id": null,
                "error": {"code": -32001, "message": "session not found"}})
            .to_string()
            .as_bytes(),
        ))],
        Chaos::JsonRpcVersion1 => {
            let mut v = good.clone();
            v["jsonrpc"] = json!("1.0");
            ok_json(&v)
        }
        Chaos::Accepted202 => vec![Write(whole("202 Accepted", "text/plain", b""))],
        Chaos::GarbageStatusLine => vec![Write(b"SURPRISE! not http at all\r\n\r\n".to_vec())],
        Chaos::HugeHeader => {
            let junk = "a".repeat(1 << 20);
            let mut out = head(
                "200 OK",
                &[("content-type", "application/json"), ("x-junk", &junk)],
            );
            out.extend_from_slice(good_text.as_bytes());
            vec![Write(out)]
        }
        Chaos::Raw(bytes) => vec![Write(bytes.clone())],
        Chaos::RequestInsteadOfResponse => {
            ok_json(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}))
        }
        Chaos::NotificationFlood { total, event } => {
            let pad = "m".repeat(event.saturating_sub(120));
            let note = json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": pad}});
            let chunk = sse_event(&note.to_string());
            // Whole events only: the last copy is not cut.
            let total = total / chunk.len() * chunk.len();
            vec![
                Write(sse_head()),
                Flood { chunk, total },
                Write(sse_event(&good_text)),
            ]
        }
    }
}

fn redirect(to: &str) -> Vec<u8> {
    head(
        "307 Temporary Redirect",
        &[("location", to), ("content-length", "0")],
    )
}

/// `hay` with every `from` replaced by `to` (bytes).
fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}
