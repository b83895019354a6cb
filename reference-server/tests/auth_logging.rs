//! No secret reaches the logs: with the server's tracing at `trace`, runs every flow that
//! handles a secret (login, DCR, codes, tokens, refresh, client credentials, revocation,
//! introspection, RFC 7592, rejected tokens and secrets), then scans the captured output for
//! each value issued or presented.

mod auth_common;

use auth_common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_secrets_never_appear_in_the_logs() {
    let capture = Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "mcp_reference_server=trace",
        ))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = start(config(same_origin(), &[])).await;
    let o = server.origin();
    let mut secrets: Vec<String> = vec![PASSWORD.into(), SVC_SECRET.into(), READER_SECRET.into()];

    // DCR (confidential), RFC 7592 read.
    let reg = post_json(
        &format!("{o}/register"),
        &json!({"redirect_uris": [REDIRECT], "grant_types": ["authorization_code", "client_credentials"]}),
    )
    .await
    .json();
    let (id, secret) = (
        reg["client_id"].as_str().unwrap(),
        reg["client_secret"].as_str().unwrap(),
    );
    let rat = reg["registration_access_token"].as_str().unwrap();
    secrets.extend([secret.to_string(), rat.to_string()]);
    let uri = reg["registration_client_uri"].as_str().unwrap();
    let read = Reply::read(http().get(uri).bearer_auth(rat).send().await.unwrap()).await;
    assert_eq!(read.status, StatusCode::OK);

    // Login (a failed attempt first), code, token, refresh.
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        &o,
        &authz_params(id, REDIRECT, &challenge, "read write", ""),
    );
    let page = get(&url).await;
    let action = format!("{o}/authorize");
    let page = submit(
        &action,
        &page.body,
        &[("username", USER), ("password", "wrong-pw-123")],
    )
    .await;
    secrets.push("wrong-pw-123".into());
    let done = submit(
        &action,
        &page.body,
        &[("username", USER), ("password", PASSWORD)],
    )
    .await;
    let code = done.location_param("code").unwrap();
    secrets.extend([code.clone(), verifier.clone()]);
    let t = post_form(
        &format!("{o}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
        Some((id, secret)),
    )
    .await
    .json();
    let (at, rt) = (
        t["access_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
    );
    secrets.extend([at.to_string(), rt.to_string()]);
    let replay = post_form(
        &format!("{o}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
        Some((id, secret)),
    )
    .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    let t2 = post_form(
        &format!("{o}/token"),
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        Some((id, secret)),
    )
    .await;
    assert_eq!(
        t2.status,
        StatusCode::BAD_REQUEST,
        "the replay revoked the family"
    );

    // Client credentials, MCP calls with good and bad tokens, introspection, revocation.
    let cc = cc_token(&o, SVC, SVC_SECRET, "read").await;
    secrets.push(cc.clone());
    let mut mcp = Mcp::new(&server.url(), Some(&cc));
    assert_eq!(mcp.initialize().await.status, StatusCode::OK);
    assert_eq!(
        mcp.call("create_item", json!({"name": "x"})).await.status,
        StatusCode::FORBIDDEN
    );
    let forged = format!("{cc}x");
    secrets.push(forged.clone());
    assert_eq!(
        init_status(&server.url(), Some(&forged)).await,
        StatusCode::UNAUTHORIZED
    );
    let bad_secret = post_form(
        &format!("{o}/token"),
        &[("grant_type", "client_credentials")],
        Some((SVC, "not-the-secret-42")),
    )
    .await;
    assert_eq!(bad_secret.status, StatusCode::UNAUTHORIZED);
    secrets.push("not-the-secret-42".into());
    post_form(
        &format!("{o}/introspect"),
        &[("token", &cc)],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    post_form(
        &format!("{o}/revoke"),
        &[("token", &cc)],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    assert_eq!(
        init_status(&server.url(), Some(&cc)).await,
        StatusCode::UNAUTHORIZED
    );
    server.shutdown().await;

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("access token issued"),
        "the capture works: {log}"
    );
    assert!(log.contains("authorization code replayed"));
    for s in &secrets {
        assert!(
            !log.contains(s.as_str()),
            "a secret ({} chars) was logged:\n{log}",
            s.len()
        );
    }
}
