//! Tests of the server configuration and the `serve` command line.

use super::*;

fn parse(args: &[&str]) -> ServeArgs {
    ServeArgs::try_parse_from(std::iter::once("srv").chain(args.iter().copied())).unwrap()
}

#[test]
fn defaults_are_loopback_ephemeral_and_clean() {
    let a = parse(&[]);
    assert_eq!(a.bind_addr().unwrap(), "127.0.0.1:0".parse().unwrap());
    let c = a.to_config().unwrap();
    assert!(c.faults.is_empty());
    assert_eq!(c.page_size, 5);
    assert!(Capability::ALL.iter().all(|cap| c.offers(*cap)));
}

#[test]
fn faults_and_capabilities_are_parsed() {
    let c = parse(&[
        "--fault",
        "ping-error",
        "--fault",
        "bad-tool-name",
        "--without",
        "logging",
    ])
    .to_config()
    .unwrap();
    assert!(c.has(Fault::PingError) && c.has(Fault::BadToolName));
    assert!(!c.offers(Capability::Logging));
    assert!(c.offers(Capability::Tools));
}

#[test]
fn unknown_fault_lists_valid_names() {
    let err = parse(&["--fault", "nope"])
        .to_config()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nope") && err.contains("wrong-response-id"),
        "{err}"
    );
    assert!(parse(&["--without", "sampling"]).to_config().is_err());
    assert!(parse(&["--page-size", "0"]).to_config().is_err());
}

#[test]
fn works_as_a_subcommand_of_another_cli() {
    #[derive(Parser)]
    struct Outer {
        #[command(subcommand)]
        cmd: Sub,
    }
    #[derive(clap::Subcommand)]
    enum Sub {
        Serve(ServeArgs),
    }
    use clap::CommandFactory;
    Outer::command().debug_assert();
    let Outer { cmd: Sub::Serve(a) } =
        Outer::try_parse_from(["outer", "serve", "--port", "7", "--stdio", "-vv"]).unwrap();
    assert_eq!((a.port, a.stdio, a.verbose), (7, true, 2));
}

#[test]
fn auth_flags_build_the_auth_config() {
    let c = parse(&[]).to_config().unwrap();
    assert!(!c.auth.enabled());
    let c = parse(&[
        "--auth",
        "oauth",
        "--user",
        "a:pw",
        "--client",
        "svc:s:read,write",
        "--auto-approve",
        "--allow-loopback-cimd",
        "--token-ttl",
        "5",
        "--code-ttl",
        "3",
    ])
    .to_config()
    .unwrap();
    assert_eq!(c.auth.mode, AuthMode::Oauth);
    assert_eq!(c.auth.users, vec![UserSpec::new("a", "pw")]);
    assert_eq!(
        c.auth.clients[0].scopes,
        Some(vec!["read".into(), "write".into()])
    );
    assert!(c.auth.auto_approve && c.auth.allow_loopback_cimd);
    assert_eq!(c.auth.token_ttl, Duration::from_secs(5));
    assert_eq!(c.auth.code_ttl, Duration::from_secs(3));
    let c = parse(&["--role", "as"]).to_config().unwrap();
    assert!(c.auth.enabled() && !c.auth.serves_mcp());
    let ext = parse(&["--auth", "oauth", "--as-url", "http://127.0.0.1:9"]).to_config();
    assert_eq!(
        ext.unwrap().auth.as_url.as_deref(),
        Some("http://127.0.0.1:9")
    );
    let up = parse(&[
        "--auth",
        "upstream",
        "--upstream",
        "http://localhost:9",
        "--upstream-client",
        "me:pw",
    ]);
    assert_eq!(
        up.to_config().unwrap().auth.upstream_client.unwrap().id,
        "me"
    );
    for bad in [
        &["--auth", "oauth", "--as-url", "http://example.com"][..],
        &["--as-url", "http://127.0.0.1:9"],
        &["--auth", "upstream"],
        &["--upstream", "http://127.0.0.1:9"],
        &["--auth", "oauth", "--user", "nopass"],
        &["--auth", "oauth", "--client", "id:secret:admin"],
        &["--auth", "oauth", "--users-file", "/nonexistent/users.txt"],
    ] {
        assert!(parse(bad).to_config().is_err(), "{bad:?}");
    }
}

#[test]
fn limit_flags_build_the_limits_and_refuse_zero() {
    let d = parse(&[]).to_config().unwrap().limits;
    assert_eq!(d, crate::limits::Limits::default());
    let l = parse(&[
        "--max-batch",
        "3",
        "--max-sessions",
        "4",
        "--max-streams",
        "5",
        "--max-pending",
        "6",
        "--registration-rate",
        "0.5",
        "--registration-burst",
        "7",
        "--idle-timeout",
        "8",
    ])
    .to_config()
    .unwrap()
    .limits;
    assert_eq!(
        (
            l.max_batch,
            l.max_sessions,
            l.max_streams_per_session,
            l.max_pending_per_session,
            l.registration_burst
        ),
        (3, 4, 5, 6, 7)
    );
    assert_eq!(l.registration_rate, 0.5);
    assert_eq!(l.idle_timeout, Duration::from_secs(8));
    for flag in [
        "--max-batch",
        "--max-sessions",
        "--max-streams",
        "--max-pending",
        "--registration-burst",
        "--idle-timeout",
        "--registration-rate",
    ] {
        let err = parse(&[flag, "0"]).to_config().unwrap_err().to_string();
        assert!(err.contains(&flag[2..]), "{err}");
    }
}

#[test]
fn sse_poll_ms_sets_the_polling_interval() {
    assert_eq!(parse(&[]).to_config().unwrap().sse_poll, None);
    let c = parse(&["--sse-poll-ms", "250"]).to_config().unwrap();
    assert_eq!(c.sse_poll, Some(Duration::from_millis(250)));
}

#[test]
fn non_loopback_needs_allow_remote() {
    assert!(parse(&["--host", "0.0.0.0"]).bind_addr().is_err());
    assert!(parse(&["--host", "0.0.0.0", "--allow-remote"])
        .bind_addr()
        .is_ok());
    assert!(parse(&["--host", "::1"]).bind_addr().is_ok());
}
