//! Redirect URI tricks: an error page, never a redirect.

use crate::prelude::*;

pub(crate) async fn redirect_tricks(origin: &str) -> Secrets {
    let client = register_with(origin, &[APP, REDIRECT]).await;
    let (verifier, challenge) = pkce();
    let try_uri = |uri: &'static str| {
        let client = client.clone();
        let challenge = challenge.clone();
        async move {
            let params = authz_params(&client, uri, &challenge, "read", "");
            authorize(origin, &params).await
        }
    };
    // The registered URIs are accepted (a loopback one on any port, RFC 8252 §7.3).
    for good in [APP, REDIRECT, "http://127.0.0.1:6001/callback"] {
        let r = try_uri(good).await;
        assert_eq!(r.status, StatusCode::OK, "{good}: {}", r.body);
    }
    for bad in [
        // Prefix and extra path.
        "https://app.example.com/cb/evil",
        "https://app.example.com/cbx",
        "https://app.example.com/cb/../evil",
        "https://app.example.com/evil/../cb",
        "https://app.example.com/cb?next=https://evil.example",
        // Percent-encoded variants of the registered URI.
        "https://app.example.com/%63b",
        "https://app.example.com/cb%2F..%2Fevil",
        "https%3A%2F%2Fapp.example.com%2Fcb",
        // Another port, scheme, host case or a fragment on a non-loopback URI.
        "https://app.example.com:8443/cb",
        "https://app.example.com:443/cb",
        "http://app.example.com/cb",
        "https://APP.example.com/cb",
        "https://app.example.com/cb#frag",
        // User information that moves the host.
        "https://app.example.com@evil.example/cb",
        "https://evil.example@app.example.com/cb",
        "http://127.0.0.1:5599@evil.example/callback",
        // Loopback: another host name, path or query.
        "http://localhost:5599/callback",
        "http://127.0.0.1:5599/callback/x",
        "http://127.0.0.1:5599/callback?x=1",
        "http://127.0.0.2:5599/callback",
    ] {
        assert_error_page(&try_uri(bad).await, bad);
    }
    // At the token endpoint, the redirect URI must be the one of the authorization request.
    let (code, v) = get_code(origin, &client, "read").await;
    let r = post_form(
        &format!("{origin}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:5599/callback/x"),
            ("code_verifier", &v),
            ("client_id", &client),
        ],
        None,
    )
    .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    vec![verifier, code, v]
}
