//! `tools.schema-dialect`: every listed tool's `inputSchema` and `outputSchema` is a valid JSON
//! Schema under the dialect it declares in `$schema`, or JSON Schema 2020-12 when it declares
//! none (2025-11-25 basic/index, "JSON Schema Usage": schemas MUST be valid according to their
//! declared or default dialect).
//!
//! Validity is meta-schema validation by the `jsonschema` crate, which knows drafts 4, 6, 7,
//! 2019-09 and 2020-12. A `$schema` naming another dialect is not a violation the harness can
//! prove: it yields a SHOULD-level finding (WARN) saying the dialect could not be checked. A
//! schema that passes its meta-schema but cannot be compiled (an unresolvable `$ref`, say) is
//! reported at SHOULD level too: the meta-schema is what the MUST names.

use super::listing::walk_list;
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::scenario::expect::compact;
use serde_json::Value;

/// The schema-valued fields of a `Tool`, and whether each is required.
const FIELDS: [(&str, bool); 2] = [("inputSchema", true), ("outputSchema", false)];

/// What meta-schema validation made of one schema.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// Valid under its dialect.
    Valid,
    /// Invalid: where and why (the first violation found).
    Invalid(String),
    /// It names a dialect the harness cannot validate.
    UnknownDialect(String),
    /// Valid against its meta-schema but not compilable (e.g. a `$ref` that resolves nowhere).
    NotCompilable(String),
}

/// Judges one schema value.
pub(crate) fn judge(schema: &Value) -> Judgement {
    if !schema.is_object() && !schema.is_boolean() {
        return Judgement::Invalid(format!(
            "a JSON Schema is an object or a boolean, found {}",
            compact(schema)
        ));
    }
    match jsonschema::meta::try_validate(schema) {
        Err(_) => Judgement::UnknownDialect(
            schema
                .get("$schema")
                .map(compact)
                .unwrap_or_else(|| "(none)".into()),
        ),
        Ok(Err(e)) => {
            let at = e.instance_path.as_str();
            let at = if at.is_empty() { "(root)" } else { at };
            Judgement::Invalid(format!("at {at}: {e}"))
        }
        Ok(Ok(())) => match jsonschema::validator_for(schema) {
            Ok(_) => Judgement::Valid,
            Err(e) => Judgement::NotCompilable(e.to_string()),
        },
    }
}

/// The builtin: every schema of every listed tool.
pub async fn schema_dialect(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let walk = walk_list(ctx.session, "tools/list", "tools").await;
    if walk.items.is_empty() {
        return Err(Skip(
            walk.error
                .unwrap_or_else(|| "the server lists no tools".into()),
        ));
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut judged = 0usize;
    for tool in &walk.items {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or("?");
        for (field, required) in FIELDS {
            let Some(schema) = tool.get(field) else {
                // A missing inputSchema is the list-shape check's finding, not this one's.
                continue;
            };
            judged += 1;
            if schema.is_null() {
                if required {
                    findings.push(ctx.finding(
                        format!("tool {name:?}: {field} is null"),
                        "a JSON Schema object",
                        "null",
                    ));
                }
                continue;
            }
            match judge(schema) {
                Judgement::Valid => {}
                Judgement::Invalid(why) => findings.push(ctx.finding(
                    format!(
                        "tool {name:?}: {field} is not a valid {} schema: {why}",
                        dialect_name(schema)
                    ),
                    format!("a valid {} schema", dialect_name(schema)),
                    compact(schema),
                )),
                Judgement::UnknownDialect(d) => findings.push(ctx.finding_at(
                    Level::Should,
                    format!("tool {name:?}: {field} declares $schema {d}, a dialect mcpcheck cannot validate"),
                    "JSON Schema 2020-12, 2019-09, draft-07, -06 or -04",
                    d,
                )),
                Judgement::NotCompilable(why) => findings.push(ctx.finding_at(
                    Level::Should,
                    format!("tool {name:?}: {field} passes its meta-schema but cannot be used: {why}"),
                    "a schema a validator can compile",
                    compact(schema),
                )),
            }
        }
    }
    if judged == 0 {
        return Err(Skip("no listed tool has a schema to judge".into()));
    }
    Ok(findings)
}

/// "JSON Schema 2020-12" or the declared `$schema`.
fn dialect_name(schema: &Value) -> String {
    match schema.get("$schema").and_then(Value::as_str) {
        Some(s) => format!("`{s}`"),
        None => "JSON Schema 2020-12 (the default dialect)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{judge, Judgement};
    use serde_json::json;

    #[test]
    fn valid_schemas_under_the_default_and_declared_dialects() {
        let plain =
            json!({"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]});
        assert_eq!(judge(&plain), Judgement::Valid);
        let draft7 = json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"a": {"type": "integer", "minimum": 0}}});
        assert_eq!(judge(&draft7), Judgement::Valid);
        assert_eq!(judge(&json!(true)), Judgement::Valid);
    }

    #[test]
    fn invalid_schemas_are_named() {
        for bad in [
            json!({"type": "object", "required": "x"}),
            json!({"type": "object", "properties": {"q": {"type": "text"}}}),
            json!({"type": "object", "properties": {"n": {"minLength": -1}}}),
        ] {
            assert!(matches!(judge(&bad), Judgement::Invalid(_)), "{bad} passed");
        }
        assert!(matches!(judge(&json!(null)), Judgement::Invalid(_)));
        assert!(matches!(judge(&json!("object")), Judgement::Invalid(_)));
        // A draft-04 rule: `exclusiveMinimum` is a boolean there, a number in 2020-12.
        let d4 = json!({"$schema": "http://json-schema.org/draft-04/schema#", "minimum": 1, "exclusiveMinimum": 3});
        assert!(matches!(judge(&d4), Judgement::Invalid(_)));
        let d2020 = json!({"minimum": 1, "exclusiveMinimum": 3});
        assert_eq!(judge(&d2020), Judgement::Valid);
    }

    #[test]
    fn unknown_dialects_and_dangling_refs_are_not_proven_invalid() {
        let odd = json!({"$schema": "https://example.com/my-dialect", "type": "object"});
        assert_eq!(
            judge(&odd),
            Judgement::UnknownDialect("\"https://example.com/my-dialect\"".into())
        );
        let dangling = json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}});
        assert!(matches!(judge(&dangling), Judgement::NotCompilable(_)));
    }
}
