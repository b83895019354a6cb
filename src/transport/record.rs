//! How much of one stream (an SSE response, a process's stdout) goes into the transcript.
//!
//! Each recorded item is already clipped to `MAX_RECORDED_BODY`, but a server can send items
//! without end; a transcript that keeps them all grows without bound. A [`RecordBudget`] admits
//! items until a byte total or an item count is reached, then counts what it left out so a
//! note can say so.

/// Bytes one stream may put in the transcript.
pub(crate) const STREAM_RECORD_BYTES: usize = 1024 * 1024;

/// Items one stream may put in the transcript.
pub(crate) const STREAM_RECORD_ITEMS: usize = 2000;

/// A per-stream allowance of transcript entries.
#[derive(Debug)]
pub(crate) struct RecordBudget {
    bytes_left: usize,
    items_left: usize,
    skipped: usize,
    skipped_bytes: usize,
}

impl Default for RecordBudget {
    fn default() -> Self {
        Self::new(STREAM_RECORD_BYTES, STREAM_RECORD_ITEMS)
    }
}

impl RecordBudget {
    /// An allowance of `bytes` and `items`.
    pub(crate) fn new(bytes: usize, items: usize) -> Self {
        Self {
            bytes_left: bytes,
            items_left: items,
            skipped: 0,
            skipped_bytes: 0,
        }
    }

    /// Whether an item of `len` bytes may be recorded. Returns `Some(note)` alongside `false`
    /// for the first item refused, so the transcript says recording stopped.
    pub(crate) fn admit(&mut self, len: usize) -> (bool, Option<String>) {
        if self.skipped == 0 && self.items_left > 0 && len <= self.bytes_left {
            self.items_left -= 1;
            self.bytes_left -= len;
            return (true, None);
        }
        self.skipped += 1;
        self.skipped_bytes = self.skipped_bytes.saturating_add(len);
        let note = (self.skipped == 1).then(|| {
            "the transcript's allowance for this stream is used up; further items are counted, not recorded"
                .to_string()
        });
        (false, note)
    }

    /// A closing note when items were left out.
    pub(crate) fn summary(&self, what: &str) -> Option<String> {
        (self.skipped > 0).then(|| {
            format!(
                "{what}: {} more items ({} bytes) were received but not recorded",
                self.skipped, self.skipped_bytes
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_until_bytes_or_items_run_out_then_counts() {
        let mut b = RecordBudget::new(10, 3);
        assert_eq!(b.admit(4), (true, None));
        assert_eq!(b.admit(4), (true, None));
        let (ok, note) = b.admit(4);
        assert!(!ok && note.is_some(), "bytes used up");
        assert_eq!(b.admit(1), (false, None), "stays closed once closed");
        assert_eq!(
            b.summary("stdout").as_deref(),
            Some("stdout: 2 more items (5 bytes) were received but not recorded")
        );
        let mut c = RecordBudget::new(100, 1);
        assert!(c.admit(1).0);
        assert!(!c.admit(1).0, "items used up");
        assert_eq!(RecordBudget::default().summary("x"), None);
    }
}
