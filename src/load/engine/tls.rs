//! https targets of the load engine: the rustls client configuration (the webpki roots, plus a
//! private root from `--ca-cert` for self-signed or in-house servers) and the socket a virtual
//! user owns, plain TCP or TLS over it. Host names are always verified against the
//! certificate; there is no switch to turn that off.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Why the TLS client cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The `--ca-cert` file could not be read or holds no certificate.
    #[error("--ca-cert {path}: {detail}")]
    CaCert {
        /// The file as given.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// The URL's host is not a valid TLS server name.
    #[error("`{0}` is not a valid TLS server name")]
    ServerName(String),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// How a user reaches an https endpoint: the shared client configuration and the name the
/// server's certificate must carry.
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// A client for `host` trusting the webpki roots and, when given, every certificate of
    /// the PEM file `ca_cert`.
    pub fn new(host: &str, ca_cert: Option<&Path>) -> Result<Self, TlsSetupError> {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = ca_cert {
            let shown = path.display().to_string();
            let fail = |detail: String| TlsSetupError::CaCert {
                path: shown.clone(),
                detail,
            };
            let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            let certs = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| fail(format!("not a PEM certificate file: {e}")))?;
            if certs.is_empty() {
                return Err(fail("no PEM certificate in the file".into()));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| fail(format!("unusable certificate: {e}")))?;
            }
        }
        // An explicit provider: the process may have both rustls back ends linked, and then
        // rustls cannot pick a default one.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Config(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        // The engine speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let server_name = ServerName::try_from(bare.to_string())
            .map_err(|_| TlsSetupError::ServerName(host.to_string()))?;
        Ok(Tls {
            connector: TlsConnector::from(Arc::new(config)),
            server_name,
        })
    }

    /// The TLS handshake over `tcp`; the error says why the server was refused (unknown
    /// issuer, a name the certificate does not carry, no TLS at all, …).
    pub async fn handshake(&self, tcp: TcpStream) -> io::Result<Stream> {
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await?;
        Ok(Stream::Tls(Box::new(tls)))
    }
}

/// A user's socket: plain TCP, or TLS over TCP.
pub enum Stream {
    /// http://
    Plain(TcpStream),
    /// https://
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/tls")
            .join(name)
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        assert!(Tls::new("localhost", Some(&fixture("ca.pem"))).is_ok());
        assert!(Tls::new("localhost", None).is_ok());
        let missing = Tls::new("localhost", Some(&fixture("nope.pem"))).unwrap_err();
        assert!(missing.to_string().contains("nope.pem"), "{missing}");
        // A key file is PEM but holds no certificate.
        let key = Tls::new("localhost", Some(&fixture("localhost.key"))).unwrap_err();
        assert!(key.to_string().contains("no PEM certificate"), "{key}");
        let readme = Tls::new("localhost", Some(&fixture("README.md"))).unwrap_err();
        assert!(matches!(readme, TlsSetupError::CaCert { .. }), "{readme}");
    }

    #[test]
    fn ip_literals_and_names_are_server_names() {
        assert!(Tls::new("127.0.0.1", None).is_ok());
        assert!(Tls::new("[::1]", None).is_ok());
        assert!(matches!(
            Tls::new("bad name!", None),
            Err(TlsSetupError::ServerName(_))
        ));
    }
}
