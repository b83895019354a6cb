//! What one check's auth steps share: the discovery result, the registered client, the pending
//! authorization (PKCE verifier, state, code), the tokens, and every secret seen, so the check's
//! evidence can be redacted before it leaves the runner.

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
    secrets: Vec<String>,
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
            secrets: Vec::new(),
        }
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
