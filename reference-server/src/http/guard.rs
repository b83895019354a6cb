//! The DNS-rebinding guard on every `/mcp` request: a present `Origin` must be a loopback
//! origin, and `Host` must name a loopback host; otherwise 403.

use super::reply;
use crate::fault::Fault;
use crate::state::ServerState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Whether `authority` is a loopback host with an optional numeric port.
pub(crate) fn host_allowed(authority: &str) -> bool {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => (&authority[..=i], &authority[i + 1..]),
            None => return false,
        }
    } else {
        let i = authority.find(':').unwrap_or(authority.len());
        (&authority[..i], &authority[i..])
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()),
    };
    port_ok && LOOPBACK_HOSTS.iter().any(|h| h.eq_ignore_ascii_case(host))
}

/// Whether `origin` is `http(s)://` plus a loopback host and optional port.
pub(crate) fn origin_allowed(origin: &str) -> bool {
    let lower = origin.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    rest.is_some_and(host_allowed)
}

/// The middleware.
pub(crate) async fn check(
    State(state): State<Arc<ServerState>>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    if !state.has(Fault::NoOriginCheck) {
        if let Some(origin) = headers.get(header::ORIGIN) {
            if !origin.to_str().is_ok_and(origin_allowed) {
                return reply::bad(StatusCode::FORBIDDEN, "Forbidden: Origin not allowed");
            }
        }
    }
    if !state.has(Fault::NoHostCheck) && !state.config.allow_remote {
        if let Some(host) = headers.get(header::HOST) {
            if !host.to_str().is_ok_and(host_allowed) {
                return reply::bad(StatusCode::FORBIDDEN, "Forbidden: Host not allowed");
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_with_optional_ports() {
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]",
            "[::1]:65535",
            "LOCALHOST",
        ] {
            assert!(host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.com",
            "127.0.0.1.evil.com",
            "localhost:",
            "localhost:abc",
            "[::1",
            "[::2]:80",
            "0.0.0.0:80",
            "",
        ] {
            assert!(!host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn origins_need_a_web_scheme_and_loopback_host() {
        assert!(origin_allowed("http://localhost:3000"));
        assert!(origin_allowed("https://127.0.0.1"));
        assert!(origin_allowed("http://[::1]:9"));
        assert!(!origin_allowed("http://evil.example"));
        assert!(!origin_allowed("null"));
        assert!(!origin_allowed("file://localhost"));
        assert!(!origin_allowed("http://localhost/path"));
    }
}
