//! The OAuth state of one running instance: its URLs (known only once the socket is bound),
//! signing key, users, store, and the servers it trusts (a separate authorization server, or
//! the upstream IdP), plus the helpers every endpoint shares.

use super::cimd;
use super::clients::Client;
use super::jwt::SigningKey;
use super::remote::{http_client, is_loopback_url, RemoteIssuer};
use super::settings::{AuthConfig, AuthMode, RefreshTokens, Role};
use super::store::Store;
use super::upstream::Upstream;
use super::users::{UserStore, DEFAULT_USER};
use crate::config::ServerConfig;
use crate::fault::Fault;
use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// Path of the MCP endpoint (the protected resource).
pub(crate) const MCP_PATH: &str = "/mcp";

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// One instance's OAuth state.
pub(crate) struct AuthServer {
    /// The configuration.
    pub config: AuthConfig,
    faults: BTreeSet<Fault>,
    /// `http://host:port`, no trailing slash.
    pub origin: String,
    /// This server's issuer identifier (its origin).
    pub issuer: String,
    /// The MCP endpoint URL: the resource identifier and the token audience.
    pub resource: String,
    /// The signing key of this server's tokens.
    pub key: SigningKey,
    /// Users of the login form.
    pub users: UserStore,
    store: Mutex<Store>,
    /// Client for outgoing loopback requests.
    pub http: reqwest::Client,
    /// The separate authorization server whose tokens `/mcp` accepts (`--as-url`).
    pub external: Option<RemoteIssuer>,
    /// The upstream IdP (upstream mode).
    pub upstream: Option<Upstream>,
    /// The rate limit of dynamic client registration (server-wide token bucket).
    pub registrations: crate::limits::TokenBucket,
}

impl AuthServer {
    /// The OAuth state for `config` bound at `addr`; `None` without authorization. In upstream
    /// mode this contacts the upstream IdP (metadata, and DCR without `--upstream-client`).
    pub(crate) async fn start(
        config: &ServerConfig,
        addr: SocketAddr,
    ) -> io::Result<Option<Arc<Self>>> {
        let ac = config.auth.clone();
        if !ac.enabled() {
            return Ok(None);
        }
        for url in ac.as_url.iter().chain(ac.upstream_url.iter()) {
            if !is_loopback_url(url) {
                return Err(io::Error::other(format!(
                    "{url} is not a loopback http(s) URL"
                )));
            }
        }
        let origin = ac
            .public_origin
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let key = SigningKey::generate().map_err(io::Error::other)?;
        let (users, generated) = UserStore::new(&ac.users);
        if let (Some(pw), true) = (generated, ac.has_login_form()) {
            // The one place a secret is printed: the operator needs the generated password.
            eprintln!("mcp-reference-server: login with user `{DEFAULT_USER}`, password `{pw}`");
        }
        let now = now_secs();
        let mut store = Store::default();
        for spec in &ac.clients {
            store
                .clients
                .insert(spec.id.clone(), Client::from_spec(spec, now));
        }
        let http = http_client();
        let external = match (&ac.as_url, ac.role) {
            (Some(url), Role::Mcp) if ac.mode == AuthMode::Oauth => {
                Some(RemoteIssuer::new(url, http.clone()))
            }
            _ => None,
        };
        let upstream = match (&ac.upstream_url, ac.mode, ac.role) {
            (Some(url), AuthMode::Upstream, Role::Mcp) => Some(
                Upstream::connect(&http, url, ac.upstream_client.as_ref(), &origin)
                    .await
                    .map_err(io::Error::other)?,
            ),
            (None, AuthMode::Upstream, Role::Mcp) => {
                return Err(io::Error::other("--auth upstream needs --upstream URL"))
            }
            _ => None,
        };
        Ok(Some(Arc::new(Self {
            faults: config.faults.clone(),
            issuer: origin.clone(),
            resource: format!("{origin}{MCP_PATH}"),
            origin,
            key,
            users,
            store: Mutex::new(store),
            http,
            external,
            upstream,
            registrations: crate::limits::TokenBucket::new(
                config.limits.registration_burst,
                config.limits.registration_rate,
            ),
            config: ac,
        })))
    }

    /// Whether `fault` is on.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// The store, locked (a poisoned lock is recovered: the store stays consistent per call).
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The URL of the protected resource metadata for `/mcp`.
    pub fn prm_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-protected-resource{MCP_PATH}",
            self.origin
        )
    }

    /// The issuer whose tokens `/mcp` accepts.
    pub fn token_issuer(&self) -> &str {
        self.external
            .as_ref()
            .map(|e| e.issuer.as_str())
            .unwrap_or(&self.issuer)
    }

    /// Whether a code redemption for a grant of `scope` comes with a refresh token.
    pub fn issues_refresh(&self, scope: &super::scopes::ScopeSet) -> bool {
        match self.config.refresh_tokens {
            RefreshTokens::Always => true,
            RefreshTokens::Never => false,
            RefreshTokens::OfflineAccess => scope.contains(super::scopes::OFFLINE_ACCESS),
        }
    }

    /// Whether this instance is a stand-alone authorization server.
    pub fn is_standalone_as(&self) -> bool {
        self.config.role == Role::As
    }

    /// The client with this id: registered, or (with `--allow-loopback-cimd`) described by the
    /// metadata document at this URL. `Err` explains why a document was refused.
    pub async fn client(&self, id: &str) -> Result<Option<Client>, String> {
        if let Some(c) = self.lock().clients.get(id) {
            return Ok(Some(c.clone()));
        }
        if cimd::looks_like_document_url(id) {
            if !self.config.allow_loopback_cimd {
                return Err("client ID metadata documents are not enabled on this server".into());
            }
            return cimd::resolve(self, id).await.map(Some);
        }
        Ok(None)
    }

    /// The audience of a token requested for `resource` (RFC 8707); `Err` is `invalid_target`.
    /// An MCP instance accepts only its own resource (scheme and host case-insensitive); a
    /// stand-alone authorization server accepts any absolute http(s) URL without fragment.
    pub fn audience_for(&self, resource: Option<&str>) -> Result<String, String> {
        let Some(r) = resource else {
            return Ok(if self.is_standalone_as() {
                self.issuer.clone()
            } else {
                self.resource.clone()
            });
        };
        let parsed =
            url::Url::parse(r).map_err(|_| format!("resource `{r}` is not an absolute URI"))?;
        if r.contains('#') || !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "resource `{r}` must be an http(s) URI without fragment"
            ));
        }
        if self.is_standalone_as() {
            return Ok(r.to_string());
        }
        match url::Url::parse(&self.resource) {
            Ok(own) if own == parsed => Ok(self.resource.clone()),
            _ => Err(format!(
                "resource `{r}` is not served here; this server's resource is {}",
                self.resource
            )),
        }
    }
}
