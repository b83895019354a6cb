//! The `authorize` action: the authorization request through the headless browser, with the
//! checks a client makes before redeeming the code.

use super::{opt, Res};
use crate::auth::action::{Inputs, Outcome};
use crate::auth::authorize::{default_scope, response_problem, AuthzRequest};
use crate::auth::browser::{self, HeadlessOptions};
use crate::auth::pkce::Pkce;
use crate::auth::state::AuthState;
use serde_json::{json, Value};

/// `authorize`: the authorization request through the headless browser.
pub async fn authorize(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let d = match st.discovery() {
        Ok(d) => d.clone(),
        Err(e) => return Ok(e.into()),
    };
    let Some(endpoint) = d.endpoint("authorization_endpoint") else {
        return Ok(Outcome::failed(
            "the metadata has no authorization_endpoint",
            Value::Null,
        ));
    };
    let validate = i.step.validate.unwrap_or(true);
    let pkce_kind = i.step.pkce.as_deref().unwrap_or("S256");
    if validate
        && pkce_kind == "S256"
        && crate::auth::features(st.version).s256_must_be_advertised
        && !d.supports_pkce("S256")
    {
        return Ok(Outcome::failed(
            "the authorization server metadata does not advertise S256 in code_challenge_methods_supported; an MCP client must refuse to proceed",
            json!({"refused": true}),
        ));
    }
    let client_id = match i.get(&i.step.client_id)? {
        Some(c) => Some(c),
        None => st.client.as_ref().map(|c| c.client_id.clone()),
    };
    let Some(client_id) = client_id else {
        return Ok(Outcome::failed(
            "no client: run a `register` step first",
            Value::Null,
        ));
    };
    let pkce = match pkce_kind {
        "plain" => Some(Pkce::plain()),
        "none" => None,
        _ => Some(Pkce::s256()),
    };
    let state_sent = match opt(i.get(&i.step.state)?) {
        Some(s) => s,
        None => Some(AuthState::new_state()),
    };
    let redirect_uri = i
        .get(&i.step.redirect_uri)?
        .unwrap_or_else(|| st.redirect_uri.clone());
    let resource = match opt(i.get(&i.step.resource)?) {
        Some(r) => r,
        None => st.default_resource(),
    };
    let scope = match opt(i.get(&i.step.scope)?) {
        Some(s) => s,
        None => i.var("scope").or_else(|| default_scope(&d)),
    };
    let mut extra = Vec::new();
    for (k, v) in &i.step.params {
        extra.push((k.clone(), crate::scenario::template::render_str(v, i.vars)?));
    }
    let req = AuthzRequest {
        endpoint,
        response_type: i
            .step
            .response_type
            .clone()
            .unwrap_or_else(|| "code".into()),
        client_id: client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        pkce: pkce.clone(),
        state: state_sent.clone(),
        scope: scope.clone(),
        resource: resource.clone(),
        extra,
    };
    let url = match req.url() {
        Ok(u) => u,
        Err(e) => return Ok(e.into()),
    };
    let opts = HeadlessOptions {
        username: i.get(&i.step.username)?.or_else(|| i.var("username")),
        password: i.get(&i.step.password)?.or_else(|| i.var("password")),
        approve: i.step.approve.unwrap_or(true),
        redirect_uri: redirect_uri.clone(),
        as_origin: url.origin().ascii_serialization(),
    };
    st.remember(opts.password.as_deref());
    st.remember(pkce.as_ref().map(|p| p.verifier.as_str()));
    let run = match browser::headless(&st.http, url.as_str(), &opts).await {
        Ok(r) => r,
        Err(e) => return Ok(e.into()),
    };
    let cb = run.callback.clone();
    let p = |k: &str| cb.as_ref().and_then(|c| c.param(k)).map(str::to_string);
    let (code, state_back, iss, error) = (p("code"), p("state"), p("iss"), p("error"));
    st.remember(code.as_deref());
    let mut data = json!({
        "url": url.as_str(),
        "sent": {"client_id": client_id, "redirect_uri": redirect_uri, "state": state_sent, "scope": scope,
                 "resource": resource, "code_challenge": pkce.as_ref().map(|p| &p.challenge),
                 "code_challenge_method": pkce.as_ref().map(|p| &p.method)},
        "redirected": cb.is_some(),
        "code": code, "state": state_back, "iss": iss, "error": error,
        "error_description": p("error_description"),
        "iss_promised": d.as_metadata.as_ref().and_then(|m| m.get("authorization_response_iss_parameter_supported")).cloned(),
        "browser": run.to_json(),
    });
    let problem = if let Some(why) = &run.stopped {
        Some(why.clone())
    } else if let Some(e) = &error {
        Some(format!("the authorization server answered error `{e}`"))
    } else if code.is_none() {
        Some("the redirect back to the client carries no code".into())
    } else if validate {
        response_problem(
            &d,
            state_sent.as_deref(),
            state_back.as_deref(),
            iss.as_deref(),
        )
    } else {
        None
    };
    let got_code = code.is_some();
    if (problem.is_none() || !validate) && got_code {
        {
            st.code = code;
            st.pkce = pkce;
            st.state = state_sent;
            st.redirect_uri = redirect_uri;
        }
    }
    if let Some(pr) = &problem {
        data["refused"] = json!(validate && got_code && error.is_none());
        return Ok(Outcome::failed(pr.clone(), data));
    }
    Ok(Outcome::ok(data))
}
