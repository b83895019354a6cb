//! The guard in front of `/mcp` (RFC 6750, RFC 9728 §5.1, MCP authorization): every request
//! needs `Authorization: Bearer <token>` (never a query parameter). No token: 401 with a
//! challenge naming the protected resource metadata and the scopes, without an error code.
//! A bad token: 401 `invalid_token`. A `tools/call` of a data tool without the scope it needs:
//! 403 `insufficient_scope` naming the scopes to ask for (those already granted plus the
//! missing ones, the spec's recommended approach, so a step-up loses nothing).

use super::access::{granted_scopes, verify_for_mcp};
use super::scopes::{ScopeSet, SUPPORTED};
use super::server::AuthServer;
use crate::fault::Fault;
use crate::http::MAX_BODY_BYTES;
use crate::jsonrpc::{codes, error_response, RpcError};
use crate::services::data::required_scope;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;

/// What the `Authorization` header holds.
enum Presented {
    /// No bearer credentials at all.
    Nothing,
    /// A bearer header that cannot be read.
    Malformed,
    /// A token.
    Token(String),
}

fn presented(headers: &HeaderMap) -> Presented {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return if headers.contains_key(header::AUTHORIZATION) {
            Presented::Malformed
        } else {
            Presented::Nothing
        };
    };
    let Ok(text) = value.to_str() else {
        return Presented::Malformed;
    };
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Presented::Nothing;
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(' ') {
        Presented::Malformed
    } else {
        Presented::Token(token.to_string())
    }
}

/// The scopes the `tools/call` requests in a POST body need.
fn required_scopes(body: &[u8]) -> ScopeSet {
    let mut needed = ScopeSet::default();
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return needed;
    };
    let messages = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    for m in &messages {
        if m.get("method").and_then(Value::as_str) != Some("tools/call") {
            continue;
        }
        if let Some(scope) = m
            .pointer("/params/name")
            .and_then(Value::as_str)
            .and_then(required_scope)
        {
            needed.insert(scope);
        }
    }
    needed
}

fn refusal(status: StatusCode, challenge: Option<String>, message: &str) -> Response {
    let body = error_response(Value::Null, &RpcError::new(codes::INVALID_REQUEST, message));
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(v) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// 401: `error` is `None` when the request carried no token.
fn unauthorized(auth: &AuthServer, error: Option<&str>) -> Response {
    let mut challenge = String::from("Bearer ");
    if error.is_some() {
        challenge.push_str("error=\"invalid_token\", ");
    }
    // `auth-offline-access-in-challenge`: the challenge also asks for `offline_access`, which
    // a resource should not (2026-07-28: refresh tokens are not a resource requirement).
    let offline = if auth.has(Fault::AuthOfflineAccessInChallenge) {
        " offline_access"
    } else {
        ""
    };
    challenge.push_str(&format!(
        "resource_metadata=\"{}\", scope=\"{}{offline}\"",
        auth.prm_url(),
        SUPPORTED.join(" ")
    ));
    if let Some(description) = error {
        let clean: String = description
            .chars()
            .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
            .collect();
        challenge.push_str(&format!(", error_description=\"{clean}\""));
    }
    let challenge = (!auth.has(Fault::AuthNoWwwAuthenticate)).then_some(challenge);
    let message = if error.is_some() {
        "Unauthorized: invalid access token"
    } else {
        "Unauthorized: an access token is required"
    };
    refusal(StatusCode::UNAUTHORIZED, challenge, message)
}

/// 403 `insufficient_scope` (401 under `auth-insufficient-scope-401`).
fn insufficient(auth: &AuthServer, scope: &ScopeSet) -> Response {
    let challenge = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{}\", \
         error_description=\"this tool needs more scope\"",
        auth.prm_url()
    );
    if auth.has(Fault::AuthInsufficientScope401) {
        let challenge = (!auth.has(Fault::AuthNoWwwAuthenticate)).then_some(challenge);
        return refusal(StatusCode::UNAUTHORIZED, challenge, "Unauthorized");
    }
    refusal(
        StatusCode::FORBIDDEN,
        Some(challenge),
        &format!("Forbidden: insufficient scope; ask for `{scope}`"),
    )
}

/// The middleware.
pub(crate) async fn check(
    State(auth): State<Arc<AuthServer>>,
    req: Request,
    next: Next,
) -> Response {
    let token = match presented(req.headers()) {
        Presented::Nothing => return unauthorized(&auth, None),
        Presented::Malformed => return unauthorized(&auth, Some("malformed Authorization header")),
        Presented::Token(t) => t,
    };
    let claims = match verify_for_mcp(&auth, &token).await {
        Ok(c) => c,
        Err(why) => {
            tracing::debug!("access token rejected: {why}");
            return unauthorized(&auth, Some(&why));
        }
    };
    if req.method() != Method::POST || auth.has(Fault::AuthScopeNotEnforced) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return refusal(StatusCode::PAYLOAD_TOO_LARGE, None, "Payload Too Large");
    };
    let needed = required_scopes(&bytes);
    let granted = granted_scopes(&claims);
    // The documented hierarchy (scopes::IMPLIES: `write` implies `read`); under
    // `auth-scope-hierarchy-ignored` only the exact scope counts.
    let effective = if auth.has(Fault::AuthScopeHierarchyIgnored) {
        granted.clone()
    } else {
        granted.with_implied()
    };
    if !needed.is_subset(&effective) {
        let relevant =
            ScopeSet::from_names(SUPPORTED.iter().filter(|s| granted.contains(s)).copied());
        // `auth-step-up-partial`: the challenge names only the granted scopes, not the missing
        // one, so a step-up to what it names is refused again.
        let named = if auth.has(Fault::AuthStepUpPartial) && !relevant.is_empty() {
            relevant
        } else {
            relevant.union(&needed)
        };
        return insufficient(&auth, &named);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing() {
        let mut h = HeaderMap::new();
        assert!(matches!(presented(&h), Presented::Nothing));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(matches!(presented(&h), Presented::Nothing));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer tok"),
        );
        assert!(matches!(presented(&h), Presented::Token(t) if t == "tok"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert!(matches!(presented(&h), Presented::Malformed));
        h.append(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert!(matches!(presented(&h), Presented::Malformed));
    }

    #[test]
    fn data_tool_calls_need_their_scopes() {
        let one =
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_item"}}"#;
        assert_eq!(required_scopes(one).to_string(), "write");
        let batch =
            br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_item"}},
            {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_item"}}]"#;
        assert_eq!(required_scopes(batch).to_string(), "read write");
        let echo = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#;
        assert!(required_scopes(echo).is_empty());
        assert!(required_scopes(b"not json").is_empty());
    }
}
