//! The attacked server, client registration and the assertions every attack shares.

use crate::prelude::*;

/// The registered URIs of the attacked client.
pub(crate) const APP: &str = "https://app.example.com/cb";

/// What an attack handled that must never reach a log: codes, tokens, secrets, verifiers.
pub(crate) type Secrets = Vec<String>;

/// A same-origin server without loopback CIMD (the default a deployment would run).
pub(crate) async fn server() -> mcp_reference_server::RunningServer {
    start(config(same_origin(), &[])).await
}

/// Registers a public client with `uris`; returns its id.
pub(crate) async fn register_with(origin: &str, uris: &[&str]) -> String {
    let r = post_json(
        &format!("{origin}/register"),
        &json!({"redirect_uris": uris, "token_endpoint_auth_method": "none", "client_name": "victim"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["client_id"].as_str().unwrap().to_string()
}

/// Registers a confidential client; returns (id, secret, registration token).
pub(crate) async fn register_confidential(origin: &str) -> (String, String, String) {
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
pub(crate) fn assert_oauth_error(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.json()["error"], json!(code), "{}", r.body);
    assert!(r.json().get("access_token").is_none());
}

/// Redeems `code` at the token endpoint as a public client.
pub(crate) async fn redeem(
    origin: &str,
    client: &str,
    code: &str,
    verifier: Option<&str>,
) -> Reply {
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
pub(crate) async fn authorize(origin: &str, params: &[(&str, &str)]) -> Reply {
    get(&authorize_url(origin, params)).await
}

/// Asserts a refused authorization request with an untrusted redirect URI: an error page, never
/// a redirect (the target is not trusted, so nothing is sent there).
pub(crate) fn assert_error_page(r: &Reply, what: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
    assert!(r.header("location").is_none(), "{what}: redirected");
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{what}"
    );
}

/// Asserts a refused authorization request redirected back with `error` and no code.
pub(crate) fn assert_redirected_error(r: &Reply, error: &str, what: &str) {
    assert_eq!(r.status, StatusCode::FOUND, "{what}: {}", r.body);
    assert_eq!(r.location_param("error").as_deref(), Some(error), "{what}");
    assert!(r.location_param("code").is_none(), "{what}");
}
