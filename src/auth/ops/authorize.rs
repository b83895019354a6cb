//! The `authorize` action: the authorization request through the headless browser, with the
//! checks a client makes before redeeming the code.

use super::{opt, Res};
use crate::auth::action::{Inputs, Outcome};
use crate::auth::authorize::{
    callback_problem, default_scope, with_offline_access, AuthzRequest, Callback,
};
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
    let challenge = i.get(&i.step.challenge)?;
    let explicit = opt(i.get(&i.step.scope)?);
    let omitted = matches!(explicit, Some(None));
    let mut scope = match explicit {
        Some(s) => s,
        // A step-up builds on what the client already asked for and holds (2026-07-28
        // "Step-Up Authorization Flow": the union of the previously requested scopes and the
        // challenged ones).
        None => challenge
            .as_ref()
            .and_then(|_| held_scope(st))
            .or_else(|| i.var("scope"))
            .or_else(|| default_scope(&d)),
    };
    if let Some(value) = &challenge {
        scope = step_up_scope(scope.as_deref(), value);
    }
    if !omitted {
        scope = with_offline_access(scope, &d);
    }
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
    let problem = match &run.stopped {
        Some(why) => Some(why.clone()),
        None => callback_problem(
            &d,
            state_sent.as_deref(),
            &Callback {
                code: code.as_deref(),
                error: error.as_deref(),
                state: state_back.as_deref(),
                iss: iss.as_deref(),
            },
            validate,
        ),
    };
    let got_code = code.is_some();
    if (problem.is_none() || !validate) && got_code {
        {
            st.code = code;
            st.pkce = pkce;
            st.state = state_sent;
            st.redirect_uri = redirect_uri;
            st.requested_scope = scope;
        }
    }
    if let Some(pr) = &problem {
        data["refused"] = json!(validate && got_code && error.is_none());
        return Ok(Outcome::failed(pr.clone(), data));
    }
    Ok(Outcome::ok(data))
}

/// The scopes the client already asked for and was granted at the current authorization
/// server, each once: the base of a step-up.
fn held_scope(st: &AuthState) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for s in [&st.requested_scope, &st.granted_scope]
        .into_iter()
        .flatten()
        .flat_map(|s| s.split_whitespace())
    {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// The step-up scope: the scopes asked for before plus those a challenge (`WWW-Authenticate`
/// value) names in its Bearer `scope`, each once, in that order; `None` when both are empty.
pub fn step_up_scope(previous: Option<&str>, challenge: &str) -> Option<String> {
    let challenged = crate::auth::challenge::parse(challenge)
        .into_iter()
        .find(|c| c.is_bearer())
        .and_then(|c| c.param("scope").map(str::to_string))
        .unwrap_or_default();
    let mut out: Vec<&str> = Vec::new();
    for s in previous
        .unwrap_or_default()
        .split_whitespace()
        .chain(challenged.split_whitespace())
    {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::step_up_scope;

    #[test]
    fn step_up_asks_for_the_union_of_previous_and_challenged_scopes() {
        let c = r#"Bearer error="insufficient_scope", scope="read write", resource_metadata="x""#;
        assert_eq!(
            step_up_scope(Some("read"), c).as_deref(),
            Some("read write")
        );
        assert_eq!(
            step_up_scope(Some("files:read"), "Bearer scope=\"files:write\"").as_deref(),
            Some("files:read files:write")
        );
        assert_eq!(
            step_up_scope(None, "Bearer scope=\"a\"").as_deref(),
            Some("a")
        );
        assert_eq!(
            step_up_scope(Some("a"), "Basic realm=\"x\"").as_deref(),
            Some("a")
        );
        assert_eq!(step_up_scope(None, "garbage"), None);
    }
}
