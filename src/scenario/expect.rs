//! Evaluating an expectation against a step document.
//!
//! The step document is one JSON value (see [`super::doc`]); an expectation names a JSON pointer
//! into it and predicates that must hold. A failure says what was expected and what was found.

use super::model::Expect;
use crate::protocol::jsonrpc::type_name;
use serde_json::Value;

/// Why an expectation did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// One sentence.
    pub message: String,
    /// What the expectation asked for.
    pub expected: String,
    /// What the document had.
    pub actual: String,
}

/// Checks `e` against `doc`.
pub fn evaluate(e: &Expect, doc: &Value) -> Result<(), Mismatch> {
    let path = pointer_of(e);
    let target = if path.is_empty() {
        Some(doc)
    } else {
        doc.pointer(&path)
    };
    let fail = |what: String, expected: String| Mismatch {
        message: e.message.clone().unwrap_or_else(|| {
            format!(
                "{} {what}",
                if path.is_empty() { "document" } else { &path }
            )
        }),
        expected,
        actual: show(target, doc, &path),
    };

    if let Some(want) = e.exists {
        // `null` counts as absent: the step document uses null for "nothing there".
        if want != target.is_some_and(|v| !v.is_null()) {
            return Err(fail(
                if want {
                    "is missing".into()
                } else {
                    "is present".into()
                },
                if want {
                    "present".into()
                } else {
                    "absent".into()
                },
            ));
        }
    }
    if let Some(want) = e.empty {
        let is_empty = match target {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            Some(_) => false,
        };
        if want != is_empty {
            return Err(fail(
                if want {
                    "is not empty".into()
                } else {
                    "is empty".into()
                },
                if want {
                    "empty".into()
                } else {
                    "not empty".into()
                },
            ));
        }
    }
    if let Some(bad) = &e.not_equals {
        if target == Some(bad) {
            return Err(fail(
                format!("equals {}", compact(bad)),
                format!("anything but {}", compact(bad)),
            ));
        }
    }
    let needs_value = e.equals.is_some()
        || e.status.is_some()
        || e.one_of.is_some()
        || e.status_in.is_some()
        || e.type_.is_some()
        || e.matches.is_some()
        || e.contains.is_some()
        || e.min_len.is_some()
        || e.only_keys.is_some()
        || e.between.is_some()
        || e.each.is_some();
    let Some(v) = target else {
        if needs_value {
            return Err(fail("is missing".into(), describe(e)));
        }
        return any_of(e, doc, &fail);
    };
    let equals = e.equals.clone().or_else(|| e.status.map(Value::from));
    if let Some(want) = &equals {
        if v != want {
            return Err(fail(
                format!("is {} instead of {}", compact(v), compact(want)),
                compact(want),
            ));
        }
    }
    let one_of = e.one_of.clone().or_else(|| {
        e.status_in
            .as_ref()
            .map(|s| s.iter().map(|c| Value::from(*c)).collect())
    });
    if let Some(options) = &one_of {
        if !options.contains(v) {
            let list = options.iter().map(compact).collect::<Vec<_>>().join(" or ");
            return Err(fail(
                format!("is {}, not one of {list}", compact(v)),
                format!("one of {list}"),
            ));
        }
    }
    if let Some(t) = &e.type_ {
        let actual = type_name(v);
        let ok = actual == t || (t == "number" && actual == "integer");
        if !ok {
            return Err(fail(
                format!("is of type {actual}, not {t}"),
                format!("a value of type {t}"),
            ));
        }
    }
    if let Some(re) = &e.matches {
        let ok = match (v.as_str(), regex::Regex::new(re)) {
            (Some(s), Ok(r)) => r.is_match(s),
            _ => false,
        };
        if !ok {
            return Err(fail(
                format!("does not match /{re}/"),
                format!("a string matching /{re}/"),
            ));
        }
    }
    if let Some(needle) = &e.contains {
        let ok = match (v, needle) {
            (Value::String(s), Value::String(n)) => s.to_lowercase().contains(&n.to_lowercase()),
            (Value::Array(items), n) => items.contains(n),
            _ => false,
        };
        if !ok {
            return Err(fail(
                format!("does not contain {}", compact(needle)),
                format!("containing {}", compact(needle)),
            ));
        }
    }
    if let Some(min) = e.min_len {
        let len = match v {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            Value::String(s) => s.chars().count(),
            _ => 0,
        };
        if len < min {
            return Err(fail(
                format!("has {len} items, fewer than {min}"),
                format!("at least {min} items"),
            ));
        }
    }
    if let Some(allowed) = &e.only_keys {
        let extra: Vec<&String> = match v {
            Value::Object(o) => o.keys().filter(|k| !allowed.contains(k)).collect(),
            _ => return Err(fail("is not an object".into(), "an object".into())),
        };
        if !extra.is_empty() {
            let list = extra
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(fail(
                format!("has unexpected keys: {list}"),
                format!("only keys among {allowed:?}"),
            ));
        }
    }
    if let Some((lo, hi)) = e.between {
        let ok = v.as_f64().is_some_and(|n| n >= lo && n <= hi);
        if !ok {
            return Err(fail(
                format!("is not a number within {lo}..={hi}"),
                format!("a number within {lo}..={hi}"),
            ));
        }
    }
    if let Some(inner) = &e.each {
        let items: Vec<(String, &Value)> = match v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (i.to_string(), x))
                .collect(),
            Value::Object(o) => o.iter().map(|(k, x)| (k.clone(), x)).collect(),
            _ => {
                return Err(fail(
                    "is not an array or object".into(),
                    "an array or object".into(),
                ))
            }
        };
        for (key, item) in items {
            for ie in inner {
                if let Err(m) = evaluate(ie, item) {
                    return Err(Mismatch {
                        message: format!("{path}/{key}: {}", m.message),
                        expected: m.expected,
                        actual: m.actual,
                    });
                }
            }
        }
    }
    any_of(e, doc, &fail)
}

fn any_of(
    e: &Expect,
    doc: &Value,
    fail: &dyn Fn(String, String) -> Mismatch,
) -> Result<(), Mismatch> {
    let Some(alts) = &e.any_of else { return Ok(()) };
    let mut reasons = Vec::new();
    for alt in alts {
        match alt.iter().try_for_each(|inner| evaluate(inner, doc)) {
            Ok(()) => return Ok(()),
            Err(m) => reasons.push(m.message),
        }
    }
    let mut m = fail(
        "matches none of the accepted alternatives".into(),
        alts.iter()
            .map(|a| a.iter().map(describe).collect::<Vec<_>>().join(" and "))
            .collect::<Vec<_>>()
            .join("; or "),
    );
    if e.message.is_none() {
        m.message = format!(
            "none of the accepted alternatives holds: {}",
            reasons.join("; ")
        );
    }
    m.actual = reasons.join("; ");
    Err(m)
}

/// The pointer an expectation looks at, with shortcuts resolved.
pub fn pointer_of(e: &Expect) -> String {
    if let Some(p) = &e.path {
        return p.clone();
    }
    if e.status.is_some() || e.status_in.is_some() {
        return "/http/status".into();
    }
    if let Some(h) = &e.header {
        return format!(
            "/http/headers/{}",
            h.to_ascii_lowercase().replace('~', "~0").replace('/', "~1")
        );
    }
    String::new()
}

/// A short human description of what an expectation asks for.
pub fn describe(e: &Expect) -> String {
    let mut parts = Vec::new();
    let p = pointer_of(e);
    if let Some(s) = e.status {
        parts.push(format!("status {s}"));
    }
    if let Some(s) = &e.status_in {
        parts.push(format!("status in {s:?}"));
    }
    if let Some(v) = &e.equals {
        parts.push(format!("{p} = {}", compact(v)));
    }
    if let Some(v) = &e.one_of {
        parts.push(format!("{p} in {}", compact(&Value::Array(v.clone()))));
    }
    if let Some(t) = &e.type_ {
        parts.push(format!("{p} is {t}"));
    }
    if let Some(x) = e.exists {
        parts.push(format!("{p} {}", if x { "present" } else { "absent" }));
    }
    if let Some(x) = e.empty {
        parts.push(format!("{p} {}", if x { "empty" } else { "not empty" }));
    }
    if let Some(r) = &e.matches {
        parts.push(format!("{p} ~ /{r}/"));
    }
    if let Some(c) = &e.contains {
        parts.push(format!("{p} contains {}", compact(c)));
    }
    if let Some(k) = &e.only_keys {
        parts.push(format!("{p} an object with no keys but {k:?}"));
    }
    if let Some(n) = e.min_len {
        parts.push(format!("{p} with at least {n} items"));
    }
    if parts.is_empty() {
        parts.push(format!("{p} as described"));
    }
    parts.join(", ")
}

/// Compact JSON, cut to 300 characters.
pub fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}

fn show(v: Option<&Value>, doc: &Value, path: &str) -> String {
    if let Some(v) = v {
        return compact(v);
    }
    // Absent: show the deepest part of the path that exists, so the reader sees what came instead.
    let mut prefix = path;
    while let Some(cut) = prefix.rfind('/') {
        prefix = &prefix[..cut];
        if let Some(found) = if prefix.is_empty() {
            None
        } else {
            doc.pointer(prefix)
        } {
            return format!("(absent; {prefix} is {})", compact(found));
        }
    }
    "(absent)".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ex(toml_text: &str) -> Expect {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn equality_is_typed() {
        let doc = json!({"response": {"id": 1}});
        assert!(evaluate(&ex("path = \"/response/id\"\nequals = 1"), &doc).is_ok());
        assert!(evaluate(&ex("path = \"/response/id\"\nequals = \"1\""), &doc).is_err());
    }

    #[test]
    fn status_shortcuts_and_any_of() {
        let doc = json!({"http": {"status": 405, "headers": {"content-type": "text/plain"}}});
        assert!(evaluate(&ex("status_in = [405, 406]"), &doc).is_ok());
        assert!(evaluate(&ex("status = 200"), &doc).is_err());
        let alt = ex("any_of = [[{ status = 200 }, { header = \"content-type\", contains = \"event-stream\" }], [{ status = 405 }]]");
        assert!(evaluate(&alt, &doc).is_ok());
        let doc2 =
            json!({"http": {"status": 200, "headers": {"content-type": "application/json"}}});
        let m = evaluate(&alt, &doc2).unwrap_err();
        assert!(m.message.contains("alternatives"), "{m:?}");
    }

    #[test]
    fn each_reports_the_failing_index() {
        let doc = json!({"tools": [{"name": "a"}, {"name": 3}]});
        let m = evaluate(
            &ex("path = \"/tools\"\neach = [{ path = \"/name\", type = \"string\" }]"),
            &doc,
        )
        .unwrap_err();
        assert!(m.message.contains("/tools/1"), "{m:?}");
    }

    #[test]
    fn missing_values_fail_value_predicates_but_not_absence() {
        let doc = json!({});
        assert!(evaluate(&ex("path = \"/x\"\ntype = \"string\""), &doc).is_err());
        assert!(evaluate(&ex("path = \"/x\"\nexists = false"), &doc).is_ok());
        assert!(evaluate(&ex("path = \"/x\"\nempty = true"), &doc).is_ok());
    }
}
