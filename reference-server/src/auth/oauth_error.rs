//! OAuth error responses (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707 §2) and the JSON replies of
//! the token-like endpoints, which carry `Cache-Control: no-store`. The token endpoint's own
//! fault switches (`auth-token-error-200`, `auth-no-cache-control`) and
//! `auth-invalid-client-400` are applied here, in one place.

use super::server::AuthServer;
use crate::fault::Fault;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Which endpoint answers (the token endpoint has fault switches of its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/token`.
    Token,
    /// Any other JSON endpoint (register, revoke, introspect).
    Other,
}

/// An OAuth error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OAuthError {
    /// The `error` code.
    pub code: &'static str,
    /// `error_description`.
    pub description: String,
    /// HTTP status.
    pub status: StatusCode,
    /// Whether the client tried HTTP Basic (then 401 carries a Basic challenge).
    pub basic: bool,
}

impl OAuthError {
    /// An error answered with 400.
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            status: StatusCode::BAD_REQUEST,
            basic: false,
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new("invalid_request", d)
    }

    /// `invalid_client`, answered with 401.
    pub fn invalid_client(d: impl Into<String>, basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            basic,
            ..Self::new("invalid_client", d)
        }
    }

    /// `invalid_grant`.
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new("invalid_grant", d)
    }

    /// `unauthorized_client`.
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new("unauthorized_client", d)
    }

    /// `unsupported_grant_type`.
    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", d)
    }

    /// `invalid_scope`.
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new("invalid_scope", d)
    }

    /// `invalid_target` (RFC 8707).
    pub fn invalid_target(d: impl Into<String>) -> Self {
        Self::new("invalid_target", d)
    }

    /// `server_error`, answered with 500.
    pub fn server_error(d: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..Self::new("server_error", d)
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({"error": self.code, "error_description": self.description})
    }

    /// The response of `endpoint`, with the fault switches of `auth` applied.
    pub fn response(&self, auth: &AuthServer, endpoint: Endpoint) -> Response {
        let mut status = self.status;
        if self.code == "invalid_client" && auth.has(Fault::AuthInvalidClient400) {
            status = StatusCode::BAD_REQUEST;
        }
        if endpoint == Endpoint::Token && auth.has(Fault::AuthTokenError200) {
            status = StatusCode::OK;
        }
        let no_store = endpoint != Endpoint::Token || !auth.has(Fault::AuthNoCacheControl);
        let mut r = json_response(status, &self.body(), no_store);
        if self.status == StatusCode::UNAUTHORIZED && self.basic {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"mcp-reference-server\""),
            );
        }
        r
    }
}

/// `status` with a JSON body; with `no_store`, `Cache-Control: no-store` and `Pragma: no-cache`.
pub(crate) fn json_response(status: StatusCode, body: &Value, no_store: bool) -> Response {
    let mut r = (status, body.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    r
}

/// A successful token response (200, no-store unless `auth-no-cache-control`).
pub(crate) fn token_success(auth: &AuthServer, body: &Value) -> Response {
    json_response(StatusCode::OK, body, !auth.has(Fault::AuthNoCacheControl))
}

/// `status` with an HTML page.
pub(crate) fn html(status: StatusCode, page: String) -> Response {
    let mut r = (status, page).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    r
}

/// A 302 to `location`.
pub(crate) fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(_) => html(
            StatusCode::BAD_REQUEST,
            super::login_form::error_page("The redirect URI cannot be used."),
        ),
    }
}
