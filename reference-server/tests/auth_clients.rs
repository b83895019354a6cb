//! Client registration end to end: RFC 7592 management of a DCR client, pre-registered
//! confidential clients, and client ID metadata documents (fetched from loopback only).

mod auth_common;

use auth_common::*;
use axum::routing::get as route_get;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn client_configuration_endpoint() {
    let server = start(config(same_origin(), &[])).await;
    let origin = server.origin();
    let reg = post_json(
        &format!("{origin}/register"),
        &json!({"redirect_uris": [REDIRECT], "client_name": "conf", "grant_types": ["authorization_code", "client_credentials"]}),
    )
    .await;
    assert_eq!(reg.status, StatusCode::CREATED, "{}", reg.body);
    let reg = reg.json();
    let (id, secret) = (
        reg["client_id"].as_str().unwrap(),
        reg["client_secret"].as_str().unwrap(),
    );
    assert_eq!(reg["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(reg["client_secret_expires_at"], 0);
    let uri = reg["registration_client_uri"].as_str().unwrap();
    let rat = reg["registration_access_token"].as_str().unwrap();
    assert_eq!(uri, format!("{origin}/register/{id}"));
    let read = Reply::read(http().get(uri).bearer_auth(rat).send().await.unwrap()).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json()["client_name"], "conf");
    assert_eq!(read.json()["registration_access_token"], rat);
    let no_auth = Reply::read(http().get(uri).send().await.unwrap()).await;
    assert_eq!(no_auth.status, StatusCode::UNAUTHORIZED);
    let wrong = Reply::read(http().get(uri).bearer_auth("wrong").send().await.unwrap()).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let mut update = read.json();
    for k in [
        "registration_access_token",
        "registration_client_uri",
        "client_id_issued_at",
        "client_secret_expires_at",
    ] {
        update.as_object_mut().unwrap().remove(k);
    }
    update["client_name"] = json!("renamed");
    let put = Reply::read(
        http()
            .put(uri)
            .bearer_auth(rat)
            .json(&update)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.json()["client_name"], "renamed");
    update["client_id"] = json!("other");
    let bad = Reply::read(
        http()
            .put(uri)
            .bearer_auth(rat)
            .json(&update)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The client works, then is deleted and stops working (with its tokens).
    let at = cc_token(&origin, id, secret, "").await;
    assert_eq!(init_status(&server.url(), Some(&at)).await, StatusCode::OK);
    let del = Reply::read(http().delete(uri).bearer_auth(rat).send().await.unwrap()).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(
        init_status(&server.url(), Some(&at)).await,
        StatusCode::UNAUTHORIZED
    );
    let r = post_form(
        &format!("{origin}/token"),
        &[("grant_type", "client_credentials")],
        Some((id, secret)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let gone = Reply::read(http().get(uri).bearer_auth(rat).send().await.unwrap()).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}

#[tokio::test]
async fn pre_registered_confidential_client_uses_any_loopback_redirect() {
    let server = start(config(same_origin(), &[])).await;
    let origin = server.origin();
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:61234/cb";
    let url = authorize_url(
        &origin,
        &authz_params(SVC, redirect, &challenge, "write", ""),
    );
    let done = browse(&url, USER, PASSWORD, redirect).await;
    let code = done.location_param("code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", verifier.as_str()),
    ];
    let no_secret = post_form(
        &format!("{origin}/token"),
        &[form.as_slice(), &[("client_id", SVC)]].concat(),
        None,
    )
    .await;
    assert_eq!(no_secret.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_secret.json()["error"], "invalid_client");
    let (code, verifier) = {
        let (v, c) = pkce();
        let url = authorize_url(&origin, &authz_params(SVC, redirect, &c, "write", ""));
        let done = browse(&url, USER, PASSWORD, redirect).await;
        (done.location_param("code").unwrap(), v)
    };
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", verifier.as_str()),
    ];
    let ok = post_form(&format!("{origin}/token"), &form, Some((SVC, SVC_SECRET))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let https = authorize_url(
        &origin,
        &authz_params(SVC, "https://app.example/cb", &challenge, "", ""),
    );
    assert_eq!(get(&https).await.status, StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

/// Serves one JSON document at `/client.json` on an ephemeral loopback port; returns its URL.
async fn serve_document(doc: impl Fn(&str) -> Value + Send + Sync + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/client.json", listener.local_addr().unwrap());
    let body = doc(&url).to_string();
    let app = axum::Router::new().route(
        "/client.json",
        route_get(move || {
            let body = body.clone();
            async move {
                (
                    [
                        ("content-type", "application/json"),
                        ("cache-control", "max-age=60"),
                    ],
                    body,
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn client_id_metadata_document_flow() {
    let server = start(config(same_origin().with_loopback_cimd(), &[])).await;
    let origin = server.origin();
    let meta = get(&format!("{origin}/.well-known/oauth-authorization-server"))
        .await
        .json();
    assert_eq!(meta["client_id_metadata_document_supported"], true);
    let doc_url = serve_document(|url| json!({"client_id": url, "client_name": "cimd", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})).await;
    let t = code_flow(&origin, &doc_url, "read", &server.url()).await;
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["client_id"],
        Value::from(doc_url.as_str())
    );
    // An unlisted redirect URI is refused without a redirect.
    let (_, c) = pkce();
    let other = authorize_url(
        &origin,
        &authz_params(&doc_url, "http://127.0.0.1:1/other", &c, "", ""),
    );
    assert_eq!(get(&other).await.status, StatusCode::BAD_REQUEST);
    // A document whose client_id is not its URL is refused.
    let liar = serve_document(|_| json!({"client_id": "http://127.0.0.1:1/else.json", "client_name": "x", "redirect_uris": [REDIRECT]})).await;
    let url = authorize_url(&origin, &authz_params(&liar, REDIRECT, &c, "", ""));
    let r = get(&url).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("is not its URL"), "{}", r.body);
    // Without the flag no document is fetched.
    let plain = start(config(same_origin(), &[])).await;
    let url = authorize_url(
        &plain.origin(),
        &authz_params(&doc_url, REDIRECT, &c, "", ""),
    );
    assert_eq!(get(&url).await.status, StatusCode::BAD_REQUEST);
    plain.shutdown().await;
    server.shutdown().await;
}
