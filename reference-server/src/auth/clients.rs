//! Registered clients: pre-registered confidential clients from the command line, clients
//! registered with DCR (RFC 7591), and clients described by a client ID metadata document.
//! A client with a secret is confidential; its secret is kept only as a salted hash.

use super::scopes::ScopeSet;
use super::secrets::{Digest, SecretHash};
use super::settings::ClientSpec;
use serde_json::{Map, Value};

/// Grant types this server implements.
pub(crate) const GRANT_TYPES: [&str; 3] =
    ["authorization_code", "refresh_token", "client_credentials"];

/// How a client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    /// A public client: `client_id` only.
    None,
    /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1).
    SecretBasic,
    /// `client_id` and `client_secret` in the form body.
    SecretPost,
}

impl AuthMethod {
    /// Every method, in the order they are advertised.
    pub const ALL: [AuthMethod; 3] = [Self::None, Self::SecretBasic, Self::SecretPost];

    /// The registered name (`token_endpoint_auth_method`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::SecretBasic => "client_secret_basic",
            Self::SecretPost => "client_secret_post",
        }
    }

    /// The method with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Where a client came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientKind {
    /// `--client` on the command line.
    Static,
    /// Dynamic client registration.
    Dynamic,
    /// A client ID metadata document (the client id is its URL).
    MetadataDocument,
}

/// A registered client.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    /// The client id.
    pub id: String,
    /// Where it came from.
    pub kind: ClientKind,
    /// The secret's hash (confidential clients only).
    pub secret: Option<SecretHash>,
    /// How it authenticates at the token endpoint.
    pub auth_method: AuthMethod,
    /// Registered redirect URIs (empty for static clients: any loopback URI, RFC 8252 §7.3).
    pub redirect_uris: Vec<String>,
    /// Grant types it may use.
    pub grant_types: Vec<String>,
    /// Scopes it may obtain (`None`: every supported scope).
    pub scope: Option<ScopeSet>,
    /// Display name.
    pub name: Option<String>,
    /// The metadata as registered (echoed by the registration endpoints).
    pub metadata: Map<String, Value>,
    /// Digest of the registration access token (DCR clients, RFC 7592).
    pub registration_token: Option<Digest>,
    /// Seconds since the epoch at registration.
    pub issued_at: u64,
}

impl Client {
    /// A pre-registered confidential client.
    pub fn from_spec(spec: &ClientSpec, now: u64) -> Self {
        Self {
            id: spec.id.clone(),
            kind: ClientKind::Static,
            secret: Some(SecretHash::new(&spec.secret)),
            auth_method: AuthMethod::SecretBasic,
            redirect_uris: Vec::new(),
            grant_types: GRANT_TYPES.iter().map(|g| g.to_string()).collect(),
            scope: spec
                .scopes
                .as_ref()
                .map(|s| ScopeSet::from_names(s.iter().cloned())),
            name: None,
            metadata: Map::new(),
            registration_token: None,
            issued_at: now,
        }
    }

    /// Whether the client has a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }

    /// The scopes it may obtain.
    pub fn allowed_scopes(&self) -> ScopeSet {
        self.scope.clone().unwrap_or_else(ScopeSet::all)
    }

    /// Whether it may use `grant_type`.
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
            || (grant_type == "refresh_token" && self.allows_grant("authorization_code"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_clients_are_confidential_with_every_grant() {
        let c = Client::from_spec(&ClientSpec::new("svc", "pw").with_scopes(&["read"]), 1);
        assert!(c.is_confidential());
        assert!(c.allows_grant("client_credentials") && c.allows_grant("refresh_token"));
        assert!(!c.allows_grant("password"));
        assert!(c.allowed_scopes().contains("read") && !c.allowed_scopes().contains("write"));
        assert_eq!(
            AuthMethod::from_name("client_secret_post"),
            Some(AuthMethod::SecretPost)
        );
        assert_eq!(AuthMethod::from_name("private_key_jwt"), None);
    }
}
