//! The run-level authorization behind `mcpcheck run --auth …`: obtain one access token before
//! the preflight, so every check's session can send it.
//!
//! `token:<T>` uses a given token; `client-credentials` asks the token endpoint for one with the
//! given client; `headless` and `interactive` discover the authorization server, use the given
//! client (or register one with DCR), run the authorization-code flow with PKCE — through the
//! headless browser with the given user, or through the user's browser and a loopback callback
//! — and redeem the code. A client that follows the spec stops where the server breaks a rule a
//! client must check (foreign PRM, issuer mismatch, no S256, state or iss not echoed).

use super::authorize::{default_scope, response_problem, with_offline_access, AuthzRequest};
use super::browser::{self, HeadlessOptions};
use super::client_auth::{AuthMethod, Client};
use super::discovery::{self, Discovery};
use super::exchange::OAuthHttp;
use super::interactive::{CallbackServer, Opener};
use super::pkce::Pkce;
use super::register;
use super::state::AuthState;
use super::token::{self, ClientCreds, CodeGrant, TokenResponse};
use super::{client_credentials, AuthError};
use crate::protocol::ProtocolVersion;
use crate::transcript::Transcript;
use std::time::Duration;

/// How the run obtains its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunAuthMode {
    /// Authorization code + PKCE through the headless browser.
    Headless,
    /// Authorization code + PKCE through the user's browser.
    Interactive,
    /// The client-credentials grant.
    ClientCredentials,
    /// A token given on the command line.
    Token(String),
}

impl RunAuthMode {
    /// Parses `headless`, `interactive`, `client-credentials` or `token:<T>`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "headless" => Ok(Self::Headless),
            "interactive" => Ok(Self::Interactive),
            "client-credentials" => Ok(Self::ClientCredentials),
            _ => match s.strip_prefix("token:") {
                Some(t) if !t.is_empty() => Ok(Self::Token(t.to_string())),
                _ => Err(format!(
                    "--auth {s:?}: expected headless, interactive, client-credentials or token:<TOKEN>"
                )),
            },
        }
    }
}

/// Everything the run-level flow needs.
#[derive(Clone)]
pub struct RunAuthOptions {
    /// How.
    pub mode: RunAuthMode,
    /// `--client-id`.
    pub client_id: Option<String>,
    /// `--client-secret`.
    pub client_secret: Option<String>,
    /// `--username`.
    pub username: Option<String>,
    /// `--password`.
    pub password: Option<String>,
    /// `--scope`.
    pub scope: Option<String>,
    /// The protocol version whose discovery rules apply.
    pub version: ProtocolVersion,
    /// Per-exchange timeout.
    pub timeout: Duration,
    /// Longest wait for the user in interactive mode.
    pub interactive_timeout: Duration,
    /// Opens the authorization URL in interactive mode.
    pub opener: Opener,
    /// Extra trusted roots (`--ca-cert`) for every OAuth exchange with an https server.
    pub ca_cert: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for RunAuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunAuthOptions")
            .field(
                "mode",
                &matches!(self.mode, RunAuthMode::Token(_))
                    .then_some("token")
                    .unwrap_or("flow"),
            )
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("scope", &self.scope)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The run's authorization.
#[derive(Clone, Debug)]
pub struct RunAuth {
    /// The access token every session sends.
    pub access_token: String,
    /// The refresh token, if one was issued.
    pub refresh_token: Option<String>,
    /// The authorization server's issuer, when discovered.
    pub issuer: Option<String>,
    /// The client used.
    pub client_id: Option<String>,
    /// Every secret seen (tokens, codes, verifiers, client secrets, passwords), for redaction.
    pub secrets: Vec<String>,
    /// The OAuth exchanges of the flow.
    pub transcript: Transcript,
}

/// Obtains the run's access token for the MCP server at `endpoint`.
pub async fn authorize_run(endpoint: &str, o: &RunAuthOptions) -> Result<RunAuth, AuthError> {
    let transcript = Transcript::new();
    if let RunAuthMode::Token(t) = &o.mode {
        return Ok(RunAuth {
            access_token: t.clone(),
            refresh_token: None,
            issuer: None,
            client_id: None,
            secrets: vec![t.clone()],
            transcript,
        });
    }
    let http = OAuthHttp::with_ca_cert(
        transcript.clone(),
        o.timeout,
        crate::transport::DEFAULT_MAX_BODY,
        o.ca_cert.as_deref(),
    )?;
    let mut st = AuthState::new(http, o.version, endpoint);
    st.remember(o.password.as_deref());
    st.remember(o.client_secret.as_deref());
    let mut d = Discovery::default();
    let found = discovery::discover(&st.http, endpoint, o.version, &mut d).await;
    st.discovery = Some(d.clone());
    found?;
    if !d.protected {
        return Err(AuthError::Refused(format!(
            "{endpoint} did not ask for authorization (no 401 to an unauthenticated request); run without --auth"
        )));
    }
    let token_endpoint = st.endpoint_url("token_endpoint")?;
    let resource = st.default_resource();
    let scope = o.scope.clone().or_else(|| default_scope(&d));
    let t = match o.mode {
        RunAuthMode::ClientCredentials => {
            let (Some(id), Some(secret)) = (&o.client_id, &o.client_secret) else {
                return Err(AuthError::Missing(
                    "--auth client-credentials needs --client-id and --client-secret".into(),
                ));
            };
            let creds = ClientCreds {
                client_id: Some(id.clone()),
                client_secret: Some(secret.clone()),
                method: AuthMethod::Basic,
            };
            client_credentials::client_credentials(
                &st.http,
                &token_endpoint,
                scope.as_deref(),
                resource.as_deref(),
                &creds,
            )
            .await?
        }
        _ => code_flow(&mut st, o, scope, resource, &token_endpoint).await?,
    };
    st.remember(t.access_token.as_deref());
    st.remember(t.refresh_token.as_deref());
    let Some(access) = t.access_token.clone().filter(|_| t.ok) else {
        return Err(AuthError::Protocol(format!(
            "the token request failed: {}",
            t.failure()
        )));
    };
    Ok(RunAuth {
        access_token: access,
        refresh_token: t.refresh_token,
        issuer: d.issuer,
        client_id: st.client.as_ref().map(|c| c.client_id.clone()),
        secrets: st.secrets().to_vec(),
        transcript,
    })
}

/// Registration, authorization and code redemption.
async fn code_flow(
    st: &mut AuthState,
    o: &RunAuthOptions,
    scope: Option<String>,
    resource: Option<String>,
    token_endpoint: &str,
) -> Result<TokenResponse, AuthError> {
    let d = st.discovery()?.clone();
    if super::features(o.version).s256_must_be_advertised && !d.supports_pkce("S256") {
        return Err(AuthError::Refused(
            "the authorization server does not advertise S256 PKCE; an MCP client must not proceed"
                .into(),
        ));
    }
    let mut callback = match o.mode {
        RunAuthMode::Interactive => Some(CallbackServer::start().await?),
        _ => None,
    };
    if let Some(cb) = &callback {
        st.redirect_uri = cb.redirect_uri();
    }
    let client = client_for(st, o).await?;
    let pkce = Pkce::s256();
    st.remember(Some(&pkce.verifier));
    let sent_state = AuthState::new_state();
    let req = AuthzRequest {
        endpoint: st.endpoint_url("authorization_endpoint")?,
        response_type: "code".into(),
        client_id: client.client_id.clone(),
        redirect_uri: st.redirect_uri.clone(),
        pkce: Some(pkce.clone()),
        state: Some(sent_state.clone()),
        // offline_access only when the authorization server lists it (2026-07-28).
        scope: with_offline_access(scope, &d),
        resource: resource.clone(),
        extra: Vec::new(),
    };
    let url = req.url()?;
    let cb = match &mut callback {
        Some(server) => {
            (o.opener)(url.as_str())?;
            server.wait(o.interactive_timeout).await?
        }
        None => {
            let opts = HeadlessOptions {
                username: o.username.clone(),
                password: o.password.clone(),
                approve: true,
                redirect_uri: st.redirect_uri.clone(),
                as_origin: url.origin().ascii_serialization(),
            };
            let run = browser::headless(&st.http, url.as_str(), &opts).await?;
            match run.callback {
                Some(cb) => cb,
                None => {
                    return Err(AuthError::Protocol(run.stopped.unwrap_or_else(|| {
                        "the authorization did not come back to the client".into()
                    })))
                }
            }
        }
    };
    if let Some(e) = cb.param("error") {
        return Err(AuthError::Protocol(format!(
            "the authorization server answered error `{e}`{}",
            cb.param("error_description")
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )));
    }
    if let Some(p) = response_problem(&d, Some(&sent_state), cb.param("state"), cb.param("iss")) {
        return Err(AuthError::Refused(p));
    }
    let code = cb
        .param("code")
        .ok_or_else(|| AuthError::Protocol("the authorization response has no code".into()))?
        .to_string();
    st.remember(Some(&code));
    let grant = CodeGrant {
        code: Some(code),
        code_verifier: Some(pkce.verifier),
        redirect_uri: Some(st.redirect_uri.clone()),
        resource,
    };
    let creds = ClientCreds {
        client_id: Some(client.client_id.clone()),
        client_secret: client.client_secret.clone(),
        method: client.method,
    };
    token::exchange_code(
        &st.http,
        token_endpoint,
        &grant,
        &creds,
        "authorization_code",
    )
    .await
}

/// The given client, else one registered with DCR.
async fn client_for(st: &mut AuthState, o: &RunAuthOptions) -> Result<Client, AuthError> {
    if let Some(id) = &o.client_id {
        let c = register::preregistered(id, o.client_secret.as_deref(), None, &st.redirect_uri);
        st.client = Some(c.clone());
        return Ok(c);
    }
    let endpoint = st.endpoint_url("registration_endpoint").map_err(|_| {
        AuthError::Missing(
            "the authorization server offers no dynamic registration: give --client-id (and --client-secret)".into(),
        )
    })?;
    let meta = register::default_metadata(&st.redirect_uri, AuthMethod::None, o.scope.as_deref());
    let (resp, client) = register::dcr(&st.http, &endpoint, &meta).await?;
    let Some(c) = client else {
        return Err(AuthError::Protocol(format!(
            "dynamic registration answered HTTP {} without a client_id",
            resp.status
        )));
    };
    st.remember(c.client_secret.as_deref());
    st.remember(c.registration_access_token.as_deref());
    st.client = Some(c.clone());
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse() {
        assert_eq!(RunAuthMode::parse("headless"), Ok(RunAuthMode::Headless));
        assert_eq!(
            RunAuthMode::parse("token:abc"),
            Ok(RunAuthMode::Token("abc".into()))
        );
        assert!(RunAuthMode::parse("token:").is_err());
        assert!(RunAuthMode::parse("magic").is_err());
    }
}
