//! Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document, as MCP
//! 2025-11-25 uses them): a `client_id` that is a URL names a JSON document describing the
//! client. Fetched only with `--allow-loopback-cimd` and only from loopback addresses (the
//! SSRF guard: nothing else is ever contacted), 64 KiB at most, 5 s at most, no redirects.
//! The document must be a JSON object whose `client_id` is exactly its URL, with
//! `client_name` and `redirect_uris`, and no shared-secret authentication method. Documents
//! are cached as their `Cache-Control: max-age` allows (at most an hour).

use super::clients::{AuthMethod, Client, ClientKind};
use super::redirect::registration_problem;
use super::remote::{fetch, is_loopback_url};
use super::scopes::ScopeSet;
use super::server::{now_secs, AuthServer};
use crate::fault::Fault;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// Largest document accepted.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// Longest time a document is cached.
const MAX_CACHE: Duration = Duration::from_secs(3600);

/// Whether `client_id` is URL-shaped (and so names a metadata document, not a registration).
pub(crate) fn looks_like_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Why `url` cannot be a document URL, if it cannot.
fn url_problem(url: &str) -> Option<String> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Some("the client_id is not a valid URL".into());
    };
    if url.contains('#') || !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("a client_id URL must not carry a fragment or user information".into());
    }
    if parsed.path().is_empty() || parsed.path() == "/" {
        return Some("a client_id URL must have a path".into());
    }
    if !is_loopback_url(url) {
        return Some(
            "this server fetches client ID metadata documents from loopback addresses only".into(),
        );
    }
    None
}

/// The lifetime `Cache-Control` grants, if any.
fn cache_lifetime(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let cc = headers.get(reqwest::header::CACHE_CONTROL)?.to_str().ok()?;
    let directives: Vec<String> = cc
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if directives
        .iter()
        .any(|d| d == "no-store" || d == "no-cache")
    {
        return None;
    }
    let secs = directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age=")?.parse::<u64>().ok())?;
    Some(Duration::from_secs(secs).min(MAX_CACHE))
}

fn strings(doc: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, String> {
    match doc.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{key}` must be an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("`{key}` must be an array of strings")),
    }
}

/// The client a fetched document describes.
fn client_from_document(
    url: &str,
    doc: &Map<String, Value>,
    allow_mismatch: bool,
) -> Result<Client, String> {
    match doc.get("client_id").and_then(Value::as_str) {
        Some(id) if id == url || allow_mismatch => {}
        Some(id) => {
            return Err(format!(
                "the document's client_id `{id}` is not its URL `{url}`"
            ))
        }
        None => return Err("the document has no client_id".into()),
    }
    let name = doc
        .get("client_name")
        .and_then(Value::as_str)
        .ok_or("the document has no client_name")?;
    let redirect_uris = strings(doc, "redirect_uris")?
        .filter(|r| !r.is_empty())
        .ok_or("the document has no redirect_uris")?;
    if let Some((uri, why)) = redirect_uris
        .iter()
        .find_map(|u| registration_problem(u).map(|w| (u, w)))
    {
        return Err(format!("redirect URI `{uri}` {why}"));
    }
    match doc.get("token_endpoint_auth_method").map(Value::as_str) {
        None | Some(Some("none")) => {}
        Some(Some(m)) if AuthMethod::from_name(m).is_some() => {
            return Err(format!(
                "a metadata document cannot use the shared-secret method `{m}`"
            ))
        }
        Some(_) => return Err("unsupported token_endpoint_auth_method".into()),
    }
    let grant_types =
        strings(doc, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    if grant_types
        .iter()
        .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return Err("a public client may use only authorization_code and refresh_token".into());
    }
    if strings(doc, "response_types")?.is_some_and(|r| r.iter().any(|t| t != "code")) {
        return Err("only the `code` response type is supported".into());
    }
    let scope = match doc.get("scope") {
        None => None,
        Some(Value::String(s)) => {
            Some(ScopeSet::parse(s).map_err(|bad| format!("unsupported scope `{bad}`"))?)
        }
        Some(_) => return Err("`scope` must be a string".into()),
    };
    Ok(Client {
        id: url.to_string(),
        kind: ClientKind::MetadataDocument,
        secret: None,
        auth_method: AuthMethod::None,
        redirect_uris,
        grant_types,
        scope,
        name: Some(name.to_string()),
        metadata: doc.clone(),
        registration_token: None,
        issued_at: now_secs(),
    })
}

/// The client described by the document at `url` (from the cache when still fresh).
pub(crate) async fn resolve(auth: &AuthServer, url: &str) -> Result<Client, String> {
    if let Some((c, until)) = auth.lock().cimd_cache.get(url) {
        if Instant::now() < *until {
            return Ok(c.clone());
        }
    }
    if let Some(problem) = url_problem(url) {
        return Err(problem);
    }
    let fetched = fetch(&auth.http, url, MAX_DOCUMENT_BYTES)
        .await
        .map_err(|e| e.to_string())?;
    if fetched.status != 200 {
        return Err(format!(
            "fetching the client metadata document answered HTTP {}",
            fetched.status
        ));
    }
    let doc = match serde_json::from_slice::<Value>(&fetched.body) {
        Ok(Value::Object(m)) => m,
        _ => return Err("the client metadata document is not a JSON object".into()),
    };
    let client = client_from_document(url, &doc, auth.has(Fault::AuthCimdMismatchAccepted))?;
    tracing::debug!(client_id = url, "client metadata document accepted");
    if let Some(ttl) = cache_lifetime(&fetched.headers) {
        let mut store = auth.lock();
        store
            .cimd_cache
            .retain(|_, (_, until)| Instant::now() < *until);
        store
            .cimd_cache
            .insert(url.to_string(), (client.clone(), Instant::now() + ttl));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const URL: &str = "http://127.0.0.1:9/client.json";

    fn doc(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn good() -> Value {
        json!({"client_id": URL, "client_name": "t", "redirect_uris": ["http://127.0.0.1:5/cb"]})
    }

    #[test]
    fn documents_are_validated() {
        let c = client_from_document(URL, &doc(good()), false).unwrap();
        assert_eq!(c.id, URL);
        assert!(!c.is_confidential());
        let mut other = good();
        other["client_id"] = json!("http://127.0.0.1:9/other.json");
        assert!(client_from_document(URL, &doc(other.clone()), false).is_err());
        assert!(client_from_document(URL, &doc(other), true).is_ok());
        for (k, v) in [
            ("client_name", Value::Null),
            ("redirect_uris", json!([])),
            ("redirect_uris", json!(["http://evil.example/cb"])),
            ("token_endpoint_auth_method", json!("client_secret_basic")),
            ("grant_types", json!(["client_credentials"])),
            ("scope", json!("admin")),
        ] {
            let mut d = good();
            if v.is_null() {
                d.as_object_mut().unwrap().remove(k);
            } else {
                d[k] = v;
            }
            assert!(client_from_document(URL, &doc(d), false).is_err(), "{k}");
        }
    }

    #[test]
    fn urls_and_cache_headers() {
        assert!(url_problem(URL).is_none());
        assert!(url_problem("http://127.0.0.1:9/").is_some());
        assert!(url_problem("https://example.com/c.json").is_some());
        assert!(url_problem("http://127.0.0.1:9/c.json#x").is_some());
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(cache_lifetime(&h), None);
        h.insert("cache-control", "public, max-age=60".parse().unwrap());
        assert_eq!(cache_lifetime(&h), Some(Duration::from_secs(60)));
        h.insert("cache-control", "no-store, max-age=60".parse().unwrap());
        assert_eq!(cache_lifetime(&h), None);
    }
}
