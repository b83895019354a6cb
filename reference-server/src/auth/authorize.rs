//! The authorization endpoint. `GET /authorize` validates the request and shows the login form
//! (in upstream mode it sends the user to the upstream IdP instead); `POST /authorize` takes
//! the login form, then the consent form (skipped with `--auto-approve`), and finally
//! redirects to the client with a code. Each form submission consumes its `request_id` and a
//! fresh one is issued for the next page, so a page cannot be replayed.

use super::form::Params;
use super::issue::{complete, redirect_error};
use super::login_form::{consent_page, error_page, login_page};
use super::oauth_error::html;
use super::request::{validate, AuthzRequest, Refusal};
use super::server::AuthServer;
use super::store::{Pending, MAX_LOGIN_FAILURES};
use super::upstream;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use bytes::Bytes;
use std::sync::Arc;

/// What the user is told the client is called.
fn display_name(req: &AuthzRequest) -> String {
    req.client_name
        .clone()
        .unwrap_or_else(|| req.client_id.clone())
}

/// The response to a refused request.
pub(crate) fn refusal(auth: &AuthServer, r: Refusal) -> Response {
    match r {
        Refusal::Page(message) => html(StatusCode::BAD_REQUEST, error_page(&message)),
        Refusal::Redirect {
            redirect_uri,
            state,
            error,
            description,
        } => redirect_error(auth, &redirect_uri, state.as_deref(), error, &description),
    }
}

/// `GET /authorize`.
pub(crate) async fn show(State(auth): State<Arc<AuthServer>>, uri: Uri) -> Response {
    let params = Params::parse(uri.query().unwrap_or("").as_bytes());
    let req = match validate(&auth, &params).await {
        Ok(r) => r,
        Err(r) => return refusal(&auth, r),
    };
    if let Some(up) = &auth.upstream {
        return upstream::begin(&auth, up, req);
    }
    let name = display_name(&req);
    let echoed = req.params.clone();
    let id = auth.lock().add_pending(Pending::new(req));
    html(StatusCode::OK, login_page(&id, &echoed, &name, None))
}

/// `POST /authorize`: a login or consent form submission.
pub(crate) async fn submit(State(auth): State<Arc<AuthServer>>, body: Bytes) -> Response {
    if auth.upstream.is_some() {
        // Users authenticate at the upstream IdP; this server has no login of its own.
        return html(
            StatusCode::BAD_REQUEST,
            error_page("This server signs users in through its upstream identity provider."),
        );
    }
    let form = Params::parse(&body);
    let Some(id) = form.one("request_id").ok().flatten() else {
        return html(
            StatusCode::BAD_REQUEST,
            error_page("The form has no request_id."),
        );
    };
    let Some(pending) = auth.lock().take_pending(id) else {
        return html(
            StatusCode::BAD_REQUEST,
            error_page("Unknown or expired authorization request; start again."),
        );
    };
    match pending.user.clone() {
        None => login(&auth, pending, &form),
        Some(user) => consent(&auth, pending, &user, &form),
    }
}

fn login(auth: &AuthServer, mut pending: Pending, form: &Params) -> Response {
    let user = form.one("username").ok().flatten().unwrap_or("");
    let password = form.one("password").ok().flatten().unwrap_or("");
    let name = display_name(&pending.request);
    if !auth.users.verify(user, password) {
        pending.failures += 1;
        tracing::info!(client_id = %pending.request.client_id, "login failed");
        if pending.failures >= MAX_LOGIN_FAILURES {
            return html(
                StatusCode::BAD_REQUEST,
                error_page("Too many failed sign-in attempts; start again."),
            );
        }
        let echoed = pending.request.params.clone();
        let id = auth.lock().add_pending(pending);
        return html(
            StatusCode::OK,
            login_page(&id, &echoed, &name, Some("Invalid username or password.")),
        );
    }
    if auth.config.auto_approve {
        return complete(auth, &pending.request, user, None);
    }
    pending.user = Some(user.to_string());
    let echoed = pending.request.params.clone();
    let scope = pending.request.scope.clone();
    let id = auth.lock().add_pending(pending);
    html(
        StatusCode::OK,
        consent_page(&id, &echoed, &name, user, &scope),
    )
}

fn consent(auth: &AuthServer, pending: Pending, user: &str, form: &Params) -> Response {
    let req = &pending.request;
    match form.one("decision") {
        Ok(Some("approve")) => complete(auth, req, user, None),
        _ => redirect_error(
            auth,
            &req.redirect_uri,
            req.state.as_deref(),
            "access_denied",
            "the user denied the request",
        ),
    }
}
