//! OAuth attacks on the built-in authorization server, each refused with the right OAuth error:
//! PKCE downgrade, authorization code replay, redirect URI tricks, a token for another audience,
//! refresh token reuse, client impersonation, and client ID metadata document URLs that point
//! at loopback or private addresses (the SSRF guard). A last test runs every attack with the
//! server's logs captured at `trace` and scans them for each token, code and secret involved.

#[path = "../auth_common/mod.rs"]
mod auth_common;

mod cimd;
mod code;
mod redirect;
mod support;
mod tokens;

/// What every attack uses.
mod prelude {
    pub(crate) use crate::auth_common::*;
    pub(crate) use crate::support::*;
    pub(crate) use reqwest::StatusCode;
    pub(crate) use serde_json::json;
    pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};
    pub(crate) use std::sync::Arc;
    pub(crate) use std::time::{Duration, Instant};
}

use cimd::cimd_ssrf;
use code::{code_replay, pkce_downgrade};
use prelude::*;
use redirect::redirect_tricks;
use std::io::Write;
use std::sync::Mutex;
use tokens::{impersonation, other_audience, refresh_reuse};

#[tokio::test]
async fn pkce_downgrades_are_refused() {
    pkce_downgrade(&server().await.origin()).await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_its_tokens() {
    code_replay(&server().await).await;
}

#[tokio::test]
async fn redirect_uri_tricks_are_refused_without_redirecting() {
    redirect_tricks(&server().await.origin()).await;
}

#[tokio::test]
async fn tokens_for_another_audience_are_refused() {
    other_audience().await;
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_family() {
    refresh_reuse(&server().await).await;
}

#[tokio::test]
async fn client_impersonation_is_refused() {
    impersonation(&server().await.origin()).await;
}

#[tokio::test]
async fn cimd_urls_to_loopback_or_private_addresses_are_never_fetched() {
    cimd_ssrf().await;
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_of_any_attack_reaches_the_logs() {
    let capture = Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "mcp_reference_server=trace",
        ))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let s = server().await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), SVC_SECRET.into(), READER_SECRET.into()];
    secrets.extend(pkce_downgrade(&s.origin()).await);
    secrets.extend(code_replay(&s).await);
    secrets.extend(redirect_tricks(&s.origin()).await);
    secrets.extend(other_audience().await);
    secrets.extend(refresh_reuse(&s).await);
    secrets.extend(impersonation(&s.origin()).await);
    secrets.extend(cimd_ssrf().await);
    secrets.push("guessed-secret-1".into());
    s.shutdown().await;

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("authorization code replayed"), "capture works");
    assert!(secrets.len() > 30, "{} secrets collected", secrets.len());
    for secret in &secrets {
        assert!(secret.len() >= 8, "too short to scan for: {secret:?}");
        assert!(
            !log.contains(secret.as_str()),
            "a secret ({} chars) was logged:\n{log}",
            secret.len()
        );
    }
}
