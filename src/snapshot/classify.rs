//! The breaking-change classifier: what a difference between two snapshots means to a client
//! that was written against the stored one.
//!
//! Breaking: a capability (or a capability flag such as `resources.subscribe`) dropped, the
//! negotiated protocol version changed, a tool, resource, template or prompt removed (a rename
//! is a removal plus an addition), a listing or call that now fails, a tool input that now
//! rejects what it accepted (see the `schema` module), an output schema a reader can no longer rely on,
//! a tool that stops being read-only or becomes destructive, a prompt argument that becomes
//! required. Compatible: additions and every other change (descriptions, titles, results).

mod schema;

use super::Files;
use serde_json::{Map, Value};
use std::fmt;

/// How a change affects existing clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Existing clients keep working (additions, wording).
    Compatible,
    /// Existing clients may break.
    Breaking,
}

impl Impact {
    /// `breaking` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
        }
    }
}

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Breaking or compatible.
    pub impact: Impact,
    /// The snapshot file it was found in.
    pub file: String,
    /// What changed, e.g. ``tool `weather` removed``.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.impact {
            Impact::Breaking => "BREAKING  ",
            Impact::Compatible => "compatible",
        };
        write!(f, "{label}  {}: {}", self.file, self.what)
    }
}

/// Every change between `stored` and `fresh`, breaking ones first, then by file.
pub fn classify(stored: &Files, fresh: &Files) -> Vec<Change> {
    let mut names: Vec<&String> = stored.keys().chain(fresh.keys()).collect();
    names.sort();
    names.dedup();
    let mut all = Vec::new();
    for name in names {
        let (old, new) = (
            stored.get(name).unwrap_or(&Value::Null),
            fresh.get(name).unwrap_or(&Value::Null),
        );
        if old == new {
            continue;
        }
        let mut out = Vec::new();
        match name.as_str() {
            "initialize.json" => initialize(old, new, &mut out),
            "tools.json" => items(old, new, "tools", "name", "tool", &mut out, tool),
            "resources.json" => items(old, new, "resources", "uri", "resource", &mut out, plain),
            "resource-templates.json" => items(
                old,
                new,
                "resourceTemplates",
                "uriTemplate",
                "resource template",
                &mut out,
                plain,
            ),
            "prompts.json" => items(old, new, "prompts", "name", "prompt", &mut out, prompt),
            n if n.starts_with("call.") => call(n, old, new, &mut out),
            _ => {}
        }
        if out.is_empty() {
            out.push(change(Impact::Compatible, "content changed".into()));
        }
        for mut c in out {
            c.file = name.clone();
            all.push(c);
        }
    }
    all.sort_by(|a, b| b.impact.cmp(&a.impact).then_with(|| a.file.cmp(&b.file)));
    all
}

fn change(impact: Impact, what: String) -> Change {
    Change {
        impact,
        file: String::new(),
        what,
    }
}

fn obj(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

/// Capabilities, protocol version, and everything else in the initialize result.
fn initialize(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let (oc, nc) = (obj(old.get("capabilities")), obj(new.get("capabilities")));
    for (k, ov) in &oc {
        let Some(nv) = nc.get(k) else {
            out.push(change(
                Impact::Breaking,
                format!("capability `{k}` dropped"),
            ));
            continue;
        };
        let (of, nf) = (obj(Some(ov)), obj(Some(nv)));
        for (flag, v) in &of {
            if v == &Value::Bool(true) && nf.get(flag) != Some(&Value::Bool(true)) {
                out.push(change(
                    Impact::Breaking,
                    format!("capability `{k}.{flag}` dropped"),
                ));
            }
        }
        for (flag, v) in &nf {
            if v == &Value::Bool(true) && of.get(flag) != Some(&Value::Bool(true)) {
                out.push(change(
                    Impact::Compatible,
                    format!("capability `{k}.{flag}` added"),
                ));
            }
        }
    }
    for k in nc.keys().filter(|k| !oc.contains_key(*k)) {
        out.push(change(
            Impact::Compatible,
            format!("capability `{k}` added"),
        ));
    }
    let (o, n) = (obj(Some(old)), obj(Some(new)));
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        if k == "capabilities" || o.get(k) == n.get(k) {
            continue;
        }
        let (impact, what) = if k == "protocolVersion" {
            let show = |v: Option<&Value>| v.map_or_else(|| "nothing".into(), Value::to_string);
            (
                Impact::Breaking,
                format!(
                    "negotiated protocol version changed from {} to {}",
                    show(o.get(k)),
                    show(n.get(k))
                ),
            )
        } else {
            (Impact::Compatible, format!("`{k}` changed"))
        };
        out.push(change(impact, what));
    }
}

/// How two versions of one listed item compare (`ctx` names it).
type ItemRule = fn(ctx: &str, old: &Value, new: &Value, out: &mut Vec<Change>);

/// A listing: items matched by `key`; removed ones break, added ones do not, common ones are
/// compared by `rule`.
fn items(
    old: &Value,
    new: &Value,
    field: &str,
    key: &str,
    noun: &str,
    out: &mut Vec<Change>,
    rule: ItemRule,
) {
    let failed = |v: &Value| v.get("error").is_some();
    match (failed(old), failed(new)) {
        (false, true) if !old.is_null() => {
            out.push(change(
                Impact::Breaking,
                format!("listing {field} now fails: {}", new["error"]),
            ));
            return;
        }
        (true, false) => {
            out.push(change(
                Impact::Compatible,
                format!("listing {field} now succeeds"),
            ));
        }
        _ => {}
    }
    let index = |v: &Value| -> Vec<(String, Value)> {
        v.get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|i| {
                        let k = i
                            .get(key)
                            .and_then(Value::as_str)
                            .map_or_else(|| i.to_string(), str::to_string);
                        (k, i.clone())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (oi, ni) = (index(old), index(new));
    let find = |list: &[(String, Value)], k: &str| {
        list.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    };
    for (k, ov) in &oi {
        match find(&ni, k) {
            None => out.push(change(Impact::Breaking, format!("{noun} `{k}` removed"))),
            Some(nv) if &nv != ov => rule(&format!("{noun} `{k}`"), ov, &nv, out),
            Some(_) => {}
        }
    }
    for (k, _) in ni.iter().filter(|(k, _)| find(&oi, k).is_none()) {
        out.push(change(Impact::Compatible, format!("{noun} `{k}` added")));
    }
}

/// Fields of an item that differ, as `changed: a, b`.
fn plain(ctx: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let (o, n) = (obj(Some(old)), obj(Some(new)));
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    let changed: Vec<&str> = keys
        .into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .map(String::as_str)
        .collect();
    out.push(change(
        Impact::Compatible,
        format!("{ctx}: {} changed", changed.join(", ")),
    ));
}

fn tool(ctx: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let before = out.len();
    let null = Value::Null;
    let (oi, ni) = (
        old.get("inputSchema").unwrap_or(&null),
        new.get("inputSchema").unwrap_or(&null),
    );
    if oi != ni {
        schema::input(ctx, oi, ni, out);
    }
    schema::output(ctx, old.get("outputSchema"), new.get("outputSchema"), out);
    let hint = |v: &Value, h: &str| v.pointer(&format!("/annotations/{h}")).cloned();
    if hint(old, "readOnlyHint") == Some(Value::Bool(true))
        && hint(new, "readOnlyHint") != Some(Value::Bool(true))
    {
        out.push(change(
            Impact::Breaking,
            format!("{ctx}: no longer read-only"),
        ));
    }
    if hint(old, "destructiveHint") == Some(Value::Bool(false))
        && hint(new, "destructiveHint") == Some(Value::Bool(true))
    {
        out.push(change(Impact::Breaking, format!("{ctx}: now destructive")));
    }
    let rest = |v: &Value| {
        let mut m = obj(Some(v));
        m.remove("inputSchema");
        m.remove("outputSchema");
        m
    };
    // A schema that differs always yields a change above; the rest is wording and hints.
    if out.len() == before || rest(old) != rest(new) {
        plain(
            ctx,
            &Value::Object(rest(old)),
            &Value::Object(rest(new)),
            out,
        );
    }
}

fn prompt(ctx: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let args = |v: &Value| -> Vec<(String, bool)> {
        v.get("arguments")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        let name = x.get("name")?.as_str()?.to_string();
                        Some((name, x.get("required") == Some(&Value::Bool(true))))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (oa, na) = (args(old), args(new));
    let before = out.len();
    for (name, _) in &oa {
        if !na.iter().any(|(n, _)| n == name) {
            out.push(change(
                Impact::Breaking,
                format!("{ctx}: argument `{name}` removed"),
            ));
        }
    }
    for (name, req) in &na {
        match oa.iter().find(|(n, _)| n == name) {
            None if *req => out.push(change(
                Impact::Breaking,
                format!("{ctx}: required argument `{name}` added"),
            )),
            None => out.push(change(
                Impact::Compatible,
                format!("{ctx}: optional argument `{name}` added"),
            )),
            Some((_, false)) if *req => out.push(change(
                Impact::Breaking,
                format!("{ctx}: argument `{name}` is now required"),
            )),
            Some(_) => {}
        }
    }
    if out.len() == before {
        plain(ctx, old, new, out);
    }
}

/// A recorded call: success that turns into an error (or a tool error) breaks; structured
/// fields that disappear break.
fn call(file: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let name = file
        .strip_prefix("call.")
        .and_then(|n| n.strip_suffix(".json"))
        .unwrap_or(file);
    let ctx = format!("call `{name}`");
    let is_err = |v: &Value| v.get("error").is_some();
    let tool_err = |v: &Value| v.pointer("/result/isError") == Some(&Value::Bool(true));
    if !is_err(old) && is_err(new) {
        out.push(change(
            Impact::Breaking,
            format!("{ctx} now fails: {}", new["error"]),
        ));
        return;
    }
    if is_err(old) && !is_err(new) {
        out.push(change(Impact::Compatible, format!("{ctx} now succeeds")));
        return;
    }
    if !tool_err(old) && tool_err(new) {
        out.push(change(
            Impact::Breaking,
            format!("{ctx} now returns a tool error (isError)"),
        ));
    }
    let (os, ns) = (
        obj(old.pointer("/result/structuredContent")),
        obj(new.pointer("/result/structuredContent")),
    );
    for k in os.keys().filter(|k| !ns.contains_key(*k)) {
        out.push(change(
            Impact::Breaking,
            format!("{ctx}: structuredContent field `{k}` missing"),
        ));
    }
    out.push(change(Impact::Compatible, format!("{ctx}: result changed")));
}

#[cfg(test)]
mod tests;
