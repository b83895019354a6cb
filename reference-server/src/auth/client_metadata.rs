//! Validating client metadata for dynamic registration (RFC 7591 §2) and its updates
//! (RFC 7592 §2.2): field types, supported values, and the consistency rules between them.
//! Redirect URIs must be https, or http on a loopback host (`invalid_redirect_uri`); any other
//! problem is `invalid_client_metadata`. Unknown fields are ignored, as RFC 7591 asks.

use super::clients::{AuthMethod, GRANT_TYPES};
use super::oauth_error::OAuthError;
use super::redirect::registration_problem;
use super::scopes::ScopeSet;
use serde_json::{json, Map, Value};

/// String-valued fields this server keeps.
const STRING_FIELDS: [&str; 10] = [
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "scope",
    "token_endpoint_auth_method",
    "application_type",
];

/// Validated metadata.
#[derive(Clone, Debug)]
pub(crate) struct Registered {
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Grant types.
    pub grant_types: Vec<String>,
    /// Token endpoint authentication method.
    pub auth_method: AuthMethod,
    /// Allowed scopes (`None`: every supported scope).
    pub scope: Option<ScopeSet>,
    /// Display name.
    pub name: Option<String>,
    /// The metadata as stored (defaults filled in, unknown fields dropped).
    pub metadata: Map<String, Value>,
}

fn bad(d: impl Into<String>) -> OAuthError {
    OAuthError::new("invalid_client_metadata", d)
}

fn string_list(m: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, OAuthError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("`{key}` must be an array of strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad(format!("`{key}` must be an array of strings"))),
    }
}

/// Validates `body`; `lax_redirects` accepts any redirect URI (the
/// `auth-dcr-accepts-invalid-redirect` fault).
pub(crate) fn validate(body: &Value, lax_redirects: bool) -> Result<Registered, OAuthError> {
    let Value::Object(m) = body else {
        return Err(bad("the registration request must be a JSON object"));
    };
    let mut out = Map::new();
    for key in STRING_FIELDS {
        match m.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                out.insert(key.into(), json!(s));
            }
            Some(_) => return Err(bad(format!("`{key}` must be a string"))),
        }
    }
    let method_name = out
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        .unwrap_or("client_secret_basic");
    let auth_method = AuthMethod::from_name(method_name).ok_or_else(|| {
        bad(format!(
            "token_endpoint_auth_method `{method_name}` is not supported"
        ))
    })?;
    let grant_types =
        string_list(m, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    if let Some(g) = grant_types
        .iter()
        .find(|g| !GRANT_TYPES.contains(&g.as_str()))
    {
        return Err(bad(format!("grant type `{g}` is not supported")));
    }
    let uses_code = grant_types.iter().any(|g| g == "authorization_code");
    let response_types = string_list(m, "response_types")?.unwrap_or_else(|| {
        if uses_code {
            vec!["code".into()]
        } else {
            Vec::new()
        }
    });
    if let Some(r) = response_types.iter().find(|r| *r != "code") {
        return Err(bad(format!("response type `{r}` is not supported")));
    }
    if uses_code != response_types.iter().any(|r| r == "code") {
        return Err(bad(
            "grant type authorization_code and response type code go together",
        ));
    }
    if grant_types.iter().any(|g| g == "client_credentials") && auth_method == AuthMethod::None {
        return Err(bad("client_credentials needs a confidential client"));
    }
    let redirect_uris = string_list(m, "redirect_uris")?.unwrap_or_default();
    if uses_code && redirect_uris.is_empty() {
        return Err(OAuthError::new(
            "invalid_redirect_uri",
            "redirect_uris is required for the authorization code grant",
        ));
    }
    if !lax_redirects {
        for uri in &redirect_uris {
            if let Some(why) = registration_problem(uri) {
                return Err(OAuthError::new(
                    "invalid_redirect_uri",
                    format!("redirect URI `{uri}` {why}"),
                ));
            }
        }
    }
    let scope = match out.get("scope").and_then(Value::as_str) {
        None => None,
        Some(s) => Some(ScopeSet::parse(s).map_err(|b| bad(format!("unsupported scope `{b}`")))?),
    };
    let contacts = string_list(m, "contacts")?;
    out.insert(
        "token_endpoint_auth_method".into(),
        json!(auth_method.name()),
    );
    out.insert("redirect_uris".into(), json!(redirect_uris));
    out.insert("grant_types".into(), json!(grant_types));
    out.insert("response_types".into(), json!(response_types));
    if let Some(c) = contacts {
        out.insert("contacts".into(), json!(c));
    }
    Ok(Registered {
        redirect_uris,
        grant_types,
        auth_method,
        scope,
        name: out
            .get("client_name")
            .and_then(Value::as_str)
            .map(str::to_string),
        metadata: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_public_client() {
        let r = validate(
            &json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none", "client_name": "x", "unknown": 1}),
            false,
        )
        .unwrap();
        assert_eq!(r.auth_method, AuthMethod::None);
        assert_eq!(r.metadata["grant_types"], json!(["authorization_code"]));
        assert_eq!(r.metadata["response_types"], json!(["code"]));
        assert!(r.metadata.get("unknown").is_none());
    }

    #[test]
    fn errors_have_the_rfc7591_codes() {
        let code = |v: Value| validate(&v, false).unwrap_err().code;
        assert_eq!(
            code(json!({"redirect_uris": ["http://evil.example/cb"]})),
            "invalid_redirect_uri"
        );
        assert_eq!(
            code(json!({"redirect_uris": ["https://a.example/cb#x"]})),
            "invalid_redirect_uri"
        );
        assert_eq!(code(json!({})), "invalid_redirect_uri");
        assert_eq!(
            code(json!({"redirect_uris": "https://a.example/cb"})),
            "invalid_client_metadata"
        );
        assert_eq!(
            code(json!({"redirect_uris": ["https://a.example/cb"], "client_name": 5})),
            "invalid_client_metadata"
        );
        assert_eq!(
            code(
                json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["authorization_code"], "response_types": ["token"]})
            ),
            "invalid_client_metadata"
        );
        assert_eq!(
            code(json!({"grant_types": ["client_credentials"], "response_types": ["code"]})),
            "invalid_client_metadata"
        );
        assert_eq!(
            code(
                json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"})
            ),
            "invalid_client_metadata"
        );
        assert_eq!(
            code(json!({"redirect_uris": ["https://a.example/cb"], "scope": "admin"})),
            "invalid_client_metadata"
        );
        assert_eq!(code(json!([1])), "invalid_client_metadata");
        assert!(validate(&json!({"grant_types": ["client_credentials"]}), false).is_ok());
        assert!(validate(&json!({"redirect_uris": ["http://evil.example/cb"]}), true).is_ok());
    }
}
