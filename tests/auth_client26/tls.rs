//! `--ca-cert` reaches every OAuth exchange with an https authorization server.

use crate::prelude::*;
use crate::refresh::options;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// A TLS front (the fixtures/tls certificate for `localhost`) on `listener`, forwarding each
/// connection's plaintext to `backend`.
fn tls_front(listener: TcpListener, backend: SocketAddr) -> tokio::task::JoinHandle<()> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{self, ServerConfig as TlsServerConfig};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixture("localhost.pem"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("localhost.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = TlsServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    })
}

/// The whole OAuth flow (probe, resource and server metadata, registration, the headless
/// authorization, the token request) against an https server signed by the test CA: it
/// succeeds with `--ca-cert`, and without it stops with an error naming the certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_cert_reaches_every_oauth_exchange() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = format!("https://localhost:{port}");
    let server = serve(
        AuthConfig::oauth_same_origin(users(), Vec::new()).with_public_origin(origin.clone()),
    )
    .await;
    let front = tls_front(listener, server.addr());
    let url = format!("{origin}/mcp");

    let run = authorize_run(
        &url,
        &options(RunAuthMode::Headless, Some(fixture("ca.pem"))),
    )
    .await
    .unwrap_or_else(|e| panic!("with the CA: {e}"));
    assert_eq!(run.issuer.as_deref(), Some(origin.as_str()));
    let sent = requests(&run.transcript);
    for path in [
        "/mcp",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-authorization-server",
        "/register",
        "/authorize?",
        "/token",
    ] {
        assert!(
            sent.iter()
                .any(|r| r.1.starts_with(&origin) && r.1.contains(path)),
            "{path} over https"
        );
    }
    // The token is good at the https resource.
    let http = OAuthHttp::with_ca_cert(
        Transcript::new(),
        Duration::from_secs(5),
        1 << 20,
        Some(&fixture("ca.pem")),
    )
    .unwrap();
    let probe = mcpcheck::auth::discovery::probe_with(&http, &url, V26, Some(&run.access_token))
        .await
        .unwrap();
    assert_eq!(probe.status, 200, "{}", probe.body);

    let e = authorize_run(&url, &options(RunAuthMode::Headless, None))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    front.abort();
    server.shutdown().await;
}
