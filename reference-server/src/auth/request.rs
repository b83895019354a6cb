//! Validating an authorization request (OAuth 2.1 §4.1.1, RFC 7636, RFC 8707). Problems with
//! the client or the redirect URI are shown to the user and never redirected (the redirect
//! target is not trusted yet); every later problem is sent back to the client's redirect URI
//! as an `error` parameter.

use super::form::Params;
use super::pkce;
use super::redirect;
use super::scopes::{split_offline, ScopeSet, OFFLINE_ACCESS};
use super::server::AuthServer;
use super::settings::RefreshTokens;
use crate::fault::Fault;

/// A validated authorization request.
#[derive(Clone, Debug)]
pub(crate) struct AuthzRequest {
    /// The client.
    pub client_id: String,
    /// The client's display name, if it has one.
    pub client_name: Option<String>,
    /// Where the response goes.
    pub redirect_uri: String,
    /// Whether the request named the redirect URI.
    pub redirect_given: bool,
    /// Requested (and allowed) scopes.
    pub scope: ScopeSet,
    /// The client's `state`, echoed back.
    pub state: Option<String>,
    /// PKCE challenge and method (`None` only under `auth-missing-pkce-accepted`).
    pub challenge: Option<(String, String)>,
    /// The token audience (from `resource`).
    pub audience: String,
    /// Every parameter as received (carried by the form's hidden inputs).
    pub params: Vec<(String, String)>,
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Shown on an error page (400), not redirected.
    Page(String),
    /// Sent to the redirect URI.
    Redirect {
        /// The client's redirect URI.
        redirect_uri: String,
        /// The client's state.
        state: Option<String>,
        /// OAuth error code.
        error: &'static str,
        /// Description.
        description: String,
    },
}

/// Validates the parameters of an authorization request.
pub(crate) async fn validate(auth: &AuthServer, params: &Params) -> Result<AuthzRequest, Refusal> {
    let page = |m: String| Refusal::Page(m);
    let client_id = params
        .one("client_id")
        .map_err(page)?
        .ok_or_else(|| page("The request has no client_id.".into()))?;
    let client = auth
        .client(client_id)
        .await
        .map_err(|e| page(format!("The client cannot be used: {e}.")))?
        .ok_or_else(|| page("Unknown client.".into()))?;
    let given = params.one("redirect_uri").map_err(page)?;
    let redirect_uri = match given {
        Some(r)
            if redirect::matches(
                &client.redirect_uris,
                r,
                auth.has(Fault::AuthRedirectPrefixMatch),
            ) =>
        {
            r.to_string()
        }
        Some(_) => {
            return Err(page(
                "The redirect_uri is not registered for this client.".into(),
            ))
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Err(page("The request has no redirect_uri.".into())),
    };
    let state = params.one("state").ok().flatten().map(str::to_string);
    let fail = |error: &'static str, description: String| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description,
    };
    // RFC 6749 §3.1: no parameter may repeat (RFC 8707 lets `resource` repeat; see below).
    if let Some(k) = params.repeated(&["resource"]) {
        return Err(fail(
            "invalid_request",
            format!("parameter `{k}` is repeated"),
        ));
    }
    let one = |name: &str| params.one(name).map_err(|e| fail("invalid_request", e));
    match one("response_type")? {
        None => return Err(fail("invalid_request", "response_type is required".into())),
        Some("code") => {}
        Some(other) => {
            return Err(fail(
                "unsupported_response_type",
                format!("response_type `{other}` is not supported; use `code`"),
            ))
        }
    }
    if !client.allows_grant("authorization_code") {
        return Err(fail(
            "unauthorized_client",
            "this client may not use the authorization code grant".into(),
        ));
    }
    let challenge = match (one("code_challenge")?, one("code_challenge_method")?) {
        (None, _) if auth.has(Fault::AuthMissingPkceAccepted) => None,
        (None, _) => {
            return Err(fail(
                "invalid_request",
                "code_challenge is required (PKCE with S256)".into(),
            ))
        }
        (Some(c), method) => {
            // RFC 7636 §4.3: an absent method means `plain`.
            let method = method.unwrap_or("plain");
            let allowed =
                method == "S256" || (method == "plain" && auth.has(Fault::AuthPlainPkceAccepted));
            if !allowed {
                return Err(fail(
                    "invalid_request",
                    format!("code_challenge_method `{method}` is not supported; use S256"),
                ));
            }
            if !pkce::valid_challenge(c, method) {
                return Err(fail("invalid_request", "malformed code_challenge".into()));
            }
            Some((c.to_string(), method.to_string()))
        }
    };
    let allowed = client.allowed_scopes();
    let scope = match one("scope")? {
        None => allowed,
        Some(s) => {
            // `offline_access` is accepted (and kept in the grant) only where it asks for a
            // refresh token; elsewhere it is an unknown scope like any other.
            let offline_ok = auth.config.refresh_tokens == RefreshTokens::OfflineAccess;
            let (rest, offline) = match split_offline(s) {
                (rest, true) if offline_ok => (rest, true),
                _ => (s.to_string(), false),
            };
            let mut set = ScopeSet::parse(&rest)
                .map_err(|bad| fail("invalid_scope", format!("unknown scope `{bad}`")))?;
            if !set.is_subset(&allowed) {
                return Err(fail(
                    "invalid_scope",
                    format!("this client may request only `{allowed}`"),
                ));
            }
            if offline {
                set.insert(OFFLINE_ACCESS);
            }
            set
        }
    };
    let resources = params.all("resource");
    if resources.len() > 1 {
        return Err(fail("invalid_target", "one resource per request".into()));
    }
    let audience = auth
        .audience_for(resources.first().copied())
        .map_err(|e| fail("invalid_target", e))?;
    Ok(AuthzRequest {
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        redirect_uri,
        redirect_given: given.is_some(),
        scope,
        state,
        challenge,
        audience,
        params: params.pairs().to_vec(),
    })
}
