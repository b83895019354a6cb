//! SSE parser (stub).
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
/// Incremental parser (stub).
#[derive(Debug, Default)]
pub struct SseParser;
