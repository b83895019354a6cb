//! Dynamic client registration (RFC 7591): `POST /register` with JSON metadata answers 201
//! with a fresh `client_id`, a secret for confidential clients (stored only as a hash), and a
//! registration access token plus `registration_client_uri` for the RFC 7592 endpoint.

use super::client_metadata::{validate, Registered};
use super::clients::{AuthMethod, Client, ClientKind};
use super::oauth_error::{json_response, Endpoint, OAuthError};
use super::secrets::{digest_of, random_token, SecretHash};
use super::server::{now_secs, AuthServer};
use crate::fault::Fault;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Most clients kept (registration is unauthenticated; this bounds the memory it can take).
const MAX_CLIENTS: usize = 10_000;

/// The client information response body (RFC 7591 §3.2.1, RFC 7592 §3).
pub(crate) fn information(
    auth: &AuthServer,
    client: &Client,
    secret: Option<&str>,
    registration_token: Option<&str>,
) -> Value {
    let mut body: Map<String, Value> = client.metadata.clone();
    body.insert("client_id".into(), json!(client.id));
    body.insert("client_id_issued_at".into(), json!(client.issued_at));
    if let Some(s) = secret {
        body.insert("client_secret".into(), json!(s));
    }
    if client.is_confidential() {
        body.insert("client_secret_expires_at".into(), json!(0));
    }
    if let Some(t) = registration_token {
        body.insert("registration_access_token".into(), json!(t));
    }
    body.insert(
        "registration_client_uri".into(),
        json!(format!("{}/register/{}", auth.origin, client.id)),
    );
    Value::Object(body)
}

/// Applies validated metadata to a client.
pub(crate) fn apply(client: &mut Client, reg: Registered) {
    client.auth_method = reg.auth_method;
    client.redirect_uris = reg.redirect_uris;
    client.grant_types = reg.grant_types;
    client.scope = reg.scope;
    client.name = reg.name;
    client.metadata = reg.metadata;
}

/// Parses a JSON body into metadata.
pub(crate) fn parse_body(
    auth: &AuthServer,
    body: &[u8],
) -> Result<(Value, Registered), OAuthError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| OAuthError::new("invalid_client_metadata", "the body is not JSON"))?;
    let reg = validate(&value, auth.has(Fault::AuthDcrAcceptsInvalidRedirect))?;
    Ok((value, reg))
}

/// 429 for a registration over the rate limit, with `Retry-After` and an OAuth error body
/// naming the limit (RFC 7591 defines no code for it; `temporarily_unavailable` is RFC 6749's
/// code for a server that cannot serve the request now).
fn rate_limited(auth: &AuthServer, wait_secs: u64) -> Response {
    let b = &auth.registrations;
    let mut r = OAuthError {
        status: StatusCode::TOO_MANY_REQUESTS,
        ..OAuthError::new(
            "temporarily_unavailable",
            format!(
                "registration rate limit exceeded (registration-rate: {} per second, \
                 registration-burst: {}); retry in {wait_secs} s",
                b.rate(),
                b.burst()
            ),
        )
    }
    .response(auth, Endpoint::Other);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
    r
}

/// `POST /register`.
pub(crate) async fn handle(State(auth): State<Arc<AuthServer>>, body: Bytes) -> Response {
    if let Err(wait) = auth.registrations.take() {
        return rate_limited(&auth, wait);
    }
    let reg = match parse_body(&auth, &body) {
        Ok((_, reg)) => reg,
        Err(e) => return e.response(&auth, Endpoint::Other),
    };
    let confidential = reg.auth_method != AuthMethod::None;
    let secret = confidential.then(|| random_token(32));
    let token = random_token(32);
    let mut client = Client {
        id: random_token(16),
        kind: ClientKind::Dynamic,
        secret: secret.as_deref().map(SecretHash::new),
        auth_method: reg.auth_method,
        redirect_uris: Vec::new(),
        grant_types: Vec::new(),
        scope: None,
        name: None,
        metadata: Map::new(),
        registration_token: Some(digest_of(&token)),
        issued_at: now_secs(),
    };
    apply(&mut client, reg);
    {
        let mut store = auth.lock();
        if store.clients.len() >= MAX_CLIENTS {
            return OAuthError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                ..OAuthError::new("temporarily_unavailable", "too many registered clients")
            }
            .response(&auth, Endpoint::Other);
        }
        store.clients.insert(client.id.clone(), client.clone());
    }
    tracing::info!(client_id = %client.id, "client registered");
    json_response(
        StatusCode::CREATED,
        &information(&auth, &client, secret.as_deref(), Some(&token)),
        true,
    )
}
