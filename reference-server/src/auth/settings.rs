//! The public configuration of the OAuth side: which mode and role an instance plays, its
//! users and pre-registered clients, and its lifetimes. Built by `ServeArgs::to_config` from
//! `--auth`, `--role`, `--as-url`, `--upstream`, `--user`, `--client` and friends, or directly
//! by tests with the constructors below. Secrets never appear in `Debug` output.

use std::fmt;
use std::time::Duration;

/// Whether and how `/mcp` is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// No authorization at all (the default).
    #[default]
    None,
    /// OAuth: a built-in authorization server on the same origin, or a separate one (`as_url`).
    Oauth,
    /// Third-party flow: users log in at an upstream IdP; this server mints its own tokens.
    Upstream,
}

/// What an instance serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// The MCP endpoint (and, unless `as_url` is set, its authorization server).
    #[default]
    Mcp,
    /// Only the authorization server endpoints: no `/mcp`, no protected resource metadata.
    As,
}

/// A user who can log in at the login form.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// Login name.
    pub name: String,
    /// Password (hashed as soon as the server starts).
    pub password: String,
}

impl UserSpec {
    /// A user.
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            password: password.into(),
        }
    }

    /// Parses `NAME:PASSWORD` (the password may contain `:`).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once(':') {
            Some((name, password)) if !name.is_empty() && !password.is_empty() => {
                Ok(Self::new(name, password))
            }
            _ => Err("expected NAME:PASSWORD with both parts non-empty".into()),
        }
    }

    /// Parses a users file: one `NAME:PASSWORD` per line; blank lines and `#` comments skipped.
    pub fn parse_file(text: &str) -> Result<Vec<Self>, String> {
        text.lines()
            .enumerate()
            .map(|(i, l)| (i, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .map(|(i, l)| Self::parse(l).map_err(|e| format!("line {}: {e}", i + 1)))
            .collect()
    }
}

impl fmt::Debug for UserSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserSpec({}:<redacted>)", self.name)
    }
}

/// A pre-registered confidential client (`--client ID:SECRET[:SCOPES]`).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSpec {
    /// The client id.
    pub id: String,
    /// The client secret (hashed as soon as the server starts).
    pub secret: String,
    /// Scopes the client may obtain; `None`: every supported scope.
    pub scopes: Option<Vec<String>>,
}

impl ClientSpec {
    /// A confidential client that may obtain every supported scope.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
            scopes: None,
        }
    }

    /// The same client limited to `scopes`.
    pub fn with_scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = Some(scopes.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Parses `ID:SECRET[:SCOPES]` (the secret cannot contain `:`; scopes are separated by
    /// spaces or commas).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, ':');
        let id = parts.next().unwrap_or_default();
        let secret = parts.next().unwrap_or_default();
        if id.is_empty() || secret.is_empty() {
            return Err("expected ID:SECRET[:SCOPES] with a non-empty id and secret".into());
        }
        let scopes = parts.next().map(|s| {
            s.split([' ', ','])
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        });
        Ok(Self {
            id: id.into(),
            secret: secret.into(),
            scopes,
        })
    }
}

impl fmt::Debug for ClientSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientSpec({}:<redacted>:{:?})", self.id, self.scopes)
    }
}

/// When the authorization server issues refresh tokens with the authorization-code grant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RefreshTokens {
    /// With every code redemption (the default).
    #[default]
    Always,
    /// Never (`--no-refresh-tokens`): the grant is not advertised either. Clients must not
    /// assume refresh tokens (2026-07-28 "Refresh Tokens").
    Never,
    /// Only when the authorization asked for `offline_access`, which the metadata then lists
    /// in `scopes_supported` (`--offline-access`).
    OfflineAccess,
}

/// The OAuth configuration of one instance. `Default` is no authorization at all.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Whether and how `/mcp` is protected.
    pub mode: AuthMode,
    /// What the instance serves.
    pub role: Role,
    /// A separate authorization server's issuer URL (oauth mode): the PRM points there and
    /// tokens are verified with its JWKS. Loopback only.
    pub as_url: Option<String>,
    /// The upstream IdP's issuer URL (upstream mode). Loopback only.
    pub upstream_url: Option<String>,
    /// This server's client at the upstream; `None`: register with DCR at start.
    pub upstream_client: Option<ClientSpec>,
    /// Users of the login form; empty: one user `demo` with a random password printed on
    /// stderr at start.
    pub users: Vec<UserSpec>,
    /// Pre-registered confidential clients.
    pub clients: Vec<ClientSpec>,
    /// Skip the consent page (the login is still required).
    pub auto_approve: bool,
    /// Fetch client ID metadata documents, from loopback addresses only.
    pub allow_loopback_cimd: bool,
    /// Lifetime of access tokens.
    pub token_ttl: Duration,
    /// Lifetime of authorization codes.
    pub code_ttl: Duration,
    /// When refresh tokens are issued.
    pub refresh_tokens: RefreshTokens,
    /// The origin clients reach this instance at, when it is not the bound `http://` address
    /// (e.g. `https://localhost:PORT` behind a TLS front): issuer, endpoints and resource use
    /// it. No trailing slash.
    pub public_origin: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::None,
            role: Role::Mcp,
            as_url: None,
            upstream_url: None,
            upstream_client: None,
            users: Vec::new(),
            clients: Vec::new(),
            auto_approve: false,
            allow_loopback_cimd: false,
            token_ttl: Duration::from_secs(600),
            code_ttl: Duration::from_secs(60),
            refresh_tokens: RefreshTokens::Always,
            public_origin: None,
        }
    }
}

impl AuthConfig {
    /// OAuth with the built-in authorization server on the same origin.
    pub fn oauth_same_origin(users: Vec<UserSpec>, clients: Vec<ClientSpec>) -> Self {
        Self {
            mode: AuthMode::Oauth,
            users,
            clients,
            ..Self::default()
        }
    }

    /// A stand-alone authorization server (`--role as`): no `/mcp`.
    pub fn authorization_server(users: Vec<UserSpec>, clients: Vec<ClientSpec>) -> Self {
        Self {
            role: Role::As,
            ..Self::oauth_same_origin(users, clients)
        }
    }

    /// An MCP server whose tokens come from the separate authorization server at `as_url`.
    pub fn oauth_external(as_url: impl Into<String>) -> Self {
        Self {
            mode: AuthMode::Oauth,
            as_url: Some(as_url.into()),
            ..Self::default()
        }
    }

    /// The third-party flow: users log in at the upstream IdP `upstream_url`; `client` is this
    /// server's client there (`None`: register with DCR at start).
    pub fn upstream(upstream_url: impl Into<String>, client: Option<ClientSpec>) -> Self {
        Self {
            mode: AuthMode::Upstream,
            upstream_url: Some(upstream_url.into()),
            upstream_client: client,
            ..Self::default()
        }
    }

    /// The same configuration with the consent page skipped.
    pub fn with_auto_approve(mut self) -> Self {
        self.auto_approve = true;
        self
    }

    /// The same configuration with loopback client ID metadata documents allowed.
    pub fn with_loopback_cimd(mut self) -> Self {
        self.allow_loopback_cimd = true;
        self
    }

    /// The same configuration with another access-token lifetime.
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The same configuration with another authorization-code lifetime.
    pub fn with_code_ttl(mut self, ttl: Duration) -> Self {
        self.code_ttl = ttl;
        self
    }

    /// The same configuration issuing refresh tokens as `policy` says.
    pub fn with_refresh_tokens(mut self, policy: RefreshTokens) -> Self {
        self.refresh_tokens = policy;
        self
    }

    /// The same configuration reached at `origin` (issuer, endpoints and resource use it).
    pub fn with_public_origin(mut self, origin: impl Into<String>) -> Self {
        self.public_origin = Some(origin.into().trim_end_matches('/').to_string());
        self
    }

    /// Whether any authorization is configured (an `as` role always is).
    pub fn enabled(&self) -> bool {
        self.mode != AuthMode::None || self.role == Role::As
    }

    /// Whether this instance runs an authorization server of its own.
    pub fn runs_authorization_server(&self) -> bool {
        self.enabled() && (self.role == Role::As || self.as_url.is_none())
    }

    /// Whether this instance shows a login form (and so needs users).
    pub fn has_login_form(&self) -> bool {
        self.runs_authorization_server()
            && (self.mode != AuthMode::Upstream || self.role == Role::As)
    }

    /// Whether this instance serves `/mcp`.
    pub fn serves_mcp(&self) -> bool {
        self.role == Role::Mcp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_users_and_clients() {
        assert_eq!(UserSpec::parse("a:b:c").unwrap(), UserSpec::new("a", "b:c"));
        assert!(UserSpec::parse("a:").is_err() && UserSpec::parse("nopass").is_err());
        let c = ClientSpec::parse("cid:sec:read,write").unwrap();
        assert_eq!(
            c.scopes,
            Some(vec!["read".to_string(), "write".to_string()])
        );
        assert_eq!(ClientSpec::parse("cid:sec").unwrap().scopes, None);
        assert_eq!(
            ClientSpec::parse("cid:sec:read write").unwrap().scopes,
            Some(vec!["read".into(), "write".into()])
        );
        assert!(ClientSpec::parse(":sec").is_err());
        let users = UserSpec::parse_file("# c\n\nalice:pw\n bob:x \n").unwrap();
        assert_eq!(users.len(), 2);
        assert!(UserSpec::parse_file("ok:1\nbad\n")
            .unwrap_err()
            .contains("line 2"));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = AuthConfig::oauth_same_origin(
            vec![UserSpec::new("alice", "hunter2")],
            vec![ClientSpec::new("svc", "s3cret")],
        );
        let text = format!("{c:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("s3cret"),
            "{text}"
        );
        assert!(text.contains("alice") && text.contains("svc"));
    }

    #[test]
    fn roles_and_modes() {
        assert!(!AuthConfig::default().enabled());
        let as_only = AuthConfig::authorization_server(vec![], vec![]);
        assert!(as_only.has_login_form() && !as_only.serves_mcp());
        let ext = AuthConfig::oauth_external("http://127.0.0.1:1");
        assert!(ext.enabled() && !ext.runs_authorization_server() && !ext.has_login_form());
        let up = AuthConfig::upstream("http://127.0.0.1:1", None);
        assert!(up.runs_authorization_server() && !up.has_login_form());
    }
}
