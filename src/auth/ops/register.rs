//! The `register` action: create a client (DCR, CIMD, pre-registered) or manage it (RFC 7592).

use super::{opt, Res};
use crate::auth::action::{Inputs, Outcome, StepFailure};
use crate::auth::client_auth::AuthMethod;
use crate::auth::register::{self, CimdHost, Manage};
use crate::auth::state::AuthState;
use crate::auth::AuthError;
use serde_json::{json, Value};

/// `register`: create a client (DCR, CIMD, pre-registered) or manage it (RFC 7592).
pub async fn register(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let op = i.step.op.as_deref().unwrap_or("create");
    if op != "create" {
        return Ok(manage(i, st, op).await?.unwrap_or_else(Outcome::from));
    }
    let redirect_uri = i
        .get(&i.step.redirect_uri)?
        .unwrap_or_else(|| st.redirect_uri.clone());
    // The user's credentials belong to the first authorization server discovered; after the
    // resource moved to another one they are not offered there (v2607.as-binding).
    let given = st.given_credentials_apply();
    let step_id = i.get(&i.step.client_id)?;
    let client_id = step_id
        .clone()
        .or_else(|| i.var("client_id").filter(|_| given));
    let secret = i
        .get(&i.step.client_secret)?
        .or_else(|| i.var("client_secret").filter(|_| given));
    if i.step.method.as_deref() == Some("preregistered") && step_id.is_none() {
        if let Some(why) = st.given_credentials_problem() {
            return Ok(Outcome::failed(why, json!({"refused": true})));
        }
    }
    let method = match i.step.method.as_deref().unwrap_or("auto") {
        "auto" if client_id.is_some() => "preregistered",
        "auto" => {
            let d = st.discovery.as_ref();
            if d.and_then(|d| d.endpoint("registration_endpoint"))
                .is_some()
            {
                "dcr"
            } else if d
                .and_then(|d| d.as_metadata.as_ref())
                .and_then(|m| m.get("client_id_metadata_document_supported"))
                == Some(&Value::Bool(true))
            {
                "cimd"
            } else {
                return Ok(Outcome::failed(
                    "no way to register: give a client id, or a server with a registration_endpoint or client ID metadata documents",
                    Value::Null,
                ));
            }
        }
        m => m,
    };
    let auth_method = i
        .step
        .token_endpoint_auth_method
        .as_deref()
        .and_then(AuthMethod::parse);
    let store = i.step.store.unwrap_or(true);
    match method {
        "preregistered" => {
            let Some(id) = client_id else {
                return Ok(Outcome::failed(
                    "a pre-registered client needs a client id (--client-id or the client_id var)",
                    Value::Null,
                ));
            };
            let c = register::preregistered(&id, secret.as_deref(), auth_method, &redirect_uri);
            let data = json!({"client": c.to_json()});
            if store {
                st.redirect_uri = redirect_uri;
                st.client = Some(c);
            }
            Ok(Outcome::ok(data))
        }
        "cimd" => {
            let overrides = i.json(&i.step.metadata)?;
            let host = match CimdHost::start(&redirect_uri, overrides.as_ref()).await {
                Ok(h) => h,
                Err(e) => return Ok(e.into()),
            };
            let c = host.client();
            let data =
                json!({"client": c.to_json(), "document_url": host.url, "document": host.document});
            if store {
                st.redirect_uri = redirect_uri;
                st.client = Some(c);
            }
            st.cimd = Some(host);
            Ok(Outcome::ok(data))
        }
        _ => {
            let endpoint = match st.endpoint_url("registration_endpoint") {
                Ok(e) => e,
                Err(e) => return Ok(e.into()),
            };
            let scope = i.get(&i.step.scope)?;
            let mut meta = register::default_metadata(
                &redirect_uri,
                auth_method.unwrap_or(AuthMethod::None),
                scope.as_deref(),
            );
            if let Some(o) = i.json(&i.step.metadata)? {
                register::merge(&mut meta, &o);
            }
            let (resp, client) = match register::dcr(&st.http, &endpoint, &meta).await {
                Ok(x) => x,
                Err(e) => return Ok(e.into()),
            };
            if let Some(c) = &client {
                st.remember(c.client_secret.as_deref());
                st.remember(c.registration_access_token.as_deref());
            }
            let data = json!({
                "status": resp.status,
                "sent": meta,
                "response": resp.json,
                "error": resp.json.as_ref().and_then(|j| j.get("error")).cloned(),
                "client": client.as_ref().map(|c| c.to_json()),
            });
            let ok = client.is_some();
            if store {
                if let Some(c) = client {
                    st.redirect_uri = redirect_uri;
                    st.client = Some(c);
                    st.registration = resp.json.clone();
                }
            }
            Ok(Outcome::check(
                ok,
                || {
                    format!(
                        "registration answered HTTP {} without a client_id",
                        resp.status
                    )
                },
                data,
            ))
        }
    }
}

async fn manage(
    i: &Inputs<'_>,
    st: &mut AuthState,
    op: &str,
) -> Result<Result<Outcome, AuthError>, StepFailure> {
    let Some(client) = st.client.clone() else {
        return Ok(Err(AuthError::Missing(
            "no registered client: run a `register` step first".into(),
        )));
    };
    let Some(uri) = client.registration_client_uri.clone() else {
        return Ok(Err(AuthError::Missing(
            "the registration response had no registration_client_uri (RFC 7592 not offered)"
                .into(),
        )));
    };
    let token = match opt(i.get(&i.step.registration_token)?) {
        Some(t) => t,
        None => client.registration_access_token.clone(),
    };
    let action = match op {
        "read" => Manage::Read,
        "delete" => Manage::Delete,
        _ => {
            let mut body = st.registration.clone().unwrap_or_else(|| json!({}));
            if let Some(o) = body.as_object_mut() {
                for k in [
                    "registration_access_token",
                    "registration_client_uri",
                    "client_secret_expires_at",
                    "client_id_issued_at",
                    "client_secret",
                ] {
                    o.remove(k);
                }
                o.insert("client_id".into(), Value::String(client.client_id.clone()));
            }
            if let Some(o) = i.json(&i.step.metadata)? {
                register::merge(&mut body, &o);
            }
            Manage::Update(body)
        }
    };
    let r = match register::manage(&st.http, &uri, token.as_deref(), &action).await {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(j) = &r.json {
        for k in ["client_secret", "registration_access_token"] {
            st.remember(j.get(k).and_then(Value::as_str));
        }
    }
    let ok = (200..300).contains(&r.status);
    let data = json!({"op": op, "status": r.status, "response": r.json});
    Ok(Ok(Outcome::check(
        ok,
        || format!("RFC 7592 {op} answered HTTP {}", r.status),
        data,
    )))
}
