//! Building valid arguments for a tool from its `inputSchema`, so the harness can call tools it
//! knows nothing about. Prefers the schema's own `default`, `examples`, `const` and `enum`.

use serde_json::{Map, Value};

/// Arguments satisfying `schema`'s required properties, or `None` when the harness cannot build
/// them with confidence (then the caller validates and skips the tool).
pub fn build_arguments(schema: &Value) -> Option<Value> {
    let v = value_for(schema, 0)?;
    v.is_object().then_some(v)
}

fn value_for(schema: &Value, depth: usize) -> Option<Value> {
    if depth > 6 {
        return None;
    }
    let obj = schema.as_object()?;
    if let Some(c) = obj.get("const") {
        return Some(c.clone());
    }
    if let Some(d) = obj.get("default") {
        return Some(d.clone());
    }
    if let Some(Value::Array(ex)) = obj.get("examples") {
        if let Some(first) = ex.first() {
            return Some(first.clone());
        }
    }
    if let Some(Value::Array(options)) = obj.get("enum") {
        return options.first().cloned();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = obj.get(key) {
            return alts.iter().find_map(|a| value_for(a, depth + 1));
        }
    }
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        None if obj.contains_key("properties") => "object",
        _ => return None,
    };
    Some(match ty {
        "object" => {
            let mut out = Map::new();
            let props = obj.get("properties").and_then(Value::as_object);
            for name in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = name.as_str()?;
                let sub = props.and_then(|p| p.get(name))?;
                out.insert(name.to_string(), value_for(sub, depth + 1)?);
            }
            Value::Object(out)
        }
        "string" => {
            let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            let base = "mcpcheck";
            let len = usize::try_from(min).ok()?.max(base.len());
            Value::String(base.chars().cycle().take(len).collect())
        }
        "integer" => Value::from(
            obj.get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1),
        ),
        "number" => Value::from(
            obj.get("minimum")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .max(1.0),
        ),
        "boolean" => Value::Bool(true),
        "array" => {
            let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            if min == 0 {
                Value::Array(Vec::new())
            } else {
                let item = value_for(obj.get("items")?, depth + 1)?;
                Value::Array(vec![item; usize::try_from(min).ok()?])
            }
        }
        "null" => Value::Null,
        _ => return None,
    })
}

/// Whether `args` validate against `schema` (an uncompilable schema counts as not valid).
pub fn valid_against(schema: &Value, args: &Value) -> bool {
    jsonschema::validator_for(schema)
        .map(|v| v.is_valid(args))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_required_fields_from_hints_and_types() {
        let schema = json!({"type":"object","properties":{
            "city":{"type":"string","examples":["Paris"]},
            "n":{"type":"integer","minimum":3},
            "mode":{"enum":["a","b"]},
            "opt":{"type":"string"}},
            "required":["city","n","mode"]});
        let args = build_arguments(&schema).unwrap();
        assert_eq!(args, json!({"city":"Paris","n":3,"mode":"a"}));
        assert!(valid_against(&schema, &args));
    }

    #[test]
    fn gives_up_on_what_it_cannot_satisfy() {
        let schema = json!({"type":"object","properties":{"x":{"not":{}}},"required":["x"]});
        assert!(build_arguments(&schema).is_none());
    }
}
