//! What one check's auth steps share: the discovery result, the registered client, the pending
//! authorization (PKCE verifier, state, code), the tokens, and every secret seen, so the check's
//! evidence can be redacted before it leaves the runner.
//!
//! Credentials are bound to the authorization server that issued them (2026-07-28 "Authorization
//! Server Binding"): the client, its registration, the pending authorization and the tokens are
//! kept per `issuer`. When a later discovery names another authorization server, they are put
//! aside under the old issuer and the state starts empty for the new one (a client ID metadata
//! document URL stays: it is portable), so nothing obtained from one server is sent to another
//! and the client registers again. Credentials the user gave (`client_id`/`client_secret`
//! variables) belong to the first authorization server discovered.

use super::client_auth::{AuthMethod, Client};
use super::discovery::Discovery;
use super::exchange::OAuthHttp;
use super::pkce::Pkce;
use super::register::CimdHost;
use super::AuthError;
use crate::check::{CheckResult, RunReport, Summary};
use crate::protocol::ProtocolVersion;
use crate::report::redact::Redactor;
use rand::Rng;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The auth state of one check.
#[derive(Debug)]
pub struct AuthState {
    /// The recording HTTP client.
    pub http: OAuthHttp,
    /// The run's protocol version.
    pub version: ProtocolVersion,
    /// The MCP endpoint.
    pub endpoint: String,
    /// Discovery so far.
    pub discovery: Option<Discovery>,
    /// The client in use.
    pub client: Option<Client>,
    /// The redirect URI registered and sent (a loopback URI nothing listens on: the headless
    /// browser reads the redirect instead of following it).
    pub redirect_uri: String,
    /// PKCE of the pending authorization.
    pub pkce: Option<Pkce>,
    /// `state` of the pending authorization.
    pub state: Option<String>,
    /// The last authorization code received.
    pub code: Option<String>,
    /// The current access token.
    pub access_token: Option<String>,
    /// When the current access token expires (seconds since the epoch), if known.
    pub access_expires_at: Option<u64>,
    /// The current refresh token.
    pub refresh_token: Option<String>,
    /// The client ID metadata document being served, if any.
    pub cimd: Option<CimdHost>,
    /// The last registration response (RFC 7591), the base of an RFC 7592 update.
    pub registration: Option<serde_json::Value>,
    /// The scope of the last authorization request (the base of a step-up union).
    pub requested_scope: Option<String>,
    /// The scope the last token response granted, when it said.
    pub granted_scope: Option<String>,
    /// The issuer the client, registration and tokens above belong to.
    pub issuer: Option<String>,
    /// The issuer the user's own credentials (variables, flags) belong to: the first one bound.
    given_issuer: Option<String>,
    /// Credentials put aside per issuer when discovery moved to another authorization server.
    put_aside: BTreeMap<String, Bound>,
    secrets: Vec<String>,
}

/// What was obtained from one authorization server.
#[derive(Debug, Default)]
struct Bound {
    client: Option<Client>,
    registration: Option<serde_json::Value>,
    pkce: Option<Pkce>,
    state: Option<String>,
    code: Option<String>,
    access_token: Option<String>,
    access_expires_at: Option<u64>,
    refresh_token: Option<String>,
    requested_scope: Option<String>,
    granted_scope: Option<String>,
}

impl AuthState {
    /// Fresh state for a check against `endpoint`.
    pub fn new(http: OAuthHttp, version: ProtocolVersion, endpoint: &str) -> Self {
        let port: u16 = rand::rng().random_range(20_000..60_000);
        Self {
            http,
            version,
            endpoint: endpoint.to_string(),
            discovery: None,
            client: None,
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
            pkce: None,
            state: None,
            code: None,
            access_token: None,
            access_expires_at: None,
            refresh_token: None,
            cimd: None,
            registration: None,
            requested_scope: None,
            granted_scope: None,
            issuer: None,
            given_issuer: None,
            put_aside: BTreeMap::new(),
            secrets: Vec::new(),
        }
    }

    /// Binds the state to the authorization server `issuer` (the one discovery found). The first
    /// call only records it. When it differs from the current one, everything obtained from the
    /// current server is put aside under its issuer and the state takes what was obtained from
    /// `issuer` before, if anything (else nothing: the client must register again). A client
    /// whose id is a metadata document URL is kept, being portable across servers. Returns the
    /// previous issuer when it changed.
    pub fn bind_issuer(&mut self, issuer: &str) -> Option<String> {
        if self.given_issuer.is_none() {
            self.given_issuer = Some(issuer.to_string());
        }
        let previous = match &self.issuer {
            None => {
                self.issuer = Some(issuer.to_string());
                return None;
            }
            Some(cur) if cur == issuer => return None,
            Some(cur) => cur.clone(),
        };
        let portable = self.client.clone().filter(|c| c.kind == "cimd");
        let old = Bound {
            client: self.client.take(),
            registration: self.registration.take(),
            pkce: self.pkce.take(),
            state: self.state.take(),
            code: self.code.take(),
            access_token: self.access_token.take(),
            access_expires_at: self.access_expires_at.take(),
            refresh_token: self.refresh_token.take(),
            requested_scope: self.requested_scope.take(),
            granted_scope: self.granted_scope.take(),
        };
        self.put_aside.insert(previous.clone(), old);
        let new = self.put_aside.remove(issuer).unwrap_or_default();
        self.client = new.client.or(portable);
        self.registration = new.registration;
        self.pkce = new.pkce;
        self.state = new.state;
        self.code = new.code;
        self.access_token = new.access_token;
        self.access_expires_at = new.access_expires_at;
        self.refresh_token = new.refresh_token;
        self.requested_scope = new.requested_scope;
        self.granted_scope = new.granted_scope;
        self.issuer = Some(issuer.to_string());
        Some(previous)
    }

    /// Whether credentials the user gave (the `client_id`/`client_secret` variables) may be sent
    /// to the current authorization server: they belong to the first one discovered.
    pub fn given_credentials_apply(&self) -> bool {
        match (&self.issuer, &self.given_issuer) {
            (Some(cur), Some(first)) => cur == first,
            _ => true,
        }
    }

    /// Why the user's credentials cannot be used here, if they cannot.
    pub fn given_credentials_problem(&self) -> Option<String> {
        (!self.given_credentials_apply()).then(|| {
            format!(
                "the given client credentials belong to the authorization server {}, but the protected resource metadata now names {}; a client must not use them there (register again)",
                self.given_issuer.as_deref().unwrap_or("?"),
                self.issuer.as_deref().unwrap_or("?")
            )
        })
    }

    /// Keeps `value` to redact it from the check's evidence.
    pub fn remember(&mut self, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            if !self.secrets.iter().any(|s| s == v) {
                self.secrets.push(v.to_string());
            }
        }
    }

    /// Every secret seen.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// The discovery result, or why there is none.
    pub fn discovery(&self) -> Result<&Discovery, AuthError> {
        self.discovery
            .as_ref()
            .filter(|d| d.as_metadata.is_some())
            .ok_or_else(|| {
                AuthError::Missing(
                    "no authorization server metadata: run a `discover` step first".into(),
                )
            })
    }

    /// An endpoint from the metadata, or why it is missing.
    pub fn endpoint_url(&self, key: &str) -> Result<String, AuthError> {
        self.discovery()?.endpoint(key).ok_or_else(|| {
            AuthError::Missing(format!("the authorization server metadata has no `{key}`"))
        })
    }

    /// The `resource` to send by default: the discovered resource, from 2025-06-18 on.
    pub fn default_resource(&self) -> Option<String> {
        super::features(self.version)
            .resource_indicator
            .then(|| {
                self.discovery
                    .as_ref()
                    .map_or_else(|| self.endpoint.clone(), |d| d.resource.clone())
            })
            .filter(|r| !r.is_empty())
    }

    /// Stores the tokens of a successful token response.
    pub fn store_tokens(
        &mut self,
        access: Option<&str>,
        refresh: Option<&str>,
        expires_in: Option<u64>,
    ) {
        if let Some(a) = access {
            self.access_token = Some(a.to_string());
            self.access_expires_at =
                super::jwt::expiry(a).or_else(|| expires_in.map(|e| now_secs().saturating_add(e)));
        }
        if let Some(r) = refresh {
            self.refresh_token = Some(r.to_string());
        }
    }

    /// A fresh `state` value.
    pub fn new_state() -> String {
        let mut b = [0u8; 16];
        rand::rng().fill(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The client's id, secret and method, if a client is known.
    pub fn client_parts(&self) -> (Option<String>, Option<String>, AuthMethod) {
        match &self.client {
            Some(c) => (Some(c.client_id.clone()), c.client_secret.clone(), c.method),
            None => (None, None, AuthMethod::None),
        }
    }
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// A copy of `check` with every occurrence of `secrets` redacted (and the built-in rules applied).
pub fn redact_check(secrets: &[String], check: &CheckResult) -> CheckResult {
    let report = RunReport {
        schema_version: 1,
        tool: String::new(),
        target: String::new(),
        transport: String::new(),
        protocol_version: None,
        server_info: None,
        started_at: String::new(),
        duration_ms: 0,
        summary: Summary::default(),
        checks: vec![check.clone()],
    };
    Redactor::new(secrets)
        .redact_report(&report)
        .checks
        .pop()
        .unwrap_or_else(|| check.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;

    fn client(id: &str, kind: &str) -> Client {
        Client {
            client_id: id.into(),
            client_secret: Some(format!("{id}-secret")),
            method: AuthMethod::Basic,
            registration_access_token: None,
            registration_client_uri: None,
            redirect_uris: Vec::new(),
            kind: kind.into(),
        }
    }

    fn state() -> AuthState {
        let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(1), 1024).unwrap();
        AuthState::new(http, ProtocolVersion::V2026_07_28, "http://127.0.0.1:9/mcp")
    }

    #[test]
    fn credentials_are_keyed_by_issuer() {
        let mut st = state();
        assert_eq!(st.bind_issuer("http://a"), None);
        st.client = Some(client("ca", "dcr"));
        st.store_tokens(Some("at-a"), Some("rt-a"), Some(60));
        st.requested_scope = Some("read".into());
        assert!(st.given_credentials_apply());
        assert_eq!(
            st.bind_issuer("http://a"),
            None,
            "same issuer: nothing moves"
        );
        assert_eq!(st.access_token.as_deref(), Some("at-a"));

        assert_eq!(st.bind_issuer("http://b").as_deref(), Some("http://a"));
        assert!(st.client.is_none() && st.access_token.is_none());
        assert!(st.refresh_token.is_none() && st.requested_scope.is_none());
        assert!(!st.given_credentials_apply());
        assert!(st
            .given_credentials_problem()
            .is_some_and(|p| p.contains("http://a") && p.contains("http://b")));
        st.client = Some(client("cb", "dcr"));
        st.store_tokens(Some("at-b"), None, None);

        assert_eq!(st.bind_issuer("http://a").as_deref(), Some("http://b"));
        assert_eq!(st.client.as_ref().map(|c| c.client_id.as_str()), Some("ca"));
        assert_eq!(st.access_token.as_deref(), Some("at-a"));
        assert_eq!(st.refresh_token.as_deref(), Some("rt-a"));
        assert!(st.given_credentials_apply());
    }

    #[test]
    fn a_metadata_document_client_is_portable() {
        let mut st = state();
        st.bind_issuer("http://a");
        st.client = Some(client("http://127.0.0.1:5/clients/mcpcheck.json", "cimd"));
        st.store_tokens(Some("at-a"), None, None);
        st.bind_issuer("http://b");
        assert_eq!(st.client.as_ref().map(|c| c.kind.as_str()), Some("cimd"));
        assert!(st.access_token.is_none(), "tokens stay with their issuer");
    }
}
