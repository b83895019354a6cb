//! OAuth attacks on the built-in authorization server, each refused with the right OAuth error:
//! PKCE downgrade, authorization code replay, redirect URI tricks, a token for another audience,
//! refresh token reuse, client impersonation, and client ID metadata document URLs that point
//! at loopback or private addresses (the SSRF guard). A last test runs every attack with the
//! server's logs captured at `trace` and scans them for each token, code and secret involved.

mod auth_common;

use auth_common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The registered URIs of the attacked client.
const APP: &str = "https://app.example.com/cb";

/// What an attack handled that must never reach a log: codes, tokens, secrets, verifiers.
type Secrets = Vec<String>;

/// A same-origin server without loopback CIMD (the default a deployment would run).
async fn server() -> mcp_reference_server::RunningServer {
    start(config(same_origin(), &[])).await
}

/// Registers a public client with `uris`; returns its id.
async fn register_with(origin: &str, uris: &[&str]) -> String {
    let r = post_json(
        &format!("{origin}/register"),
        &json!({"redirect_uris": uris, "token_endpoint_auth_method": "none", "client_name": "victim"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["client_id"].as_str().unwrap().to_string()
}

/// Registers a confidential client; returns (id, secret, registration token).
async fn register_confidential(origin: &str) -> (String, String, String) {
    let r = post_json(
        &format!("{origin}/register"),
        &json!({"redirect_uris": [REDIRECT], "client_name": "confidential"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    let s = |k: &str| j[k].as_str().unwrap().to_string();
    (
        s("client_id"),
        s("client_secret"),
        s("registration_access_token"),
    )
}

/// Asserts an OAuth error body with `code` and status `status`.
fn assert_oauth_error(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.json()["error"], json!(code), "{}", r.body);
    assert!(r.json().get("access_token").is_none());
}

/// Redeems `code` at the token endpoint as a public client.
async fn redeem(origin: &str, client: &str, code: &str, verifier: Option<&str>) -> Reply {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", client),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    post_form(&format!("{origin}/token"), &form, None).await
}

/// The authorization endpoint's answer for `params` (not followed).
async fn authorize(origin: &str, params: &[(&str, &str)]) -> Reply {
    get(&authorize_url(origin, params)).await
}

/// Asserts a refused authorization request with an untrusted redirect URI: an error page, never
/// a redirect (the target is not trusted, so nothing is sent there).
fn assert_error_page(r: &Reply, what: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
    assert!(r.header("location").is_none(), "{what}: redirected");
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{what}"
    );
}

/// Asserts a refused authorization request redirected back with `error` and no code.
fn assert_redirected_error(r: &Reply, error: &str, what: &str) {
    assert_eq!(r.status, StatusCode::FOUND, "{what}: {}", r.body);
    assert_eq!(r.location_param("error").as_deref(), Some(error), "{what}");
    assert!(r.location_param("code").is_none(), "{what}");
}

async fn pkce_downgrade(origin: &str) -> Secrets {
    let client = register_public(origin, REDIRECT).await;
    let (verifier, challenge) = pkce();
    // `plain`, or no challenge at all, is refused at the authorization endpoint.
    let mut plain = authz_params(&client, REDIRECT, &verifier, "read", "");
    plain.retain(|(k, _)| *k != "code_challenge_method");
    plain.push(("code_challenge_method", "plain"));
    assert_redirected_error(&authorize(origin, &plain).await, "invalid_request", "plain");
    let mut absent_method = authz_params(&client, REDIRECT, &verifier, "read", "");
    absent_method.retain(|(k, _)| *k != "code_challenge_method");
    assert_redirected_error(
        &authorize(origin, &absent_method).await,
        "invalid_request",
        "method absent means plain",
    );
    let mut none = authz_params(&client, REDIRECT, &challenge, "read", "");
    none.retain(|(k, _)| !k.starts_with("code_challenge"));
    assert_redirected_error(
        &authorize(origin, &none).await,
        "invalid_request",
        "no challenge",
    );

    // A code issued for an S256 challenge: no verifier, or the challenge itself sent as a
    // plain verifier, is refused, and the failed try burns the code.
    let mut secrets = vec![verifier.clone()];
    let (code, verifier) = get_code(origin, &client, "read").await;
    secrets.extend([code.clone(), verifier.clone()]);
    assert_oauth_error(
        &redeem(origin, &client, &code, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_oauth_error(
        &redeem(origin, &client, &code, Some(&verifier)).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    let (code, verifier) = get_code(origin, &client, "read").await;
    secrets.extend([code.clone(), verifier.clone()]);
    let as_plain = pkce_challenge_of(&verifier);
    assert_oauth_error(
        &redeem(origin, &client, &code, Some(&as_plain)).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_oauth_error(
        &redeem(origin, &client, &code, Some(&verifier)).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    secrets
}

/// The S256 challenge of `verifier` (what a downgrading client would send as verifier).
fn pkce_challenge_of(verifier: &str) -> String {
    use base64::Engine;
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

async fn code_replay(server: &mcp_reference_server::RunningServer) -> Secrets {
    let origin = server.origin();
    let client = register_public(&origin, REDIRECT).await;
    let (code, verifier) = get_code(&origin, &client, "read").await;
    let first = redeem(&origin, &client, &code, Some(&verifier)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let t = first.json();
    let at = t["access_token"].as_str().unwrap().to_string();
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(init_status(&server.url(), Some(&at)).await, StatusCode::OK);

    let again = redeem(&origin, &client, &code, Some(&verifier)).await;
    assert_oauth_error(&again, StatusCode::BAD_REQUEST, "invalid_grant");
    // Everything issued from the replayed code is revoked (RFC 6749 §4.1.2).
    assert_eq!(
        init_status(&server.url(), Some(&at)).await,
        StatusCode::UNAUTHORIZED
    );
    let refresh = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_oauth_error(&refresh, StatusCode::BAD_REQUEST, "invalid_grant");
    vec![code, verifier, at, rt]
}

async fn redirect_tricks(origin: &str) -> Secrets {
    let client = register_with(origin, &[APP, REDIRECT]).await;
    let (verifier, challenge) = pkce();
    let try_uri = |uri: &'static str| {
        let client = client.clone();
        let challenge = challenge.clone();
        async move {
            let params = authz_params(&client, uri, &challenge, "read", "");
            authorize(origin, &params).await
        }
    };
    // The registered URIs are accepted (a loopback one on any port, RFC 8252 §7.3).
    for good in [APP, REDIRECT, "http://127.0.0.1:6001/callback"] {
        let r = try_uri(good).await;
        assert_eq!(r.status, StatusCode::OK, "{good}: {}", r.body);
    }
    for bad in [
        // Prefix and extra path.
        "https://app.example.com/cb/evil",
        "https://app.example.com/cbx",
        "https://app.example.com/cb/../evil",
        "https://app.example.com/evil/../cb",
        "https://app.example.com/cb?next=https://evil.example",
        // Percent-encoded variants of the registered URI.
        "https://app.example.com/%63b",
        "https://app.example.com/cb%2F..%2Fevil",
        "https%3A%2F%2Fapp.example.com%2Fcb",
        // Another port, scheme, host case or a fragment on a non-loopback URI.
        "https://app.example.com:8443/cb",
        "https://app.example.com:443/cb",
        "http://app.example.com/cb",
        "https://APP.example.com/cb",
        "https://app.example.com/cb#frag",
        // User information that moves the host.
        "https://app.example.com@evil.example/cb",
        "https://evil.example@app.example.com/cb",
        "http://127.0.0.1:5599@evil.example/callback",
        // Loopback: another host name, path or query.
        "http://localhost:5599/callback",
        "http://127.0.0.1:5599/callback/x",
        "http://127.0.0.1:5599/callback?x=1",
        "http://127.0.0.2:5599/callback",
    ] {
        assert_error_page(&try_uri(bad).await, bad);
    }
    // At the token endpoint, the redirect URI must be the one of the authorization request.
    let (code, v) = get_code(origin, &client, "read").await;
    let r = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:5599/callback/x"),
            ("code_verifier", &v),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    vec![verifier, code, v]
}

async fn other_audience() -> Secrets {
    // A stand-alone authorization server issues tokens for any resource; an MCP server that
    // trusts it must still refuse a token minted for another resource.
    let as_server = start(config(
        mcp_reference_server::AuthConfig::authorization_server(users(), clients())
            .with_auto_approve(),
        &[],
    ))
    .await;
    let issuer = as_server.origin();
    let rs = start(config(
        mcp_reference_server::AuthConfig::oauth_external(&issuer),
        &[],
    ))
    .await;
    let mint = |resource: String| {
        let issuer = issuer.clone();
        async move {
            let t = post_form(
                &format!("{issuer}/token"),
                &[
                    ("grant_type", "client_credentials"),
                    ("resource", &resource),
                ],
                Some((SVC, SVC_SECRET)),
            )
            .await;
            assert_eq!(t.status, StatusCode::OK, "{}", t.body);
            t.json()["access_token"].as_str().unwrap().to_string()
        }
    };
    let good = mint(rs.url()).await;
    assert_eq!(init_status(&rs.url(), Some(&good)).await, StatusCode::OK);
    let mut secrets = vec![good];
    for other in [
        "http://127.0.0.1:1/mcp".to_string(),
        format!("{}/other", rs.origin()),
        issuer.clone(),
    ] {
        let token = mint(other.clone()).await;
        let r = Mcp::new(&rs.url(), Some(&token)).initialize().await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "audience {other}");
        let challenge = r.header("www-authenticate").unwrap_or_default();
        assert!(challenge.contains("invalid_token"), "{challenge}");
        secrets.push(token);
    }
    // The built-in server of an MCP instance refuses to mint for a resource it does not serve.
    let same = server().await;
    let r = post_form(
        &format!("{}/token", same.origin()),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "http://127.0.0.1:1/mcp"),
        ],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_target");
    // And a token of one instance is worthless at another (other key, other audience).
    let foreign = cc_token(&same.origin(), SVC, SVC_SECRET, "").await;
    assert_eq!(
        init_status(&rs.url(), Some(&foreign)).await,
        StatusCode::UNAUTHORIZED
    );
    secrets.push(foreign);
    secrets
}

async fn refresh_reuse(server: &mcp_reference_server::RunningServer) -> Secrets {
    let origin = server.origin();
    let client = register_public(&origin, REDIRECT).await;
    let t1 = code_flow(&origin, &client, "read", "").await;
    let rt1 = t1["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String| {
        let origin = origin.clone();
        let client = client.clone();
        async move {
            post_form(
                &format!("{origin}/token"),
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &rt),
                    ("client_id", &client),
                ],
                None,
            )
            .await
        }
    };
    let r2 = refresh(rt1.clone()).await;
    assert_eq!(r2.status, StatusCode::OK, "{}", r2.body);
    let t2 = r2.json();
    let (at2, rt2) = (
        t2["access_token"].as_str().unwrap().to_string(),
        t2["refresh_token"].as_str().unwrap().to_string(),
    );
    assert_ne!(rt1, rt2, "refresh tokens rotate");
    assert_eq!(init_status(&server.url(), Some(&at2)).await, StatusCode::OK);
    // Reusing the rotated token revokes the whole family.
    assert_oauth_error(
        &refresh(rt1.clone()).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_oauth_error(
        &refresh(rt2.clone()).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(
        init_status(&server.url(), Some(&at2)).await,
        StatusCode::UNAUTHORIZED
    );
    let at1 = t1["access_token"].as_str().unwrap().to_string();
    vec![rt1, rt2, at1, at2]
}

async fn impersonation(origin: &str) -> Secrets {
    let (a, a_secret, a_rat) = register_confidential(origin).await;
    let (b, b_secret, b_rat) = register_confidential(origin).await;
    let mut secrets = vec![a_secret.clone(), a_rat, b_secret.clone(), b_rat];
    let code_of_a = || async {
        let (verifier, challenge) = pkce();
        let url = authorize_url(origin, &authz_params(&a, REDIRECT, &challenge, "read", ""));
        let done = browse(&url, USER, PASSWORD, REDIRECT).await;
        (done.location_param("code").expect("code"), verifier)
    };
    let redeem_as = |code: String, verifier: String, id: String, secret: String| async move {
        post_form(
            &format!("{origin}/token"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ],
            Some((&id, &secret)),
        )
        .await
    };

    // A's code with A's id and a wrong secret: invalid_client (401), the code survives.
    let (code, verifier) = code_of_a().await;
    secrets.extend([code.clone(), verifier.clone()]);
    let wrong = redeem_as(
        code.clone(),
        verifier.clone(),
        a.clone(),
        "guessed-secret-1".into(),
    )
    .await;
    assert_oauth_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(wrong
        .header("www-authenticate")
        .is_some_and(|w| w.starts_with("Basic")));
    // B's secret with A's id, and A's secret with B's id: both invalid_client.
    let crossed = redeem_as(code.clone(), verifier.clone(), a.clone(), b_secret.clone()).await;
    assert_oauth_error(&crossed, StatusCode::UNAUTHORIZED, "invalid_client");
    // B, properly authenticated, redeems A's code: invalid_grant.
    let stolen = redeem_as(code.clone(), verifier.clone(), b.clone(), b_secret.clone()).await;
    assert_oauth_error(&stolen, StatusCode::BAD_REQUEST, "invalid_grant");

    // A public client naming itself with A's id cannot skip A's secret.
    let (code, verifier) = code_of_a().await;
    secrets.extend([code.clone(), verifier.clone()]);
    let public = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &a),
        ],
        None,
    )
    .await;
    assert_oauth_error(&public, StatusCode::UNAUTHORIZED, "invalid_client");
    // Basic credentials of B with `client_id=A` in the body: refused, no token.
    let mixed = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &a),
        ],
        Some((&b, &b_secret)),
    )
    .await;
    assert_oauth_error(&mixed, StatusCode::BAD_REQUEST, "invalid_request");
    // The rightful client still gets its token with that code.
    let ok = redeem_as(code, verifier, a.clone(), a_secret.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    secrets.push(ok.json()["access_token"].as_str().unwrap().to_string());

    // Client credentials: a pre-registered id with another client's secret.
    let cc = post_form(
        &format!("{origin}/token"),
        &[("grant_type", "client_credentials")],
        Some((SVC, READER_SECRET)),
    )
    .await;
    assert_oauth_error(&cc, StatusCode::UNAUTHORIZED, "invalid_client");
    // RFC 7592: B's registration token does not open A's configuration.
    let b_token = secrets[3].clone();
    let read = Reply::read(
        http()
            .get(format!("{origin}/register/{a}"))
            .bearer_auth(&b_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "{}", read.body);
    secrets
}

/// A loopback server serving a valid client ID metadata document at `/client.json`, counting
/// every request it receives.
async fn cimd_host() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/client.json");
    let doc = json!({"client_id": url, "client_name": "cimd", "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none"});
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/client.json",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, hits)
}

async fn cimd_ssrf() -> Secrets {
    let (doc_url, hits) = cimd_host().await;
    let (_, challenge) = pkce();
    // Without the loopback opt-in nothing is fetched, loopback or not.
    let plain = server().await;
    let port = doc_url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let loopback_aliases = [
        doc_url.clone(),
        format!("http://localhost:{port}/client.json"),
        format!("http://[::1]:{port}/client.json"),
        format!("http://2130706433:{port}/client.json"),
        format!("http://0x7f.0.0.1:{port}/client.json"),
    ];
    let private = [
        "http://10.0.0.1/client.json",
        "http://192.168.1.1/client.json",
        "http://172.16.0.1/client.json",
        "http://169.254.169.254/latest/meta-data/client.json",
        "http://[fd00::1]/client.json",
        "http://0.0.0.0/client.json",
        "https://metadata.google.internal/client.json",
    ];
    for id in loopback_aliases.iter().map(String::as_str).chain(private) {
        let started = Instant::now();
        let r = authorize(
            &plain.origin(),
            &authz_params(id, REDIRECT, &challenge, "read", ""),
        )
        .await;
        assert_error_page(&r, id);
        assert!(started.elapsed() < Duration::from_secs(3), "{id}: no fetch");
        let t = post_form(
            &format!("{}/token", plain.origin()),
            &[("grant_type", "client_credentials"), ("client_id", id)],
            None,
        )
        .await;
        assert_oauth_error(&t, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the document was fetched");

    // With the loopback opt-in, loopback documents are fetched (the control), private and
    // link-local addresses still are not: refused at once, without a connection attempt.
    let opted = start(config(same_origin().with_loopback_cimd(), &[])).await;
    let ok = authorize(
        &opted.origin(),
        &authz_params(&doc_url, REDIRECT, &challenge, "read", ""),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(hits.load(Ordering::SeqCst) >= 1);
    for id in private {
        let started = Instant::now();
        let r = authorize(
            &opted.origin(),
            &authz_params(id, REDIRECT, &challenge, "read", ""),
        )
        .await;
        assert_error_page(&r, id);
        assert!(
            r.body.contains("loopback"),
            "{id}: the page says why: {}",
            r.body
        );
        assert!(started.elapsed() < Duration::from_secs(3), "{id}: no fetch");
    }
    Vec::new()
}

#[tokio::test]
async fn pkce_downgrades_are_refused() {
    pkce_downgrade(&server().await.origin()).await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_its_tokens() {
    code_replay(&server().await).await;
}

#[tokio::test]
async fn redirect_uri_tricks_are_refused_without_redirecting() {
    redirect_tricks(&server().await.origin()).await;
}

#[tokio::test]
async fn tokens_for_another_audience_are_refused() {
    other_audience().await;
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_family() {
    refresh_reuse(&server().await).await;
}

#[tokio::test]
async fn client_impersonation_is_refused() {
    impersonation(&server().await.origin()).await;
}

#[tokio::test]
async fn cimd_urls_to_loopback_or_private_addresses_are_never_fetched() {
    cimd_ssrf().await;
}

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
async fn no_secret_of_any_attack_reaches_the_logs() {
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

    let s = server().await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), SVC_SECRET.into(), READER_SECRET.into()];
    secrets.extend(pkce_downgrade(&s.origin()).await);
    secrets.extend(code_replay(&s).await);
    secrets.extend(redirect_tricks(&s.origin()).await);
    secrets.extend(other_audience().await);
    secrets.extend(refresh_reuse(&s).await);
    secrets.extend(impersonation(&s.origin()).await);
    secrets.extend(cimd_ssrf().await);
    secrets.push("guessed-secret-1".into());
    s.shutdown().await;

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("authorization code replayed"), "capture works");
    assert!(secrets.len() > 30, "{} secrets collected", secrets.len());
    for secret in &secrets {
        assert!(secret.len() >= 8, "too short to scan for: {secret:?}");
        assert!(
            !log.contains(secret.as_str()),
            "a secret ({} chars) was logged:\n{log}",
            secret.len()
        );
    }
}
