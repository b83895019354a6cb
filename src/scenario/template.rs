//! `${name}` substitution in step inputs, from scenario variables and captured values.
//!
//! A string that is exactly `${name}` becomes the captured JSON value itself (so ids keep their
//! type); a `${name}` inside a longer string is replaced by the value's text.

use serde_json::Value;
use std::collections::BTreeMap;

/// Named values available to templates.
pub type Vars = BTreeMap<String, Value>;

/// A `${name}` with no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variable `${{{0}}}` (not a scenario var, a capture, or a --var)")]
pub struct UnknownVar(pub String);

/// Substitutes every `${name}` in the strings of `v` (keys are left alone).
pub fn render_value(v: &Value, vars: &Vars) -> Result<Value, UnknownVar> {
    Ok(match v {
        Value::String(s) => render_string_value(s, vars)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_value(i, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, vars)?)))
                .collect::<Result<_, UnknownVar>>()?,
        ),
        other => other.clone(),
    })
}

fn render_string_value(s: &str, vars: &Vars) -> Result<Value, UnknownVar> {
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !name.contains("${") && !name.contains('}') {
            return vars
                .get(name)
                .cloned()
                .ok_or_else(|| UnknownVar(name.to_string()));
        }
    }
    render_str(s, vars).map(Value::String)
}

/// Substitutes every `${name}` in a string, rendering non-string values as JSON text.
pub fn render_str(s: &str, vars: &Vars) -> Result<String, UnknownVar> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        match vars.get(name) {
            Some(Value::String(v)) => out.push_str(v),
            Some(other) => out.push_str(&other.to_string()),
            None => return Err(UnknownVar(name.to_string())),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// An expectation with `${name}` substituted in its values (`equals`, `one_of`, `contains`, …).
pub fn render_expect(
    e: &super::model::Expect,
    vars: &Vars,
) -> Result<super::model::Expect, UnknownVar> {
    let value = |v: &Option<Value>| v.as_ref().map(|v| render_value(v, vars)).transpose();
    let mut out = e.clone();
    out.equals = value(&e.equals)?;
    out.not_equals = value(&e.not_equals)?;
    out.contains = value(&e.contains)?;
    out.one_of = e
        .one_of
        .as_ref()
        .map(|o| o.iter().map(|v| render_value(v, vars)).collect())
        .transpose()?;
    out.matches = e
        .matches
        .as_ref()
        .map(|m| render_str(m, vars))
        .transpose()?;
    out.path = e.path.as_ref().map(|p| render_str(p, vars)).transpose()?;
    out.header = e.header.as_ref().map(|h| render_str(h, vars)).transpose()?;
    out.each = e
        .each
        .as_ref()
        .map(|xs| xs.iter().map(|x| render_expect(x, vars)).collect())
        .transpose()?;
    out.any_of = e
        .any_of
        .as_ref()
        .map(|alts| {
            alts.iter()
                .map(|alt| alt.iter().map(|x| render_expect(x, vars)).collect())
                .collect()
        })
        .transpose()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_string_keeps_type_and_partial_interpolates() {
        let mut vars = Vars::new();
        vars.insert("id".into(), json!(7));
        vars.insert("name".into(), json!("echo"));
        let v = render_value(
            &json!({"requestId": "${id}", "text": "call ${name} #${id}"}),
            &vars,
        )
        .unwrap();
        assert_eq!(v, json!({"requestId": 7, "text": "call echo #7"}));
    }

    #[test]
    fn unknown_variables_are_errors() {
        assert_eq!(
            render_str("a ${nope}", &Vars::new()),
            Err(UnknownVar("nope".into()))
        );
    }
}
