//! Request-header rules of the Streamable HTTP transport: `Accept`, `Content-Type`, the session
//! id and `MCP-Protocol-Version`, and finding the session a request belongs to.

use super::reply::Rejection;
use crate::fault::Fault;
use crate::session::{new_session_id, Negotiated, Session};
use crate::state::ServerState;
use crate::version::Version;
use axum::http::{header, HeaderMap, StatusCode};
use std::sync::Arc;

/// The session header (names are case-insensitive; 2025-11-25 spells it `MCP-Session-Id`).
pub(crate) const SESSION_HEADER: &str = "mcp-session-id";
/// The protocol version header.
pub(crate) const PROTOCOL_HEADER: &str = "mcp-protocol-version";

/// Whether `Accept` lists `mime` explicitly. Wildcards do not count: the spec requires clients
/// to list the types, and the reference server holds clients to it.
pub(crate) fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|item| {
                let media = item.split(';').next().unwrap_or("").trim();
                media.eq_ignore_ascii_case(mime)
            })
        })
}

/// Whether `Content-Type` is `application/json` (parameters such as charset allowed).
pub(crate) fn is_json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The session a request names.
pub(crate) enum Lookup {
    /// A live session.
    Found(Arc<Session>),
    /// No session header.
    Missing,
    /// A header naming no live session.
    Unknown,
}

/// Finds the session of a request.
pub(crate) fn lookup(state: &ServerState, headers: &HeaderMap) -> Lookup {
    let Some(value) = headers.get(SESSION_HEADER) else {
        return Lookup::Missing;
    };
    match value.to_str().ok().and_then(|id| state.sessions.get(id)) {
        Some(s) => {
            // Any request naming the session counts as activity (idle expiry, `crate::expiry`).
            s.gauges().touch();
            Lookup::Found(s)
        }
        None => Lookup::Unknown,
    }
}

/// A session that is not stored, already initialized at the newest revision (used by the
/// faults that serve requests without a valid session).
pub(crate) fn throwaway(state: &ServerState) -> Arc<Session> {
    let s = Session::new_http(new_session_id(state.has(Fault::SessionIdInvalidChars)));
    s.set_negotiated(Negotiated {
        version: Version::NEWEST,
        wire: Version::NEWEST.as_str().into(),
    });
    Arc::new(s)
}

/// The session of a GET or DELETE, or the error response: 400 without a header, 404 for an
/// unknown one (served in a throwaway session under `unknown-session-ok`).
pub(crate) fn require_session(
    state: &ServerState,
    headers: &HeaderMap,
) -> Result<Arc<Session>, Rejection> {
    match lookup(state, headers) {
        Lookup::Found(s) => Ok(s),
        Lookup::Missing => Err(missing_session()),
        Lookup::Unknown if state.has(Fault::UnknownSessionOk) => Ok(throwaway(state)),
        Lookup::Unknown => Err(unknown_session()),
    }
}

/// 400 for a request without a session id.
pub(crate) fn missing_session() -> Rejection {
    Rejection::new(
        StatusCode::BAD_REQUEST,
        "Bad Request: Mcp-Session-Id header is required",
    )
}

/// 404 for an unknown or terminated session.
pub(crate) fn unknown_session() -> Rejection {
    Rejection::new(StatusCode::NOT_FOUND, "Session not found")
}

/// Checks `MCP-Protocol-Version` against the session: an unsupported value is always 400; a
/// supported value other than the negotiated one is 400 for sessions at 2025-06-18 or later.
/// An absent header is accepted.
pub(crate) fn check_protocol_version(
    state: &ServerState,
    headers: &HeaderMap,
    session: &Session,
) -> Result<(), Rejection> {
    if state.has(Fault::IgnoreProtocolHeader) {
        return Ok(());
    }
    let Some(value) = headers.get(PROTOCOL_HEADER) else {
        return Ok(());
    };
    let Some(negotiated) = session.negotiated() else {
        return Ok(());
    };
    let Ok(value) = value.to_str() else {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "Bad Request: invalid MCP-Protocol-Version header",
        ));
    };
    if value == negotiated.wire {
        return Ok(());
    }
    match Version::parse(value) {
        None => Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            format!("Bad Request: unsupported MCP-Protocol-Version `{value}`"),
        )),
        Some(_) if negotiated.version.protocol_header() => Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            format!(
                "Bad Request: MCP-Protocol-Version `{value}` differs from the negotiated `{}`",
                negotiated.wire
            ),
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: header::HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_needs_explicit_types() {
        let h = with(header::ACCEPT, "application/json, text/event-stream;q=0.9");
        assert!(accepts(&h, "application/json") && accepts(&h, "text/event-stream"));
        assert!(!accepts(&with(header::ACCEPT, "*/*"), "application/json"));
        assert!(!accepts(&HeaderMap::new(), "application/json"));
    }

    #[test]
    fn content_type_allows_parameters() {
        assert!(is_json_body(&with(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8"
        )));
        assert!(!is_json_body(&with(header::CONTENT_TYPE, "text/plain")));
        assert!(!is_json_body(&HeaderMap::new()));
    }
}
