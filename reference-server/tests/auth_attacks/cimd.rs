//! Client ID metadata document URLs on loopback or private addresses: never fetched.

use crate::prelude::*;

/// A loopback server serving a valid client ID metadata document at `/client.json`, counting
/// every request it receives.
pub(crate) async fn cimd_host() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/client.json");
    let doc = json!({"client_id": url, "client_name": "cimd", "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none"});
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/client.json",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, hits)
}

pub(crate) async fn cimd_ssrf() -> Secrets {
    let (doc_url, hits) = cimd_host().await;
    let (_, challenge) = pkce();
    // Without the loopback opt-in nothing is fetched, loopback or not.
    let plain = server().await;
    let port = doc_url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let loopback_aliases = [
        doc_url.clone(),
        format!("http://localhost:{port}/client.json"),
        format!("http://[::1]:{port}/client.json"),
        format!("http://2130706433:{port}/client.json"),
        format!("http://0x7f.0.0.1:{port}/client.json"),
    ];
    let private = [
        "http://10.0.0.1/client.json",
        "http://192.168.1.1/client.json",
        "http://172.16.0.1/client.json",
        "http://169.254.169.254/latest/meta-data/client.json",
        "http://[fd00::1]/client.json",
        "http://0.0.0.0/client.json",
        "https://metadata.google.internal/client.json",
    ];
    for id in loopback_aliases.iter().map(String::as_str).chain(private) {
        let started = Instant::now();
        let r = authorize(
            &plain.origin(),
            &authz_params(id, REDIRECT, &challenge, "read", ""),
        )
        .await;
        assert_error_page(&r, id);
        assert!(started.elapsed() < Duration::from_secs(3), "{id}: no fetch");
        let t = post_form(
            &format!("{}/token", plain.origin()),
            &[("grant_type", "client_credentials"), ("client_id", id)],
            None,
        )
        .await;
        assert_oauth_error(&t, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the document was fetched");

    // With the loopback opt-in, loopback documents are fetched (the control), private and
    // link-local addresses still are not: refused at once, without a connection attempt.
    let opted = start(config(same_origin().with_loopback_cimd(), &[])).await;
    let ok = authorize(
        &opted.origin(),
        &authz_params(&doc_url, REDIRECT, &challenge, "read", ""),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(hits.load(Ordering::SeqCst) >= 1);
    for id in private {
        let started = Instant::now();
        let r = authorize(
            &opted.origin(),
            &authz_params(id, REDIRECT, &challenge, "read", ""),
        )
        .await;
        assert_error_page(&r, id);
        assert!(
            r.body.contains("loopback"),
            "{id}: the page says why: {}",
            r.body
        );
        assert!(started.elapsed() < Duration::from_secs(3), "{id}: no fetch");
    }
    Vec::new()
}
