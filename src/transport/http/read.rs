//! Reading HTTP response bodies within a deadline and a byte cap, as plain bytes or SSE events,
//! and recording what was read in the transcript.

use super::super::{SseEvent, SseParser};
use crate::transcript::{clip_body, Entry, Transcript};
use std::time::Duration;
use tokio::time::Instant;

/// How a read ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The body or stream ended normally.
    Complete,
    /// More than the cap arrived (the excess was not kept).
    OverCap,
    /// The deadline passed first.
    TimedOut,
    /// The caller's event limit was reached with the stream still open.
    EventLimit,
    /// The connection failed mid-body.
    Failed(String),
}

/// A body read up to the cap.
pub(crate) struct Body {
    pub bytes: Vec<u8>,
    pub end: End,
}

/// Reads the whole body, keeping at most `cap` bytes, until `deadline`.
pub(crate) async fn read_body(resp: &mut reqwest::Response, cap: usize, deadline: Instant) -> Body {
    let mut bytes = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Err(_) => {
                return Body {
                    bytes,
                    end: End::TimedOut,
                }
            }
            Ok(Err(e)) => {
                return Body {
                    bytes,
                    end: End::Failed(e.to_string()),
                }
            }
            Ok(Ok(None)) => {
                return Body {
                    bytes,
                    end: End::Complete,
                }
            }
            Ok(Ok(Some(chunk))) => {
                if bytes.len() + chunk.len() > cap {
                    let room = cap - bytes.len();
                    bytes.extend_from_slice(&chunk[..room]);
                    return Body {
                        bytes,
                        end: End::OverCap,
                    };
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
}

/// What an SSE read produced.
pub(crate) struct SseRead {
    pub events: Vec<SseEvent>,
    /// The raw stream text, when asked for (lossy UTF-8, at most the cap).
    pub raw: Vec<u8>,
    pub end: End,
}

/// Reads SSE events until the stream ends, `deadline` passes, or `max_events` were read.
/// Each event is recorded and handed to `on_event` as it arrives. An event over `cap` ends the
/// read with [`End::OverCap`]; with `keep_raw`, the raw bytes are kept too (at most `cap`).
pub(crate) async fn read_sse(
    resp: &mut reqwest::Response,
    cap: usize,
    deadline: Instant,
    max_events: usize,
    keep_raw: bool,
    transcript: &Transcript,
    mut on_event: impl FnMut(&SseEvent),
) -> SseRead {
    let mut parser = SseParser::new(cap);
    let mut out = SseRead {
        events: Vec::new(),
        raw: Vec::new(),
        end: End::Complete,
    };
    if max_events == 0 {
        out.end = End::EventLimit;
        return out;
    }
    loop {
        let chunk = match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Err(_) => {
                out.end = End::TimedOut;
                break;
            }
            Ok(Err(e)) => {
                out.end = End::Failed(e.to_string());
                break;
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(c))) => c,
        };
        if keep_raw {
            let room = cap.saturating_sub(out.raw.len());
            out.raw.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        let parsed = parser.push(&chunk);
        // Events completed before an oversized one are still evidence.
        let (events, over) = match parsed {
            Ok(evs) => (evs, false),
            Err(_) => (parser.push(&[]).unwrap_or_default(), true),
        };
        for ev in events {
            record_event(transcript, &ev);
            on_event(&ev);
            out.events.push(ev);
            if out.events.len() >= max_events {
                out.end = End::EventLimit;
                return out;
            }
        }
        if over {
            transcript.note(format!(
                "SSE event larger than the {cap}-byte cap; stopped reading"
            ));
            out.end = End::OverCap;
            return out;
        }
    }
    if out.end == End::Complete {
        parser.finish();
        let pending = parser.pending_bytes();
        if pending > 0 {
            transcript.note(format!(
                "SSE stream ended inside an event: {pending} bytes not closed by a blank line (not dispatched)"
            ));
        }
    }
    out
}

/// Records one SSE event.
pub(crate) fn record_event(transcript: &Transcript, ev: &SseEvent) {
    transcript.push(Entry::SseEvent {
        t_ms: transcript.now_ms(),
        id: ev.id.clone(),
        event: ev.event.clone(),
        data: clip_body(&ev.data),
        retry: ev.retry,
    });
}

/// Response headers with lower-cased names, in received order (values lossy UTF-8).
pub(crate) fn header_list(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The media type of a `content-type` value: lower-cased, parameters dropped.
pub(crate) fn media_type(content_type: Option<&str>) -> Option<String> {
    content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// A note for a read that did not complete, or `None`.
pub(crate) fn end_note(end: &End, what: &str, cap: usize, waited: Duration) -> Option<String> {
    match end {
        End::Complete => None,
        End::OverCap => Some(format!(
            "{what}: more than the {cap}-byte cap; the rest was not read"
        )),
        End::TimedOut => Some(format!(
            "{what}: still open after {}ms; stopped reading",
            waited.as_millis()
        )),
        End::EventLimit => Some(format!("{what}: event limit reached; stopped reading")),
        End::Failed(e) => Some(format!("{what}: read failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_drops_parameters_and_case() {
        assert_eq!(
            media_type(Some("Application/JSON; charset=utf-8")).as_deref(),
            Some("application/json")
        );
        assert_eq!(
            media_type(Some("text/event-stream")).as_deref(),
            Some("text/event-stream")
        );
        assert_eq!(media_type(None), None);
    }
}
