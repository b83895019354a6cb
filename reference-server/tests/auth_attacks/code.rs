//! PKCE downgrades and authorization code replay.

use crate::prelude::*;

pub(crate) async fn pkce_downgrade(origin: &str) -> Secrets {
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
pub(crate) fn pkce_challenge_of(verifier: &str) -> String {
    use base64::Engine;
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

pub(crate) async fn code_replay(server: &mcp_reference_server::RunningServer) -> Secrets {
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
