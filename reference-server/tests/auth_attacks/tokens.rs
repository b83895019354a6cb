//! Tokens for another audience, refresh token reuse and client impersonation.

use crate::prelude::*;

pub(crate) async fn other_audience() -> Secrets {
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

pub(crate) async fn refresh_reuse(server: &mcp_reference_server::RunningServer) -> Secrets {
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

pub(crate) async fn impersonation(origin: &str) -> Secrets {
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
