//! Checking access tokens: at `/mcp` (this server's own tokens, or a separate authorization
//! server's, verified with its JWKS; audience = this MCP endpoint), and for introspection and
//! revocation (this server's own tokens, any audience). Beyond the JWT itself, a token of
//! this server's own issuing must not be revoked, its client not deleted, and its upstream
//! session (upstream mode) still open.

use super::jwt::{self, Checks, Claims, JwtError, VerifyKey};
use super::remote::RemoteIssuer;
use super::scopes::ScopeSet;
use super::server::{now_secs, AuthServer};
use crate::fault::Fault;
use serde_json::Value;

/// Verifies against a remote issuer's keys, refetching them once for an unknown `kid`.
async fn verify_remote(
    remote: &RemoteIssuer,
    token: &str,
    resource: Option<&str>,
    checks: Checks,
) -> Result<Claims, String> {
    let now = now_secs();
    let attempt =
        |keys: &[VerifyKey]| jwt::verify(token, keys, &remote.issuer, resource, now, checks);
    let keys = remote.keys(false).await.map_err(|e| e.to_string())?;
    match attempt(&keys) {
        Err(JwtError::UnknownKey) => {
            let keys = remote.keys(true).await.map_err(|e| e.to_string())?;
            attempt(&keys).map_err(|e| e.to_string())
        }
        r => r.map_err(|e| e.to_string()),
    }
}

/// The checks the store can answer for a token of this server's own issuing.
fn local_checks(auth: &AuthServer, claims: &Claims, check_revoked: bool) -> Result<(), String> {
    let store = auth.lock();
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    if check_revoked && s("jti").is_some_and(|j| store.is_revoked(j)) {
        return Err("token revoked".into());
    }
    if s("client_id").is_some_and(|c| store.deleted_clients.contains(c)) {
        return Err("client deleted".into());
    }
    if s("sid").is_some_and(|sid| !store.upstream_sessions.contains_key(sid)) {
        return Err("upstream session ended".into());
    }
    Ok(())
}

/// Verifies a token presented at `/mcp`; `Err` says why it is invalid.
pub(crate) async fn verify_for_mcp(auth: &AuthServer, token: &str) -> Result<Claims, String> {
    let checks = Checks {
        signature: !auth.has(Fault::AuthBadSignatureAccepted),
        algorithm: !auth.has(Fault::AuthAlgNoneAccepted),
        expiry: !auth.has(Fault::AuthExpiredTokenAccepted),
        audience: !auth.has(Fault::AuthNoAudienceCheck),
    };
    if let Some(remote) = &auth.external {
        return verify_remote(remote, token, Some(&auth.resource), checks).await;
    }
    let own = jwt::verify(
        token,
        &[auth.key.verify_key()],
        &auth.issuer,
        Some(&auth.resource),
        now_secs(),
        checks,
    );
    match own {
        Ok(claims) => {
            local_checks(auth, &claims, !auth.has(Fault::AuthRevocationIgnored))?;
            Ok(claims)
        }
        Err(e) => match (
            &auth.upstream,
            auth.has(Fault::AuthUpstreamTokenPassthrough),
        ) {
            // The fault: the upstream IdP's own token is taken as if it were this server's.
            (Some(up), true) => verify_remote(&up.remote, token, None, Checks::ALL)
                .await
                .map_err(|_| e.to_string()),
            _ => Err(e.to_string()),
        },
    }
}

/// Verifies a token of this server's own issuing, for any audience (introspection and
/// revocation); `check_revoked: false` skips the revocation list.
pub(crate) fn verify_own(auth: &AuthServer, token: &str, check_revoked: bool) -> Option<Claims> {
    let claims = jwt::verify(
        token,
        &[auth.key.verify_key()],
        &auth.issuer,
        None,
        now_secs(),
        Checks::ALL,
    )
    .ok()?;
    local_checks(auth, &claims, check_revoked).ok()?;
    Some(claims)
}

/// The scopes a token grants (its `scope` claim, space-separated).
pub(crate) fn granted_scopes(claims: &Claims) -> ScopeSet {
    let text = claims.get("scope").and_then(Value::as_str).unwrap_or("");
    ScopeSet::from_names(text.split(' ').filter(|s| !s.is_empty()))
}
