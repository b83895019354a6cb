//! The wire schemas, compiled: one family document per group of revisions, edited for each
//! revision by its table of additions, and compiled once per revision on first use.

use super::methods;
use super::revisions::{self, Addition};
use super::violation::{self, Violation};
use crate::protocol::ProtocolVersion;
use jsonschema::Validator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A group of revisions described by one schema document.
pub(crate) struct Family {
    /// The document, in the shape of the newest revision of the family.
    pub document: &'static str,
    /// What each revision after the first added, oldest first.
    pub additions: &'static [Addition],
    /// Oldest revision of the family.
    pub first: ProtocolVersion,
    /// Newest revision of the family.
    pub last: ProtocolVersion,
    /// Definitions laid over the document's (same name: replaced), for a revision that changed
    /// a few shapes of an earlier family rather than all of them.
    pub overlay: Option<&'static str>,
}

/// The families: the session-based revisions, and 2026-07-28 (stateless: `resultType`, caching
/// fields, input-required results), written as an overlay on the 2025-11-25 shapes.
const FAMILIES: &[Family] = &[
    Family {
        document: include_str!("schemas/stateful.json"),
        additions: revisions::STATEFUL,
        first: ProtocolVersion::V2024_11_05,
        last: ProtocolVersion::V2025_11_25,
        overlay: None,
    },
    Family {
        document: include_str!("schemas/stateful.json"),
        additions: &[],
        first: ProtocolVersion::V2026_07_28,
        last: ProtocolVersion::V2026_07_28,
        overlay: Some(include_str!("schemas/stateless.json")),
    },
];

/// The family that covers `version`, if one is written.
pub(crate) fn family(version: ProtocolVersion) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .find(|f| f.first <= version && version <= f.last)
}

/// The validators of one revision, by definition name.
pub(crate) struct Compiled {
    validators: HashMap<&'static str, Validator>,
}

impl Compiled {
    /// Validates `value` against definition `def`; a definition not compiled is a bug, reported as
    /// a violation rather than a panic.
    pub fn validate(&self, def: &str, value: &Value) -> Vec<Violation> {
        match self.validators.get(def) {
            Some(v) => violation::from_errors(v.iter_errors(value)),
            None => vec![Violation::new(
                "",
                format!("mcpcheck bug: no schema definition {def}"),
            )],
        }
    }
}

fn build_document(family: &Family, version: ProtocolVersion) -> Result<Value, String> {
    let newest: Value = serde_json::from_str(family.document).map_err(|e| e.to_string())?;
    let mut doc =
        revisions::schema_for(&newest, family.additions, version).map_err(|e| e.to_string())?;
    if let Some(text) = family.overlay {
        let overlay: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let (Some(defs), Some(over)) = (
            doc.get_mut("$defs").and_then(Value::as_object_mut),
            overlay.get("$defs").and_then(Value::as_object),
        ) else {
            return Err("a family document or overlay has no $defs".into());
        };
        for (name, def) in over {
            defs.insert(name.clone(), def.clone());
        }
    }
    Ok(doc)
}

fn compile(version: ProtocolVersion) -> Result<Compiled, String> {
    let family = family(version).ok_or_else(|| format!("no wire schema for {version}"))?;
    let document = build_document(family, version)?;
    let defs = document.get("$defs").cloned().unwrap_or_else(|| json!({}));
    let mut validators = HashMap::new();
    for def in methods::all_defs(version) {
        if validators.contains_key(def) {
            continue;
        }
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/$defs/{def}"),
            "$defs": defs,
        });
        // Formats (`uri`, `byte`) stay annotations, as 2020-12 defines them: the wire schema
        // judges structure; URI and base64 contents are judged by dedicated checks.
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(false)
            .build(&root)
            .map_err(|e| format!("{def}: {e}"))?;
        validators.insert(def, validator);
    }
    Ok(Compiled { validators })
}

/// The compiled schemas of `version`: `None` when no family covers it, `Err` when they failed
/// to compile (a bug in the embedded schema, reported instead of panicking).
pub(crate) fn compiled(
    version: ProtocolVersion,
) -> Option<Result<&'static Compiled, &'static str>> {
    static CACHE: [OnceLock<Result<Compiled, String>>; ProtocolVersion::ALL.len()] =
        [const { OnceLock::new() }; ProtocolVersion::ALL.len()];
    family(version)?;
    let index = ProtocolVersion::ALL.iter().position(|v| *v == version)?;
    let slot = CACHE[index].get_or_init(|| compile(version));
    Some(slot.as_ref().map_err(String::as_str))
}
