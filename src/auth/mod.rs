//! OAuth 2.1 as an MCP client needs it, for checking authorization servers and protected MCP
//! servers from the outside: discovery (RFC 9728 protected resource metadata, RFC 8414 and OIDC
//! authorization server metadata), client registration (RFC 7591/7592, client ID metadata
//! documents, pre-registered clients), PKCE (RFC 7636), the authorization request driven by a
//! headless browser or a real one, the token endpoint's grants, revocation (RFC 7009) and
//! introspection (RFC 7662).
//!
//! Every HTTP exchange goes through [`exchange::OAuthHttp`], which never follows redirects, bounds
//! every wait and records request and response into the check's transcript, so a failure carries
//! its evidence. [`action`] is the scenario step (`auth = { action = "…" }`) built on these
//! pieces; [`flow`] is the run-level "authorize once" behind `mcpcheck run --auth …`.

pub mod action;
pub mod authorize;
pub mod browser;
pub mod challenge;
pub mod client_auth;
pub mod client_credentials;
pub mod discovery;
pub mod exchange;
pub mod flow;
pub mod form;
pub mod interactive;
pub mod introspect;
pub mod jwt;
pub mod loopback;
pub mod ops;
pub mod pkce;
pub mod refresh;
pub mod register;
pub mod revoke;
pub mod state;
pub mod token;

/// Why an OAuth operation could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The network exchange failed: connection refused, timeout, reset, body over the cap.
    #[error("{0}")]
    Http(String),
    /// The server answered something a client cannot use (no JSON where JSON is required,
    /// a missing required field).
    #[error("{0}")]
    Protocol(String),
    /// A client that follows the spec must stop here (issuer mismatch, no S256 advertised,
    /// state not echoed, PRM for another resource, …).
    #[error("{0}")]
    Refused(String),
    /// Something the harness needs was not given (a credential, an endpoint, an earlier step).
    #[error("{0}")]
    Missing(String),
}

use crate::protocol::ProtocolVersion;

/// What the authorization part of each protocol revision requires of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthFeatures {
    /// Discovery through protected resource metadata (RFC 9728); before: metadata at the MCP
    /// origin's root, with default endpoints as fallback.
    pub prm: bool,
    /// `resource` (RFC 8707) on authorization and token requests.
    pub resource_indicator: bool,
    /// A client must refuse to proceed when the metadata does not advertise S256.
    pub s256_must_be_advertised: bool,
}

/// The authorization feature table of `version`.
pub fn features(version: ProtocolVersion) -> AuthFeatures {
    AuthFeatures {
        prm: version >= ProtocolVersion::V2025_06_18,
        resource_indicator: version >= ProtocolVersion::V2025_06_18,
        s256_must_be_advertised: version >= ProtocolVersion::V2025_11_25,
    }
}
