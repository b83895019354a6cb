//! One test per `auth-*` fault switch of the protected resource (the bearer guard, the
//! resource metadata, and the checks `/mcp` makes on a token): the same probe runs against a
//! clean instance and one with the switch on, and must observe the rule held, then broken.
//! The switches of the authorization server are probed in `auth_faults_as.rs`.

mod auth_common;
mod common;

use auth_common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mcp_reference_server::{AuthConfig, Fault, RunningServer};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// Every switch this file probes.
const PROBED: &[Fault] = &[
    Fault::AuthNoWwwAuthenticate,
    Fault::AuthPrmMissing,
    Fault::AuthPrmWrongResource,
    Fault::AuthNoAudienceCheck,
    Fault::AuthExpiredTokenAccepted,
    Fault::AuthBadSignatureAccepted,
    Fault::AuthAlgNoneAccepted,
    Fault::AuthScopeNotEnforced,
    Fault::AuthInsufficientScope401,
    Fault::AuthRevocationIgnored,
    Fault::AuthIntrospectionStale,
    Fault::AuthUpstreamTokenPassthrough,
];

#[tokio::test]
async fn no_www_authenticate() {
    let (c, f) = both(Fault::AuthNoWwwAuthenticate, |s| async move {
        let r = Mcp::new(&s.url(), None).initialize().await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        r.header("www-authenticate").is_some()
    })
    .await;
    assert!(c && !f);
}

#[tokio::test]
async fn prm_missing() {
    let (c, f) = both(Fault::AuthPrmMissing, |s| async move {
        let o = s.origin();
        let a = get(&format!("{o}/.well-known/oauth-protected-resource/mcp")).await;
        let b = get(&format!("{o}/.well-known/oauth-protected-resource")).await;
        (a.status.as_u16(), b.status.as_u16())
    })
    .await;
    assert_eq!((c, f), ((200, 200), (404, 404)));
}

#[tokio::test]
async fn prm_wrong_resource() {
    let (c, f) = both(Fault::AuthPrmWrongResource, |s| async move {
        let prm = get(&format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            s.origin()
        ))
        .await;
        prm.json()["resource"] == s.url()
    })
    .await;
    assert!(c && !f);
}

#[tokio::test]
async fn no_audience_check() {
    let idp = start(config(
        AuthConfig::authorization_server(users(), clients()),
        &[],
    ))
    .await;
    let form = [
        ("grant_type", "client_credentials"),
        ("resource", "http://127.0.0.1:1/mcp"),
    ];
    let other = post_form(
        &format!("{}/token", idp.origin()),
        &form,
        Some((SVC, SVC_SECRET)),
    )
    .await;
    let token = other.json()["access_token"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    for faults in [vec![], vec![Fault::AuthNoAudienceCheck]] {
        let rs = start(config(AuthConfig::oauth_external(idp.origin()), &faults)).await;
        statuses.push(init_status(&rs.url(), Some(&token)).await);
    }
    assert_eq!(statuses, [StatusCode::UNAUTHORIZED, StatusCode::OK]);
}

#[tokio::test]
async fn expired_token_accepted() {
    let mut statuses = Vec::new();
    for faults in [vec![], vec![Fault::AuthExpiredTokenAccepted]] {
        let auth = same_origin().with_token_ttl(Duration::from_secs(1));
        let s = start(config(auth, &faults)).await;
        let at = cc_token(&s.origin(), SVC, SVC_SECRET, "").await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        statuses.push(init_status(&s.url(), Some(&at)).await);
    }
    assert_eq!(statuses, [StatusCode::UNAUTHORIZED, StatusCode::OK]);
}

#[tokio::test]
async fn bad_signature_accepted() {
    let (c, f) = both(Fault::AuthBadSignatureAccepted, |s| async move {
        let at = cc_token(&s.origin(), SVC, SVC_SECRET, "").await;
        let parts: Vec<&str> = at.split('.').collect();
        let mut claims = claims(&at);
        claims["sub"] = json!("mallory");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        init_status(&s.url(), Some(&forged)).await
    })
    .await;
    assert_eq!((c, f), (StatusCode::UNAUTHORIZED, StatusCode::OK));
}

#[tokio::test]
async fn alg_none_accepted() {
    let (c, f) = both(Fault::AuthAlgNoneAccepted, |s| async move {
        let at = cc_token(&s.origin(), SVC, SVC_SECRET, "").await;
        let parts: Vec<&str> = at.split('.').collect();
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
        let unsigned = format!("{header}.{}.", parts[1]);
        init_status(&s.url(), Some(&unsigned)).await
    })
    .await;
    assert_eq!((c, f), (StatusCode::UNAUTHORIZED, StatusCode::OK));
}

async fn write_with_read_token(s: RunningServer) -> StatusCode {
    let at = cc_token(&s.origin(), SVC, SVC_SECRET, "read").await;
    let mut mcp = Mcp::new(&s.url(), Some(&at));
    mcp.initialize().await;
    mcp.call("create_item", json!({"name": "x"})).await.status
}

#[tokio::test]
async fn scope_not_enforced() {
    let (c, f) = both(Fault::AuthScopeNotEnforced, write_with_read_token).await;
    assert_eq!((c, f), (StatusCode::FORBIDDEN, StatusCode::OK));
}

#[tokio::test]
async fn insufficient_scope_401() {
    let (c, f) = both(Fault::AuthInsufficientScope401, write_with_read_token).await;
    assert_eq!((c, f), (StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED));
}

/// Revokes a token; returns (status at /mcp, introspection `active`).
async fn after_revocation(s: &RunningServer) -> (StatusCode, bool) {
    let o = s.origin();
    let at = cc_token(&o, SVC, SVC_SECRET, "").await;
    let r = post_form(
        &format!("{o}/revoke"),
        &[("token", &at)],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let info = post_form(
        &format!("{o}/introspect"),
        &[("token", &at)],
        Some((SVC, SVC_SECRET)),
    )
    .await;
    (
        init_status(&s.url(), Some(&at)).await,
        info.json()["active"] == true,
    )
}

#[tokio::test]
async fn revocation_ignored() {
    let (c, f) = both(Fault::AuthRevocationIgnored, |s| async move {
        after_revocation(&s).await
    })
    .await;
    assert_eq!(
        (c, f),
        ((StatusCode::UNAUTHORIZED, false), (StatusCode::OK, false))
    );
}

#[tokio::test]
async fn introspection_stale() {
    let (c, f) = both(Fault::AuthIntrospectionStale, |s| async move {
        after_revocation(&s).await
    })
    .await;
    assert_eq!(
        (c, f),
        (
            (StatusCode::UNAUTHORIZED, false),
            (StatusCode::UNAUTHORIZED, true)
        )
    );
}

#[tokio::test]
async fn upstream_token_passthrough() {
    let idp = start(config(
        AuthConfig::authorization_server(users(), clients()),
        &[],
    ))
    .await;
    let upstream_token = cc_token(&idp.origin(), SVC, SVC_SECRET, "").await;
    let mut statuses = Vec::new();
    for faults in [vec![], vec![Fault::AuthUpstreamTokenPassthrough]] {
        let s = start(config(AuthConfig::upstream(idp.origin(), None), &faults)).await;
        statuses.push(init_status(&s.url(), Some(&upstream_token)).await);
    }
    assert_eq!(statuses, [StatusCode::UNAUTHORIZED, StatusCode::OK]);
}

#[test]
fn probes_exactly_its_faults() {
    common::assert_covers("auth_faults", PROBED);
}

#[tokio::test]
async fn auth_faults_are_inert_without_auth() {
    let all: Vec<Fault> = Fault::ALL.iter().copied().filter(|f| f.is_auth()).collect();
    let s = start(config(AuthConfig::default(), &all)).await;
    assert_eq!(init_status(&s.url(), None).await, StatusCode::OK);
    let prm = get(&format!(
        "{}/.well-known/oauth-protected-resource",
        s.origin()
    ))
    .await;
    assert_eq!(prm.status, StatusCode::NOT_FOUND);
}
