//! `GET /jwks`: the JWK Set (RFC 7517 §5) with the public key that signs access tokens.

use super::server::AuthServer;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// The handler.
pub(crate) async fn handle(State(auth): State<Arc<AuthServer>>) -> Json<Value> {
    Json(json!({"keys": [auth.key.jwk()]}))
}
