//! Extra trusted roots for https:// targets: the certificates of a PEM file (`--ca-cert`, a
//! private or self-signed CA) added to the webpki roots reqwest trusts. Host names are still
//! verified.

use super::TransportError;
use std::path::Path;

/// `builder` trusting, besides its default roots, every certificate of the PEM file
/// `ca_cert` (unchanged when `None`).
pub fn trust(
    builder: reqwest::ClientBuilder,
    ca_cert: Option<&Path>,
) -> Result<reqwest::ClientBuilder, TransportError> {
    let Some(path) = ca_cert else {
        return Ok(builder);
    };
    let fail =
        |detail: String| TransportError::Connect(format!("--ca-cert {}: {detail}", path.display()));
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| fail(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(fail("no PEM certificate in the file".into()));
    }
    Ok(certs
        .into_iter()
        .fold(builder, |b, cert| b.add_root_certificate(cert)))
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
    fn only_certificate_files_are_accepted() {
        assert!(trust(reqwest::Client::builder(), None).is_ok());
        assert!(trust(reqwest::Client::builder(), Some(&fixture("ca.pem"))).is_ok());
        for bad in ["localhost.key", "missing.pem"] {
            let e = trust(reqwest::Client::builder(), Some(&fixture(bad))).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
