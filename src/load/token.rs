//! The bearer token of an authenticated load run, and its refresh while the load runs.
//!
//! Every user reads the current token from one [`TokenSlot`] (a version counter checked per
//! call and a lock taken only when the version moved), so a refresh reaches all users on their
//! next call without a lock on the hot path. A refresher task obtains a new token every
//! `refresh_every` (the profile's `[auth]`) and times each refresh as the `token refresh`
//! session operation.

use hyper::header::HeaderValue;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Obtains a fresh access token (e.g. the run-level OAuth flow again, or a refresh grant).
pub type Refresher =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>> + Send + Sync>;

/// The current `Authorization` header value.
pub struct TokenSlot {
    version: AtomicU64,
    value: RwLock<HeaderValue>,
}

impl TokenSlot {
    /// A slot holding `token`; `Err` when it cannot be a header value.
    pub fn new(token: &str) -> Result<Self, String> {
        Ok(TokenSlot {
            version: AtomicU64::new(1),
            value: RwLock::new(bearer(token)?),
        })
    }

    /// Replaces the token; users pick it up on their next call.
    pub fn set(&self, token: &str) -> Result<(), String> {
        let v = bearer(token)?;
        *self.value.write().unwrap_or_else(|p| p.into_inner()) = v;
        self.version.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Increases with every [`set`](Self::set).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The current header value.
    pub fn header(&self) -> HeaderValue {
        self.value.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn bearer(token: &str) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "the access token is not a valid header value".to_string())?;
    v.set_sensitive(true);
    Ok(v)
}

/// An authenticated run: the token every call carries and, optionally, how to refresh it.
#[derive(Clone)]
pub struct LoadAuth {
    /// The current token.
    pub slot: Arc<TokenSlot>,
    /// Obtains a new token (None: the token is used as given for the whole run).
    pub refresher: Option<Refresher>,
}

impl std::fmt::Debug for LoadAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadAuth")
            .field("version", &self.slot.version())
            .field("refresher", &self.refresher.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_token_is_seen_with_a_new_version() {
        let s = TokenSlot::new("a").unwrap();
        let v = s.version();
        assert_eq!(s.header(), "Bearer a");
        s.set("b").unwrap();
        assert!(s.version() > v);
        assert_eq!(s.header(), "Bearer b");
        assert!(s.set("bad\ntoken").is_err());
        assert_eq!(s.header(), "Bearer b", "a bad token leaves the good one");
    }
}
