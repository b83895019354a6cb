//! A minimal SSE parser for the tests (events separated by blank lines; `id`, `data`, comments).

use serde_json::Value;

/// One parsed event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub data: String,
    /// The event consisted only of comment lines.
    pub comment_only: bool,
}

impl SseEvent {
    /// The data as JSON, when it is a message (non-empty data).
    pub fn message(&self) -> Option<Value> {
        if self.data.is_empty() {
            return None;
        }
        Some(
            serde_json::from_str(&self.data)
                .unwrap_or_else(|e| panic!("bad SSE data {:?}: {e}", self.data)),
        )
    }
}

/// Parses one event block (without its terminating blank line).
pub fn parse_block(block: &str) -> SseEvent {
    let mut ev = SseEvent {
        comment_only: true,
        ..Default::default()
    };
    let mut data: Vec<&str> = Vec::new();
    for line in block.split('\n') {
        if line.starts_with(':') {
            continue;
        }
        ev.comment_only = false;
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" => ev.id = Some(value.to_string()),
            "data" => data.push(value),
            _ => {}
        }
    }
    ev.data = data.join("\n");
    ev
}

/// Splits complete events off the front of `buf`, leaving a partial one.
pub fn drain_events(buf: &mut String) -> Vec<SseEvent> {
    let mut out = Vec::new();
    while let Some(i) = buf.find("\n\n") {
        let block: String = buf.drain(..i + 2).collect();
        out.push(parse_block(block.trim_end_matches('\n')));
    }
    out
}
