//! Every refusal the OAuth side owes a wrong request: authorization endpoint errors (page vs
//! redirect), token endpoint errors (RFC 6749 §5.2 codes and statuses, no-store), DCR errors
//! (RFC 7591 §3.2.2), and bearer errors at `/mcp` (RFC 6750 §3.1).

mod auth_common;

use auth_common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn redirect_error(origin: &str, params: &[(&str, &str)]) -> (String, Reply) {
    let r = get(&authorize_url(origin, params)).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with(REDIRECT));
    assert!(r.location_param("code").is_none());
    (r.location_param("error").unwrap(), r)
}

#[tokio::test]
async fn authorization_endpoint_refusals() {
    let server = start(config(same_origin(), &[])).await;
    let o = server.origin();
    let client = register_public(&o, REDIRECT).await;
    let (_, ch) = pkce();
    let base = authz_params(&client, REDIRECT, &ch, "", "");
    let with = |extra: &[(&'static str, &'static str)], drop: &[&str]| {
        let mut p: Vec<(&str, &str)> = base
            .iter()
            .filter(|(k, _)| !drop.contains(k))
            .copied()
            .collect();
        p.extend_from_slice(extra);
        p
    };
    // Not redirected: unknown client, missing client, unregistered redirect URIs.
    for params in [
        authz_params("nope", REDIRECT, &ch, "", ""),
        with(&[], &["client_id"]),
        authz_params(&client, "http://127.0.0.1:5599/callback/x", &ch, "", ""),
        authz_params(&client, "http://127.0.0.1:5599/callback/", &ch, "", ""),
        authz_params(&client, "http://127.0.0.1:5599/callback?a=1", &ch, "", ""),
        authz_params(&client, "http://localhost:5599/callback", &ch, "", ""),
        authz_params(&client, "https://evil.example/callback", &ch, "", ""),
    ] {
        let r = get(&authorize_url(&o, &params)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{params:?}");
        assert!(r.header("location").is_none());
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
    }
    // RFC 8252 §7.3: another port on the loopback redirect is the same redirect URI.
    let port = authz_params(&client, "http://127.0.0.1:54321/callback", &ch, "", "");
    assert_eq!(get(&authorize_url(&o, &port)).await.status, StatusCode::OK);
    // Redirected with an error code, state and iss.
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (with(&[], &["code_challenge"]), "invalid_request"),
        (
            with(
                &[("code_challenge_method", "plain")],
                &["code_challenge_method"],
            ),
            "invalid_request",
        ),
        (with(&[], &["code_challenge_method"]), "invalid_request"),
        (
            with(&[("response_type", "token")], &["response_type"]),
            "unsupported_response_type",
        ),
        (with(&[("scope", "admin")], &[]), "invalid_scope"),
        (
            with(&[("resource", "https://evil.example/mcp")], &[]),
            "invalid_target",
        ),
        (with(&[("state", "second")], &[]), "invalid_request"),
    ];
    for (params, want) in cases {
        let (error, r) = redirect_error(&o, &params).await;
        assert_eq!(error, want, "{params:?}");
        assert_eq!(r.location_param("iss").as_deref(), Some(o.as_str()));
    }
    let (_, r) = redirect_error(&o, &with(&[], &["code_challenge"])).await;
    assert_eq!(r.location_param("state").as_deref(), Some("st-123"));
    server.shutdown().await;
}

#[tokio::test]
async fn login_form_refusals() {
    let server = start(config(same_origin(), &[])).await;
    let o = server.origin();
    let action = format!("{o}/authorize");
    let r = post_form(&action, &[("username", USER), ("password", PASSWORD)], None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let client = register_public(&o, REDIRECT).await;
    let (_, ch) = pkce();
    let mut page = get(&authorize_url(
        &o,
        &authz_params(&client, REDIRECT, &ch, "", ""),
    ))
    .await;
    for attempt in 1..=5 {
        page = submit(
            &action,
            &page.body,
            &[("username", USER), ("password", "bad")],
        )
        .await;
        if attempt < 5 {
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("Invalid username or password"));
        }
    }
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "too many failures");
    server.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_errors() {
    let server = start(config(same_origin(), &[])).await;
    let o = server.origin();
    let url = format!("{o}/token");
    let check = |r: &Reply, status: StatusCode, error: &str| {
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(r.json()["error"], error, "{}", r.body);
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    };
    let json_body = Reply::read(
        http()
            .post(&url)
            .json(&json!({"grant_type": "client_credentials"}))
            .basic_auth(SVC, Some(SVC_SECRET))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check(&json_body, StatusCode::BAD_REQUEST, "invalid_request");
    let r = post_form(&url, &[("client_id", SVC)], None).await;
    check(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let r = post_form(&url, &[("grant_type", "password")], Some((SVC, SVC_SECRET))).await;
    check(&r, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    let r = post_form(
        &url,
        &[("grant_type", "client_credentials")],
        Some(("ghost", "x")),
    )
    .await;
    check(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    let r = post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SVC),
            ("client_secret", "wrong"),
        ],
        None,
    )
    .await;
    check(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let r = post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", SVC_SECRET),
        ],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    check(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let public = register_public(&o, REDIRECT).await;
    let r = post_form(
        &url,
        &[("grant_type", "client_credentials"), ("client_id", &public)],
        None,
    )
    .await;
    check(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    let r = post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("resource", "http://127.0.0.1:1/mcp"),
        ],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    check(&r, StatusCode::BAD_REQUEST, "invalid_target");
    let r = post_form(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "nope"),
            ("client_id", &public),
        ],
        None,
    )
    .await;
    check(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    server.shutdown().await;
}

#[tokio::test]
async fn code_redemption_errors() {
    let server = start(config(same_origin(), &[])).await;
    let o = server.origin();
    let url = format!("{o}/token");
    let client = register_public(&o, REDIRECT).await;
    let other = register_public(&o, REDIRECT).await;
    let redeem = |code: String,
                  verifier: String,
                  redirect: &'static str,
                  id: String,
                  extra: Vec<(&'static str, String)>| {
        let url = url.clone();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_string()),
                ("code", code),
                ("redirect_uri", redirect.to_string()),
                ("code_verifier", verifier),
                ("client_id", id),
            ];
            form.extend(extra);
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(&url, &form, None).await
        }
    };
    let err = |r: &Reply| r.json()["error"].as_str().unwrap_or("").to_string();
    let (code, _) = get_code(&o, &client, "read").await;
    let wrong_verifier = redeem(code, "w".repeat(43), REDIRECT, client.clone(), vec![]).await;
    assert_eq!(err(&wrong_verifier), "invalid_grant");
    let (code, _) = get_code(&o, &client, "read").await;
    let r = redeem(code, String::new(), REDIRECT, client.clone(), vec![]).await;
    assert_eq!(err(&r), "invalid_request", "missing verifier");
    let (code, v) = get_code(&o, &client, "read").await;
    let r = redeem(
        code,
        v,
        "http://127.0.0.1:5599/other",
        client.clone(),
        vec![],
    )
    .await;
    assert_eq!(err(&r), "invalid_grant", "redirect mismatch");
    let (code, v) = get_code(&o, &client, "read").await;
    let r = redeem(code, v, REDIRECT, other.clone(), vec![]).await;
    assert_eq!(err(&r), "invalid_grant", "another client");
    let (code, v) = get_code(&o, &client, "read").await;
    let r = redeem(
        code,
        v,
        REDIRECT,
        client.clone(),
        vec![("resource", "http://127.0.0.1:1/mcp".into())],
    )
    .await;
    assert_eq!(err(&r), "invalid_target");
    let r = redeem(
        "unknown".into(),
        "v".repeat(43),
        REDIRECT,
        client.clone(),
        vec![],
    )
    .await;
    assert_eq!(err(&r), "invalid_grant");
    // Replay: the second redemption fails and revokes what the first issued.
    let (code, v) = get_code(&o, &client, "read").await;
    let first = redeem(code.clone(), v.clone(), REDIRECT, client.clone(), vec![]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let at = first.json()["access_token"].as_str().unwrap().to_string();
    let rt = first.json()["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(init_status(&server.url(), Some(&at)).await, StatusCode::OK);
    let second = redeem(code, v, REDIRECT, client.clone(), vec![]).await;
    assert_eq!(err(&second), "invalid_grant");
    assert_eq!(
        init_status(&server.url(), Some(&at)).await,
        StatusCode::UNAUTHORIZED
    );
    let r = post_form(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_eq!(err(&r), "invalid_grant");
    server.shutdown().await;
}

#[tokio::test]
async fn codes_and_tokens_expire() {
    let auth = same_origin()
        .with_code_ttl(Duration::from_secs(1))
        .with_token_ttl(Duration::from_secs(1));
    let server = start(config(auth, &[])).await;
    let o = server.origin();
    let client = register_public(&o, REDIRECT).await;
    let (code, v) = get_code(&o, &client, "").await;
    let at = cc_token(&o, SVC, SVC_SECRET, "").await;
    assert_eq!(init_status(&server.url(), Some(&at)).await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = post_form(
        &format!("{o}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &v),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_grant", "expired code");
    let r = Mcp::new(&server.url(), Some(&at)).initialize().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "expired token");
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_token\""));
    server.shutdown().await;
}

#[tokio::test]
async fn registration_errors() {
    let server = start(config(same_origin(), &[])).await;
    let url = format!("{}/register", server.origin());
    for (body, want) in [
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb#f"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": "https://app.example/cb"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["implicit"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
    ] {
        let r = post_json(&url, &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json()["error"], want, "{body}");
    }
    let r = Reply::read(http().post(&url).body("not json").send().await.unwrap()).await;
    assert_eq!(r.json()["error"], "invalid_client_metadata");
    server.shutdown().await;
}

#[tokio::test]
async fn bearer_errors_at_mcp() {
    let server = start(config(same_origin(), &[])).await;
    let o = server.origin();
    let at = cc_token(&o, SVC, SVC_SECRET, "").await;
    let challenge = |r: &Reply| r.header("www-authenticate").unwrap_or_default();
    let garbage = Mcp::new(&server.url(), Some("garbage")).initialize().await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    let c = challenge(&garbage);
    assert!(c.starts_with("Bearer error=\"invalid_token\""), "{c}");
    assert!(c.contains(&format!(
        "resource_metadata=\"{o}/.well-known/oauth-protected-resource/mcp\""
    )));
    // alg none, and a tampered payload.
    let parts: Vec<&str> = at.split('.').collect();
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#),
        parts[1]
    );
    let mut c = claims(&at);
    c["sub"] = json!("mallory");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(c.to_string()),
        parts[2]
    );
    for bad in [none, tampered] {
        assert_eq!(
            init_status(&server.url(), Some(&bad)).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // A token in the query string is not a token.
    let r = Reply::read(
        http()
            .post(format!("{}?access_token={at}", server.url()))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        !challenge(&r).contains("error="),
        "no credentials were sent"
    );
    // Every request of a session needs the token.
    let mut mcp = Mcp::new(&server.url(), Some(&at));
    assert_eq!(mcp.initialize().await.status, StatusCode::OK);
    mcp.token = None;
    assert_eq!(
        mcp.call("echo", json!({"text": "x"})).await.status,
        StatusCode::UNAUTHORIZED
    );
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let r = http().request(method, server.url()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // /health stays open.
    assert_eq!(get(&format!("{o}/health")).await.status, StatusCode::OK);
    server.shutdown().await;
}
