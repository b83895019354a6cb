//! Telling a legacy HTTP+SSE server from a Streamable HTTP one, by the specification's
//! backwards-compatibility rule: POST an `initialize`; a 4xx answer means an older server, so
//! GET the URL with `Accept: text/event-stream`; an `endpoint` event as the first event means
//! the legacy transport.

use crate::protocol::ProtocolVersion;
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::http::RawRequest;
use crate::transport::{ClientOptions, HttpTransport, Inbox};
use std::time::Duration;

/// Whether `url` is a legacy HTTP+SSE endpoint (the probe's exchanges are recorded nowhere;
/// a session the POST opened is deleted again).
pub async fn detect(url: &str, opts: &ClientOptions) -> bool {
    let transcript = Transcript::new();
    let Ok(http) = HttpTransport::new(
        url,
        opts.clone(),
        transcript.clone(),
        Inbox::channel(64 * 1024, transcript).0,
    ) else {
        return false;
    };
    let init = crate::protocol::jsonrpc::request(
        serde_json::json!(1),
        "initialize",
        Some(Session::default_initialize_params(
            ProtocolVersion::NEWEST_STATEFUL,
        )),
    );
    let post = RawRequest {
        with_session: false,
        sse_window: Duration::from_millis(500),
        ..RawRequest::post(init.to_string())
    };
    let Ok(answer) = http.raw(post).await else {
        return false;
    };
    if !(400..500).contains(&answer.status) {
        if let Some(id) = answer.header("mcp-session-id") {
            // The probe opened a session; end it rather than leave it to expire.
            http.set_session_id(Some(id.to_string()));
            let _ = http.delete_session().await;
        }
        return false;
    }
    let get = RawRequest {
        with_session: false,
        default_headers: false,
        sse_window: opts.timeout,
        max_events: 1,
        ..RawRequest::get_stream()
    };
    http.raw(get).await.is_ok_and(|r| {
        r.status == 200
            && r.media_type().as_deref() == Some("text/event-stream")
            && r.sse_events
                .first()
                .is_some_and(|e| e.event.as_deref() == Some("endpoint"))
    })
}
