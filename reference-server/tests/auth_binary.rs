//! The binary with `--auth`: the generated `demo` password is printed on stderr (and works),
//! a `--role as` instance announces its issuer, and bad auth flags are refused.

mod auth_common;

use auth_common::*;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-reference-server");

/// Kills the child when dropped, so a failing test leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args`; returns it and its announced address.
fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Running(
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out_line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut out_line)
        .unwrap();
    let addr = out_line
        .trim()
        .strip_prefix("mcp-reference-server listening on ")
        .unwrap_or_else(|| panic!("{out_line}"))
        .to_string();
    (child, addr)
}

/// The first line the child wrote on stderr (written before it announced its address).
fn first_stderr_line(child: &mut Running) -> String {
    let mut line = String::new();
    BufReader::new(child.0.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line
}

#[tokio::test]
async fn generated_password_is_printed_and_works() {
    let (mut child, url) = spawn(&["--auth", "oauth", "--auto-approve"]);
    let err = first_stderr_line(&mut child);
    assert!(url.ends_with("/mcp"), "{url}");
    let pw = err
        .split('`')
        .nth(3)
        .unwrap_or_else(|| panic!("no password in {err:?}"))
        .to_string();
    assert!(err.contains("user `demo`") && pw.len() >= 12, "{err}");
    let origin = url.trim_end_matches("/mcp").to_string();
    assert_eq!(init_status(&url, None).await, StatusCode::UNAUTHORIZED);
    let client = register_public(&origin, REDIRECT).await;
    let (_, challenge) = pkce();
    let authz = authorize_url(
        &origin,
        &authz_params(&client, REDIRECT, &challenge, "", ""),
    );
    let done = browse(&authz, "demo", &pw, REDIRECT).await;
    assert!(done.location_param("code").is_some());
    let page = get(&authz).await;
    let wrong = submit(
        &format!("{origin}/authorize"),
        &page.body,
        &[("username", "demo"), ("password", "demo")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("Invalid username or password"));
}

#[tokio::test]
async fn role_as_announces_its_issuer() {
    let (_child, origin) = spawn(&[
        "--role",
        "as",
        "--user",
        "alice:pw-1",
        "--client",
        "svc:s1:read",
    ]);
    assert!(
        origin.starts_with("http://127.0.0.1:") && !origin.ends_with("/mcp"),
        "{origin}"
    );
    let meta = get(&format!("{origin}/.well-known/oauth-authorization-server"))
        .await
        .json();
    assert_eq!(meta["issuer"], origin.as_str());
    let t = post_form(
        &format!("{origin}/token"),
        &[("grant_type", "client_credentials")],
        Some(("svc", "s1")),
    )
    .await;
    assert_eq!(t.json()["scope"], "read");
}

#[test]
fn bad_auth_flags_are_refused() {
    for args in [
        &["--auth", "oauth", "--as-url", "http://example.com"][..],
        &["--auth", "upstream"],
        &["--auth", "oauth", "--client", "x"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}
