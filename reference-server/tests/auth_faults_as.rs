//! One test per `auth-*` fault switch of the authorization server (metadata, authorization
//! endpoint, token endpoint, registration, client ID metadata documents): the same probe runs
//! against a clean instance and one with the switch on, and must observe the rule held, then
//! broken.

mod auth_common;
mod common;

use auth_common::*;
use mcp_reference_server::{Fault, RunningServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every switch this file probes.
const PROBED: &[Fault] = &[
    Fault::AuthIssuerMismatch,
    Fault::AuthNoS256Advertised,
    Fault::AuthPlainPkceAccepted,
    Fault::AuthMissingPkceAccepted,
    Fault::AuthPkceNotVerified,
    Fault::AuthCodeReuse,
    Fault::AuthRedirectPrefixMatch,
    Fault::AuthStateDropped,
    Fault::AuthNoIssInResponse,
    Fault::AuthNoRefreshRotation,
    Fault::AuthRefreshReuseNotDetected,
    Fault::AuthWrongSecretAccepted,
    Fault::AuthInvalidClient400,
    Fault::AuthTokenError200,
    Fault::AuthNoCacheControl,
    Fault::AuthDcrAcceptsInvalidRedirect,
    Fault::AuthDcrConfigNoAuth,
    Fault::AuthCimdMismatchAccepted,
];

async fn metadata(s: &RunningServer) -> Value {
    get(&format!(
        "{}/.well-known/oauth-authorization-server",
        s.origin()
    ))
    .await
    .json()
}

#[tokio::test]
async fn issuer_mismatch() {
    let (c, f) = both(Fault::AuthIssuerMismatch, |s| async move {
        metadata(&s).await["issuer"] == s.origin()
    })
    .await;
    assert!(c && !f);
}

#[tokio::test]
async fn no_s256_advertised() {
    let (c, f) = both(Fault::AuthNoS256Advertised, |s| async move {
        metadata(&s)
            .await
            .get("code_challenge_methods_supported")
            .is_some()
    })
    .await;
    assert!(c && !f);
}

/// Status of an authorization request for a fresh public client, with `edit` applied.
async fn authorize_status(s: &RunningServer, edit: fn(&mut Vec<(&str, String)>)) -> StatusCode {
    let client = register_public(&s.origin(), REDIRECT).await;
    let (_, ch) = pkce();
    let mut p: Vec<(&str, String)> = authz_params(&client, REDIRECT, &ch, "", "")
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    edit(&mut p);
    let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    get(&authorize_url(&s.origin(), &p)).await.status
}

#[tokio::test]
async fn plain_pkce_accepted() {
    let (c, f) = both(Fault::AuthPlainPkceAccepted, |s| async move {
        authorize_status(&s, |p| {
            p.retain(|(k, _)| *k != "code_challenge_method");
            p.push(("code_challenge_method", "plain".into()));
        })
        .await
    })
    .await;
    assert_eq!((c, f), (StatusCode::FOUND, StatusCode::OK));
}

#[tokio::test]
async fn missing_pkce_accepted() {
    let (c, f) = both(Fault::AuthMissingPkceAccepted, |s| async move {
        authorize_status(&s, |p| p.retain(|(k, _)| !k.starts_with("code_challenge"))).await
    })
    .await;
    assert_eq!((c, f), (StatusCode::FOUND, StatusCode::OK));
}

#[tokio::test]
async fn redirect_prefix_match() {
    let (c, f) = both(Fault::AuthRedirectPrefixMatch, |s| async move {
        authorize_status(&s, |p| {
            p.retain(|(k, _)| *k != "redirect_uri");
            p.push(("redirect_uri", format!("{REDIRECT}/evil")));
        })
        .await
    })
    .await;
    assert_eq!((c, f), (StatusCode::BAD_REQUEST, StatusCode::OK));
}

/// Redeems a fresh code with `verifier_override` (or the right verifier) twice; returns
/// both statuses.
async fn redeem_twice(s: &RunningServer, wrong_verifier: bool) -> (u16, u16) {
    let o = s.origin();
    let client = register_public(&o, REDIRECT).await;
    let (code, mut v) = get_code(&o, &client, "").await;
    if wrong_verifier {
        v = "w".repeat(43);
    }
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &v),
        ("client_id", &client),
    ];
    let a = post_form(&format!("{o}/token"), &form, None)
        .await
        .status
        .as_u16();
    let b = post_form(&format!("{o}/token"), &form, None)
        .await
        .status
        .as_u16();
    (a, b)
}

#[tokio::test]
async fn pkce_not_verified() {
    let (c, f) = both(Fault::AuthPkceNotVerified, |s| async move {
        redeem_twice(&s, true).await.0
    })
    .await;
    assert_eq!((c, f), (400, 200));
}

#[tokio::test]
async fn code_reuse() {
    let (c, f) = both(Fault::AuthCodeReuse, |s| async move {
        redeem_twice(&s, false).await
    })
    .await;
    assert_eq!((c, f), ((200, 400), (200, 200)));
}

/// The authorization response's query parameters.
async fn authorization_response(s: &RunningServer) -> Vec<(String, String)> {
    let client = register_public(&s.origin(), REDIRECT).await;
    let (_, ch) = pkce();
    let url = authorize_url(&s.origin(), &authz_params(&client, REDIRECT, &ch, "", ""));
    browse(&url, USER, PASSWORD, REDIRECT)
        .await
        .location_params()
}

#[tokio::test]
async fn state_dropped() {
    let (c, f) = both(Fault::AuthStateDropped, |s| async move {
        authorization_response(&s)
            .await
            .iter()
            .any(|(k, v)| k == "state" && v == "st-123")
    })
    .await;
    assert!(c && !f);
}

#[tokio::test]
async fn no_iss_in_response() {
    let (c, f) = both(Fault::AuthNoIssInResponse, |s| async move {
        let iss = s.origin();
        authorization_response(&s)
            .await
            .iter()
            .any(|(k, v)| k == "iss" && *v == iss)
    })
    .await;
    assert!(c && !f);
}

/// Refreshes once; returns (same token returned, old token still usable afterwards).
async fn refresh_once(s: &RunningServer) -> (bool, bool) {
    let o = s.origin();
    let client = register_public(&o, REDIRECT).await;
    let t = code_flow(&o, &client, "", "").await;
    let rt = t["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt),
        ("client_id", client.as_str()),
    ];
    let r1 = post_form(&format!("{o}/token"), &form, None).await.json();
    let same = r1["refresh_token"] == rt;
    let r2 = post_form(&format!("{o}/token"), &form, None).await;
    (same, r2.status == StatusCode::OK)
}

#[tokio::test]
async fn no_refresh_rotation() {
    let (c, f) = both(Fault::AuthNoRefreshRotation, |s| async move {
        refresh_once(&s).await
    })
    .await;
    assert_eq!((c, f), ((false, false), (true, true)));
}

#[tokio::test]
async fn refresh_reuse_not_detected() {
    let (c, f) = both(Fault::AuthRefreshReuseNotDetected, |s| async move {
        let o = s.origin();
        let client = register_public(&o, REDIRECT).await;
        let t = code_flow(&o, &client, "", "").await;
        let old = t["refresh_token"].as_str().unwrap().to_string();
        let refresh = |rt: String| {
            let (o, client) = (o.clone(), client.clone());
            async move {
                post_form(
                    &format!("{o}/token"),
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
        let new = refresh(old.clone()).await.json()["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            refresh(old).await.status,
            StatusCode::BAD_REQUEST,
            "a rotated token never works"
        );
        refresh(new).await.status
    })
    .await;
    assert_eq!((c, f), (StatusCode::BAD_REQUEST, StatusCode::OK));
}

async fn wrong_secret(s: RunningServer) -> StatusCode {
    let form = [("grant_type", "client_credentials")];
    post_form(
        &format!("{}/token", s.origin()),
        &form,
        Some((SVC, "wrong")),
    )
    .await
    .status
}

#[tokio::test]
async fn wrong_secret_accepted() {
    let (c, f) = both(Fault::AuthWrongSecretAccepted, wrong_secret).await;
    assert_eq!((c, f), (StatusCode::UNAUTHORIZED, StatusCode::OK));
}

#[tokio::test]
async fn invalid_client_400() {
    let (c, f) = both(Fault::AuthInvalidClient400, wrong_secret).await;
    assert_eq!((c, f), (StatusCode::UNAUTHORIZED, StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn token_error_200() {
    let (c, f) = both(Fault::AuthTokenError200, |s| async move {
        let r = post_form(
            &format!("{}/token", s.origin()),
            &[("grant_type", "password")],
            Some((SVC, SVC_SECRET)),
        )
        .await;
        assert_eq!(r.json()["error"], "unsupported_grant_type");
        r.status
    })
    .await;
    assert_eq!((c, f), (StatusCode::BAD_REQUEST, StatusCode::OK));
}

#[tokio::test]
async fn no_cache_control() {
    let (c, f) = both(Fault::AuthNoCacheControl, |s| async move {
        let r = post_form(
            &format!("{}/token", s.origin()),
            &[("grant_type", "client_credentials")],
            Some((SVC, SVC_SECRET)),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        r.header("cache-control")
    })
    .await;
    assert_eq!((c.as_deref(), f), (Some("no-store"), None));
}

#[tokio::test]
async fn dcr_accepts_invalid_redirect() {
    let (c, f) = both(Fault::AuthDcrAcceptsInvalidRedirect, |s| async move {
        let body = json!({"redirect_uris": ["http://evil.example/cb"], "token_endpoint_auth_method": "none"});
        post_json(&format!("{}/register", s.origin()), &body).await.status
    })
    .await;
    assert_eq!((c, f), (StatusCode::BAD_REQUEST, StatusCode::CREATED));
}

#[tokio::test]
async fn dcr_config_no_auth() {
    let (c, f) = both(Fault::AuthDcrConfigNoAuth, |s| async move {
        let reg = post_json(
            &format!("{}/register", s.origin()),
            &json!({"redirect_uris": [REDIRECT]}),
        )
        .await
        .json();
        let uri = reg["registration_client_uri"].as_str().unwrap().to_string();
        get(&uri).await.status
    })
    .await;
    assert_eq!((c, f), (StatusCode::UNAUTHORIZED, StatusCode::OK));
}

#[tokio::test]
async fn cimd_mismatch_accepted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let doc_url = format!("http://{}/client.json", listener.local_addr().unwrap());
    let doc = json!({"client_id": "http://127.0.0.1:1/other.json", "client_name": "x", "redirect_uris": [REDIRECT]}).to_string();
    let app = axum::Router::new().route(
        "/client.json",
        axum::routing::get(move || async move { doc }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (c, f) = both(Fault::AuthCimdMismatchAccepted, |s| {
        let doc_url = doc_url.clone();
        async move {
            let (_, ch) = pkce();
            get(&authorize_url(
                &s.origin(),
                &authz_params(&doc_url, REDIRECT, &ch, "", ""),
            ))
            .await
            .status
        }
    })
    .await;
    assert_eq!((c, f), (StatusCode::BAD_REQUEST, StatusCode::OK));
}

#[test]
fn probes_exactly_its_faults() {
    common::assert_covers("auth_faults_as", PROBED);
}
