//! `mcpcheck load` against an https:// target: a loopback TLS front (the test certificate of
//! fixtures/tls, SAN `localhost`, issued by a private test CA) forwarding to the in-process
//! reference server. Trusting the CA with `--ca-cert` runs the profile over TLS; without it, or
//! with a host name the certificate does not carry, the run stops with a clear error.

mod common;

use assert_cmd::Command;
use common::http_server;
use mcp_reference_server::{RunningServer, ServerConfig};
use mcpcheck::load::{self, LoadError, LoadOptions, Overrides};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig as TlsServerConfig};
use tokio_rustls::TlsAcceptor;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// A TLS front on 127.0.0.1 forwarding each connection's plaintext to `backend`; counts the
/// completed handshakes.
struct TlsFront {
    addr: SocketAddr,
    handshakes: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl TlsFront {
    async fn start(backend: SocketAddr) -> TlsFront {
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
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let count = handshakes.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, count) = (acceptor.clone(), count.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    count.fetch_add(1, Ordering::SeqCst);
                    let Ok(mut plain) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront {
            addr,
            handshakes,
            task,
        }
    }

    fn url(&self, host: &str) -> String {
        format!("https://{host}:{}/mcp", self.addr.port())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn setup() -> (RunningServer, TlsFront) {
    let server = http_server(ServerConfig::default()).await;
    let front = TlsFront::start(server.addr()).await;
    (server, front)
}

fn smoke() -> load::Profile {
    let o = Overrides {
        duration: Some("800ms".into()),
        warmup: Some("200ms".into()),
        ..Overrides::default()
    };
    load::profile::load("smoke", &o).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_private_ca_runs_the_profile_over_tls() {
    let (server, front) = setup().await;
    let opts = LoadOptions {
        url: front.url("localhost"),
        ca_cert: Some(fixture("ca.pem")),
        ..LoadOptions::default()
    };
    let r = load::run(&smoke(), &opts, |_, _| {}).await.expect("runs");
    assert!(r.passed, "{}", load::console::summary(&r));
    assert_eq!(r.summary.errors, 0, "{}", load::console::summary(&r));
    assert!(r.summary.count > 0);
    let inits = r
        .operations
        .iter()
        .find(|o| o.name == "initialize")
        .unwrap();
    assert!(inits.count > 0 && inits.errors == 0);
    // Every user's connection (and the preflight) went through the TLS front.
    assert!(
        front.handshakes.load(Ordering::SeqCst) > r.peak_users as usize,
        "{} handshakes",
        front.handshakes.load(Ordering::SeqCst)
    );
    server.shutdown().await;
}

async fn refused(opts: LoadOptions) -> String {
    match load::run(&smoke(), &opts, |_, _| {}).await {
        Err(e @ LoadError::Unreachable(_)) => e.to_string(),
        Err(other) => panic!("expected a connection refusal, got {other}"),
        Ok(r) => panic!("ran: {}", load::console::summary(&r)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_a_clear_error() {
    let (server, front) = setup().await;
    let msg = refused(LoadOptions {
        url: front.url("localhost"),
        ..LoadOptions::default()
    })
    .await;
    assert!(msg.contains("TLS handshake"), "{msg}");
    assert!(msg.contains("UnknownIssuer"), "{msg}");
    assert!(msg.contains("--ca-cert"), "the hint is missing: {msg}");
    assert_eq!(front.handshakes.load(Ordering::SeqCst), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_the_certificate_does_not_name_is_refused() {
    let (server, front) = setup().await;
    // The certificate names `localhost` only; trusting its CA does not waive the name check.
    let msg = refused(LoadOptions {
        url: front.url("127.0.0.1"),
        ca_cert: Some(fixture("ca.pem")),
        ..LoadOptions::default()
    })
    .await;
    assert!(msg.contains("TLS handshake"), "{msg}");
    assert!(msg.contains("not valid for name"), "{msg}");
    assert_eq!(front.handshakes.load(Ordering::SeqCst), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_server_and_a_bad_ca_file_are_clear_errors() {
    let server = http_server(ServerConfig::default()).await;
    let msg = refused(LoadOptions {
        url: format!("https://localhost:{}/mcp", server.addr().port()),
        ca_cert: Some(fixture("ca.pem")),
        ..LoadOptions::default()
    })
    .await;
    assert!(msg.contains("TLS handshake"), "{msg}");
    match load::run(
        &smoke(),
        &LoadOptions {
            url: server.url().replace("http://", "https://"),
            ca_cert: Some(fixture("localhost.key")),
            ..LoadOptions::default()
        },
        |_, _| {},
    )
    .await
    {
        Err(e @ LoadError::Endpoint(_)) => {
            assert!(e.to_string().contains("--ca-cert"), "{e}")
        }
        Err(other) => panic!("expected an endpoint error, got {other}"),
        Ok(_) => panic!("ran with a key file as --ca-cert"),
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_takes_ca_cert() {
    let (server, front) = setup().await;
    let url = front.url("localhost");
    let run = |extra: Vec<String>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "load".to_string(),
                url,
                "--duration".into(),
                "500ms".into(),
                "--warmup".into(),
                "0s".into(),
                "--quiet".into(),
            ];
            args.extend(extra);
            Command::cargo_bin("mcpcheck")
                .unwrap()
                .args(args)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap()
        })
    };
    let ok = run(vec![
        "--ca-cert".into(),
        fixture("ca.pem").display().to_string(),
    ])
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let untrusted = run(vec![]).await.unwrap();
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(2), "{err}");
    assert!(err.contains("UnknownIssuer"), "{err}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conformance_client_takes_ca_cert_too() {
    use mcpcheck::protocol::ProtocolVersion;
    use mcpcheck::session::Session;
    use mcpcheck::transcript::Transcript;
    use mcpcheck::transport::{ClientOptions, Target};
    let (server, front) = setup().await;
    let target = Target::Http {
        url: front.url("localhost"),
    };
    let open = |ca_cert: Option<PathBuf>| {
        let target = target.clone();
        async move {
            let opts = ClientOptions {
                ca_cert,
                ..ClientOptions::default()
            };
            let mut s = Session::open(&target, opts, Transcript::new()).await?;
            s.handshake(ProtocolVersion::V2025_11_25).await
        }
    };
    let init = open(Some(fixture("ca.pem")))
        .await
        .expect("handshake over TLS");
    assert_eq!(init["protocolVersion"], "2025-11-25", "{init}");
    let refused = open(None).await.unwrap_err().to_string();
    assert!(refused.contains("UnknownIssuer"), "{refused}");
    assert_eq!(front.handshakes.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}
