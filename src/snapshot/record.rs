//! Recording: one session against the target that fetches everything a snapshot holds.
//!
//! Files: `initialize.json` (the initialize result), `tools.json`, `resources.json`,
//! `resource-templates.json`, `prompts.json` (every page merged, items sorted by name or URI so
//! a server's listing order does not show as a difference; only for advertised capabilities),
//! and `call.<name>.json` per named call. A list or call that fails is recorded as
//! `{"error": …}`, so a method that starts failing is a difference too. Each file is
//! normalized ([`Normalizer`]) before it is returned.

use super::normalize::Normalizer;
use super::store::Call;
use super::{Files, SnapshotError};
use crate::protocol::ProtocolVersion;
use crate::scenario::builtin::walk_list;
use crate::scenario::template::{render_value, Vars};
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::{ClientOptions, Target};
use serde_json::{json, Value};
use std::path::Path;

/// The lists a snapshot holds: file stem, capability, method, result field, item sort key.
const LISTS: &[(&str, &str, &str, &str, &str)] = &[
    ("tools", "tools", "tools/list", "tools", "name"),
    (
        "resources",
        "resources",
        "resources/list",
        "resources",
        "uri",
    ),
    (
        "resource-templates",
        "resources",
        "resources/templates/list",
        "resourceTemplates",
        "uriTemplate",
    ),
    ("prompts", "prompts", "prompts/list", "prompts", "name"),
];

/// How to record.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// What to record.
    pub target: Target,
    /// Timeouts, caps, extra headers.
    pub client: ClientOptions,
    /// Version to request (default: the newest the harness speaks).
    pub spec_version: Option<ProtocolVersion>,
    /// Calls whose results are recorded.
    pub calls: Vec<Call>,
}

/// What a recording produced: the negotiated version and the normalized files.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// `protocolVersion` the server answered.
    pub protocol_version: String,
    /// File name → normalized content.
    pub files: Files,
}

/// Records the target's responses and normalizes them with `normalizer`.
pub async fn record(o: &RecordOptions, normalizer: &Normalizer) -> Result<Recorded, SnapshotError> {
    let unreachable = |reason: String| SnapshotError::Unreachable {
        target: o.target.display(),
        reason,
    };
    let requested = o.spec_version.unwrap_or(ProtocolVersion::NEWEST_STATEFUL);
    let (mut session, init) =
        Session::open_initialized(&o.target, o.client.clone(), Transcript::new(), requested)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
    let protocol_version = init
        .get("protocolVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut raw = Files::new();
    for &(stem, capability, method, field, key) in LISTS {
        if init
            .pointer(&format!("/capabilities/{capability}"))
            .is_none()
        {
            continue;
        }
        raw.insert(
            format!("{stem}.json"),
            list(&mut session, method, field, key).await,
        );
    }
    for call in &o.calls {
        let value = match session.request(&call.method, call.params.clone()).await {
            Ok(ex) => outcome(ex.response.as_ref()),
            Err(e) => json!({"error": {"transport": e.to_string()}}),
        };
        raw.insert(format!("call.{}.json", call.name), value);
    }
    raw.insert("initialize.json".into(), init);
    let _ = session.close().await;
    Ok(Recorded {
        protocol_version,
        files: raw
            .into_iter()
            .map(|(name, v)| (name, normalizer.normalize(&v)))
            .collect(),
    })
}

/// Every page of `method`, items sorted by `key`, or `{"error": …}`.
async fn list(session: &mut Session, method: &str, field: &str, key: &str) -> Value {
    let walk = walk_list(session, method, field).await;
    if let Some(err) = walk.error {
        let rpc_error = walk.responses.last().and_then(|r| r.get("error")).cloned();
        return json!({"error": rpc_error.unwrap_or(Value::String(err))});
    }
    let mut items = walk.items;
    items.sort_by(|a, b| {
        let k = |v: &Value| v.get(key).map(Value::to_string).unwrap_or_default();
        k(a).cmp(&k(b))
    });
    let mut out = json!({ field: items });
    if walk.looped || walk.capped {
        out["incomplete"] = json!(if walk.looped {
            "a cursor repeated; pagination stopped"
        } else {
            "too many pages; pagination stopped"
        });
    }
    out
}

/// `{"result": …}` or `{"error": …}` of a response (the id and `jsonrpc` left out).
fn outcome(response: Option<&Value>) -> Value {
    match response {
        Some(r) => match (r.get("result"), r.get("error")) {
            (Some(result), _) => json!({ "result": result }),
            (None, Some(error)) => json!({ "error": error }),
            (None, None) => json!({"error": {"unexpected": r}}),
        },
        None => json!({"error": {"transport": "no response"}}),
    }
}

/// The calls a scenario file names: every step with a `request`, in order, its params rendered
/// with the file's `[vars]` overridden by `vars`. A call is named after its step's `name`
/// (made file-safe), else `<method>-<n>`.
pub fn calls_from_scenario(path: &Path, vars: &Vars) -> Result<Vec<Call>, SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let origin = path.display().to_string();
    let scenario = crate::scenario::loader::parse(&origin, &text)
        .map_err(|e| SnapshotError::Calls(e.to_string()))?;
    let mut all_vars: Vars = scenario
        .file
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    all_vars.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut calls: Vec<Call> = Vec::new();
    for (i, step) in scenario.file.steps.iter().enumerate() {
        let Some(req) = &step.get_ref().request else {
            continue;
        };
        let params = match &req.params {
            Some(p) => Some(render_value(p, &all_vars).map_err(|e| {
                SnapshotError::Calls(format!("{}: {e}", scenario.location(step.span().start)))
            })?),
            None => None,
        };
        let base = step
            .get_ref()
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-{}", req.method, i + 1));
        let mut name = file_safe(&base);
        let mut n = 2;
        while calls.iter().any(|c| c.name == name) {
            name = format!("{}-{n}", file_safe(&base));
            n += 1;
        }
        calls.push(Call {
            name,
            method: req.method.clone(),
            params,
        });
    }
    if calls.is_empty() {
        return Err(SnapshotError::Calls(format!(
            "{origin}: no step sends a `request`, so there is no call to record"
        )));
    }
    Ok(calls)
}

/// Lower-case ASCII letters, digits, `-` and `_`; runs of anything else become one `-`.
fn file_safe(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "call".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_file_safe() {
        assert_eq!(
            file_safe("tools/call weather (Paris)"),
            "tools-call-weather-paris"
        );
        assert_eq!(file_safe("../../etc"), "etc");
        assert_eq!(file_safe("¿?"), "call");
    }

    #[test]
    fn outcomes_drop_the_envelope() {
        let r = json!({"jsonrpc": "2.0", "id": 4, "result": {"a": 1}});
        assert_eq!(outcome(Some(&r)), json!({"result": {"a": 1}}));
        let e = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -1, "message": "x"}});
        assert_eq!(
            outcome(Some(&e)),
            json!({"error": {"code": -1, "message": "x"}})
        );
        assert_eq!(
            outcome(None),
            json!({"error": {"transport": "no response"}})
        );
    }

    #[test]
    fn calls_come_from_request_steps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.toml");
        std::fs::write(
            &path,
            r#"
id = "snap.calls"
title = "calls"
spec = ["2025-11-25/server/tools#calling-tools"]
level = "MUST"

[vars]
city = "Paris"

[[step]]
name = "weather in ${city}"
request = { method = "tools/call", params = { name = "weather", arguments = { city = "${city}" } } }

[[step]]
notify = { method = "notifications/roots/list_changed" }

[[step]]
request = { method = "ping" }
"#,
        )
        .unwrap();
        let mut vars = Vars::new();
        vars.insert("city".into(), json!("Tokyo"));
        let calls = calls_from_scenario(&path, &vars).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].name, "weather-in-city");
        assert_eq!(
            calls[0].params,
            Some(json!({"name": "weather", "arguments": {"city": "Tokyo"}}))
        );
        assert_eq!(calls[1].name, "ping-3");
        assert_eq!(calls[1].params, None);
    }
}
