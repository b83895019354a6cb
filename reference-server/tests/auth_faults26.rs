//! One test per `auth-*` fault switch of the 2026-07-28 authorization rules (`iss` on error
//! responses, no `offline_access` asked by the resource, every needed scope in one challenge,
//! the scope hierarchy `write` ⇒ `read`):
//! the same probe runs against a clean instance and one with the switch on, and must observe
//! the rule held, then broken.

mod auth_common;
mod common;

use auth_common::*;
use mcp_reference_server::{Fault, RunningServer};
use reqwest::StatusCode;
use serde_json::json;

/// Every switch this file probes.
const PROBED: &[Fault] = &[
    Fault::AuthIssMissingOnError,
    Fault::AuthOfflineAccessInChallenge,
    Fault::AuthStepUpPartial,
    Fault::AuthScopeHierarchyIgnored,
];

#[test]
fn probes_exactly_its_faults() {
    common::assert_covers("auth_faults26", PROBED);
}

/// (`iss` of a successful authorization response, `iss` of an error response, the metadata's
/// `authorization_response_iss_parameter_supported`).
async fn iss_values(s: &RunningServer) -> (Option<String>, Option<String>, bool) {
    let o = s.origin();
    let client = register_public(&o, REDIRECT).await;
    let (_, ch) = pkce();
    let ok = browse(
        &authorize_url(&o, &authz_params(&client, REDIRECT, &ch, "", "")),
        USER,
        PASSWORD,
        REDIRECT,
    )
    .await;
    let mut p = authz_params(&client, REDIRECT, &ch, "", "");
    p[0].1 = "mcpcheck-unsupported";
    let err = get(&authorize_url(&o, &p)).await;
    assert_eq!(
        err.location_param("error").as_deref(),
        Some("unsupported_response_type"),
        "an error redirect"
    );
    let promised = get(&format!("{o}/.well-known/oauth-authorization-server"))
        .await
        .json()["authorization_response_iss_parameter_supported"]
        == true;
    (
        ok.location_param("iss"),
        err.location_param("iss"),
        promised,
    )
}

#[tokio::test]
async fn iss_missing_on_error() {
    let (c, f) = both(Fault::AuthIssMissingOnError, |s| async move {
        iss_values(&s).await
    })
    .await;
    let (ok, err, promised) = c.clone();
    assert!(ok.is_some() && err == ok && promised, "clean: {c:?}");
    let (ok, err, promised) = f.clone();
    assert!(
        ok.is_some() && err.is_none() && promised,
        "faulty: success keeps iss, the error loses it, the flag stays: {f:?}"
    );
}

/// The scope tokens of the tokenless 401 challenge.
async fn challenge_scopes(s: &RunningServer) -> Vec<String> {
    let r = Mcp::new(&s.url(), None).initialize().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let h = r.header("www-authenticate").expect("a challenge");
    let scope = h
        .split("scope=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a scope parameter")
        .to_string();
    scope.split_whitespace().map(str::to_string).collect()
}

#[tokio::test]
async fn offline_access_in_challenge() {
    let (c, f) = both(Fault::AuthOfflineAccessInChallenge, |s| async move {
        challenge_scopes(&s).await
    })
    .await;
    assert!(!c.iter().any(|s| s == "offline_access"), "{c:?}");
    assert!(f.iter().any(|s| s == "offline_access"), "{f:?}");
}

/// A write with a read-only token, then a step-up to the union of `read` and the challenged
/// scopes: (the challenged scope, the status of the same call with the stepped-up token).
async fn step_up(s: RunningServer) -> (String, StatusCode) {
    let o = s.origin();
    let at = cc_token(&o, SVC, SVC_SECRET, "read").await;
    let mut mcp = Mcp::new(&s.url(), Some(&at));
    mcp.initialize().await;
    let r = mcp.call("create_item", json!({"name": "x"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let h = r.header("www-authenticate").expect("a challenge");
    let named = h
        .split("scope=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a scope parameter")
        .to_string();
    let mut union: Vec<&str> = vec!["read"];
    for x in named.split_whitespace() {
        if !union.contains(&x) {
            union.push(x);
        }
    }
    let at = cc_token(&o, SVC, SVC_SECRET, &union.join(" ")).await;
    let mut mcp = Mcp::new(&s.url(), Some(&at));
    mcp.initialize().await;
    let again = mcp.call("create_item", json!({"name": "x"})).await.status;
    (named, again)
}

#[tokio::test]
async fn step_up_partial() {
    let (c, f) = both(Fault::AuthStepUpPartial, step_up).await;
    assert_eq!(c, ("read write".to_string(), StatusCode::OK));
    assert_eq!(f, ("read".to_string(), StatusCode::FORBIDDEN));
}

/// A token granted only `write` (the broader scope) calling a tool that needs `read` (the
/// narrower one), and one that needs `write`: their statuses.
async fn broader_for_narrower(s: RunningServer) -> (StatusCode, StatusCode) {
    let at = cc_token(&s.origin(), SVC, SVC_SECRET, "write").await;
    let mut mcp = Mcp::new(&s.url(), Some(&at));
    mcp.initialize().await;
    let read = mcp.call("list_items", json!({})).await.status;
    let write = mcp.call("create_item", json!({"name": "x"})).await.status;
    (read, write)
}

#[tokio::test]
async fn scope_hierarchy_ignored() {
    let (c, f) = both(Fault::AuthScopeHierarchyIgnored, broader_for_narrower).await;
    assert_eq!(c, (StatusCode::OK, StatusCode::OK), "write implies read");
    assert_eq!(
        f,
        (StatusCode::FORBIDDEN, StatusCode::OK),
        "only the exact scope counts"
    );
}
