//! Talking to other servers: a separate authorization server (`--as-url`) or the upstream IdP
//! (`--upstream`), whose metadata (RFC 8414) and JWKS are fetched and cached, and the bounded
//! fetch that client ID metadata documents use too. Only loopback URLs are ever fetched;
//! redirects are not followed, bodies are capped and every request has a timeout.

use super::jwt::VerifyKey;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Time limit of every outgoing request.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest metadata or JWKS document accepted.
const METADATA_CAP: usize = 256 * 1024;

/// How soon an unknown `kid` may trigger another JWKS fetch.
const REFETCH_AFTER: Duration = Duration::from_secs(2);

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RemoteError {
    /// The URL is not a loopback http(s) URL.
    #[error("refusing to fetch {0}: only loopback http(s) URLs are fetched")]
    NotLoopback(String),
    /// Connection or protocol failure.
    #[error("fetching {url} failed: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A status other than 200.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body exceeded the cap.
    #[error("{url} sent more than {cap} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        cap: usize,
    },
    /// The body is not the JSON expected.
    #[error("{url} did not answer the expected JSON: {what}")]
    BadJson {
        /// The URL.
        url: String,
        /// What is wrong.
        what: String,
    },
}

/// An HTTP client for loopback fetches: no proxy, no redirects, a timeout.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// Whether `url` is an absolute http(s) URL whose host is a loopback address or `localhost`.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(u.scheme(), "http" | "https") || !u.username().is_empty() {
        return false;
    }
    match u.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A fetched response: status, headers and the (capped) body.
pub(crate) struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// GETs a loopback `url`, reading at most `cap` bytes of body.
pub(crate) async fn fetch(
    http: &reqwest::Client,
    url: &str,
    cap: usize,
) -> Result<Fetched, RemoteError> {
    if !is_loopback_url(url) {
        return Err(RemoteError::NotLoopback(url.into()));
    }
    let transport = |e: reqwest::Error| RemoteError::Transport {
        url: url.into(),
        message: e.without_url().to_string(),
    };
    let work = async {
        let resp = http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk.map_err(transport)?);
            if body.len() > cap {
                return Err(RemoteError::TooLarge {
                    url: url.into(),
                    cap,
                });
            }
        }
        Ok(Fetched {
            status,
            headers,
            body: Bytes::from(body),
        })
    };
    tokio::time::timeout(FETCH_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| {
            Err(RemoteError::Transport {
                url: url.into(),
                message: "timed out".into(),
            })
        })
}

/// GETs a loopback JSON object (200 only).
pub(crate) async fn fetch_json(http: &reqwest::Client, url: &str) -> Result<Value, RemoteError> {
    let f = fetch(http, url, METADATA_CAP).await?;
    if f.status != 200 {
        return Err(RemoteError::Status {
            url: url.into(),
            status: f.status,
        });
    }
    match serde_json::from_slice::<Value>(&f.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(RemoteError::BadJson {
            url: url.into(),
            what: "not a JSON object".into(),
        }),
    }
}

/// The RFC 8414 metadata URL of `issuer` (well-known segment inserted before any path).
pub(crate) fn metadata_url(issuer: &str) -> String {
    let issuer = issuer.trim_end_matches('/');
    let after_scheme = issuer.find("://").map(|i| i + 3).unwrap_or(0);
    match issuer[after_scheme..].find('/') {
        Some(i) => {
            let (origin, path) = issuer.split_at(after_scheme + i);
            format!("{origin}/.well-known/oauth-authorization-server{path}")
        }
        None => format!("{issuer}/.well-known/oauth-authorization-server"),
    }
}

struct Cached {
    metadata: Value,
    keys: Vec<VerifyKey>,
    fetched: Instant,
}

/// Another authorization server this one trusts: its issuer, metadata and signing keys.
pub(crate) struct RemoteIssuer {
    /// The issuer identifier (no trailing slash).
    pub issuer: String,
    http: reqwest::Client,
    cache: Mutex<Option<Cached>>,
}

impl RemoteIssuer {
    /// The issuer at `url`; nothing is fetched yet.
    pub fn new(url: &str, http: reqwest::Client) -> Self {
        Self {
            issuer: url.trim_end_matches('/').to_string(),
            http,
            cache: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<(Value, Vec<VerifyKey>, Instant)> {
        let guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .map(|c| (c.metadata.clone(), c.keys.clone(), c.fetched))
    }

    async fn load(&self) -> Result<(Value, Vec<VerifyKey>), RemoteError> {
        let url = metadata_url(&self.issuer);
        let metadata = fetch_json(&self.http, &url).await?;
        // RFC 8414 §3.3: the metadata must name the issuer it was fetched for, exactly.
        if metadata.get("issuer").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(RemoteError::BadJson {
                url,
                what: format!("`issuer` is not {}", self.issuer),
            });
        }
        let keys = match metadata.get("jwks_uri").and_then(Value::as_str) {
            Some(jwks_uri) => {
                let jwks = fetch_json(&self.http, jwks_uri).await?;
                jwks.get("keys")
                    .and_then(Value::as_array)
                    .map(|ks| ks.iter().filter_map(VerifyKey::from_jwk).collect())
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        let mut guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        *guard = Some(Cached {
            metadata: metadata.clone(),
            keys: keys.clone(),
            fetched: Instant::now(),
        });
        Ok((metadata, keys))
    }

    /// The issuer's metadata (fetched once, then cached).
    pub async fn metadata(&self) -> Result<Value, RemoteError> {
        match self.cached() {
            Some((m, _, _)) => Ok(m),
            None => self.load().await.map(|(m, _)| m),
        }
    }

    /// The issuer's signing keys; `refresh` refetches them (at most every few seconds), for a
    /// token whose `kid` is unknown.
    pub async fn keys(&self, refresh: bool) -> Result<Vec<VerifyKey>, RemoteError> {
        match self.cached() {
            Some((_, keys, at)) if !refresh || at.elapsed() < REFETCH_AFTER => Ok(keys),
            _ => self.load().await.map(|(_, k)| k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only() {
        for ok in [
            "http://127.0.0.1:8080/x",
            "https://localhost/x",
            "http://[::1]:1/",
            "http://127.9.9.9/",
        ] {
            assert!(is_loopback_url(ok), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/",
            "http://example.com/",
            "ftp://127.0.0.1/",
            "http://user@127.0.0.1/",
            "http://127.0.0.1.nip.io/",
            "not a url",
        ] {
            assert!(!is_loopback_url(bad), "{bad}");
        }
    }

    #[test]
    fn metadata_url_inserts_the_well_known_segment() {
        assert_eq!(
            metadata_url("http://127.0.0.1:5"),
            "http://127.0.0.1:5/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:5/tenant/"),
            "http://127.0.0.1:5/.well-known/oauth-authorization-server/tenant"
        );
    }
}
