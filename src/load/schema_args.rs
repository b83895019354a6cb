//! Arguments generated from a tool's `inputSchema` for `arguments_from_schema = true`
//! operations: before the run, one ordinary harness session lists the tools, and a set of
//! random argument objects that validate against the schema is pre-serialised; each call then
//! picks one of them at random (so the hot path still only copies bytes).

use super::engine::conn::Endpoint;
use super::operation::{request_template, OpKind};
use super::profile::Profile;
use crate::protocol::ProtocolVersion;
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::{ClientOptions, Target};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

/// Argument sets generated per tool.
pub const VARIANTS: usize = 32;
/// Pages of tools/list read at most.
const MAX_PAGES: usize = 20;

/// Replaces the bodies of every `arguments_from_schema` operation with generated variants;
/// `ca_cert` is the run's `--ca-cert` (extra roots for an https endpoint).
pub async fn prepare(
    profile: &mut Profile,
    endpoint: &Endpoint,
    ca_cert: Option<&std::path::Path>,
) -> Result<(), String> {
    let scheme = if endpoint.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let url = format!(
        "{scheme}://{}{}",
        endpoint
            .base_headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default(),
        endpoint.path
    );
    let headers = endpoint
        .base_headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "accept" | "content-type"))
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let opts = ClientOptions {
        timeout: profile.timeout,
        headers,
        ca_cert: ca_cert.map(Into::into),
        ..ClientOptions::default()
    };
    let tools = list_tools(&url, opts, profile.protocol_version).await?;
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    for op in profile.operations.iter_mut() {
        let Some(tool) = op.schema_tool.clone() else {
            continue;
        };
        if op.kind != OpKind::Request {
            continue;
        }
        let schema = tools
            .iter()
            .find(|t| t.get("name").and_then(Value::as_str) == Some(tool.as_str()))
            .and_then(|t| t.get("inputSchema"))
            .ok_or_else(|| format!("the server lists no tool `{tool}` with an inputSchema"))?;
        let validator = jsonschema::validator_for(schema)
            .map_err(|e| format!("tool `{tool}`: its inputSchema does not compile: {e}"))?;
        let mut bodies = Vec::new();
        for _ in 0..VARIANTS * 4 {
            if bodies.len() == VARIANTS {
                break;
            }
            let Some(args) = random_value(schema, &mut rng, 0) else {
                continue;
            };
            if validator.is_valid(&args) {
                bodies.push(request_template(
                    "tools/call",
                    Some(json!({"name": tool, "arguments": args})),
                ));
            }
        }
        if bodies.is_empty() {
            return Err(format!(
                "tool `{tool}`: could not generate arguments that satisfy its inputSchema; give `arguments`"
            ));
        }
        op.bodies = bodies;
    }
    Ok(())
}

async fn list_tools(
    url: &str,
    opts: ClientOptions,
    version: ProtocolVersion,
) -> Result<Vec<Value>, String> {
    let target = Target::Http {
        url: url.to_string(),
    };
    let mut s = Session::open(&target, opts, Transcript::new())
        .await
        .map_err(|e| e.to_string())?;
    s.handshake(version).await.map_err(|e| e.to_string())?;
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = cursor.as_ref().map(|c| json!({"cursor": c}));
        let ex = s
            .request("tools/list", params)
            .await
            .map_err(|e| e.to_string())?;
        let result = ex
            .response
            .as_ref()
            .and_then(|r| r.get("result"))
            .ok_or("tools/list got no result")?;
        if let Some(Value::Array(page)) = result.get("tools") {
            tools.extend(page.iter().cloned());
        }
        cursor = result
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let _ = s.close().await;
    Ok(tools)
}

/// A random value for `schema` (None when the schema is beyond this generator).
pub fn random_value(schema: &Value, rng: &mut impl Rng, depth: usize) -> Option<Value> {
    if depth > 6 {
        return None;
    }
    let obj = schema.as_object()?;
    if let Some(c) = obj.get("const") {
        return Some(c.clone());
    }
    for key in ["enum", "examples"] {
        if let Some(Value::Array(options)) = obj.get(key) {
            if !options.is_empty() {
                return options.get(rng.random_range(0..options.len())).cloned();
            }
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = obj.get(key) {
            if !alts.is_empty() {
                return random_value(&alts[rng.random_range(0..alts.len())], rng, depth + 1);
            }
        }
    }
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null")?,
        None if obj.contains_key("properties") => "object",
        _ => return None,
    };
    let num = |k: &str| obj.get(k).and_then(Value::as_f64);
    Some(match ty {
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if let Some(props) = obj.get("properties").and_then(Value::as_object) {
                for (name, sub) in props {
                    let needed = required.contains(&name.as_str());
                    if needed || rng.random_bool(0.5) {
                        match random_value(sub, rng, depth + 1) {
                            Some(v) => {
                                out.insert(name.clone(), v);
                            }
                            None if needed => return None,
                            None => {}
                        }
                    }
                }
            }
            if required.iter().any(|r| !out.contains_key(*r)) {
                return None;
            }
            Value::Object(out)
        }
        "string" => {
            let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
            let max = obj
                .get("maxLength")
                .and_then(Value::as_u64)
                .map_or(min.max(12), |m| m as usize);
            if max < min {
                return None;
            }
            let len = rng.random_range(min..=max.min(min.max(12)));
            const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
            Value::String(
                (0..len)
                    .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                    .collect(),
            )
        }
        "integer" => {
            let lo = num("minimum").map_or(0, |v| v.ceil() as i64);
            let hi = num("maximum").map_or(lo.saturating_add(100), |v| v.floor() as i64);
            if hi < lo {
                return None;
            }
            json!(rng.random_range(lo..=hi))
        }
        "number" => {
            let lo = num("minimum").unwrap_or(0.0);
            let hi = num("maximum").unwrap_or(lo + 100.0);
            if hi < lo {
                return None;
            }
            json!(((lo + (hi - lo) * rng.random::<f64>()) * 100.0).round() / 100.0)
        }
        "boolean" => Value::Bool(rng.random_bool(0.5)),
        "array" => {
            let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = obj
                .get("maxItems")
                .and_then(Value::as_u64)
                .map_or(min + 3, |m| m as usize);
            if max < min {
                return None;
            }
            let n = rng.random_range(min..=max.min(min + 3));
            let items = obj
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            Value::Array(
                (0..n)
                    .map(|_| random_value(&items, rng, depth + 1))
                    .collect::<Option<_>>()?,
            )
        }
        "null" => Value::Null,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_satisfy_their_schema() {
        let schema = json!({"type":"object","properties":{
            "city":{"type":"string","minLength":2,"maxLength":5},
            "n":{"type":"integer","minimum":3,"maximum":9},
            "x":{"type":"number","minimum":-1,"maximum":1},
            "mode":{"enum":["a","b"]},
            "tags":{"type":"array","items":{"type":"string"},"maxItems":2},
            "flag":{"type":"boolean"}},
            "required":["city","n","mode"]});
        let v = jsonschema::validator_for(&schema).unwrap();
        let mut rng = SmallRng::seed_from_u64(3);
        let mut distinct = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let args = random_value(&schema, &mut rng, 0).unwrap();
            assert!(v.is_valid(&args), "{args}");
            distinct.insert(args.to_string());
        }
        assert!(distinct.len() > 10, "values vary: {}", distinct.len());
        assert!(random_value(&json!({"not": {}}), &mut rng, 0).is_none());
    }
}
