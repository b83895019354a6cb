//! The client configuration endpoint (RFC 7592): `GET`, `PUT` and `DELETE
//! /register/{client_id}`, each authenticated with the registration access token issued at
//! registration (compared by digest, in constant time). A wrong or missing token, or an
//! unknown client, is 401. Client secrets are stored hashed, so responses never repeat them;
//! the registration access token in a response is the one the request presented.

use super::clients::ClientKind;
use super::oauth_error::{json_response, Endpoint, OAuthError};
use super::register::{apply, information, parse_body};
use super::secrets::{ct_eq, digest_of};
use super::server::AuthServer;
use crate::fault::Fault;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

/// Fields a client may not send in an update (RFC 7592 §2.2).
const SERVER_FIELDS: [&str; 4] = [
    "registration_access_token",
    "registration_client_uri",
    "client_id_issued_at",
    "client_secret_expires_at",
];

fn denied() -> Response {
    let mut r = json_response(
        StatusCode::UNAUTHORIZED,
        &serde_json::json!({"error": "invalid_token", "error_description": "a valid registration access token is required"}),
        true,
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    r
}

/// The request does not authenticate for the client (answered with [`denied`]).
struct Denied;

/// The presented registration access token, if the request authenticates for `id`.
fn authorize(auth: &AuthServer, id: &str, headers: &HeaderMap) -> Result<Option<String>, Denied> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let store = auth.lock();
    let Some(client) = store
        .clients
        .get(id)
        .filter(|c| c.kind == ClientKind::Dynamic)
    else {
        return Err(Denied);
    };
    if auth.has(Fault::AuthDcrConfigNoAuth) {
        return Ok(token);
    }
    match (&token, &client.registration_token) {
        (Some(t), Some(expected)) if ct_eq(&digest_of(t), expected) => Ok(token),
        _ => Err(Denied),
    }
}

/// `GET /register/{client_id}`.
pub(crate) async fn read(
    State(auth): State<Arc<AuthServer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match authorize(&auth, &id, &headers) {
        Ok(t) => t,
        Err(Denied) => return denied(),
    };
    let Some(client) = auth.lock().clients.get(&id).cloned() else {
        return denied();
    };
    json_response(
        StatusCode::OK,
        &information(&auth, &client, None, token.as_deref()),
        true,
    )
}

/// `PUT /register/{client_id}`: replaces the metadata.
pub(crate) async fn update(
    State(auth): State<Arc<AuthServer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match authorize(&auth, &id, &headers) {
        Ok(t) => t,
        Err(Denied) => return denied(),
    };
    let (value, reg) = match parse_body(&auth, &body) {
        Ok(v) => v,
        Err(e) => return e.response(&auth, Endpoint::Other),
    };
    let Some(mut client) = auth.lock().clients.get(&id).cloned() else {
        return denied();
    };
    let problem = if value.get("client_id").and_then(Value::as_str) != Some(id.as_str()) {
        Some("the body's client_id must be the client's id")
    } else if SERVER_FIELDS.iter().any(|f| value.get(f).is_some()) {
        Some("the body may not carry fields the server assigns")
    } else if value
        .get("client_secret")
        .is_some_and(|s| !matches!((s.as_str(), &client.secret), (Some(s), Some(h)) if h.verify(s)))
    {
        Some("client_secret does not match the issued secret")
    } else if (reg.auth_method == super::clients::AuthMethod::None) == client.is_confidential() {
        Some("a client cannot change between public and confidential")
    } else {
        None
    };
    if let Some(p) = problem {
        return OAuthError::invalid_request(p).response(&auth, Endpoint::Other);
    }
    apply(&mut client, reg);
    auth.lock().clients.insert(id, client.clone());
    json_response(
        StatusCode::OK,
        &information(&auth, &client, None, token.as_deref()),
        true,
    )
}

/// `DELETE /register/{client_id}`: the client, its secret and its tokens stop working.
pub(crate) async fn remove(
    State(auth): State<Arc<AuthServer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if authorize(&auth, &id, &headers).is_err() {
        return denied();
    }
    let mut store = auth.lock();
    store.clients.remove(&id);
    store.deleted_clients.insert(id);
    StatusCode::NO_CONTENT.into_response()
}
