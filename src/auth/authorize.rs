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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
