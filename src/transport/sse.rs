//! Server-sent events: an incremental parser that keeps every field the server sent.
//!
//! Written by hand rather than with an event-source crate: a conformance harness must see ids,
//! `retry`, comments and empty-data priming events exactly as they arrived, which those crates
//! hide or drop. The parser follows the WHATWG "event stream interpretation" rules (CR, LF and
//! CRLF line ends; `:` comments; a field without a colon; one leading space stripped from a value;
//! data lines joined with `\n`; `retry` only when all digits; an `id` holding NUL ignored; one
//! leading BOM skipped) with one deliberate deviation: an event is dispatched on a blank line
//! when ANY of `data`, `id`, `event` or `retry` was seen, not only when data is non-empty. MCP
//! priming events are an `id` with empty `data`, and the harness must see them.

/// One server-sent event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id` field, if the event set one.
    pub id: Option<String>,
    /// The `event` field (type), if set.
    pub event: Option<String>,
    /// The data lines joined with `\n`.
    pub data: String,
    /// The `retry` field in milliseconds, if set.
    pub retry: Option<u64>,
}

/// Why a stream could not be parsed further.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// One event (or one line) grew past the cap before it ended.
    #[error("SSE event larger than the {limit}-byte cap")]
    EventTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental SSE parser: feed it chunks as they arrive, get the events they complete.
///
/// Chunks may split the stream anywhere, including inside a UTF-8 sequence or between the `\r`
/// and `\n` of a CRLF: lines are gathered as bytes and decoded (lossily) only once complete.
#[derive(Debug)]
pub struct SseParser {
    max_event_bytes: usize,
    /// Bytes of the line being read (no terminator).
    line: Vec<u8>,
    /// The previous chunk ended with `\r`: a leading `\n` belongs to that line end.
    after_cr: bool,
    /// Bytes seen at the stream start while deciding whether they are a BOM.
    bom_probe: Option<Vec<u8>>,
    /// Fields of the event being built.
    data: String,
    data_seen: bool,
    id: Option<String>,
    event: Option<String>,
    retry: Option<u64>,
    /// Raw bytes of the non-comment lines of the event being built (terminators included).
    event_bytes: usize,
    /// The last event id set by the stream (persists across events, as in WHATWG).
    last_event_id: Option<String>,
    comments: usize,
    /// After an oversized event: ignore input until the next blank line.
    discarding: bool,
    /// Events completed before an error in the same chunk, returned by the next `push`.
    ready: Vec<SseEvent>,
}

impl SseParser {
    /// A parser that refuses any event (or line) longer than `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            max_event_bytes,
            line: Vec::new(),
            after_cr: false,
            bom_probe: Some(Vec::new()),
            data: String::new(),
            data_seen: false,
            id: None,
            event: None,
            retry: None,
            event_bytes: 0,
            last_event_id: None,
            comments: 0,
            discarding: false,
            ready: Vec::new(),
        }
    }

    /// Feeds a chunk; returns the events it completed, in order.
    ///
    /// On `Err`, the event being built is dropped and input is ignored up to the next blank
    /// line; events completed earlier in the same chunk are returned by the next call.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut out = std::mem::take(&mut self.ready);
        let chunk = match self.strip_bom(chunk) {
            Some(rest) => rest,
            None => return Ok(out),
        };
        let mut rest: &[u8] = &chunk;
        if self.after_cr {
            self.after_cr = false;
            if let Some(stripped) = rest.strip_prefix(b"\n") {
                rest = stripped;
            }
        }
        let mut first_err = None;
        while !rest.is_empty() {
            let Some(pos) = rest.iter().position(|&b| b == b'\n' || b == b'\r') else {
                if let Err(e) = self.extend_line(rest) {
                    first_err.get_or_insert(e);
                }
                break;
            };
            let end_len = match (rest[pos], rest.get(pos + 1)) {
                (b'\r', Some(b'\n')) => 2,
                (b'\r', None) => {
                    self.after_cr = true;
                    1
                }
                _ => 1,
            };
            if let Err(e) = self.extend_line(&rest[..pos]) {
                first_err.get_or_insert(e);
            }
            let line = std::mem::take(&mut self.line);
            if let Err(e) = self.process_line(&line, end_len, &mut out) {
                first_err.get_or_insert(e);
            }
            rest = &rest[pos + end_len..];
        }
        match first_err {
            None => Ok(out),
            Some(e) => {
                self.ready = out;
                Err(e)
            }
        }
    }

    /// Ends the stream. Always `None`: an event not closed by a blank line before EOF is not
    /// dispatched (WHATWG). Its size stays available from [`pending_bytes`](Self::pending_bytes).
    pub fn finish(&mut self) -> Option<SseEvent> {
        None
    }

    /// Bytes of the event not yet closed by a blank line (fields read plus the partial line;
    /// comment lines excluded). Non-zero after the stream ended means an unterminated event.
    pub fn pending_bytes(&self) -> usize {
        if self.discarding {
            return 0;
        }
        let partial_comment = self.line.first() == Some(&b':');
        self.event_bytes + if partial_comment { 0 } else { self.line.len() }
    }

    /// The last event id the stream set (what a client would send as `Last-Event-ID`);
    /// `None` if never set or reset by an empty `id`.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref().filter(|s| !s.is_empty())
    }

    /// How many `:` comment lines were seen.
    pub fn comments(&self) -> usize {
        self.comments
    }

    /// Returns the chunk without a leading BOM once the first three bytes are known;
    /// `None` while still undecided (the bytes are held back).
    fn strip_bom<'a>(&mut self, chunk: &'a [u8]) -> Option<std::borrow::Cow<'a, [u8]>> {
        let Some(probe) = self.bom_probe.as_mut() else {
            return Some(std::borrow::Cow::Borrowed(chunk));
        };
        probe.extend_from_slice(chunk);
        if probe.len() < BOM.len() && BOM.starts_with(probe) {
            return None;
        }
        let mut bytes = self.bom_probe.take().unwrap_or_default();
        if bytes.starts_with(BOM) {
            bytes.drain(..BOM.len());
        }
        Some(std::borrow::Cow::Owned(bytes))
    }

    fn extend_line(&mut self, part: &[u8]) -> Result<(), SseError> {
        if self.discarding {
            // Keep only enough to tell a blank line from a non-blank one.
            if !part.is_empty() && self.line.is_empty() {
                self.line.push(b'x');
            }
            return Ok(());
        }
        if self.event_bytes + self.line.len() + part.len() > self.max_event_bytes {
            self.reset_event();
            self.line.clear();
            if !part.is_empty() {
                self.line.push(b'x');
            }
            self.discarding = true;
            return Err(SseError::EventTooLarge {
                limit: self.max_event_bytes,
            });
        }
        self.line.extend_from_slice(part);
        Ok(())
    }

    fn process_line(
        &mut self,
        line: &[u8],
        end_len: usize,
        out: &mut Vec<SseEvent>,
    ) -> Result<(), SseError> {
        if line.is_empty() {
            if self.discarding {
                self.discarding = false;
            } else if let Some(ev) = self.dispatch() {
                out.push(ev);
            }
            return Ok(());
        }
        if self.discarding {
            return Ok(());
        }
        if line[0] == b':' {
            self.comments += 1;
            return Ok(());
        }
        self.event_bytes += line.len() + end_len;
        if self.event_bytes > self.max_event_bytes {
            self.reset_event();
            self.discarding = true;
            return Err(SseError::EventTooLarge {
                limit: self.max_event_bytes,
            });
        }
        let text = String::from_utf8_lossy(line);
        let (name, value) = match text.find(':') {
            Some(i) => {
                let v = &text[i + 1..];
                (&text[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&text[..], ""),
        };
        match name {
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.data_seen = true;
            }
            "event" => self.event = Some(value.to_string()),
            "id" if !value.contains('\0') => {
                self.id = Some(value.to_string());
                self.last_event_id = Some(value.to_string());
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // All digits but too large for u64: ignored like any other invalid value.
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Builds the event if any field was seen (the documented deviation) and resets.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let any =
            self.data_seen || self.id.is_some() || self.event.is_some() || self.retry.is_some();
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        let ev = SseEvent {
            id: self.id.take(),
            event: self.event.take(),
            data,
            retry: self.retry.take(),
        };
        self.reset_event();
        any.then_some(ev)
    }

    fn reset_event(&mut self) {
        self.data.clear();
        self.data_seen = false;
        self.id = None;
        self.event = None;
        self.retry = None;
        self.event_bytes = 0;
    }
}

impl Default for SseParser {
    /// A parser capped at [`DEFAULT_MAX_BODY`](super::DEFAULT_MAX_BODY).
    fn default() -> Self {
        Self::new(super::DEFAULT_MAX_BODY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<SseEvent> {
        let mut p = SseParser::new(1 << 20);
        p.push(input).unwrap()
    }

    fn ev(data: &str) -> SseEvent {
        SseEvent {
            data: data.into(),
            ..SseEvent::default()
        }
    }

    #[test]
    fn cr_lf_and_crlf_all_end_lines() {
        let want = vec![ev("a"), ev("b"), ev("c")];
        assert_eq!(parse_all(b"data: a\n\ndata: b\r\rdata: c\r\n\r\n"), want);
    }

    #[test]
    fn crlf_split_between_chunks_is_one_line_end() {
        let mut p = SseParser::new(1024);
        assert!(p.push(b"data: a\r").unwrap().is_empty());
        // The \n completes the CRLF; the following \r\n is the blank line.
        assert_eq!(p.push(b"\n\r\n").unwrap(), vec![ev("a")]);
        // A lone CR followed by a non-LF chunk is still a line end.
        assert!(p.push(b"data: b\r").unwrap().is_empty());
        assert_eq!(p.push(b"\r").unwrap(), vec![ev("b")]);
    }

    #[test]
    fn utf8_sequence_split_across_chunks_is_kept() {
        let bytes = "data: h\u{e9}llo \u{1F600}\n\n".as_bytes();
        let mut p = SseParser::new(1024);
        let mut got = Vec::new();
        for b in bytes {
            got.extend(p.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(got, vec![ev("h\u{e9}llo \u{1F600}")]);
    }

    #[test]
    fn comments_are_ignored_but_counted() {
        let mut p = SseParser::new(1024);
        let got = p.push(b": keep-alive\n:\ndata: x\n: inside\n\n").unwrap();
        assert_eq!(got, vec![ev("x")]);
        assert_eq!(p.comments(), 3);
    }

    #[test]
    fn a_comment_alone_dispatches_nothing() {
        assert!(parse_all(b": ping\n\n").is_empty());
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        // `data` alone is a data line with an empty value.
        assert_eq!(parse_all(b"data\ndata\n\n"), vec![ev("\n")]);
        let got = parse_all(b"event\ndata: x\n\n");
        assert_eq!(got[0].event.as_deref(), Some(""));
    }

    #[test]
    fn only_one_leading_space_is_stripped() {
        assert_eq!(parse_all(b"data:  two\n\n"), vec![ev(" two")]);
        assert_eq!(parse_all(b"data:none\n\n"), vec![ev("none")]);
        assert_eq!(parse_all(b"data: a: b\n\n"), vec![ev("a: b")]);
    }

    #[test]
    fn multi_line_data_is_joined_with_lf() {
        assert_eq!(
            parse_all(b"data: one\ndata: two\ndata:\n\n"),
            vec![ev("one\ntwo\n")]
        );
    }

    #[test]
    fn retry_only_when_all_digits() {
        let got =
            parse_all(b"retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry: -1\ndata: c\n\n");
        assert_eq!(
            got.iter().map(|e| e.retry).collect::<Vec<_>>(),
            vec![Some(1500), None, None]
        );
        // Too large for u64: ignored, and alone it makes no event.
        assert!(parse_all(b"retry: 99999999999999999999999\n\n").is_empty());
        assert!(parse_all(b"retry:\n\n").is_empty());
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let mut p = SseParser::new(1024);
        let got = p.push(b"id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n").unwrap();
        assert_eq!(got[0].id.as_deref(), Some("1"));
        assert_eq!(got[1].id, None);
        assert_eq!(p.last_event_id(), Some("1"));
        // An id with NUL alone does not make an event.
        assert!(p.push(b"id: \0\n\n").unwrap().is_empty());
    }

    #[test]
    fn last_event_id_persists_and_resets_on_empty_id() {
        let mut p = SseParser::new(1024);
        p.push(b"id: 7\ndata: a\n\ndata: b\n\n").unwrap();
        assert_eq!(p.last_event_id(), Some("7"));
        let got = p.push(b"id\ndata: c\n\n").unwrap();
        assert_eq!(got[0].id.as_deref(), Some(""));
        assert_eq!(p.last_event_id(), None);
    }

    #[test]
    fn priming_event_with_id_and_empty_data_is_dispatched() {
        // Deviation from WHATWG (which drops empty-data events): MCP priming events matter.
        let got = parse_all(b"id: prime-1\ndata:\n\n");
        assert_eq!(
            got,
            vec![SseEvent {
                id: Some("prime-1".into()),
                ..SseEvent::default()
            }]
        );
        let got = parse_all(b"retry: 3000\n\n");
        assert_eq!(
            got,
            vec![SseEvent {
                retry: Some(3000),
                ..SseEvent::default()
            }]
        );
        let got = parse_all(b"event: endpoint\n\n");
        assert_eq!(got[0].event.as_deref(), Some("endpoint"));
    }

    #[test]
    fn unknown_fields_alone_make_no_event() {
        assert!(parse_all(b"foo: bar\n\n").is_empty());
        assert_eq!(parse_all(b"foo: bar\ndata: x\n\n"), vec![ev("x")]);
    }

    #[test]
    fn unterminated_event_at_eof_is_not_dispatched_but_reported() {
        let mut p = SseParser::new(1024);
        assert_eq!(
            p.push(b"data: done\n\ndata: half\n").unwrap(),
            vec![ev("done")]
        );
        assert_eq!(p.finish(), None);
        assert_eq!(p.pending_bytes(), "data: half\n".len());
        let mut q = SseParser::new(1024);
        q.push(b"data: x\n\n: trailing comment\n").unwrap();
        assert_eq!(q.pending_bytes(), 0);
    }

    #[test]
    fn leading_bom_is_skipped_even_when_split() {
        let mut p = SseParser::new(1024);
        assert!(p.push(b"\xEF").unwrap().is_empty());
        assert!(p.push(b"\xBB").unwrap().is_empty());
        assert_eq!(p.push(b"\xBFdata: x\n\n").unwrap(), vec![ev("x")]);
        // A BOM later in the stream is not stripped.
        let got = p.push(b"\xEF\xBB\xBFdata: y\n\n").unwrap();
        assert!(got.is_empty(), "field name with a BOM is unknown: {got:?}");
    }

    #[test]
    fn oversized_event_errors_then_parser_recovers() {
        let mut p = SseParser::new(32);
        let big = format!("data: ok\n\ndata: {}\n\ndata: after\n\n", "z".repeat(64));
        assert_eq!(
            p.push(big.as_bytes()),
            Err(SseError::EventTooLarge { limit: 32 })
        );
        // Events completed in the same chunk are not lost.
        assert_eq!(p.push(b"").unwrap(), vec![ev("ok"), ev("after")]);
    }

    #[test]
    fn oversized_partial_line_errors_without_a_newline() {
        let mut p = SseParser::new(16);
        assert!(p.push(b"data: 0123456789").is_ok());
        assert!(matches!(
            p.push(b"abcdef"),
            Err(SseError::EventTooLarge { .. })
        ));
        assert!(p.push(b"more junk\n\n").unwrap().is_empty());
        assert_eq!(p.push(b"data: z\n\n").unwrap(), vec![ev("z")]);
    }

    #[test]
    fn many_lines_summing_past_the_cap_error() {
        let mut p = SseParser::new(40);
        let r = p.push(b"data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n");
        assert_eq!(r, Err(SseError::EventTooLarge { limit: 40 }));
    }
}
