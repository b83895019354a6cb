//! The two multi-instance modes end to end: a separate authorization server (`--role as` +
//! `--auth oauth --as-url`), and the third-party flow (`--auth upstream --upstream`).

mod auth_common;

use auth_common::*;
use mcp_reference_server::{AuthConfig, ClientSpec};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn separate_authorization_server() {
    let as_server = start(config(
        AuthConfig::authorization_server(users(), clients()).with_auto_approve(),
        &[],
    ))
    .await;
    let issuer = as_server.origin();
    // The AS serves no MCP endpoint and no resource metadata.
    assert_eq!(
        init_status(&as_server.url(), None).await,
        StatusCode::NOT_FOUND
    );
    let prm = get(&format!("{issuer}/.well-known/oauth-protected-resource")).await;
    assert_eq!(prm.status, StatusCode::NOT_FOUND);

    let rs = start(config(AuthConfig::oauth_external(&issuer), &[])).await;
    let prm = get(&format!(
        "{}/.well-known/oauth-protected-resource/mcp",
        rs.origin()
    ))
    .await
    .json();
    assert_eq!(prm["authorization_servers"], json!([issuer]));
    assert_eq!(prm["resource"], rs.url());
    // The RS runs no authorization server of its own.
    let meta = get(&format!(
        "{}/.well-known/oauth-authorization-server",
        rs.origin()
    ))
    .await;
    assert_eq!(meta.status, StatusCode::NOT_FOUND);

    let client = register_public(&issuer, REDIRECT).await;
    let t = code_flow(&issuer, &client, "read write", &rs.url()).await;
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(claims(at)["aud"], rs.url());
    let mut mcp = Mcp::new(&rs.url(), Some(at));
    assert_eq!(mcp.initialize().await.status, StatusCode::OK);
    assert_eq!(
        mcp.call("create_item", json!({"name": "n"})).await.status,
        StatusCode::OK
    );
    // A token the same AS issued for another resource is refused by this RS.
    let other = post_form(
        &format!("{issuer}/token"),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "http://127.0.0.1:1/mcp"),
        ],
        Some((SVC, SVC_SECRET)),
    )
    .await
    .json();
    let other_at = other["access_token"].as_str().unwrap();
    assert_eq!(claims(other_at)["aud"], "http://127.0.0.1:1/mcp");
    assert_eq!(
        init_status(&rs.url(), Some(other_at)).await,
        StatusCode::UNAUTHORIZED
    );
    // A token of a different AS (same software, other key and issuer) is refused too.
    let stranger = start(config(same_origin(), &[])).await;
    let foreign = cc_token(&stranger.origin(), SVC, SVC_SECRET, "").await;
    assert_eq!(
        init_status(&rs.url(), Some(&foreign)).await,
        StatusCode::UNAUTHORIZED
    );
    stranger.shutdown().await;
    rs.shutdown().await;
    as_server.shutdown().await;
}

async fn upstream_pair(
    faults: &[mcp_reference_server::Fault],
) -> (
    mcp_reference_server::RunningServer,
    mcp_reference_server::RunningServer,
) {
    let idp = start(config(
        AuthConfig::authorization_server(users(), clients()).with_auto_approve(),
        &[],
    ))
    .await;
    let mcp = start(config(AuthConfig::upstream(idp.origin(), None), faults)).await;
    (idp, mcp)
}

#[tokio::test]
async fn upstream_third_party_flow() {
    let (idp, server) = upstream_pair(&[]).await;
    let origin = server.origin();
    let client = register_public(&origin, REDIRECT).await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        &origin,
        &authz_params(&client, REDIRECT, &challenge, "read", &server.url()),
    );
    // The MCP server's /authorize sends the user to the IdP, not to a login form of its own.
    let first = get(&url).await;
    assert_eq!(first.status, StatusCode::FOUND);
    let to_idp = first.header("location").unwrap();
    assert!(
        to_idp.starts_with(&format!("{}/authorize?", idp.origin())),
        "{to_idp}"
    );
    assert!(to_idp.contains("code_challenge_method=S256"));
    // This server has no login of its own: a form post with the pending id is refused.
    let pending = url::Url::parse(&to_idp)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let local = post_form(
        &format!("{origin}/authorize"),
        &[
            ("request_id", &pending),
            ("username", USER),
            ("password", PASSWORD),
        ],
        None,
    )
    .await;
    assert_eq!(local.status, StatusCode::BAD_REQUEST);
    let done = browse(&url, USER, PASSWORD, REDIRECT).await;
    assert_eq!(done.location_param("iss").as_deref(), Some(origin.as_str()));
    assert_eq!(done.location_param("state").as_deref(), Some("st-123"));
    let code = done.location_param("code").unwrap();
    let t = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &client),
            ("resource", &server.url()),
        ],
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    let t = t.json();
    let at = t["access_token"].as_str().unwrap();
    let c = claims(at);
    assert_eq!(c["iss"], origin, "the MCP server mints its own token");
    assert_eq!(c["sub"], USER, "for the user the IdP authenticated");
    assert!(c["sid"].is_string(), "bound to the upstream session");
    let mut mcp = Mcp::new(&server.url(), Some(at));
    assert_eq!(mcp.initialize().await.status, StatusCode::OK);
    assert_eq!(
        mcp.call("list_items", json!({})).await.status,
        StatusCode::OK
    );
    // Refresh works within the upstream session.
    let r = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    server.shutdown().await;
    idp.shutdown().await;
}

#[tokio::test]
async fn upstream_with_a_pre_registered_client_and_a_refusing_idp() {
    let idp = start(config(
        AuthConfig::authorization_server(
            users(),
            vec![ClientSpec::new("mcp-at-idp", "idp-secret")],
        ),
        &[],
    ))
    .await;
    let server = start(config(
        AuthConfig::upstream(
            idp.origin(),
            Some(ClientSpec::new("mcp-at-idp", "idp-secret")),
        ),
        &[],
    ))
    .await;
    let client = register_public(&server.origin(), REDIRECT).await;
    let (_, challenge) = pkce();
    let url = authorize_url(
        &server.origin(),
        &authz_params(&client, REDIRECT, &challenge, "read", ""),
    );
    let to_idp = get(&url).await.header("location").unwrap();
    let login = get(&to_idp).await;
    assert_eq!(login.status, StatusCode::OK);
    let action = format!("{}/authorize", idp.origin());
    let consent = submit(
        &action,
        &login.body,
        &[("username", USER), ("password", PASSWORD)],
    )
    .await;
    let back = submit(&action, &consent.body, &[("decision", "deny")]).await;
    // The IdP's refusal comes back to the MCP server, which refuses its own client in turn.
    let callback = back.header("location").unwrap();
    assert!(callback.starts_with(&format!("{}/upstream/callback", server.origin())));
    let end = get(&callback).await;
    assert_eq!(end.status, StatusCode::FOUND);
    assert!(end.header("location").unwrap().starts_with(REDIRECT));
    assert_eq!(
        end.location_param("error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(end.location_param("state").as_deref(), Some("st-123"));
    // A callback with an unknown state is refused outright.
    let forged = get(&format!(
        "{}/upstream/callback?code=x&state=nope",
        server.origin()
    ))
    .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    server.shutdown().await;
    idp.shutdown().await;
}

#[tokio::test]
async fn upstream_tokens_are_not_accepted_at_mcp() {
    let (idp, server) = upstream_pair(&[]).await;
    let upstream_token = cc_token(&idp.origin(), SVC, SVC_SECRET, "").await;
    assert_eq!(
        init_status(&server.url(), Some(&upstream_token)).await,
        StatusCode::UNAUTHORIZED
    );
    server.shutdown().await;
    idp.shutdown().await;
}

#[tokio::test]
async fn start_fails_for_unreachable_or_remote_upstreams() {
    let bad = mcp_reference_server::start_http(
        config(AuthConfig::upstream("http://127.0.0.1:1", None), &[]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    assert!(bad.is_err());
    let remote = mcp_reference_server::start_http(
        config(AuthConfig::oauth_external("http://example.com"), &[]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    assert!(remote.is_err());
}
