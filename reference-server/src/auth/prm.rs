//! Protected resource metadata (RFC 9728), served at the path-based well-known URL of `/mcp`
//! and at the root one. Both documents name the MCP endpoint URL as `resource` (the
//! identifier clients put in `resource` and tokens carry in `aud`), and the authorization
//! server: this origin, or the separate one of `--as-url`.

use super::scopes::SUPPORTED;
use super::server::AuthServer;
use crate::fault::Fault;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub(crate) async fn handle(State(auth): State<Arc<AuthServer>>) -> Response {
    if auth.has(Fault::AuthPrmMissing) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let resource = if auth.has(Fault::AuthPrmWrongResource) {
        format!("{}/not-mcp", auth.origin)
    } else {
        auth.resource.clone()
    };
    Json(json!({
        "resource": resource,
        "authorization_servers": [auth.token_issuer()],
        "scopes_supported": SUPPORTED,
        "bearer_methods_supported": ["header"],
        "resource_name": "mcpcheck reference server",
    }))
    .into_response()
}
