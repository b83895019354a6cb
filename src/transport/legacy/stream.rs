//! Opening the legacy SSE stream: the GET, the wait for the `endpoint` event, resolving its URI
//! (same origin only), and the background task that reads the stream into the inbox.

use super::super::http::merge_header;
use super::super::record::RecordBudget;
use super::super::{
    decode_framed, ClientOptions, Inbox, Incoming, SseEvent, SseParser, TransportError,
};
use crate::transcript::{clip_body, Entry, Transcript, MAX_RECORDED_BODY};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Events kept (as evidence) from before the endpoint event.
const EARLY_EVENTS_KEPT: usize = 16;

/// What connecting observed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectFacts {
    /// The stream URL.
    pub stream_url: String,
    /// The POST URI the endpoint event named, resolved against the stream URL.
    pub post_url: String,
    /// The endpoint event's data as sent.
    pub endpoint_data: String,
    /// Status of the GET.
    pub status: u16,
    /// Response headers of the GET, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Events that came before the endpoint event (the first few; none on a correct server).
    pub events_before_endpoint: Vec<SseEvent>,
    /// From sending the GET until the endpoint event.
    pub waited: Duration,
}

/// An open stream whose endpoint is known.
pub(super) struct Opened {
    pub facts: ConnectFacts,
    pub reader: JoinHandle<()>,
}

/// The endpoint event, and what came before it.
struct Found {
    data: String,
    before: Vec<SseEvent>,
}

/// GETs `url` as an event stream and waits for the endpoint event; see
/// [`LegacySseTransport::connect`](super::LegacySseTransport::connect).
pub(super) async fn open(
    url: &str,
    opts: &ClientOptions,
    transcript: &Transcript,
    inbox: Inbox,
) -> Result<Opened, TransportError> {
    let stream_url = url::Url::parse(url)
        .map_err(|e| TransportError::Connect(format!("invalid URL `{url}`: {e}")))?;
    if !matches!(stream_url.scheme(), "http" | "https") {
        return Err(TransportError::Connect(format!(
            "`{url}` is not an http(s) URL"
        )));
    }
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(opts.timeout);
    let client = crate::transport::roots::trust(builder, opts.ca_cert.as_deref())?
        .build()
        .map_err(|e| TransportError::Connect(e.to_string()))?;
    let started = Instant::now();
    let deadline = started + opts.timeout;
    let mut headers = vec![("accept".to_string(), "text/event-stream".to_string())];
    for (k, v) in &opts.headers {
        merge_header(&mut headers, k, v);
    }
    let mut req = client.get(stream_url.clone());
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    transcript.push(Entry::HttpRequest {
        t_ms: transcript.now_ms(),
        method: "GET".into(),
        url: stream_url.to_string(),
        headers: headers.clone(),
        body: None,
    });
    let mut resp = match tokio::time::timeout_at(deadline, req.send()).await {
        Err(_) => {
            return Err(TransportError::Timeout {
                what: format!("the response to GET {stream_url}"),
                after: opts.timeout,
            })
        }
        Ok(Err(e)) if e.is_connect() => return Err(TransportError::Connect(chain(&e))),
        Ok(Err(e)) if e.is_builder() => return Err(TransportError::Unsupported(chain(&e))),
        Ok(Err(e)) => return Err(TransportError::Io(chain(&e))),
        Ok(Ok(r)) => r,
    };
    let status = resp.status().as_u16();
    let head: Vec<(String, String)> = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = head
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.to_ascii_lowercase());
    let is_stream = content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| m.trim() == "text/event-stream");
    if status != 200 || !is_stream {
        let body = read_some(
            &mut resp,
            MAX_RECORDED_BODY.min(opts.max_body_bytes),
            deadline,
        )
        .await;
        transcript.push(Entry::HttpResponse {
            t_ms: transcript.now_ms(),
            status,
            headers: head,
            body: (!body.is_empty()).then(|| clip_body(&body)),
        });
        return Err(TransportError::Protocol(format!(
            "GET {stream_url} was answered HTTP {status} ({}), not with an event stream: not a legacy HTTP+SSE endpoint",
            content_type.as_deref().unwrap_or("no content type")
        )));
    }
    transcript.push(Entry::HttpResponse {
        t_ms: transcript.now_ms(),
        status,
        headers: head.clone(),
        body: None,
    });
    let (found_tx, found_rx) = oneshot::channel();
    let reader = tokio::spawn(read_stream(
        resp,
        opts.max_body_bytes,
        transcript.clone(),
        inbox,
        found_tx,
    ));
    let found = match tokio::time::timeout_at(deadline, found_rx).await {
        Ok(Ok(Ok(found))) => found,
        Ok(Ok(Err(why))) => {
            reader.abort();
            return Err(TransportError::Protocol(why));
        }
        Ok(Err(_)) => {
            reader.abort();
            return Err(TransportError::Io("the stream reader stopped".into()));
        }
        Err(_) => {
            reader.abort();
            transcript.note(format!(
                "waited {}ms for the `endpoint` event on the SSE stream; none came",
                opts.timeout.as_millis()
            ));
            return Err(TransportError::Timeout {
                what: "the `endpoint` event on the SSE stream".into(),
                after: opts.timeout,
            });
        }
    };
    let post_url = match resolve(&stream_url, &found.data) {
        Ok(u) => u,
        Err(why) => {
            reader.abort();
            transcript.note(why.clone());
            return Err(TransportError::Protocol(why));
        }
    };
    transcript.note(format!(
        "legacy SSE endpoint: messages are POSTed to {post_url}"
    ));
    Ok(Opened {
        facts: ConnectFacts {
            stream_url: stream_url.to_string(),
            post_url: post_url.to_string(),
            endpoint_data: found.data,
            status,
            headers: head,
            events_before_endpoint: found.before,
            waited: started.elapsed(),
        },
        reader,
    })
}

/// The endpoint URI resolved against the stream URL; another origin (scheme, host, port) is
/// refused: credentials and messages meant for this server must not go elsewhere.
pub(crate) fn resolve(stream_url: &url::Url, data: &str) -> Result<url::Url, String> {
    let joined = stream_url
        .join(data.trim())
        .map_err(|e| format!("the `endpoint` event's data {data:?} is not a URI reference: {e}"))?;
    if joined.origin() != stream_url.origin() {
        return Err(format!(
            "the `endpoint` event names {joined}, on another origin than the stream {}; it was not contacted",
            stream_url.origin().ascii_serialization()
        ));
    }
    Ok(joined)
}

/// Reads the stream until it ends: the endpoint event goes to `found`, `message` events (and
/// events without a type, which SSE calls `message`) to the inbox, everything to the
/// transcript. The end of the stream is an [`Incoming::Closed`].
async fn read_stream(
    mut resp: reqwest::Response,
    cap: usize,
    transcript: Transcript,
    inbox: Inbox,
    found: oneshot::Sender<Result<Found, String>>,
) {
    let mut found = Some(found);
    let mut parser = SseParser::new(cap);
    let mut budget = RecordBudget::default();
    let mut before = Vec::new();
    let why = loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break "the server ended the stream".to_string(),
            Err(e) => break format!("reading the stream failed: {}", chain(&e)),
        };
        let (events, over) = match parser.push(&chunk) {
            Ok(evs) => (evs, false),
            Err(_) => (parser.push(&[]).unwrap_or_default(), true),
        };
        for ev in events {
            let (recorded, note) = budget.admit(ev.data.len().min(MAX_RECORDED_BODY) + 16);
            if let Some(n) = note {
                transcript.note(n);
            }
            if recorded {
                transcript.push(Entry::SseEvent {
                    t_ms: transcript.now_ms(),
                    id: ev.id.clone(),
                    event: ev.event.clone(),
                    data: clip_body(&ev.data),
                    retry: ev.retry,
                });
            }
            handle_event(ev, &mut found, &mut before, &transcript, &inbox);
        }
        if over {
            break format!("an SSE event exceeded the {cap}-byte cap; stopped reading");
        }
    };
    if let Some(tx) = found.take() {
        let _ = tx.send(Err(format!(
            "the SSE stream ended before an `endpoint` event: {why}"
        )));
    }
    if let Some(n) = budget.summary("legacy SSE stream") {
        transcript.note(n);
    }
    transcript.note(format!("legacy SSE stream closed: {why}"));
    inbox.send(Incoming::Closed(format!("the SSE stream ended: {why}")));
}

/// One event of the stream.
fn handle_event(
    ev: SseEvent,
    found: &mut Option<oneshot::Sender<Result<Found, String>>>,
    before: &mut Vec<SseEvent>,
    transcript: &Transcript,
    inbox: &Inbox,
) {
    match ev.event.as_deref() {
        Some("endpoint") => match found.take() {
            Some(tx) => {
                let _ = tx.send(Ok(Found {
                    data: ev.data,
                    before: std::mem::take(before),
                }));
            }
            None => transcript.note("a second `endpoint` event; ignored (the first one stands)"),
        },
        None | Some("message") => {
            if found.is_some() && before.len() < EARLY_EVENTS_KEPT {
                before.push(ev.clone());
            }
            if !ev.data.is_empty() {
                for item in decode_framed(ev.data.as_bytes(), false) {
                    inbox.send(item);
                }
            }
        }
        Some(other) => {
            if found.is_some() && before.len() < EARLY_EVENTS_KEPT {
                before.push(ev.clone());
            }
            transcript.note(format!(
                "SSE event of type `{other}` ignored (the legacy transport defines `endpoint` and `message`)"
            ));
        }
    }
}

/// The start of a body, as text, within `cap` bytes and the deadline.
async fn read_some(resp: &mut reqwest::Response, cap: usize, deadline: Instant) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < cap {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(c))) => {
                let room = cap - bytes.len();
                bytes.extend_from_slice(&c[..c.len().min(room)]);
            }
            _ => break,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// An error with its causes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_resolve_relative_and_stay_on_origin() {
        let base = url::Url::parse("http://127.0.0.1:8080/sse").unwrap();
        assert_eq!(
            resolve(&base, "/messages?sessionId=a").unwrap().as_str(),
            "http://127.0.0.1:8080/messages?sessionId=a"
        );
        assert_eq!(
            resolve(&base, "messages?x=1").unwrap().as_str(),
            "http://127.0.0.1:8080/messages?x=1"
        );
        assert_eq!(
            resolve(&base, " http://127.0.0.1:8080/m ")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/m"
        );
        assert!(resolve(&base, "http://evil.example/m").is_err());
        assert!(resolve(&base, "http://127.0.0.1:9090/m").is_err());
        assert!(resolve(&base, "https://127.0.0.1:8080/m").is_err());
        assert!(resolve(&base, "//other.example/m").is_err());
    }
}
