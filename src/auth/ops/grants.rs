//! The token endpoint's grants (`token`, `refresh`, `client_credentials`) and the revocation
//! and introspection endpoints, with the client credentials each request carries.

use super::{opt, Res};
use crate::auth::action::{Inputs, Outcome, StepFailure};
use crate::auth::client_auth::AuthMethod;
use crate::auth::state::AuthState;
use crate::auth::token as tk;
use crate::auth::token::{ClientCreds, CodeGrant, TokenResponse};
use crate::auth::{client_credentials as cc, introspect as intro, refresh as rf, revoke as rv};
use serde_json::{json, Value};

/// Client credentials for a request: the step's, else the registered client's, else the vars'.
fn creds(i: &Inputs<'_>, st: &AuthState) -> Result<ClientCreds, StepFailure> {
    let (mut id, mut secret, mut method) = st.client_parts();
    if let Some(step_id) = opt(i.get(&i.step.client_id)?) {
        id = step_id;
        secret = None;
        method = AuthMethod::None;
    } else if id.is_none() && st.given_credentials_apply() {
        id = i.var("client_id");
        secret = i.var("client_secret");
        method = if secret.is_some() {
            AuthMethod::Basic
        } else {
            AuthMethod::None
        };
    }
    if let Some(s) = opt(i.get(&i.step.client_secret)?) {
        secret = s;
        if method == AuthMethod::None && secret.is_some() {
            method = AuthMethod::Basic;
        }
    }
    if let Some(m) = i.step.client_auth.as_deref().and_then(AuthMethod::parse) {
        method = m;
    }
    Ok(ClientCreds {
        client_id: id,
        client_secret: secret,
        method,
    })
}

/// Reads a token response into an outcome, storing its tokens when asked.
fn token_outcome(st: &mut AuthState, t: TokenResponse, store: bool) -> Outcome {
    st.remember(t.access_token.as_deref());
    st.remember(t.refresh_token.as_deref());
    if store && t.ok {
        st.store_tokens(
            t.access_token.as_deref(),
            t.refresh_token.as_deref(),
            t.expires_in,
        );
        if t.scope.is_some() {
            st.granted_scope = t.scope.clone();
        }
    }
    Outcome::check(t.ok, || t.failure(), t.to_json())
}

fn resource(i: &Inputs<'_>, st: &AuthState) -> Result<Option<String>, StepFailure> {
    Ok(match opt(i.get(&i.step.resource)?) {
        Some(r) => r,
        None => st.default_resource(),
    })
}

/// `token`: redeem the authorization code.
pub async fn token(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let endpoint = match st.endpoint_url("token_endpoint") {
        Ok(e) => e,
        Err(e) => return Ok(e.into()),
    };
    let grant = CodeGrant {
        code: match opt(i.get(&i.step.code)?) {
            Some(c) => c,
            None => st.code.clone(),
        },
        code_verifier: match opt(i.get(&i.step.code_verifier)?) {
            Some(v) => v,
            None => st.pkce.as_ref().map(|p| p.verifier.clone()),
        },
        redirect_uri: match opt(i.get(&i.step.redirect_uri)?) {
            Some(r) => r,
            None => Some(st.redirect_uri.clone()),
        },
        resource: resource(i, st)?,
    };
    if grant.code.is_none() {
        return Ok(Outcome::failed(
            "no authorization code: run an `authorize` step first",
            Value::Null,
        ));
    }
    st.remember(grant.code_verifier.as_deref());
    let c = creds(i, st)?;
    let gt = i
        .get(&i.step.grant_type)?
        .unwrap_or_else(|| "authorization_code".into());
    let store = i.step.store.unwrap_or(true);
    Ok(
        match tk::exchange_code(&st.http, &endpoint, &grant, &c, &gt).await {
            Ok(t) => token_outcome(st, t, store),
            Err(e) => e.into(),
        },
    )
}

/// `refresh`: the refresh-token grant.
pub async fn refresh(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let endpoint = match st.endpoint_url("token_endpoint") {
        Ok(e) => e,
        Err(e) => return Ok(e.into()),
    };
    let rt = match i.get(&i.step.refresh_token)? {
        Some(t) => Some(t),
        None => st.refresh_token.clone(),
    };
    let Some(rt) = rt else {
        return Ok(Outcome::failed(
            "no refresh token: the token response had none",
            Value::Null,
        ));
    };
    let scope = opt(i.get(&i.step.scope)?).flatten();
    let res = resource(i, st)?;
    let c = creds(i, st)?;
    let store = i.step.store.unwrap_or(true);
    Ok(
        match rf::refresh(
            &st.http,
            &endpoint,
            &rt,
            scope.as_deref(),
            res.as_deref(),
            &c,
        )
        .await
        {
            Ok(t) => token_outcome(st, t, store),
            Err(e) => e.into(),
        },
    )
}

/// `client_credentials`: a token for the client itself.
pub async fn client_credentials(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let endpoint = match st.endpoint_url("token_endpoint") {
        Ok(e) => e,
        Err(e) => return Ok(e.into()),
    };
    let scope = match opt(i.get(&i.step.scope)?) {
        Some(s) => s,
        None => i.var("scope"),
    };
    let res = resource(i, st)?;
    let c = creds(i, st)?;
    if c.client_id.is_none() {
        return Ok(Outcome::failed(
            "client credentials need a client: --client-id/--client-secret or a register step",
            Value::Null,
        ));
    }
    let store = i.step.store.unwrap_or(true);
    Ok(
        match cc::client_credentials(&st.http, &endpoint, scope.as_deref(), res.as_deref(), &c)
            .await
        {
            Ok(t) => token_outcome(st, t, store),
            Err(e) => e.into(),
        },
    )
}

pub(super) fn token_input(i: &Inputs<'_>, st: &AuthState) -> Result<Option<String>, StepFailure> {
    Ok(match i.get(&i.step.token)? {
        Some(t) => Some(t),
        None => st.access_token.clone(),
    })
}

/// `revoke`: RFC 7009.
pub async fn revoke(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let endpoint = match st.endpoint_url("revocation_endpoint") {
        Ok(e) => e,
        Err(e) => return Ok(e.into()),
    };
    let Some(token) = token_input(i, st)? else {
        return Ok(Outcome::failed("no token to revoke", Value::Null));
    };
    let hint = i.get(&i.step.token_type_hint)?;
    let c = creds(i, st)?;
    Ok(
        match rv::revoke(&st.http, &endpoint, &token, hint.as_deref(), &c).await {
            Ok(r) => Outcome::check(
                r.status == 200,
                || format!("revocation answered HTTP {}", r.status),
                json!({"status": r.status, "response": r.json}),
            ),
            Err(e) => e.into(),
        },
    )
}

/// `introspect`: RFC 7662.
pub async fn introspect(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let endpoint = match st.endpoint_url("introspection_endpoint") {
        Ok(e) => e,
        Err(e) => return Ok(e.into()),
    };
    let Some(token) = token_input(i, st)? else {
        return Ok(Outcome::failed("no token to introspect", Value::Null));
    };
    let hint = i.get(&i.step.token_type_hint)?;
    let c = creds(i, st)?;
    Ok(
        match intro::introspect(&st.http, &endpoint, &token, hint.as_deref(), &c).await {
            Ok((r, active)) => Outcome::check(
                r.status == 200 && active.is_some(),
                || format!("introspection answered HTTP {} without `active`", r.status),
                json!({"status": r.status, "active": active, "response": r.json}),
            ),
            Err(e) => e.into(),
        },
    )
}
