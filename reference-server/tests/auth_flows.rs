//! End-to-end OAuth flows against a same-origin instance (`--auth oauth`): discovery, DCR +
//! authorization code + PKCE, consent, step-up, refresh rotation, client credentials,
//! revocation and introspection. Client registration variants are in `auth_clients.rs`.

mod auth_common;

use auth_common::*;
use mcp_reference_server::AuthConfig;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn discovery_from_the_401_challenge() {
    let server = start(config(same_origin(), &[])).await;
    let origin = server.origin();
    let r = Mcp::new(&server.url(), None).initialize().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let challenge = r.header("www-authenticate").unwrap();
    let prm_url = format!("{origin}/.well-known/oauth-protected-resource/mcp");
    assert_eq!(
        challenge,
        format!("Bearer resource_metadata=\"{prm_url}\", scope=\"read write\"")
    );
    for url in [
        prm_url.clone(),
        format!("{origin}/.well-known/oauth-protected-resource"),
    ] {
        let prm = get(&url).await.json();
        assert_eq!(prm["resource"], server.url());
        assert_eq!(prm["authorization_servers"], json!([origin]));
        assert_eq!(prm["scopes_supported"], json!(["read", "write"]));
    }
    for path in ["oauth-authorization-server", "openid-configuration"] {
        let m = get(&format!("{origin}/.well-known/{path}")).await.json();
        assert_eq!(m["issuer"], origin);
        assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(m["token_endpoint"], format!("{origin}/token"));
        assert_eq!(m["authorization_response_iss_parameter_supported"], true);
        assert_eq!(m["client_id_metadata_document_supported"], false);
        let jwks = get(m["jwks_uri"].as_str().unwrap()).await.json();
        assert_eq!(jwks["keys"][0]["kty"], "EC");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn dcr_code_flow_step_up_and_refresh() {
    let server = start(config(same_origin(), &[])).await;
    let origin = server.origin();
    let client = register_public(&origin, REDIRECT).await;
    let t = code_flow(&origin, &client, "read", &server.url()).await;
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "read");
    let at = t["access_token"].as_str().unwrap();
    let c = claims(at);
    assert_eq!(c["aud"], server.url());
    assert_eq!(c["iss"], origin);
    assert_eq!(c["sub"], USER);
    assert_eq!(c["client_id"], client);
    assert!(c["exp"].as_u64().unwrap() > c["iat"].as_u64().unwrap());

    let mut mcp = Mcp::new(&server.url(), Some(at));
    assert_eq!(mcp.initialize().await.status, StatusCode::OK);
    assert_eq!(
        mcp.call("list_items", json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        mcp.call("echo", json!({"text": "hi"})).await.status,
        StatusCode::OK
    );
    let denied = mcp.call("create_item", json!({"name": "x"})).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let ch = denied.header("www-authenticate").unwrap();
    assert!(
        ch.starts_with("Bearer error=\"insufficient_scope\""),
        "{ch}"
    );
    assert!(ch.contains("scope=\"read write\"") && ch.contains("resource_metadata=\""));

    // Step-up: a new authorization with the union of scopes.
    let t2 = code_flow(&origin, &client, "read write", &server.url()).await;
    mcp.token = t2["access_token"].as_str().map(str::to_string);
    assert_eq!(
        mcp.call("create_item", json!({"name": "x"})).await.status,
        StatusCode::OK
    );

    // Refresh: rotation, then reuse of the old token revokes the family.
    let rt1 = t2["refresh_token"].as_str().unwrap();
    let token_url = format!("{origin}/token");
    let r = post_form(
        &token_url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt1),
            ("client_id", &client),
            ("resource", &server.url()),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let rt2 = r.json()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt2, rt1);
    let at3 = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(init_status(&server.url(), Some(&at3)).await, StatusCode::OK);
    let narrowed = post_form(
        &token_url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
            ("client_id", &client),
            ("scope", "read write admin"),
        ],
        None,
    )
    .await;
    assert_eq!(narrowed.json()["error"], "invalid_scope");
    let reuse = post_form(
        &token_url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt1),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
    assert_eq!(reuse.json()["error"], "invalid_grant");
    assert_eq!(
        init_status(&server.url(), Some(&at3)).await,
        StatusCode::UNAUTHORIZED
    );
    let after = post_form(
        &token_url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_eq!(
        after.json()["error"],
        "invalid_grant",
        "the family is revoked"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn consent_page_then_approve_or_deny() {
    let auth = AuthConfig::oauth_same_origin(users(), clients());
    let server = start(config(auth, &[])).await;
    let origin = server.origin();
    let client = register_public(&origin, REDIRECT).await;
    let (_, challenge) = pkce();
    let url = authorize_url(
        &origin,
        &authz_params(&client, REDIRECT, &challenge, "read", ""),
    );
    let login = get(&url).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let action = format!("{origin}/authorize");
    let bad = submit(
        &action,
        &login.body,
        &[("username", USER), ("password", "nope")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("Invalid username or password"));
    let consent = submit(
        &action,
        &bad.body,
        &[("username", USER), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(consent.status, StatusCode::OK);
    assert!(consent.body.contains("name=\"decision\" value=\"approve\""));
    // The login page's request_id was consumed: replaying it fails.
    let replay = submit(
        &action,
        &login.body,
        &[("username", USER), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    let approved = submit(&action, &consent.body, &[("decision", "approve")]).await;
    assert_eq!(approved.status, StatusCode::FOUND);
    assert!(approved.location_param("code").is_some());
    assert_eq!(
        approved.location_param("iss").as_deref(),
        Some(origin.as_str())
    );

    let login = get(&url).await;
    let consent = submit(
        &action,
        &login.body,
        &[("username", USER), ("password", PASSWORD)],
    )
    .await;
    let denied = submit(&action, &consent.body, &[("decision", "deny")]).await;
    assert_eq!(
        denied.location_param("error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(denied.location_param("state").as_deref(), Some("st-123"));
    assert!(denied.location_param("code").is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn client_credentials_basic_and_post_with_scopes() {
    let server = start(config(same_origin(), &[])).await;
    let origin = server.origin();
    let token_url = format!("{origin}/token");
    let basic = post_form(
        &token_url,
        &[
            ("grant_type", "client_credentials"),
            ("resource", &server.url()),
        ],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    assert_eq!(basic.status, StatusCode::OK, "{}", basic.body);
    let body = basic.json();
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "read write");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        (c["sub"].clone(), c["client_id"].clone()),
        (json!(SVC), json!(SVC))
    );
    let post = post_form(
        &token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", READER),
            ("client_secret", READER_SECRET),
        ],
        None,
    )
    .await;
    assert_eq!(post.status, StatusCode::OK, "{}", post.body);
    assert_eq!(post.json()["scope"], "read");
    let wider = post_form(
        &token_url,
        &[("grant_type", "client_credentials"), ("scope", "write")],
        Some((READER, READER_SECRET)),
    )
    .await;
    assert_eq!(wider.json()["error"], "invalid_scope");
    // The read-only service token can read but not write.
    let reader = post.json()["access_token"].as_str().unwrap().to_string();
    let mut mcp = Mcp::new(&server.url(), Some(&reader));
    mcp.initialize().await;
    assert_eq!(
        mcp.call("get_item", json!({"id": "1"})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        mcp.call("delete_item", json!({"id": "1"})).await.status,
        StatusCode::FORBIDDEN
    );
    server.shutdown().await;
}

#[tokio::test]
async fn revocation_and_introspection() {
    let server = start(config(same_origin(), &[])).await;
    let origin = server.origin();
    let at = cc_token(&origin, SVC, SVC_SECRET, "read").await;
    let introspect = |token: String| {
        let url = format!("{origin}/introspect");
        async move {
            post_form(&url, &[("token", token.as_str())], Some((SVC, SVC_SECRET)))
                .await
                .json()
        }
    };
    let info = introspect(at.clone()).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["scope"], "read");
    assert_eq!(info["client_id"], SVC);
    assert_eq!(introspect("garbage".into()).await, json!({"active": false}));
    // Public clients cannot introspect.
    let public = register_public(&origin, REDIRECT).await;
    let r = post_form(
        &format!("{origin}/introspect"),
        &[("token", &at), ("client_id", &public)],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Another client's revocation has no effect; the owner's does.
    let r = post_form(
        &format!("{origin}/revoke"),
        &[("token", &at)],
        Some((READER, READER_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(init_status(&server.url(), Some(&at)).await, StatusCode::OK);
    let r = post_form(
        &format!("{origin}/revoke"),
        &[("token", &at), ("token_type_hint", "access_token")],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        init_status(&server.url(), Some(&at)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(introspect(at.clone()).await["active"], false);
    // Revoking a refresh token kills its family.
    let client = register_public(&origin, REDIRECT).await;
    let t = code_flow(&origin, &client, "read", "").await;
    let rt = t["refresh_token"].as_str().unwrap();
    let at2 = t["access_token"].as_str().unwrap();
    assert_eq!(
        introspect(rt.to_string()).await["token_type"],
        "refresh_token"
    );
    let r = post_form(
        &format!("{origin}/revoke"),
        &[("token", rt), ("client_id", &client)],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        init_status(&server.url(), Some(at2)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(introspect(rt.to_string()).await["active"], false);
    server.shutdown().await;
}
