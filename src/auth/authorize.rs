//! The authorization request (OAuth 2.1 §4.1.1) and what a client checks in its response before
//! redeeming the code: `state` echoed (RFC 6749 §4.1.2) and `iss` equal to the issuer
//! (RFC 9207 §2.4).

use super::discovery::Discovery;
use super::pkce::Pkce;
use super::AuthError;
use serde_json::Value;

/// The parameters of one authorization request (`None`: left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthzRequest {
    /// `authorization_endpoint`.
    pub endpoint: String,
    /// `response_type` (normally `code`).
    pub response_type: String,
    /// `client_id`.
    pub client_id: String,
    /// `redirect_uri`.
    pub redirect_uri: String,
    /// PKCE challenge and method.
    pub pkce: Option<Pkce>,
    /// `state`.
    pub state: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `resource` (RFC 8707).
    pub resource: Option<String>,
    /// Extra parameters.
    pub extra: Vec<(String, String)>,
}

impl AuthzRequest {
    /// The URL to open: the endpoint with every parameter added to its query.
    pub fn url(&self) -> Result<url::Url, AuthError> {
        let mut url = url::Url::parse(&self.endpoint).map_err(|e| {
            AuthError::Protocol(format!(
                "unusable authorization_endpoint `{}`: {e}",
                self.endpoint
            ))
        })?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", &self.response_type);
            q.append_pair("client_id", &self.client_id);
            q.append_pair("redirect_uri", &self.redirect_uri);
            if let Some(p) = &self.pkce {
                q.append_pair("code_challenge", &p.challenge);
                q.append_pair("code_challenge_method", &p.method);
            }
            for (k, v) in [
                ("state", &self.state),
                ("scope", &self.scope),
                ("resource", &self.resource),
            ] {
                if let Some(v) = v {
                    q.append_pair(k, v);
                }
            }
            for (k, v) in &self.extra {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }
}

/// Why a client must discard an authorization response, if it must.
pub fn response_problem(
    d: &Discovery,
    sent_state: Option<&str>,
    state: Option<&str>,
    iss: Option<&str>,
) -> Option<String> {
    if sent_state.is_some() && state != sent_state {
        return Some(format!(
            "the authorization response's state is {}, not the one sent: a client must discard it",
            state.map_or("missing".into(), |b| format!("`{b}`"))
        ));
    }
    let issuer = d.issuer.as_deref().unwrap_or_default();
    match iss {
        Some(i) if i != issuer => Some(format!(
            "the authorization response's iss is `{i}`, not the issuer `{issuer}` (RFC 9207 §2.4): a client must discard it"
        )),
        None if d
            .as_metadata
            .as_ref()
            .and_then(|m| m.get("authorization_response_iss_parameter_supported"))
            == Some(&Value::Bool(true)) =>
        {
            Some("the metadata promises iss in authorization responses, and there is none (RFC 9207 §2.4)".into())
        }
        _ => None,
    }
}

/// What came back to the client's redirect URI (`None`: absent).
#[derive(Clone, Copy, Debug, Default)]
pub struct Callback<'a> {
    /// `code`.
    pub code: Option<&'a str>,
    /// `error`.
    pub error: Option<&'a str>,
    /// `state`.
    pub state: Option<&'a str>,
    /// `iss`.
    pub iss: Option<&'a str>,
}

/// Why a client does not redeem an authorization response, if it does not. With `validate`,
/// `state` and `iss` are checked first, for error responses too: on a mismatch the client must
/// not act on or show the response's `error` (2026-07-28, "Authorization Response
/// Validation"), so the reason is the mismatch, never the error.
pub fn callback_problem(
    d: &Discovery,
    sent_state: Option<&str>,
    cb: &Callback<'_>,
    validate: bool,
) -> Option<String> {
    if validate && (cb.code.is_some() || cb.error.is_some()) {
        if let Some(why) = response_problem(d, sent_state, cb.state, cb.iss) {
            return Some(why);
        }
    }
    if let Some(e) = cb.error {
        return Some(format!("the authorization server answered error `{e}`"));
    }
    if cb.code.is_none() {
        return Some("the redirect back to the client carries no code".into());
    }
    None
}

/// Scope to ask for when none is given: the Bearer challenge's `scope`, else the PRM's
/// `scopes_supported` (2025-11-25 scope selection), else none.
pub fn default_scope(d: &Discovery) -> Option<String> {
    d.challenges
        .iter()
        .find(|c| c.is_bearer())
        .and_then(|c| c.param("scope"))
        .map(str::to_string)
        .or_else(|| {
            let s = d.prm.as_ref()?.get("scopes_supported")?.as_array()?;
            let v: Vec<&str> = s.iter().filter_map(Value::as_str).collect();
            (!v.is_empty()).then(|| v.join(" "))
        })
}

/// The scope with `offline_access` added when the authorization server's metadata lists it in
/// `scopes_supported` (2026-07-28 "Refresh Tokens": a client MAY ask for it then, and only
/// then); unchanged otherwise. Asking for it is how a refresh token is requested from servers
/// that tie refresh tokens to it; the harness never assumes one is issued.
pub fn with_offline_access(scope: Option<String>, d: &Discovery) -> Option<String> {
    const OFFLINE: &str = "offline_access";
    let advertised = d
        .as_metadata
        .as_ref()
        .and_then(|m| m.get("scopes_supported"))
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(OFFLINE)));
    if !advertised {
        return scope;
    }
    match scope {
        Some(s) if s.split_whitespace().any(|x| x == OFFLINE) => Some(s),
        Some(s) if !s.trim().is_empty() => Some(format!("{} {OFFLINE}", s.trim())),
        _ => Some(OFFLINE.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offline_access_only_when_the_server_lists_it() {
        let mut d = Discovery {
            as_metadata: Some(json!({"scopes_supported": ["read", "write"]})),
            ..Discovery::default()
        };
        assert_eq!(
            with_offline_access(Some("read".into()), &d).as_deref(),
            Some("read")
        );
        assert_eq!(with_offline_access(None, &d), None);
        d.as_metadata = Some(json!({"scopes_supported": ["read", "offline_access"]}));
        assert_eq!(
            with_offline_access(Some("read".into()), &d).as_deref(),
            Some("read offline_access")
        );
        assert_eq!(
            with_offline_access(Some("offline_access read".into()), &d).as_deref(),
            Some("offline_access read")
        );
        assert_eq!(
            with_offline_access(None, &d).as_deref(),
            Some("offline_access")
        );
    }

    #[test]
    fn url_keeps_the_endpoint_query_and_leaves_out_absent_parameters() {
        let r = AuthzRequest {
            endpoint: "https://as.example/authorize?tenant=a".into(),
            response_type: "code".into(),
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1:9/cb".into(),
            pkce: None,
            state: Some("s".into()),
            ..AuthzRequest::default()
        };
        let u = r.url().unwrap();
        let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        assert_eq!(q[0], ("tenant".into(), "a".into()));
        assert!(q.contains(&("state".into(), "s".into())));
        assert!(!q.iter().any(|(k, _)| k == "code_challenge" || k == "scope"));
    }

    #[test]
    fn state_and_iss_checks() {
        let d = Discovery {
            issuer: Some("http://127.0.0.1:1".into()),
            as_metadata: Some(json!({"authorization_response_iss_parameter_supported": true})),
            ..Discovery::default()
        };
        assert!(response_problem(&d, Some("a"), Some("a"), Some("http://127.0.0.1:1")).is_none());
        assert!(response_problem(&d, Some("a"), None, Some("http://127.0.0.1:1")).is_some());
        assert!(response_problem(&d, Some("a"), Some("a"), Some("http://127.0.0.1:1/")).is_some());
        assert!(response_problem(&d, Some("a"), Some("a"), None).is_some());
        let lax = Discovery {
            issuer: Some("x".into()),
            ..Discovery::default()
        };
        assert!(response_problem(&lax, None, None, None).is_none());
    }

    /// 2026-07-28 "Authorization Response Validation": simple string comparison of a present
    /// `iss` (no case folding, default-port elision, trailing-slash or percent-encoding
    /// normalisation), whether or not the metadata advertises it; a missing `iss` is refused
    /// only when the metadata promises it.
    #[test]
    fn iss_is_compared_exactly_with_or_without_the_flag() {
        let issuer = "https://as.example:443/tenant%41";
        let promised = Discovery {
            issuer: Some(issuer.into()),
            as_metadata: Some(json!({"authorization_response_iss_parameter_supported": true})),
            ..Discovery::default()
        };
        let silent = Discovery {
            issuer: Some(issuer.into()),
            as_metadata: Some(json!({})),
            ..Discovery::default()
        };
        for d in [&promised, &silent] {
            assert!(response_problem(d, None, None, Some(issuer)).is_none());
            for near in [
                "HTTPS://as.example:443/tenant%41",
                "https://AS.example:443/tenant%41",
                "https://as.example/tenant%41",
                "https://as.example:443/tenant%41/",
                "https://as.example:443/tenantA",
                "https://as.example:443/tenant%61",
            ] {
                assert!(
                    response_problem(d, None, None, Some(near)).is_some(),
                    "{near} must not match {issuer}"
                );
            }
        }
        assert!(response_problem(&promised, None, None, None).is_some());
        assert!(response_problem(&silent, None, None, None).is_none());
    }

    #[test]
    fn an_error_response_with_a_foreign_iss_is_discarded_unread() {
        let d = Discovery {
            issuer: Some("https://as.example".into()),
            as_metadata: Some(json!({})),
            ..Discovery::default()
        };
        let cb = Callback {
            error: Some("access_denied"),
            state: Some("s"),
            iss: Some("https://evil.example"),
            ..Callback::default()
        };
        let why = callback_problem(&d, Some("s"), &cb, true).unwrap();
        assert!(
            why.contains("iss") && !why.contains("access_denied"),
            "{why}"
        );
        // Without validation (a check looking at what the server sent) the error is reported.
        let why = callback_problem(&d, Some("s"), &cb, false).unwrap();
        assert!(why.contains("access_denied"), "{why}");
        let ok = Callback {
            iss: Some("https://as.example"),
            ..cb
        };
        let why = callback_problem(&d, Some("s"), &ok, true).unwrap();
        assert!(
            why.contains("access_denied"),
            "a matching error is acted on: {why}"
        );
        let code = Callback {
            code: Some("c"),
            error: None,
            ..ok
        };
        assert!(callback_problem(&d, Some("s"), &code, true).is_none());
        let wrong = Callback {
            iss: Some("https://as.example/"),
            ..code
        };
        assert!(callback_problem(&d, Some("s"), &wrong, true).is_some());
        assert!(callback_problem(&d, Some("s"), &wrong, false).is_none());
    }

    #[test]
    fn scope_selection_prefers_the_challenge() {
        let mut d = Discovery {
            prm: Some(json!({"scopes_supported": ["read", "write"]})),
            ..Discovery::default()
        };
        assert_eq!(default_scope(&d).as_deref(), Some("read write"));
        d.challenges = crate::auth::challenge::parse("Bearer scope=\"read\"");
        assert_eq!(default_scope(&d).as_deref(), Some("read"));
    }
}
