//! The SSE writer, parsed back by an independent parser.

use crate::prelude::*;

/// One event as a client parses it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Event {
    pub(crate) id: Option<String>,
    pub(crate) data: String,
}

/// An SSE parser following the WHATWG algorithm (any of CRLF, CR, LF ends a line; comments;
/// `field: value` with one optional space; `data` lines joined with LF; an event is dispatched
/// at a blank line, and only if it set a field). Independent of the server's code.
pub(crate) fn parse_sse(bytes: &[u8]) -> Vec<Event> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut events = Vec::new();
    let (mut id, mut data, mut touched) = (None, Vec::<String>::new(), false);
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalised.split('\n') {
        if line.is_empty() {
            if touched {
                events.push(Event {
                    id: id.take(),
                    data: data.join("\n"),
                });
            }
            data.clear();
            touched = false;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" if !value.contains('\0') => {
                id = Some(value.to_string());
                touched = true;
            }
            "data" => {
                data.push(value.to_string());
                touched = true;
            }
            _ => {}
        }
    }
    events
}

#[test]
fn sse_output_parses_back_to_the_same_messages_and_ids() {
    let inputs = (
        any::<u64>(),
        prop::collection::vec((json_value(), 0u8..4), 0..8),
        any::<bool>(),
    );
    fuzz("sse-writer", inputs, |(stream, messages, priming)| {
        let n = messages.len() + usize::from(priming);
        let ids = sse_event_ids(stream, n);
        let mut ids_iter = ids.iter();
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        if priming {
            let id = ids_iter.next().cloned().unwrap_or_default();
            bytes.extend_from_slice(&sse_priming(&id));
            expected.push(Event {
                id: Some(id),
                data: String::new(),
            });
        }
        for (msg, keep_alives) in &messages {
            for _ in 0..*keep_alives {
                bytes.extend_from_slice(&sse_keep_alive());
            }
            let id = ids_iter.next().cloned().unwrap_or_default();
            bytes.extend_from_slice(&sse_message(&id, msg));
            expected.push(Event {
                id: Some(id),
                data: msg.to_string(),
            });
        }
        let events = parse_sse(&bytes);
        prop_assert_eq!(&events, &expected);
        for (ev, (msg, _)) in events.iter().skip(usize::from(priming)).zip(&messages) {
            let back: Value = serde_json::from_str(&ev.data)
                .map_err(|e| TestCaseError::fail(format!("data is not JSON: {e}")))?;
            // Compared with the message as any client decodes its JSON text: serde_json's
            // default float parsing may differ from the in-memory f64 in the last bit, which
            // is a property of the decoder, not of the framing.
            let decoded: Value = serde_json::from_str(&msg.to_string())
                .map_err(|e| TestCaseError::fail(format!("message is not JSON: {e}")))?;
            prop_assert_eq!(&back, &decoded);
        }
        // Event ids are distinct within the stream and safe to put on one line.
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        prop_assert_eq!(unique.len(), ids.len());
        prop_assert!(ids
            .iter()
            .all(|i| !i.is_empty() && !i.contains(['\n', '\r', '\0'])));
        // The stream ends on an event boundary.
        prop_assert!(bytes.is_empty() || bytes.ends_with(b"\n\n"));
        Ok(())
    });
}
