//! The OAuth side of the reference server (MCP authorization, revisions 2025-03-26 to
//! 2025-11-25), off unless `--auth` (or `--role as`) asks for it.
//!
//! Three ways to run: `--auth oauth` (a built-in authorization server on the same origin as
//! `/mcp`), `--auth oauth --as-url URL` (`/mcp` trusts a separate instance running `--role as`),
//! and `--auth upstream --upstream URL` (the third-party flow: users log in at an upstream IdP,
//! and this server mints its own tokens bound to that session). One file per endpoint —
//! `prm` (RFC 9728), `metadata` (RFC 8414 / OIDC discovery), `authorize` with `request`
//! (validation) and `login_form` (HTML), `token` with `refresh` and `client_credentials`,
//! `register` and `client_config` (RFC 7591/7592), `cimd` (client ID metadata documents),
//! `revoke` (RFC 7009), `introspect` (RFC 7662), `jwks`, `upstream` — and one per concern:
//! `bearer` guards `/mcp`, `access` checks tokens, `jwt` signs and verifies them, `issue`
//! mints codes and tokens, `store` keeps state, `secrets` hashes and compares, `redirect` and
//! `pkce` hold their exact rules, `remote` fetches from other loopback servers.
//!
//! Secrets are stored hashed (client secrets and passwords with salted PBKDF2; codes and
//! tokens by SHA-256 digest) and never logged. Every `auth-*` fault switch acts here.

mod access;
mod authorize;
mod bearer;
mod cimd;
mod client_auth;
mod client_config;
mod client_credentials;
mod client_metadata;
mod clients;
mod form;
mod introspect;
mod issue;
mod jwks;
mod jwt;
mod login_form;
mod metadata;
mod oauth_error;
mod pkce;
mod prm;
mod redirect;
mod refresh;
mod register;
mod remote;
mod request;
mod revoke;
mod scopes;
mod secrets;
mod server;
mod settings;
mod store;
mod token;
mod upstream;
mod users;

pub(crate) use remote::is_loopback_url;
pub(crate) use server::AuthServer;
pub use settings::{AuthConfig, AuthMode, ClientSpec, RefreshTokens, Role, UserSpec};

use axum::routing::{get, post};
use axum::{middleware, Router};
use std::sync::Arc;

/// The OAuth endpoints this instance serves (none without authorization).
pub(crate) fn routes(auth: Option<&Arc<AuthServer>>) -> Router {
    let Some(auth) = auth else {
        return Router::new();
    };
    let mut r = Router::new();
    if auth.config.serves_mcp() {
        r = r
            .route("/.well-known/oauth-protected-resource", get(prm::handle))
            .route(
                "/.well-known/oauth-protected-resource/mcp",
                get(prm::handle),
            );
    }
    if auth.config.runs_authorization_server() {
        r = r
            .route(
                "/.well-known/oauth-authorization-server",
                get(metadata::oauth),
            )
            .route("/.well-known/openid-configuration", get(metadata::openid))
            .route("/authorize", get(authorize::show).post(authorize::submit))
            .route("/token", post(token::handle))
            .route("/register", post(register::handle))
            .route(
                "/register/{client_id}",
                get(client_config::read)
                    .put(client_config::update)
                    .delete(client_config::remove),
            )
            .route("/revoke", post(revoke::handle))
            .route("/introspect", post(introspect::handle))
            .route("/jwks", get(jwks::handle));
        if auth.upstream.is_some() {
            r = r.route("/upstream/callback", get(upstream::callback));
        }
    }
    r.with_state(auth.clone())
}

/// `router` with the bearer guard in front of its routes, when authorization is on.
pub(crate) fn protect<S>(router: Router<S>, auth: Option<&Arc<AuthServer>>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    match auth {
        Some(a) => router.route_layer(middleware::from_fn_with_state(a.clone(), bearer::check)),
        None => router,
    }
}
