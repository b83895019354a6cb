//! Authorization server metadata (RFC 8414) at `/.well-known/oauth-authorization-server`, and
//! the same document with the OpenID Connect Discovery members at
//! `/.well-known/openid-configuration`. The issuer is the origin with no path, so both live at
//! the root only.

use super::clients::{AuthMethod, GRANT_TYPES};
use super::scopes::{OFFLINE_ACCESS, SUPPORTED};
use super::server::AuthServer;
use super::settings::RefreshTokens;
use crate::fault::Fault;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// The RFC 8414 document.
pub(crate) fn document(auth: &AuthServer) -> Value {
    let o = &auth.origin;
    let issuer = if auth.has(Fault::AuthIssuerMismatch) {
        format!("{}/", auth.issuer)
    } else {
        auth.issuer.clone()
    };
    let methods: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.name()).collect();
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{o}/authorize"),
        "token_endpoint": format!("{o}/token"),
        "registration_endpoint": format!("{o}/register"),
        "revocation_endpoint": format!("{o}/revoke"),
        "introspection_endpoint": format!("{o}/introspect"),
        "jwks_uri": format!("{o}/jwks"),
        "scopes_supported": SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "token_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": auth.config.allow_loopback_cimd,
    });
    match auth.config.refresh_tokens {
        RefreshTokens::Always => {}
        // No refresh tokens at all: the grant is not offered.
        RefreshTokens::Never => {
            let grants: Vec<&str> = GRANT_TYPES
                .iter()
                .copied()
                .filter(|g| *g != "refresh_token")
                .collect();
            doc["grant_types_supported"] = json!(grants);
        }
        // Refresh tokens on request: `offline_access` is listed (here only; the protected
        // resource never asks for it).
        RefreshTokens::OfflineAccess => {
            let mut scopes: Vec<&str> = SUPPORTED.to_vec();
            scopes.push(OFFLINE_ACCESS);
            doc["scopes_supported"] = json!(scopes);
        }
    }
    if auth.has(Fault::AuthNoS256Advertised) {
        if let Some(m) = doc.as_object_mut() {
            m.remove("code_challenge_methods_supported");
        }
    }
    doc
}

/// `GET /.well-known/oauth-authorization-server`.
pub(crate) async fn oauth(State(auth): State<Arc<AuthServer>>) -> Json<Value> {
    Json(document(&auth))
}

/// `GET /.well-known/openid-configuration`: the same, plus the members OpenID Connect
/// Discovery requires (this server issues no ID tokens: `openid` is not a supported scope).
pub(crate) async fn openid(State(auth): State<Arc<AuthServer>>) -> Json<Value> {
    let mut doc = document(&auth);
    doc["subject_types_supported"] = json!(["public"]);
    doc["id_token_signing_alg_values_supported"] = json!(["ES256"]);
    Json(doc)
}
