//! v2607.scope-union (our client) and v2607.scope-hierarchy (the server rule, as a check).

use crate::prelude::*;

/// A step-up after a `read` token and a challenge naming only `write` asks for `read write`,
/// and the authorization server grants that union.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_up_asks_for_the_union_of_held_and_challenged_scopes() {
    let env = crate::auth_common::start(Mode::SameOrigin, BTreeSet::new(), None).await;
    let transcript = Transcript::new();
    let http = OAuthHttp::new(transcript.clone(), Duration::from_secs(5), 1 << 20).unwrap();
    let mut st = AuthState::new(http, V26, &env.url());
    let vars = crate::auth_common::vars();
    ok(&mut st, step("discover"), &vars).await;
    ok(&mut st, step("register"), &vars).await;
    let first = AuthStep {
        scope: Some("read".into()),
        ..step("authorize")
    };
    ok(&mut st, first, &vars).await;
    let t = ok(&mut st, step("token"), &vars).await;
    assert_eq!(t["scope"], "read");
    let up = AuthStep {
        challenge: Some(format!(
            "Bearer error=\"insufficient_scope\", scope=\"write\", resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
            env.mcp.origin()
        )),
        ..step("authorize")
    };
    let a = ok(&mut st, up, &vars).await;
    assert_eq!(a["sent"]["scope"], "read write", "{a}");
    let t = ok(&mut st, step("token"), &vars).await;
    assert_eq!(t["scope"], "read write", "the server granted the union");
    let scopes: Vec<String> = requests(&transcript)
        .iter()
        .filter(|r| r.1.contains("/authorize?"))
        .filter_map(|r| {
            url::Url::parse(&r.1)
                .ok()?
                .query_pairs()
                .find(|(k, _)| k == "scope")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(scopes, ["read", "read write"]);
    env.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// v2607.scope-hierarchy

async fn hierarchy_check(fault: Option<Fault>, vars: bool) -> mcpcheck::check::CheckResult {
    let all = crate::common::pack();
    let s = all
        .iter()
        .find(|s| s.file.id == "v2607.scope-hierarchy")
        .expect("the scenario exists");
    let faults = fault.into_iter().collect();
    let env = crate::auth_common::start(Mode::SameOrigin, faults, None).await;
    let report = if vars {
        crate::auth_common::run(&env, &[s], Some(V26)).await
    } else {
        // The same run without the hierarchy variables.
        let token = crate::auth_common::run_token(&env).await;
        let mut v = crate::auth_common::vars();
        v.remove("broader_scope");
        v.remove("narrower_scope");
        let options = mcpcheck::suite::SuiteOptions {
            target: mcpcheck::transport::Target::Http { url: env.url() },
            client: mcpcheck::transport::ClientOptions {
                timeout: Duration::from_secs(5),
                headers: vec![("Authorization".into(), format!("Bearer {token}"))],
                ..Default::default()
            },
            spec_version: Some(V26),
            vars: v,
            call_tools: mcpcheck::scenario::ToolCallPolicy::NonDestructive,
        };
        let ctx = mcpcheck::suite::preflight(&options).await.unwrap();
        mcpcheck::suite::run_suite(&[s], &ctx, |_| {}).await
    };
    env.shutdown().await;
    report.checks.into_iter().next().unwrap()
}

/// PASS on the clean server (write implies read), FAIL when the hierarchy is ignored, SKIP
/// naming the variable when no hierarchy is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_hierarchy_check_runs_only_with_the_hierarchy_given() {
    let clean = hierarchy_check(None, true).await;
    assert_eq!(
        clean.verdict,
        Verdict::Pass,
        "{}",
        crate::common::explain(&[&clean])
    );
    let broken = hierarchy_check(Some(Fault::AuthScopeHierarchyIgnored), true).await;
    assert_eq!(broken.verdict, Verdict::Fail);
    assert!(crate::common::explain(&[&broken]).contains("scope hierarchy"));
    let unset = hierarchy_check(None, false).await;
    assert_eq!(unset.verdict, Verdict::Skip);
    assert!(
        unset
            .skip_reason
            .as_deref()
            .is_some_and(|r| r.contains("broader_scope")),
        "{:?}",
        unset.skip_reason
    );
}
