//! Reading HTTP response bodies within a deadline and a byte cap, as plain bytes or SSE events,
//! and recording what was read in the transcript.

use super::super::record::RecordBudget;
use super::super::{SseEvent, SseParser};
use crate::transcript::{clip_body, Entry, Transcript, MAX_RECORDED_BODY};
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

/// Reads the whole body, keeping at most `cap` bytes, until `deadline`. A body whose
/// `Content-Length` already says it is over the cap is read no further than its first
/// `MAX_RECORDED_BODY` bytes (kept as evidence).
pub(crate) async fn read_body(resp: &mut reqwest::Response, cap: usize, deadline: Instant) -> Body {
    let declared = resp.content_length().and_then(|n| usize::try_from(n).ok());
    let declared_over = declared.is_some_and(|n| n > cap);
    let keep = if declared_over {
        cap.min(MAX_RECORDED_BODY)
    } else {
        cap
    };
    // Sized up front when the length is known, so a body near the cap does not reserve up to
    // twice its size by doubling.
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n.min(keep)));
    loop {
        if declared_over && bytes.len() >= keep {
            return Body {
                bytes,
                end: End::OverCap,
            };
        }
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
                    end: End::Failed(super::error_chain(&e)),
                }
            }
            Ok(Ok(None)) => {
                return Body {
                    bytes,
                    end: End::Complete,
                }
            }
            Ok(Ok(Some(chunk))) => {
                if bytes.len() + chunk.len() > keep {
                    let room = keep - bytes.len();
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
    /// The events, as long as their data totals at most the cap (later ones are only counted).
    pub events: Vec<SseEvent>,
    /// Events received but not kept in `events`.
    pub unkept: usize,
    /// The raw stream text, when asked for (lossy UTF-8, at most the cap).
    pub raw: Vec<u8>,
    pub end: End,
}

/// Reads SSE events until the stream ends, `deadline` passes, or `max_events` were read.
/// Each event is handed to `on_event` as it arrives and recorded in the transcript (within the
/// stream's [`RecordBudget`]); events are kept in [`SseRead::events`] while their total size
/// stays within `keep` bytes. An event over `cap` ends the read with [`End::OverCap`]; with
/// `keep_raw`, the raw bytes are kept too (at most `cap`). What the read holds is bounded
/// whatever the stream's length.
#[allow(clippy::too_many_arguments)] // each is one knob of the read; a struct would only rename them
pub(crate) async fn read_sse(
    resp: &mut reqwest::Response,
    cap: usize,
    keep: usize,
    deadline: Instant,
    max_events: usize,
    keep_raw: bool,
    transcript: &Transcript,
    mut on_event: impl FnMut(&SseEvent),
) -> SseRead {
    let mut parser = SseParser::new(cap);
    let mut out = SseRead {
        events: Vec::new(),
        unkept: 0,
        raw: Vec::new(),
        end: End::Complete,
    };
    let mut record = RecordBudget::default();
    let mut kept_bytes = 0usize;
    let mut seen = 0usize;
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
                out.end = End::Failed(super::error_chain(&e));
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
            seen += 1;
            let size = event_size(&ev);
            let (recorded, note) = record.admit(size.min(MAX_RECORDED_BODY));
            if let Some(note) = note {
                transcript.note(note);
            }
            if recorded {
                record_event(transcript, &ev);
            }
            on_event(&ev);
            if out.unkept == 0 && kept_bytes.saturating_add(size) <= keep {
                kept_bytes += size;
                out.events.push(ev);
            } else {
                out.unkept += 1;
            }
            if seen >= max_events {
                out.end = End::EventLimit;
                break;
            }
        }
        if out.end == End::EventLimit {
            break;
        }
        if over {
            transcript.note(format!(
                "SSE event larger than the {cap}-byte cap; stopped reading"
            ));
            out.end = End::OverCap;
            break;
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
    if let Some(note) = record.summary("SSE stream") {
        transcript.note(note);
    }
    if out.unkept > 0 {
        transcript.note(format!(
            "{} SSE events past the first {keep} bytes were passed on but not kept with the response",
            out.unkept
        ));
    }
    out
}

/// Bytes an event holds.
fn event_size(ev: &SseEvent) -> usize {
    ev.data.len()
        + ev.id.as_ref().map_or(0, String::len)
        + ev.event.as_ref().map_or(0, String::len)
        + 16
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
