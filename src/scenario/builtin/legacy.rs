//! Legacy HTTP+SSE (2024-11-05) transport checks that need the connection's own facts.
//!
//! A session on this transport only opens once the stream sent its `endpoint` event (else the
//! check fails opening it, with the wait in the transcript), so what is left to judge here is
//! the event's place and content.

use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::Level;
use crate::transport::SseEvent;

/// `legacy.endpoint-event`: the stream's first event is `endpoint`, naming a non-empty URI on
/// the stream's origin (the handshake already went through it).
pub async fn endpoint_event(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let Some(legacy) = ctx.session.legacy() else {
        return Err(Skip("applies to the legacy HTTP+SSE transport only".into()));
    };
    let facts = legacy.facts().clone();
    let mut findings = Vec::new();
    if facts.endpoint_data.trim().is_empty() {
        findings.push(ctx.finding(
            "the `endpoint` event's data is empty: it names no URI to POST to",
            "a URI, e.g. /messages?sessionId=…",
            "\"\"",
        ));
    }
    if !facts.events_before_endpoint.is_empty() {
        findings.push(ctx.finding_at(
            Level::Should,
            format!(
                "{} event(s) came before the `endpoint` event; a client learns where to POST only from it, so it should come first",
                facts.events_before_endpoint.len()
            ),
            "`endpoint` as the first event",
            describe(&facts.events_before_endpoint),
        ));
    }
    Ok(findings)
}

/// `event: x data: y; …` for evidence.
fn describe(events: &[SseEvent]) -> String {
    events
        .iter()
        .map(|e| {
            format!(
                "event: {} data: {}",
                e.event.as_deref().unwrap_or("(none)"),
                crate::transcript::clip_body(&e.data)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
