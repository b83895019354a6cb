//! v2607.refresh: no refresh tokens assumed; `offline_access` only where listed.

use crate::prelude::*;

pub(crate) fn options(mode: RunAuthMode, ca_cert: Option<PathBuf>) -> RunAuthOptions {
    RunAuthOptions {
        mode,
        client_id: None,
        client_secret: None,
        username: Some(USER.0.into()),
        password: Some(USER.1.into()),
        scope: None,
        version: V26,
        timeout: Duration::from_secs(5),
        interactive_timeout: Duration::from_secs(5),
        opener: mcpcheck::auth::interactive::system_opener(),
        ca_cert,
    }
}

/// The `scope` of the authorization request and the body of the registration request.
fn authz_scope_and_registration(run: &RunAuth) -> (Option<String>, Value) {
    let sent = requests(&run.transcript);
    let scope = sent
        .iter()
        .find(|r| r.0 == "GET" && r.1.contains("/authorize?"))
        .and_then(|r| url::Url::parse(&r.1).ok())
        .expect("an authorization request")
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned());
    let reg = sent
        .iter()
        .find(|r| r.0 == "POST" && r.1.ends_with("/register"))
        .map(|r| serde_json::from_str(&r.3).unwrap())
        .expect("a dynamic registration");
    (scope, reg)
}

async fn same_origin(policy: RefreshTokens) -> RunningServer {
    serve(
        AuthConfig::oauth_same_origin(users(), vec![ClientSpec::new(CLIENT.0, CLIENT.1)])
            .with_loopback_cimd()
            .with_refresh_tokens(policy),
    )
    .await
}

/// An authorization server that issues no refresh tokens: the run-level flow still gets a
/// working access token (and registers with the refresh_token grant listed all the same), and
/// the auth pack has no FAIL or WARN: the refresh checks SKIP saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_refresh_tokens_the_flow_works_and_refresh_checks_skip() {
    let server = same_origin(RefreshTokens::Never).await;
    let run = authorize_run(&server.url(), &options(RunAuthMode::Headless, None))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.refresh_token.is_none() && !run.access_token.is_empty());
    let (scope, reg) = authz_scope_and_registration(&run);
    assert!(
        reg["grant_types"]
            .as_array()
            .is_some_and(|g| g.iter().any(|x| x == "refresh_token")),
        "the client lists the refresh_token grant: {reg}"
    );
    assert!(!scope.unwrap_or_default().contains("offline_access"));
    // The token works at the MCP server.
    let probe = mcpcheck::auth::discovery::probe_with(
        &OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 20).unwrap(),
        &server.url(),
        V26,
        Some(&run.access_token),
    )
    .await
    .unwrap();
    assert_eq!(probe.status, 200, "{}", probe.body);

    let all = crate::common::pack();
    let scenarios: Vec<_> = all
        .iter()
        .filter(|s| s.file.tags.iter().any(|t| t == "auth"))
        .collect();
    let env = AuthEnv {
        token_origin: server.origin(),
        mcp: server,
        other: None,
    };
    for version in [None, Some(V26)] {
        let report = crate::auth_common::run(&env, &scenarios, version).await;
        let bad = crate::common::not_passing(&report);
        assert!(bad.is_empty(), "{}", crate::common::explain(&bad));
        for id in ["flow.refresh", "tok.refresh-rotation"] {
            let c = report.checks.iter().find(|c| c.id == id).unwrap();
            assert_eq!(c.verdict, Verdict::Skip, "{id}");
            assert!(
                c.skip_reason
                    .as_deref()
                    .is_some_and(|r| r.contains("refresh token")),
                "{id}: {:?}",
                c.skip_reason
            );
        }
        let flow = report
            .checks
            .iter()
            .find(|c| c.id == "flow.code-pkce-dcr")
            .unwrap();
        assert_eq!(flow.verdict, Verdict::Pass);
    }
    env.shutdown().await;
}

/// `offline_access` is asked for where the authorization server lists it (and then brings a
/// refresh token), and not where it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_access_only_where_the_server_lists_it() {
    for (policy, expect_offline) in [
        (RefreshTokens::OfflineAccess, true),
        (RefreshTokens::Always, false),
    ] {
        let server = same_origin(policy).await;
        let run = authorize_run(&server.url(), &options(RunAuthMode::Headless, None))
            .await
            .unwrap_or_else(|e| panic!("{policy:?}: {e}"));
        let (scope, _) = authz_scope_and_registration(&run);
        let scope = scope.unwrap_or_default();
        assert_eq!(
            scope.split(' ').any(|s| s == "offline_access"),
            expect_offline,
            "{policy:?}: scope `{scope}`"
        );
        assert!(
            run.refresh_token.is_some(),
            "{policy:?}: a refresh token either way"
        );
        server.shutdown().await;
    }
    // A scope the user gave gets offline_access added too, where the server lists it.
    let server = same_origin(RefreshTokens::OfflineAccess).await;
    let run = authorize_run(
        &server.url(),
        &RunAuthOptions {
            scope: Some("read write".into()),
            ..options(RunAuthMode::Headless, None)
        },
    )
    .await
    .unwrap();
    let (scope, _) = authz_scope_and_registration(&run);
    assert_eq!(scope.as_deref(), Some("read write offline_access"));
    server.shutdown().await;
}
