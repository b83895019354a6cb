//! The authorization pack against the clean reference server in each deployment (same origin,
//! separate authorization server, upstream IdP) must pass; `mcpcheck run --auth …` authorizes
//! once and runs the lifecycle pack authenticated; no issued token, code or secret reaches any
//! report format.

mod auth_common;
mod common;

use assert_cmd::Command;
use auth_common::{Mode, CLIENT, USER};
use common::{explain, not_passing, pack};
use mcp_reference_server::Fault;
use mcpcheck::check::{RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::report::{self, Format, RenderOptions};
use mcpcheck::scenario::Scenario;
use regex::Regex;
use std::collections::BTreeSet;
use std::time::Duration;

fn auth_pack(all: &[Scenario]) -> Vec<&Scenario> {
    all.iter()
        .filter(|s| s.file.tags.iter().any(|t| t == "auth"))
        .collect()
}

fn verdict<'a>(r: &'a RunReport, id: &str) -> &'a Verdict {
    &r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} did not run"))
        .verdict
}

async fn clean_run(mode: Mode, ttl: Option<Duration>) -> RunReport {
    clean_run_at(mode, ttl, None).await
}

async fn clean_run_at(
    mode: Mode,
    ttl: Option<Duration>,
    version: Option<ProtocolVersion>,
) -> RunReport {
    let all = pack();
    let scenarios = auth_pack(&all);
    assert!(scenarios.len() >= 30, "the auth pack is loaded");
    let env = auth_common::start(mode, BTreeSet::new(), ttl).await;
    let report = auth_common::run(&env, &scenarios, version).await;
    env.shutdown().await;
    let bad = not_passing(&report);
    assert!(bad.is_empty(), "{mode:?}:\n{}", explain(&bad));
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_origin_pack_passes() {
    let r = clean_run(Mode::SameOrigin, None).await;
    for id in [
        "flow.code-pkce-dcr",
        "flow.cimd",
        "flow.pre-registered",
        "flow.client-credentials",
        "flow.refresh",
        "as.code-single-use",
        "dcr.manage",
        "tok.introspection",
        "auth.insufficient-scope",
    ] {
        assert_eq!(
            verdict(&r, id),
            &Verdict::Pass,
            "{id}\n{}",
            explain(&[r.checks.iter().find(|c| c.id == id).unwrap()])
        );
    }
    // Not applicable here, and said so: the AS refuses foreign resources, tokens live 10 min,
    // and there is no upstream IdP.
    for id in ["auth.audience", "auth.expired-token", "flow.upstream"] {
        assert_eq!(verdict(&r, id), &Verdict::Skip, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_authorization_server_pack_passes() {
    let r = clean_run(Mode::SeparateAs, None).await;
    for id in [
        "flow.code-pkce-dcr",
        "auth.audience",
        "auth.invalid-token",
        "as.meta-issuer",
    ] {
        assert_eq!(verdict(&r, id), &Verdict::Pass, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_pack_passes() {
    let r = clean_run(Mode::Upstream, None).await;
    for id in ["flow.upstream", "flow.code-pkce-dcr", "flow.refresh"] {
        assert_eq!(verdict(&r, id), &Verdict::Pass, "{id}");
    }
}

/// The pack at 2026-07-28 in every deployment: the probes and MCP calls go out in the stateless
/// form, and the checks that hold there run (not SKIP) and pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pack_passes_at_2026_07_28_in_every_deployment() {
    let v = Some(ProtocolVersion::V2026_07_28);
    let r = clean_run_at(Mode::SameOrigin, None, v).await;
    for id in [
        "auth.no-token-401",
        "auth.prm-as",
        "as.meta-issuer",
        "as.iss-response",
        "flow.code-pkce-dcr",
        "flow.cimd",
        "flow.pre-registered",
        "flow.client-credentials",
        "flow.refresh",
        "auth.invalid-token",
        "auth.scope-enforced",
        "auth.insufficient-scope",
        "tok.revocation",
        "v2607.iss-emit",
        "v2607.no-offline-access",
        "v2607.one-challenge",
    ] {
        assert_eq!(
            verdict(&r, id),
            &Verdict::Pass,
            "{id}\n{}",
            explain(&[r.checks.iter().find(|c| c.id == id).unwrap()])
        );
    }
    let flow = r
        .checks
        .iter()
        .find(|c| c.id == "flow.code-pkce-dcr")
        .unwrap();
    let mcp_posts: Vec<String> = flow
        .transcript
        .iter()
        .filter_map(|e| match e {
            mcpcheck::transcript::Entry::HttpRequest { url, headers, .. }
                if *url == r_url(&flow.transcript) =>
            {
                headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("mcp-method"))
                    .map(|(_, v)| v.clone())
            }
            _ => None,
        })
        .collect();
    assert!(
        mcp_posts.len() >= 3 && mcp_posts.iter().all(|m| m == "tools/list"),
        "every MCP request (probe, open, list) is a stateless tools/list: {mcp_posts:?}"
    );
    // v2607.app-type: the dynamic registration names the client's application_type (native:
    // a loopback redirect), and lists the refresh_token grant (v2607.refresh).
    let registration = flow
        .transcript
        .iter()
        .find_map(|e| match e {
            mcpcheck::transcript::Entry::HttpRequest {
                method, url, body, ..
            } if method == "POST" && url.ends_with("/register") => body.clone(),
            _ => None,
        })
        .expect("a dynamic registration");
    let reg: serde_json::Value = serde_json::from_str(&registration).unwrap();
    assert_eq!(reg["application_type"], "native", "{reg}");
    assert!(
        reg["grant_types"]
            .as_array()
            .is_some_and(|g| g.iter().any(|x| x == "refresh_token")),
        "{reg}"
    );
    let r = clean_run_at(Mode::SeparateAs, None, v).await;
    for id in ["flow.code-pkce-dcr", "auth.audience", "as.meta-issuer"] {
        assert_eq!(verdict(&r, id), &Verdict::Pass, "{id}");
    }
    let r = clean_run_at(Mode::Upstream, None, v).await;
    for id in ["flow.upstream", "flow.refresh"] {
        assert_eq!(verdict(&r, id), &Verdict::Pass, "{id}");
    }
}

/// The MCP endpoint: the URL of the first request of a check (its probe).
fn r_url(t: &[mcpcheck::transcript::Entry]) -> String {
    t.iter()
        .find_map(|e| match e {
            mcpcheck::transcript::Entry::HttpRequest { url, .. } => Some(url.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_exercise_expiry() {
    let all = pack();
    let s: Vec<&Scenario> = all
        .iter()
        .filter(|s| s.file.id == "auth.expired-token")
        .collect();
    let env = auth_common::start(
        Mode::SameOrigin,
        BTreeSet::new(),
        Some(Duration::from_secs(2)),
    )
    .await;
    let r = auth_common::run(&env, &s, None).await;
    env.shutdown().await;
    assert_eq!(
        r.checks[0].verdict,
        Verdict::Pass,
        "{}",
        explain(&[&r.checks[0]])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auth_pack_skips_on_a_server_without_authorization() {
    let all = pack();
    let scenarios = auth_pack(&all);
    let server = common::http_server(mcp_reference_server::ServerConfig::default()).await;
    let r = common::run(
        mcpcheck::transport::Target::Http { url: server.url() },
        &scenarios,
        None,
    )
    .await;
    server.shutdown().await;
    let not_skipped: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.verdict != Verdict::Skip)
        .collect();
    assert!(not_skipped.is_empty(), "{}", explain(&not_skipped));
}

/// Values that must never appear in a report: JWTs, and any value of a credential key or
/// form field other than the redaction marker.
fn leaks(text: &str) -> Vec<String> {
    let jwt = Regex::new(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}").unwrap();
    let kv = Regex::new(
        r#"(?i)\b(code|code_verifier|access_token|refresh_token|registration_access_token|client_secret|password)(\\?"\s*:\s*\\?"|=)([^"&\s\\<,;]+)"#,
    )
    .unwrap();
    let mut out: Vec<String> = jwt
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect();
    for c in kv.captures_iter(text) {
        let v = &c[3];
        if v != "[REDACTED]" && !v.starts_with("%5BREDACTED") && v != "null" {
            out.push(c[0].to_string());
        }
    }
    for secret in [USER.1, CLIENT.1] {
        if text.contains(secret) {
            out.push(secret.to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_issued_secret_reaches_any_report_format() {
    let all = pack();
    let scenarios = auth_pack(&all);
    // A fault that makes flows fail, so verbose reports carry full transcripts of OAuth
    // exchanges (codes, tokens, registrations).
    let env = auth_common::start(
        Mode::SameOrigin,
        BTreeSet::from([Fault::from_name("auth-code-reuse").unwrap()]),
        None,
    )
    .await;
    let r = auth_common::run(&env, &scenarios, None).await;
    env.shutdown().await;
    assert!(
        r.summary.fail > 0,
        "the fault makes at least one check fail"
    );
    let raw = serde_json::to_string(&r).unwrap();
    assert!(
        raw.contains("[REDACTED]"),
        "secrets were present and redacted"
    );
    assert!(
        raw.contains("/token"),
        "the transcripts hold the OAuth exchanges"
    );
    let mut all_leaks = leaks(&raw);
    let opts = RenderOptions {
        color: false,
        verbose: true,
    };
    for f in [
        Format::Console,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ] {
        all_leaks.extend(
            leaks(&report::render(f, &r, &opts))
                .into_iter()
                .map(|l| format!("{f:?}: {l}")),
        );
    }
    assert!(all_leaks.is_empty(), "leaked: {all_leaks:#?}");
}

#[test]
fn the_leak_scanner_finds_what_it_looks_for() {
    assert!(!leaks("code=abc&state=1").is_empty());
    assert!(!leaks(r#"{"refresh_token":"r1"}"#).is_empty());
    assert!(!leaks("Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.sig").is_empty());
    assert!(
        leaks(r#"code=[REDACTED]&state=1 {"access_token":"[REDACTED]"} "code": -32602"#).is_empty()
    );
}

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.env("NO_COLOR", "1").timeout(Duration::from_secs(180));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_auth_headless_runs_the_lifecycle_pack_authenticated() {
    let env = auth_common::start(Mode::SameOrigin, BTreeSet::new(), None).await;
    let url = env.url();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let json_arg = format!("json:{}", json.display());
    let out = tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args([
                "run",
                &url,
                "--auth",
                "headless",
                "--username",
                USER.0,
                "--only",
                "lifecycle.*",
                "--only",
                "auth.*",
                "--only",
                "flow.*",
                "--report",
                &json_arg,
                "-v",
            ])
            .env("MCPCHECK_PASSWORD", USER.1)
            .output()
            .expect("runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: RunReport = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let passed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        passed.contains(&"lifecycle.initialize-result"),
        "{passed:?}"
    );
    assert!(
        passed.contains(&"flow.code-pkce-dcr"),
        "username/password became vars: {passed:?}"
    );
    let text = std::fs::read_to_string(&json).unwrap();
    let mut l = leaks(&text);
    l.extend(leaks(&stdout));
    assert!(l.is_empty(), "{l:?}");

    // Client credentials, and a bad password is a usage error (exit 2), not a crash.
    let url = env.url();
    let out = tokio::task::spawn_blocking(move || {
        let ok = mcpcheck()
            .args([
                "run",
                &url,
                "--auth",
                "client-credentials",
                "--client-id",
                CLIENT.0,
                "--client-secret",
                CLIENT.1,
                "--only",
                "lifecycle.ping",
            ])
            .output()
            .expect("runs");
        let bad = mcpcheck()
            .args([
                "run",
                &url,
                "--auth",
                "headless",
                "--username",
                USER.0,
                "--password",
                "wrong",
                "--only",
                "lifecycle.ping",
            ])
            .output()
            .expect("runs");
        let none = mcpcheck()
            .args(["run", &url, "--only", "lifecycle.ping"])
            .output()
            .expect("runs");
        (ok, bad, none)
    })
    .await
    .unwrap();
    env.shutdown().await;
    assert_eq!(
        out.0.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.0.stderr)
    );
    assert_eq!(out.1.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.1.stderr);
    assert!(err.contains("credentials were refused"), "{err}");
    assert!(!err.contains("wrong"), "the password is not echoed: {err}");
    assert_eq!(out.2.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.2.stderr);
    assert!(err.contains("requires authorization"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_mode_catches_the_redirect_on_a_loopback_callback() {
    use mcpcheck::auth::browser::{headless, HeadlessOptions};
    use mcpcheck::auth::exchange::OAuthHttp;
    use mcpcheck::auth::flow::{authorize_run, RunAuthMode, RunAuthOptions};
    use mcpcheck::auth::interactive::Opener;
    use mcpcheck::protocol::ProtocolVersion;
    use mcpcheck::transcript::Transcript;
    use std::sync::Arc;

    let env = auth_common::start(Mode::SameOrigin, BTreeSet::new(), None).await;
    // A stand-in for the user's browser: it logs in (as a person would), then follows the
    // redirect to the loopback callback.
    let opened = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&opened);
    let opener: Opener = Arc::new(move |url: &str| {
        seen.lock().unwrap().push(url.to_string());
        let url = url.to_string();
        tokio::spawn(async move {
            let u = url::Url::parse(&url).unwrap();
            let redirect_uri = u
                .query_pairs()
                .find(|(k, _)| k == "redirect_uri")
                .map(|(_, v)| v.into_owned())
                .unwrap();
            let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 20).unwrap();
            let opts = HeadlessOptions {
                username: Some(USER.0.into()),
                password: Some(USER.1.into()),
                approve: true,
                redirect_uri,
                as_origin: u.origin().ascii_serialization(),
            };
            let run = headless(&http, &url, &opts).await.unwrap();
            reqwest::get(run.callback.unwrap().url).await.unwrap();
        });
        Ok(())
    });
    let o = RunAuthOptions {
        mode: RunAuthMode::Interactive,
        client_id: None,
        client_secret: None,
        username: None,
        password: None,
        scope: None,
        version: ProtocolVersion::NEWEST_STATEFUL,
        timeout: Duration::from_secs(5),
        interactive_timeout: Duration::from_secs(20),
        opener,
        ca_cert: None,
    };
    let got = authorize_run(&env.url(), &o).await;
    env.shutdown().await;
    let got = got.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.access_token.split('.').count(), 3, "a JWT access token");
    let urls = opened.lock().unwrap().clone();
    assert_eq!(urls.len(), 1);
    assert!(
        urls[0].contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{}",
        urls[0]
    );
    assert!(got.secrets.contains(&got.access_token));
}

#[test]
fn a_bad_auth_step_is_a_load_error_with_its_line() {
    let text = "id = \"x.auth\"\ntitle = \"t\"\nspec = [\"RFC 6749\"]\nlevel = \"MUST\"\n\n[[step]]\nauth = { action = \"authorise\" }\n";
    let e = mcpcheck::scenario::loader::parse("mine.toml", text).unwrap_err();
    assert_eq!(e.line, 6, "{e}");
    assert!(e.message.contains("unknown auth action `authorise`"), "{e}");
    let text = "id = \"x.auth\"\ntitle = \"t\"\nspec = [\"RFC 6749\"]\nlevel = \"MUST\"\nrequires_vars = [\"username\"]\n\n[[step]]\nauth = { action = \"authorize\", pkce = \"S1\" }\n";
    let e = mcpcheck::scenario::loader::parse("mine.toml", text).unwrap_err();
    assert!(e.message.contains("unknown pkce `S1`"), "{e}");
}

/// The 2026-07-28 checks against their faults, at the level of the rule each breaks: `iss`
/// missing while advertised is a MUST (FAIL); `offline_access` asked by the resource and a
/// challenge that does not name every needed scope are SHOULDs (WARN).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2026_07_28_faults_are_caught_at_their_level() {
    let all = pack();
    for (fault, id, want) in [
        ("auth-iss-missing-on-error", "v2607.iss-emit", Verdict::Fail),
        ("auth-no-iss-in-response", "v2607.iss-emit", Verdict::Fail),
        (
            "auth-offline-access-in-challenge",
            "v2607.no-offline-access",
            Verdict::Warn,
        ),
        ("auth-step-up-partial", "v2607.one-challenge", Verdict::Warn),
    ] {
        let s: Vec<&Scenario> = all.iter().filter(|s| s.file.id == id).collect();
        assert_eq!(s.len(), 1, "{id}");
        let env = auth_common::start(
            Mode::SameOrigin,
            BTreeSet::from([Fault::from_name(fault).unwrap()]),
            None,
        )
        .await;
        let r = auth_common::run(&env, &s, Some(ProtocolVersion::V2026_07_28)).await;
        env.shutdown().await;
        assert_eq!(
            r.checks[0].verdict,
            want,
            "{fault} × {id}\n{}",
            explain(&[&r.checks[0]])
        );
    }
}
