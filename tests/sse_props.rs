//! Property tests of the SSE parser: chunking never changes the result, encoded events round-trip,
//! and no input makes it panic.

use mcpcheck::transport::sse::{SseError, SseEvent, SseParser};
use proptest::prelude::*;

/// Line terminators a server may use; the parser must treat them alike.
const ENDS: [&str; 3] = ["\n", "\r", "\r\n"];

/// Encodes one event the way a server would, with the given line end, optionally with a comment.
fn encode(ev: &SseEvent, end: &str, comment: bool) -> String {
    let mut s = String::new();
    if comment {
        s.push_str(": keep-alive");
        s.push_str(end);
    }
    if let Some(id) = &ev.id {
        s.push_str(&format!("id: {id}{end}"));
    }
    if let Some(t) = &ev.event {
        s.push_str(&format!("event: {t}{end}"));
    }
    if let Some(r) = ev.retry {
        s.push_str(&format!("retry: {r}{end}"));
    }
    for line in ev.data.split('\n') {
        s.push_str(&format!("data: {line}{end}"));
    }
    s.push_str(end);
    s
}

/// Text without line breaks or NUL (what may appear inside one field), multibyte chars included.
fn field_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 :{}\",._\u{e9}\u{4e2d}\u{1F600}-]{0,24}").unwrap()
}

fn data_text() -> impl Strategy<Value = String> {
    prop::collection::vec(field_text(), 1..4).prop_map(|lines| lines.join("\n"))
}

fn event() -> impl Strategy<Value = SseEvent> {
    (
        prop::option::of(field_text()),
        prop::option::of(field_text()),
        data_text(),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(id, event, data, retry)| SseEvent {
            id,
            event,
            data,
            retry,
        })
}

/// A stream of events, each with its own line-end style and maybe a leading comment.
/// Also returns how many comments it holds.
fn stream() -> impl Strategy<Value = (Vec<SseEvent>, String, usize)> {
    prop::collection::vec((event(), 0..3usize, any::<bool>()), 0..8).prop_map(|items| {
        let text = items
            .iter()
            .map(|(ev, end, c)| encode(ev, ENDS[*end], *c))
            .collect();
        let comments = items.iter().filter(|(_, _, c)| *c).count();
        (
            items.into_iter().map(|(ev, _, _)| ev).collect(),
            text,
            comments,
        )
    })
}

fn parse_chunks(bytes: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
    let mut p = SseParser::new(1 << 20);
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        let cut = cut.clamp(start, bytes.len());
        out.extend(p.push(&bytes[start..cut]).unwrap());
        start = cut;
    }
    out.extend(p.push(&bytes[start..]).unwrap());
    out
}

proptest! {
    #[test]
    fn any_split_gives_the_same_events((_, text, _) in stream(), mut cuts in prop::collection::vec(0..2048usize, 0..12)) {
        let bytes = text.as_bytes();
        cuts.sort_unstable();
        let whole = parse_chunks(bytes, &[]);
        let split = parse_chunks(bytes, &cuts);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn byte_by_byte_gives_the_same_events((_, text, _) in stream()) {
        let bytes = text.as_bytes();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        prop_assert_eq!(parse_chunks(bytes, &[]), parse_chunks(bytes, &cuts));
    }

    #[test]
    fn encoded_events_round_trip((events, text, comments) in stream()) {
        let mut p = SseParser::new(1 << 20);
        let got = p.push(text.as_bytes()).unwrap();
        prop_assert_eq!(p.pending_bytes(), 0);
        prop_assert_eq!(&got, &events);
        let last_id = events.iter().rev().find_map(|e| e.id.as_deref()).filter(|s| !s.is_empty());
        prop_assert_eq!(p.last_event_id(), last_id);
        prop_assert_eq!(p.comments(), comments);
    }

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..16), cap in 1..128usize) {
        let mut p = SseParser::new(cap);
        for c in &chunks {
            match p.push(c) {
                Ok(events) => {
                    for e in events {
                        // The cap is on raw bytes; lossy decoding turns each invalid byte
                        // into a 3-byte U+FFFD at most.
                        prop_assert!(e.data.len() <= 3 * cap);
                    }
                }
                Err(SseError::EventTooLarge { limit }) => prop_assert_eq!(limit, cap),
            }
        }
        prop_assert_eq!(p.finish(), None);
        let _ = p.pending_bytes();
    }

    #[test]
    fn arbitrary_sse_like_text_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
        "data", "id", "event", "retry", ":", " ", "\r", "\n", "\r\n", "x", "\0", "12", "\u{e9}", "\u{FEFF}",
    ]), 0..64)) {
        let text: String = parts.concat();
        let mut p = SseParser::new(64);
        for b in text.as_bytes().chunks(3) {
            let _ = p.push(b);
        }
        let _ = p.finish();
    }
}
