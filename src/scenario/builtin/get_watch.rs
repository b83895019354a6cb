//! The session's standalone GET stream, watched while a check waits for something the server
//! may send there rather than on a POST's response stream.
//!
//! Spec `basic/utilities/tasks` (2025-11-25, "Input Required Status"): servers choose which
//! SSE stream carries a task's messages, and clients SHOULD expect them on any SSE stream,
//! the HTTP GET stream included. A check waiting for such a message (a task's request for
//! input, its status notices) opens the GET stream for the duration of the wait: its messages
//! reach the session's inbox like those of a POST stream, so requests are answered from
//! `[client.replies]` and everything is judged the same, whichever stream carried it. A server
//! that offers no GET stream (405) changes nothing. Streamable HTTP only: stdio has one
//! channel, the legacy transport's SSE stream already carries everything, and the 2026-07-28
//! stateless wire has no GET stream.

use crate::session::Session;
use crate::transport::http::RawRequest;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Most events read from the stream (the body cap bounds it too).
const MAX_EVENTS: usize = 1024;

/// A GET stream being read in the background; closed when dropped.
#[derive(Debug)]
pub(super) struct GetWatch {
    reader: Option<JoinHandle<()>>,
}

impl GetWatch {
    /// Opens the session's GET stream for at most `window` (from its response head), when the
    /// session speaks stateful Streamable HTTP; otherwise watches nothing.
    pub(super) fn open(session: &Session, window: Duration) -> GetWatch {
        let stateful_http = session.legacy().is_none() && session.stateless().is_none();
        let Some(http) = session.http().filter(|_| stateful_http).cloned() else {
            return GetWatch { reader: None };
        };
        let req = RawRequest {
            sse_window: window,
            max_events: MAX_EVENTS,
            ..RawRequest::get_stream()
        };
        let reader = tokio::spawn(async move {
            let note = match http.raw_delivering(req).await {
                Ok(r) if r.status == 200 => return,
                Ok(r) => format!(
                    "the server offers no GET stream (HTTP {}); its messages can only come on POST streams",
                    r.status
                ),
                Err(e) => format!("the GET stream could not be opened: {e}"),
            };
            http.transcript().note(note);
        });
        GetWatch {
            reader: Some(reader),
        }
    }
}

impl Drop for GetWatch {
    fn drop(&mut self) {
        // Dropping the read closes the connection, which ends the stream for the server.
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
    }
}
