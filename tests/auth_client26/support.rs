//! Reference servers, one auth step at a time, and what the client sent.

use crate::prelude::*;

pub(crate) const V26: ProtocolVersion = ProtocolVersion::V2026_07_28;

pub(crate) async fn serve(auth: AuthConfig) -> RunningServer {
    start_http(
        ServerConfig {
            auth,
            ..ServerConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("reference server starts")
}

pub(crate) fn users() -> Vec<UserSpec> {
    vec![UserSpec::new(USER.0, USER.1)]
}

/// Runs one auth action on `st` the way a scenario step does.
pub(crate) async fn act(st: &mut AuthState, step: AuthStep, vars: &Vars) -> Outcome {
    let i = Inputs { step: &step, vars };
    let r = match step.action.as_str() {
        "discover" => ops::discover(&i, st).await,
        "register" => ops::register(&i, st).await,
        "authorize" => ops::authorize(&i, st).await,
        "token" => ops::token(&i, st).await,
        other => panic!("no such action here: {other}"),
    };
    r.unwrap_or_else(|e| panic!("{}: {e:?}", step.action))
}

pub(crate) fn step(action: &str) -> AuthStep {
    AuthStep {
        action: action.into(),
        ..AuthStep::default()
    }
}

pub(crate) async fn ok(st: &mut AuthState, s: AuthStep, vars: &Vars) -> Value {
    let what = s.action.clone();
    let o = act(st, s, vars).await;
    assert!(o.ok, "{what}: {:?} {}", o.error, o.data);
    o.data
}

/// A request as sent: (method, url, headers, body).
pub(crate) type Sent = (String, String, Vec<(String, String)>, String);

/// Every request the client sent.
pub(crate) fn requests(t: &Transcript) -> Vec<Sent> {
    t.since(0)
        .into_iter()
        .filter_map(|e| match e {
            Entry::HttpRequest {
                method,
                url,
                headers,
                body,
                ..
            } => Some((method, url, headers, body.unwrap_or_default())),
            _ => None,
        })
        .collect()
}

/// Everything a request carries, with `Basic` credentials decoded.
pub(crate) fn carried(headers: &[(String, String)], url: &str, body: &str) -> String {
    let mut all = format!("{url}\n{body}\n");
    for (k, v) in headers {
        all.push_str(&format!("{k}: {v}\n"));
        if let Some(b) = v.strip_prefix("Basic ") {
            if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b.trim()) {
                all.push_str(&String::from_utf8_lossy(&raw));
                all.push('\n');
            }
        }
    }
    all
}
