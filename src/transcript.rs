//! The evidence of a run: every HTTP exchange, SSE event, stdio line and JSON-RPC message, in order.
//!
//! Transports append to a shared [`Transcript`]; a check takes the slice recorded while it ran
//! ([`Transcript::mark`] / [`Transcript::since`]) and reports it with its verdict.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Largest body kept in a transcript entry; longer bodies are cut and marked.
pub const MAX_RECORDED_BODY: usize = 64 * 1024;

/// One thing that crossed the wire (or a note about it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// An HTTP request the harness sent.
    HttpRequest {
        t_ms: u64,
        method: String,
        url: String,
        headers: Vec<(String, String)>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// The head (and, unless streamed, the body) of an HTTP response.
    HttpResponse {
        t_ms: u64,
        status: u16,
        headers: Vec<(String, String)>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// One server-sent event received on an HTTP stream.
    SseEvent {
        t_ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        data: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry: Option<u64>,
    },
    /// A line written to a stdio server's stdin.
    StdioSend { t_ms: u64, line: String },
    /// A line read from a stdio server's stdout.
    StdioRecv { t_ms: u64, line: String },
    /// A line read from a stdio server's stderr.
    Stderr { t_ms: u64, line: String },
    /// A remark by the harness (timeouts, skipped reads, process exit).
    Note { t_ms: u64, text: String },
}

impl Entry {
    /// Milliseconds since the transcript started.
    pub fn t_ms(&self) -> u64 {
        match self {
            Entry::HttpRequest { t_ms, .. }
            | Entry::HttpResponse { t_ms, .. }
            | Entry::SseEvent { t_ms, .. }
            | Entry::StdioSend { t_ms, .. }
            | Entry::StdioRecv { t_ms, .. }
            | Entry::Stderr { t_ms, .. }
            | Entry::Note { t_ms, .. } => *t_ms,
        }
    }
}

/// A shared, append-only log of entries. Cloning shares the log.
#[derive(Clone, Debug)]
pub struct Transcript {
    inner: Arc<Mutex<Vec<Entry>>>,
    start: Instant,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript whose clock starts now.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Vec::new())),
            start: Instant::now(),
        }
    }

    /// Milliseconds since the transcript started (for building entries).
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Appends an entry.
    pub fn push(&self, entry: Entry) {
        self.lock().push(entry);
    }

    /// Appends a note.
    pub fn note(&self, text: impl Into<String>) {
        let t_ms = self.now_ms();
        self.push(Entry::Note {
            t_ms,
            text: text.into(),
        });
    }

    /// The current length, to slice from later.
    pub fn mark(&self) -> usize {
        self.lock().len()
    }

    /// Entries appended since `mark`.
    pub fn since(&self, mark: usize) -> Vec<Entry> {
        let guard = self.lock();
        guard.get(mark..).map(<[Entry]>::to_vec).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A panic while holding the lock cannot leave the Vec inconsistent; keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Cuts `s` to [`MAX_RECORDED_BODY`] bytes on a char boundary, saying how much was dropped.
pub fn clip_body(s: &str) -> String {
    if s.len() <= MAX_RECORDED_BODY {
        return s.to_string();
    }
    let mut end = MAX_RECORDED_BODY;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes not recorded]", &s[..end], s.len() - end)
}
