//! The in-memory store of the authorization server: clients, pending authorization requests
//! (between the login form and the redirect), authorization codes, refresh-token families,
//! revoked access tokens and upstream sessions. Codes and refresh tokens are stored under
//! their SHA-256 digest, never as usable values. Nothing here awaits: callers lock, act, and
//! unlock.

use super::clients::Client;
use super::request::AuthzRequest;
use super::scopes::ScopeSet;
use super::secrets::{digest_of, random_token, Digest};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long a pending authorization request (login/consent page) stays usable.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(600);

/// Most pending requests kept (they are created without authentication); beyond it the
/// oldest is dropped.
const MAX_PENDING: usize = 10_000;

/// Failed logins after which a pending request is dropped.
pub(crate) const MAX_LOGIN_FAILURES: u32 = 5;

/// How long a redeemed code is remembered so that a replay can be detected.
const REPLAY_MEMORY: Duration = Duration::from_secs(600);

/// Lifetime of a refresh token, in seconds.
pub(crate) const REFRESH_TTL_SECS: u64 = 24 * 3600;

/// What an access or refresh token stands for.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    /// The client it was issued to.
    pub client_id: String,
    /// The user (or, for client_credentials, the client).
    pub subject: String,
    /// Granted scopes.
    pub scope: ScopeSet,
    /// The resource (audience).
    pub audience: String,
    /// Upstream session the grant is bound to (upstream mode).
    pub session: Option<String>,
}

/// An authorization request waiting for the login or consent form.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// The validated request.
    pub request: AuthzRequest,
    /// The logged-in user, once the login form succeeded.
    pub user: Option<String>,
    /// Failed logins so far.
    pub failures: u32,
    /// When it was created.
    pub created: Instant,
    /// PKCE verifier of this server's own request to the upstream IdP (upstream mode).
    pub upstream_verifier: Option<String>,
}

impl Pending {
    /// A fresh pending request.
    pub fn new(request: AuthzRequest) -> Self {
        Self {
            request,
            user: None,
            failures: 0,
            created: Instant::now(),
            upstream_verifier: None,
        }
    }
}

/// An issued authorization code.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    /// What the code grants.
    pub grant: Grant,
    /// The redirect URI used in the authorization request.
    pub redirect_uri: String,
    /// Whether the request named the redirect URI (then the token request must repeat it).
    pub redirect_given: bool,
    /// PKCE challenge and method (`None` only under a PKCE fault).
    pub challenge: Option<(String, String)>,
    /// When the code stops working.
    pub expires: Instant,
    /// The family created when the code was redeemed (set on first use).
    pub family: Option<String>,
    /// Whether it has been redeemed.
    pub used: bool,
}

/// What redeeming a code found.
#[derive(Debug)]
pub(crate) enum Redemption {
    /// A valid, unused code (now marked used unless `allow_reuse`).
    Fresh(Box<CodeGrant>),
    /// The code was used before; the family it created, if any.
    Replayed(Option<String>),
    /// Expired.
    Expired,
    /// Never issued.
    Unknown,
}

/// A refresh-token family: every token rotated from one authorization.
#[derive(Clone, Debug)]
struct Family {
    grant: Grant,
    revoked: bool,
    access: Vec<(String, u64)>,
}

#[derive(Clone, Debug)]
struct RefreshEntry {
    family: String,
    current: bool,
    expires_at: u64,
}

/// What presenting a refresh token found.
#[derive(Debug)]
pub(crate) enum RefreshUse {
    /// The family's current token.
    Current {
        /// Family id.
        family: String,
        /// What it grants.
        grant: Grant,
    },
    /// A token that was rotated away (reuse).
    Rotated {
        /// Family id.
        family: String,
    },
    /// Unknown, expired, or its family is revoked.
    Invalid,
}

/// Tokens this server holds at the upstream IdP for one user session (upstream mode). Kept
/// for calls to upstream APIs on the user's behalf, which the demo tools do not make.
#[derive(Clone)]
#[allow(dead_code)]
pub(crate) struct UpstreamSession {
    /// The upstream access token.
    pub access_token: String,
    /// The upstream refresh token.
    pub refresh_token: Option<String>,
}

/// The store.
#[derive(Default)]
pub(crate) struct Store {
    /// Clients by id.
    pub clients: HashMap<String, Client>,
    /// Ids of clients deleted through RFC 7592 (their tokens die).
    pub deleted_clients: HashSet<String>,
    /// CIMD clients by URL, with the end of their cache lifetime.
    pub cimd_cache: HashMap<String, (Client, Instant)>,
    /// Upstream sessions by id.
    pub upstream_sessions: HashMap<String, UpstreamSession>,
    pending: HashMap<String, Pending>,
    codes: HashMap<Digest, CodeGrant>,
    refresh: HashMap<Digest, RefreshEntry>,
    families: HashMap<String, Family>,
    revoked: HashMap<String, u64>,
}

impl Store {
    /// Stores a pending request under a fresh random id, returned.
    pub fn add_pending(&mut self, pending: Pending) -> String {
        self.pending
            .retain(|_, p| p.created.elapsed() < PENDING_TTL);
        if self.pending.len() >= MAX_PENDING {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.pending.remove(&k);
            }
        }
        let id = random_token(24);
        self.pending.insert(id.clone(), pending);
        id
    }

    /// Removes and returns a live pending request.
    pub fn take_pending(&mut self, id: &str) -> Option<Pending> {
        self.pending
            .remove(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
    }

    /// Stores a code and returns its value.
    pub fn add_code(&mut self, code: CodeGrant) -> String {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires + REPLAY_MEMORY > now);
        let value = random_token(32);
        self.codes.insert(digest_of(&value), code);
        value
    }

    /// Redeems a code: marks it used (unless `allow_reuse`) and returns what it grants.
    pub fn redeem_code(&mut self, value: &str, allow_reuse: bool) -> Redemption {
        let Some(code) = self.codes.get_mut(&digest_of(value)) else {
            return Redemption::Unknown;
        };
        if code.used && !allow_reuse {
            return Redemption::Replayed(code.family.clone());
        }
        if Instant::now() >= code.expires {
            return Redemption::Expired;
        }
        code.used = true;
        Redemption::Fresh(Box::new(code.clone()))
    }

    /// Records the family a redeemed code created (revoked if the code is replayed).
    pub fn link_code_family(&mut self, value: &str, family: &str) {
        if let Some(code) = self.codes.get_mut(&digest_of(value)) {
            code.family.get_or_insert_with(|| family.to_string());
        }
    }

    /// Starts a refresh-token family for `grant`; returns its id.
    pub fn new_family(&mut self, grant: Grant) -> String {
        let id = random_token(16);
        self.families.insert(
            id.clone(),
            Family {
                grant,
                revoked: false,
                access: Vec::new(),
            },
        );
        id
    }

    /// Records an access token issued in `family` (revoked with it).
    pub fn record_access(&mut self, family: &str, jti: &str, exp: u64) {
        if let Some(f) = self.families.get_mut(family) {
            f.access.push((jti.to_string(), exp));
        }
    }

    /// Issues a refresh token in `family`; unless `keep_old`, every earlier token of the
    /// family becomes a rotated (reuse-detecting) one.
    pub fn issue_refresh(&mut self, family: &str, now: u64, keep_old: bool) -> String {
        if !keep_old {
            for e in self.refresh.values_mut().filter(|e| e.family == family) {
                e.current = false;
            }
        }
        self.refresh.retain(|_, e| e.expires_at > now);
        let value = random_token(32);
        self.refresh.insert(
            digest_of(&value),
            RefreshEntry {
                family: family.to_string(),
                current: true,
                expires_at: now + REFRESH_TTL_SECS,
            },
        );
        value
    }

    /// Looks a presented refresh token up.
    pub fn use_refresh(&self, value: &str, now: u64) -> RefreshUse {
        let Some(e) = self.refresh.get(&digest_of(value)) else {
            return RefreshUse::Invalid;
        };
        let Some(f) = self.families.get(&e.family) else {
            return RefreshUse::Invalid;
        };
        if f.revoked || e.expires_at <= now {
            RefreshUse::Invalid
        } else if !e.current {
            RefreshUse::Rotated {
                family: e.family.clone(),
            }
        } else {
            RefreshUse::Current {
                family: e.family.clone(),
                grant: f.grant.clone(),
            }
        }
    }

    /// The family and grant of a refresh token that is still valid, for revocation and
    /// introspection.
    pub fn refresh_family(&self, value: &str, now: u64) -> Option<(String, Grant)> {
        match self.use_refresh(value, now) {
            RefreshUse::Current { family, grant } => Some((family, grant)),
            _ => None,
        }
    }

    /// Revokes a family: its refresh tokens and every access token issued in it.
    pub fn revoke_family(&mut self, family: &str) {
        let Some(f) = self.families.get_mut(family) else {
            return;
        };
        f.revoked = true;
        let access = std::mem::take(&mut f.access);
        for (jti, exp) in access {
            self.revoked.insert(jti, exp);
        }
    }

    /// Revokes one access token.
    pub fn revoke_access(&mut self, jti: &str, exp: u64, now: u64) {
        self.revoked.retain(|_, e| *e > now);
        self.revoked.insert(jti.to_string(), exp);
    }

    /// Whether an access token was revoked.
    pub fn is_revoked(&self, jti: &str) -> bool {
        self.revoked.contains_key(jti)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            client_id: "c".into(),
            subject: "u".into(),
            scope: ScopeSet::all(),
            audience: "a".into(),
            session: None,
        }
    }

    #[test]
    fn refresh_rotation_detects_reuse_and_family_revocation_kills_access() {
        let mut s = Store::default();
        let fam = s.new_family(grant());
        s.record_access(&fam, "j1", 100);
        let r1 = s.issue_refresh(&fam, 10, false);
        assert!(matches!(s.use_refresh(&r1, 10), RefreshUse::Current { .. }));
        let r2 = s.issue_refresh(&fam, 10, false);
        assert!(matches!(s.use_refresh(&r1, 10), RefreshUse::Rotated { .. }));
        assert!(matches!(s.use_refresh(&r2, 10), RefreshUse::Current { .. }));
        s.revoke_family(&fam);
        assert!(s.is_revoked("j1"));
        assert!(matches!(s.use_refresh(&r2, 10), RefreshUse::Invalid));
        assert!(matches!(s.use_refresh("nope", 10), RefreshUse::Invalid));
    }

    #[test]
    fn codes_are_single_use_unless_reuse_is_allowed() {
        let mut s = Store::default();
        let code = CodeGrant {
            grant: grant(),
            redirect_uri: "r".into(),
            redirect_given: true,
            challenge: None,
            expires: Instant::now() + Duration::from_secs(60),
            family: None,
            used: false,
        };
        let v = s.add_code(code.clone());
        assert!(matches!(s.redeem_code(&v, false), Redemption::Fresh(_)));
        s.link_code_family(&v, "fam");
        assert!(matches!(s.redeem_code(&v, false), Redemption::Replayed(Some(f)) if f == "fam"));
        assert!(matches!(s.redeem_code(&v, true), Redemption::Fresh(_)));
        assert!(matches!(s.redeem_code("x", false), Redemption::Unknown));
        let old = s.add_code(CodeGrant {
            expires: Instant::now(),
            ..code
        });
        assert!(matches!(s.redeem_code(&old, false), Redemption::Expired));
    }
}
