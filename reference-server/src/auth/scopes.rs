//! Scopes: the two this server knows (`read` for the data tools that look, `write` for the
//! ones that change), their hierarchy, and sets of them as OAuth spells them (space-separated,
//! RFC 6749 §3.3).
//!
//! The hierarchy (2026-07-28: "servers MUST account for scope hierarchies, where a broader
//! scope implies narrower ones") is [`IMPLIES`]: `write` implies `read`, so a token granted
//! only `write` may also use the tools that need `read`. It is documented here and in the
//! README ("Check your server's authorization"); mcpcheck's `v2607.scope-hierarchy`
//! check takes it as `--var broader_scope=write --var narrower_scope=read`. The fault
//! `auth-scope-hierarchy-ignored` makes `/mcp` require the exact scope instead.
//!
//! `offline_access` is not a resource scope: the authorization server accepts it only when it
//! issues refresh tokens on request (`RefreshTokens::OfflineAccess`), and `/mcp` never asks
//! for it.

use std::collections::BTreeSet;
use std::fmt;

/// Every scope the server supports, in the order they are advertised.
pub(crate) const SUPPORTED: [&str; 2] = ["read", "write"];

/// The scope hierarchy: (broader, narrower) pairs; a token granted the broader scope is
/// sufficient where the narrower one is needed.
pub(crate) const IMPLIES: [(&str, &str); 1] = [("write", "read")];

/// The scope that asks for a refresh token where the server ties them to it.
pub(crate) const OFFLINE_ACCESS: &str = "offline_access";

/// `text` without its `offline_access` tokens, and whether it had one.
pub(crate) fn split_offline(text: &str) -> (String, bool) {
    let rest: Vec<&str> = text
        .split(' ')
        .filter(|t| !t.is_empty() && *t != OFFLINE_ACCESS)
        .collect();
    let had = text.split(' ').any(|t| t == OFFLINE_ACCESS);
    (rest.join(" "), had)
}

/// A set of scope tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScopeSet(BTreeSet<String>);

impl ScopeSet {
    /// Every supported scope.
    pub fn all() -> Self {
        Self(SUPPORTED.iter().map(|s| s.to_string()).collect())
    }

    /// Parses a space-separated scope string; `Err` names the first unsupported token.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut set = BTreeSet::new();
        for tok in text.split(' ').filter(|t| !t.is_empty()) {
            if !SUPPORTED.contains(&tok) {
                return Err(tok.to_string());
            }
            set.insert(tok.to_string());
        }
        Ok(Self(set))
    }

    /// A set from scope names (unsupported ones are kept: used for configured lists that were
    /// validated before).
    pub fn from_names<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        Self(names.into_iter().map(Into::into).collect())
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// Whether every scope of `self` is in `other`.
    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The union of both sets.
    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.union(&other.0).cloned().collect())
    }

    /// The set with every scope its members imply ([`IMPLIES`]) added.
    pub fn with_implied(&self) -> ScopeSet {
        let mut out = self.clone();
        for (broad, narrow) in IMPLIES {
            if self.contains(broad) {
                out.insert(narrow);
            }
        }
        out
    }

    /// Adds a scope.
    pub fn insert(&mut self, scope: &str) {
        self.0.insert(scope.to_string());
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<&str> = self.0.iter().map(String::as_str).collect();
        f.write_str(&v.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_format_and_compare() {
        let rw = ScopeSet::parse("write  read").unwrap();
        assert_eq!(rw.to_string(), "read write");
        assert_eq!(rw, ScopeSet::all());
        let r = ScopeSet::parse("read").unwrap();
        assert!(r.is_subset(&rw) && !rw.is_subset(&r));
        assert_eq!(ScopeSet::parse("read admin").unwrap_err(), "admin");
        assert!(ScopeSet::parse("").unwrap().is_empty());
        assert_eq!(r.union(&ScopeSet::parse("write").unwrap()), rw);
    }

    #[test]
    fn write_implies_read_and_offline_access_splits_off() {
        let w = ScopeSet::parse("write").unwrap();
        assert_eq!(w.with_implied(), ScopeSet::all());
        let r = ScopeSet::parse("read").unwrap();
        assert_eq!(r.with_implied(), r, "read implies nothing");
        assert_eq!(
            split_offline("read offline_access write"),
            ("read write".to_string(), true)
        );
        assert_eq!(split_offline("read"), ("read".to_string(), false));
    }
}
