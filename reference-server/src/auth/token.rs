//! The token endpoint (OAuth 2.1 §3.2): form-encoded requests, client authentication, and the
//! `authorization_code` grant (single-use, short-lived codes bound to client, redirect URI,
//! PKCE challenge and resource; a replayed code revokes what it issued). The
//! `refresh_token` and `client_credentials` grants live in their own files. Every answer,
//! success or error, carries `Cache-Control: no-store`.

use super::client_auth::authenticate;
use super::client_credentials;
use super::clients::Client;
use super::form::Params;
use super::issue::{access_token, token_body};
use super::oauth_error::{token_success, Endpoint, OAuthError};
use super::pkce;
use super::refresh;
use super::server::{now_secs, AuthServer};
use super::store::Redemption;
use crate::fault::Fault;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

/// Whether the request body is declared as a form.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The single value of a parameter, `invalid_request` if repeated.
pub(crate) fn param<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, OAuthError> {
    params.one(name).map_err(OAuthError::invalid_request)
}

/// The `resource` of a token request checked against the grant's audience (RFC 8707).
pub(crate) fn check_resource(
    auth: &AuthServer,
    params: &Params,
    audience: &str,
) -> Result<(), OAuthError> {
    let resources = params.all("resource");
    match resources.as_slice() {
        [] => Ok(()),
        [r] => match auth.audience_for(Some(r)) {
            Ok(a) if a == audience => Ok(()),
            Ok(_) => Err(OAuthError::invalid_target(
                "the resource differs from the one authorized",
            )),
            Err(e) => Err(OAuthError::invalid_target(e)),
        },
        _ => Err(OAuthError::invalid_target("one resource per request")),
    }
}

/// `POST /token`.
pub(crate) async fn handle(
    State(auth): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&auth, &headers, &body).await {
        Ok(v) => token_success(&auth, &v),
        Err(e) => e.response(&auth, Endpoint::Token),
    }
}

async fn run(auth: &AuthServer, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let params = Params::parse(body);
    let grant_type = param(&params, "grant_type")?
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if !matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type `{grant_type}` is not supported"
        )));
    }
    let client = authenticate(auth, headers, &params).await?;
    match grant_type {
        "authorization_code" => code_grant(auth, &client, &params),
        "refresh_token" => refresh::grant(auth, &client, &params),
        _ => client_credentials::grant(auth, &client, &params),
    }
}

fn code_grant(auth: &AuthServer, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let code =
        param(params, "code")?.ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let redirect_uri = param(params, "redirect_uri")?;
    let verifier = param(params, "code_verifier")?;
    if !client.allows_grant("authorization_code") {
        return Err(OAuthError::unauthorized_client(
            "this client may not use the authorization code grant",
        ));
    }
    let redemption = auth
        .lock()
        .redeem_code(code, auth.has(Fault::AuthCodeReuse));
    let grant = match redemption {
        Redemption::Fresh(g) => g,
        Redemption::Replayed(family) => {
            if let Some(f) = family {
                auth.lock().revoke_family(&f);
            }
            tracing::warn!(client_id = %client.id, "authorization code replayed; its tokens are revoked");
            return Err(OAuthError::invalid_grant(
                "the code was already used; tokens issued from it are revoked",
            ));
        }
        Redemption::Expired => return Err(OAuthError::invalid_grant("the code has expired")),
        Redemption::Unknown => return Err(OAuthError::invalid_grant("unknown code")),
    };
    if grant.grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if grant.redirect_given && redirect_uri != Some(grant.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request",
        ));
    }
    if !auth.has(Fault::AuthPkceNotVerified) {
        match (&grant.challenge, verifier) {
            (Some(_), None) => {
                return Err(OAuthError::invalid_request("code_verifier is required"))
            }
            (Some((challenge, method)), Some(v)) => {
                if !pkce::valid_verifier(v) || !pkce::verify(challenge, method, v) {
                    return Err(OAuthError::invalid_grant(
                        "code_verifier does not match the code_challenge",
                    ));
                }
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "code_verifier sent for a code issued without code_challenge",
                ))
            }
            (None, None) => {}
        }
    }
    check_resource(auth, params, &grant.grant.audience)?;
    let family = auth.lock().new_family(grant.grant.clone());
    auth.lock().link_code_family(code, &family);
    let (access, ttl) = access_token(auth, &grant.grant, Some(&family))?;
    // The server decides whether a refresh token comes with the code (clients must not assume
    // one: 2026-07-28 "Refresh Tokens").
    let refresh = auth
        .issues_refresh(&grant.grant.scope)
        .then(|| auth.lock().issue_refresh(&family, now_secs(), false));
    Ok(token_body(&access, ttl, &grant.grant, refresh.as_deref()))
}
