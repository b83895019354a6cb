//! Authenticated load against the reference server with OAuth on: the `auth` profile with a
//! short token lifetime keeps working when the token is refreshed under load, and collects
//! 401s (failing its error-rate threshold) when it is not.

mod common;

use mcp_reference_server::{start_http, AuthConfig, ClientSpec, ServerConfig, UserSpec};
use mcpcheck::auth::flow::{authorize_run, RunAuthMode, RunAuthOptions};
use mcpcheck::load::token::{LoadAuth, Refresher, TokenSlot};
use mcpcheck::load::{self, LoadOptions, Overrides};
use mcpcheck::protocol::ProtocolVersion;
use std::sync::Arc;
use std::time::Duration;

const CLIENT: (&str, &str) = ("load-test-client", "load-test-secret-0123456789");

fn options() -> RunAuthOptions {
    RunAuthOptions {
        mode: RunAuthMode::ClientCredentials,
        client_id: Some(CLIENT.0.into()),
        client_secret: Some(CLIENT.1.into()),
        username: None,
        password: None,
        scope: None,
        version: ProtocolVersion::NEWEST_STATEFUL,
        timeout: Duration::from_secs(5),
        interactive_timeout: Duration::from_secs(5),
        opener: mcpcheck::auth::interactive::system_opener(),
        ca_cert: None,
    }
}

async fn run(refresh: bool) -> load::LoadReport {
    let auth = AuthConfig::oauth_same_origin(
        vec![UserSpec::new("demo", "pw-load-tests")],
        vec![ClientSpec::new(CLIENT.0, CLIENT.1)],
    )
    .with_token_ttl(Duration::from_secs(2));
    let server = start_http(
        ServerConfig {
            auth,
            ..ServerConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let url = server.url();
    let first = authorize_run(&url, &options())
        .await
        .expect("client credentials");
    let refresher: Refresher = {
        let url = url.clone();
        Arc::new(move || {
            let url = url.clone();
            Box::pin(async move {
                authorize_run(&url, &options())
                    .await
                    .map(|r| r.access_token)
                    .map_err(|e| e.to_string())
            })
        })
    };
    let o = Overrides {
        duration: Some("3500ms".into()),
        warmup: Some("0s".into()),
        users: Some(2),
        ..Overrides::default()
    };
    let mut profile = load::profile::load("auth", &o).unwrap();
    if let Some(a) = profile.auth.as_mut() {
        a.refresh_every = Some(Duration::from_millis(400));
    }
    let opts = LoadOptions {
        url,
        auth: Some(LoadAuth {
            slot: Arc::new(TokenSlot::new(&first.access_token).unwrap()),
            refresher: refresh.then_some(refresher),
        }),
        ..LoadOptions::default()
    };
    let r = load::run(&profile, &opts, |_, _| {}).await.expect("runs");
    server.shutdown().await;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshed_tokens_keep_an_authenticated_load_running() {
    let r = run(true).await;
    let refresh = r
        .operations
        .iter()
        .find(|o| o.name == "token refresh")
        .unwrap();
    assert!(refresh.count >= 5, "{} refreshes", refresh.count);
    assert_eq!(refresh.errors, 0, "{:?}", refresh.errors_by_kind);
    assert_eq!(r.summary.errors, 0, "{}", load::console::summary(&r));
    assert!(r.summary.count > 100);
    assert!(r.passed, "{}", load::console::summary(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_fails_the_run_with_401s() {
    let r = run(false).await;
    let unauthorized = r
        .summary
        .errors_by_kind
        .get("http_401")
        .copied()
        .unwrap_or(0);
    assert!(unauthorized > 0, "{}", load::console::summary(&r));
    assert!(
        !r.passed,
        "the error-rate threshold catches the expired token"
    );
}
