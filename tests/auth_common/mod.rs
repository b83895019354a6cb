//! Shared helpers for the authorization tests: the reference server in each auth mode (same
//! origin, separate authorization server, upstream IdP), the test user and client, a run token
//! for the preflight, and running scenarios with the credentials as scenario variables.
#![allow(dead_code)]

use mcp_reference_server::{
    start_http, AuthConfig, ClientSpec, Fault, RunningServer, ServerConfig, UserSpec,
};
use mcpcheck::check::RunReport;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::template::Vars;
use mcpcheck::scenario::{Scenario, ToolCallPolicy};
use mcpcheck::suite::{preflight, run_suite, SuiteOptions};
use mcpcheck::transport::{ClientOptions, Target};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// The test user (given to the server with `--user`, to the harness as vars).
pub const USER: (&str, &str) = ("demo", "pw-for-mcpcheck-tests");
/// The pre-registered confidential test client.
pub const CLIENT: (&str, &str) = ("mcpcheck-test-client", "secret-for-mcpcheck-tests");

/// How the authorization is deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `--auth oauth`: the authorization server on the MCP server's origin.
    SameOrigin,
    /// `--auth oauth --as-url`: a second instance with `--role as`.
    SeparateAs,
    /// `--auth upstream`: users log in at an upstream IdP (a `--role as` instance).
    Upstream,
}

/// Running servers of one auth deployment.
pub struct AuthEnv {
    /// The MCP server.
    pub mcp: RunningServer,
    /// The other instance (authorization server or upstream IdP), if any.
    pub other: Option<RunningServer>,
    /// Where tokens for the preflight come from (the MCP server's own AS, or the separate one).
    pub token_origin: String,
}

impl AuthEnv {
    /// The MCP endpoint.
    pub fn url(&self) -> String {
        self.mcp.url()
    }

    /// Stops every instance.
    pub async fn shutdown(self) {
        self.mcp.shutdown().await;
        if let Some(o) = self.other {
            o.shutdown().await;
        }
    }
}

fn users() -> Vec<UserSpec> {
    vec![UserSpec::new(USER.0, USER.1)]
}

fn clients() -> Vec<ClientSpec> {
    vec![ClientSpec::new(CLIENT.0, CLIENT.1)]
}

async fn serve(config: ServerConfig) -> RunningServer {
    start_http(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("reference server starts")
}

/// Starts a deployment with `faults` on the MCP server and `ttl` as the access-token lifetime.
pub async fn start(mode: Mode, faults: BTreeSet<Fault>, ttl: Option<Duration>) -> AuthEnv {
    let ttl = ttl.unwrap_or(Duration::from_secs(600));
    match mode {
        Mode::SameOrigin => {
            let auth = AuthConfig::oauth_same_origin(users(), clients())
                .with_loopback_cimd()
                .with_token_ttl(ttl);
            let mcp = serve(ServerConfig {
                auth,
                faults,
                ..ServerConfig::default()
            })
            .await;
            let token_origin = mcp.origin();
            AuthEnv {
                mcp,
                other: None,
                token_origin,
            }
        }
        Mode::SeparateAs => {
            let as_server = serve(ServerConfig {
                auth: AuthConfig::authorization_server(users(), clients())
                    .with_auto_approve()
                    .with_token_ttl(ttl),
                ..ServerConfig::default()
            })
            .await;
            let mcp = serve(ServerConfig {
                auth: AuthConfig::oauth_external(as_server.origin()),
                faults,
                ..ServerConfig::default()
            })
            .await;
            AuthEnv {
                mcp,
                token_origin: as_server.origin(),
                other: Some(as_server),
            }
        }
        Mode::Upstream => {
            let idp = serve(ServerConfig {
                auth: AuthConfig::authorization_server(users(), Vec::new()).with_auto_approve(),
                ..ServerConfig::default()
            })
            .await;
            let auth = AuthConfig {
                clients: clients(),
                ..AuthConfig::upstream(idp.origin(), None).with_token_ttl(ttl)
            };
            let mcp = serve(ServerConfig {
                auth,
                faults,
                ..ServerConfig::default()
            })
            .await;
            let token_origin = mcp.origin();
            AuthEnv {
                mcp,
                other: Some(idp),
                token_origin,
            }
        }
    }
}

/// A token for the preflight: client credentials straight at the token endpoint (not through
/// the harness, so a fault in discovery or metadata cannot stop the run before its checks).
pub async fn run_token(env: &AuthEnv) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{}/token", env.token_origin))
        .basic_auth(CLIENT.0, Some(CLIENT.1))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "read write"),
            ("resource", env.url().as_str()),
        ])
        .send()
        .await
        .expect("token endpoint answers");
    let body: Value = resp.json().await.expect("token response is JSON");
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token for the preflight: {body}"))
        .to_string()
}

/// The credentials as scenario variables.
pub fn vars() -> Vars {
    let mut v = Vars::new();
    for (k, val) in [
        ("username", USER.0),
        ("password", USER.1),
        ("client_id", CLIENT.0),
        ("client_secret", CLIENT.1),
        // The reference server's documented scope hierarchy (`write` implies `read`), for
        // v2607.scope-hierarchy.
        ("broader_scope", "write"),
        ("narrower_scope", "read"),
    ] {
        v.insert(k.into(), Value::String(val.into()));
    }
    v
}

/// Runs `scenarios` against the deployment, authorized with a run token, with the vars set.
pub async fn run(
    env: &AuthEnv,
    scenarios: &[&Scenario],
    version: Option<ProtocolVersion>,
) -> RunReport {
    let token = run_token(env).await;
    let options = SuiteOptions {
        target: Target::Http { url: env.url() },
        client: ClientOptions {
            timeout: Duration::from_secs(5),
            headers: vec![("Authorization".into(), format!("Bearer {token}"))],
            ..ClientOptions::default()
        },
        spec_version: version,
        vars: vars(),
        call_tools: ToolCallPolicy::NonDestructive,
    };
    let ctx = preflight(&options)
        .await
        .unwrap_or_else(|e| panic!("preflight: {e}"));
    run_suite(scenarios, &ctx, |_| {}).await
}

/// The deployment and token lifetime that expose `fault`.
pub fn setup_for(fault: &str) -> (Mode, Option<Duration>) {
    match fault {
        "auth-no-audience-check" => (Mode::SeparateAs, None),
        "auth-upstream-token-passthrough" => (Mode::Upstream, None),
        "auth-expired-token-accepted" => (Mode::SameOrigin, Some(Duration::from_secs(2))),
        _ => (Mode::SameOrigin, None),
    }
}

/// The newest version a scenario applies to (auth scenarios may stop before 2025-11-25).
pub fn version_for(s: &Scenario) -> Option<ProtocolVersion> {
    let vs = s.versions();
    if vs.contains(&ProtocolVersion::NEWEST_STATEFUL) {
        None
    } else {
        vs.into_iter().max()
    }
}
