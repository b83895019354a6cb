//! Cross-check of mcpcheck's own wire schemas against the official MCP JSON schemas.
//!
//! For each protocol version a corpus of messages (hand-written seeds, the official 2026-07-28
//! examples of types that 2025-11-25 also has, and mutations of both: each property removed,
//! each value given a wrong type or value, an unknown property added) is judged twice: by
//! `mcpcheck::validate` and by the official schema's definition of the same type, compiled
//! here with `jsonschema`. The verdicts (valid / invalid) must agree. Formats (`uri`, `byte`)
//! are annotations on both sides. The official schemas live outside the project
//! (`../shared/mcp-schema`); without them the test prints a note and passes.

#[path = "validate_crosscheck/corpus.rs"]
mod corpus;
#[path = "validate_crosscheck/modern.rs"]
mod modern;
#[path = "validate_crosscheck/official.rs"]
mod official;

use corpus::{examples, mutations, seeds};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::validate::validate_envelope;
use official::{official_dir, official_verdict, our_verdict, Case, Kind, Official};
use serde_json::{json, Value};
use std::collections::HashMap;
use ProtocolVersion::{V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25, V2026_07_28};

const VERSIONS: [ProtocolVersion; 4] = [V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25];

#[derive(Default)]
struct Tally {
    cases: usize,
    valid: usize,
    disagreements: Vec<String>,
}

fn judge(
    tally: &mut Tally,
    official: &mut Official,
    version: ProtocolVersion,
    case: &Case,
    what: &str,
) {
    let Some(theirs) = official_verdict(official, version, case) else {
        return;
    };
    let ours = our_verdict(version, case);
    tally.cases += 1;
    tally.valid += usize::from(theirs);
    if ours != theirs && tally.disagreements.len() < 40 {
        tally.disagreements.push(format!(
            "{version} {} [{what}]: official {theirs}, ours {ours}: {:?}",
            case.origin, case.value
        ));
    } else if ours != theirs {
        tally.disagreements.push(String::new());
    }
}

/// The case as written, without its params (for messages), and every mutation of its value.
fn variants(case: &Case) -> Vec<(String, Case)> {
    let mut out = vec![("as written".to_string(), case.clone())];
    let Some(value) = &case.value else { return out };
    if matches!(case.kind, Kind::Notification(_) | Kind::Request(_)) {
        out.push((
            "params removed".to_string(),
            Case {
                value: None,
                ..case.clone()
            },
        ));
    }
    for (what, mutated) in mutations(value) {
        out.push((
            what,
            Case {
                value: Some(mutated),
                ..case.clone()
            },
        ));
    }
    out
}

#[test]
fn our_verdicts_agree_with_the_official_schemas() {
    let Some(dir) = official_dir() else { return };
    let mut newest = Official::load(&dir, V2025_11_25);
    let (example_cases, example_files) = examples(&dir, &mut newest);
    assert!(
        example_cases.len() >= 30,
        "only {} usable examples",
        example_cases.len()
    );
    println!(
        "official examples: {example_files} files, {} used for 2025-11-25",
        example_cases.len()
    );
    let mut total = Tally::default();
    for version in VERSIONS {
        let mut official = Official::load(&dir, version);
        let mut tally = Tally::default();
        let mut corpus = seeds();
        if version == V2025_11_25 {
            corpus.extend(example_cases.iter().cloned());
        }
        for case in &corpus {
            for (what, variant) in variants(case) {
                judge(&mut tally, &mut official, version, &variant, &what);
            }
        }
        println!(
            "{version}: {} cases ({} valid, {} invalid by the official schema), {} disagreements",
            tally.cases,
            tally.valid,
            tally.cases - tally.valid,
            tally.disagreements.len()
        );
        assert!(
            tally.valid > 200 && tally.cases - tally.valid > 500,
            "{version}: corpus too one-sided"
        );
        total.cases += tally.cases;
        total.valid += tally.valid;
        total.disagreements.extend(tally.disagreements);
    }
    println!(
        "all versions: {} cases, {} agree",
        total.cases,
        total.cases - total.disagreements.len()
    );
    let shown: Vec<_> = total
        .disagreements
        .iter()
        .filter(|d| !d.is_empty())
        .collect();
    assert!(
        total.disagreements.is_empty(),
        "{} disagreements, first ones:\n{}",
        total.disagreements.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The stateless revision: its own seeds and every official example of a type it validates,
/// with their mutations, judged by mcpcheck and by the official 2026-07-28 schema.
#[test]
fn stateless_verdicts_agree_with_the_official_schema() {
    let Some(dir) = official_dir() else { return };
    let mut official = Official::load(&dir, V2026_07_28);
    let examples = modern::examples(&dir);
    assert!(
        examples.len() >= 40,
        "only {} usable 2026-07-28 examples",
        examples.len()
    );
    let mut corpus = modern::seeds();
    corpus.extend(examples);
    let mut tally = Tally::default();
    for case in &corpus {
        for (what, variant) in variants(case) {
            let theirs = modern::official_verdict(&mut official, &variant);
            let ours = our_verdict(V2026_07_28, &variant);
            tally.cases += 1;
            tally.valid += usize::from(theirs);
            if ours != theirs {
                tally.disagreements.push(format!(
                    "{} [{what}]: official {theirs}, ours {ours}: {:?}",
                    variant.origin, variant.value
                ));
            }
        }
    }
    println!(
        "2026-07-28: {} cases ({} valid, {} invalid by the official schema), {} disagreements",
        tally.cases,
        tally.valid,
        tally.cases - tally.valid,
        tally.disagreements.len()
    );
    assert!(
        tally.valid > 200 && tally.cases - tally.valid > 300,
        "2026-07-28: corpus too one-sided"
    );
    assert!(
        tally.disagreements.is_empty(),
        "{} disagreements, first ones:\n{}",
        tally.disagreements.len(),
        tally.disagreements[..tally.disagreements.len().min(40)].join("\n")
    );
}

/// Where mcpcheck's envelope follows JSON-RPC 2.0's text rather than the generated schemas.
fn documented_divergence(msg: &Value, version: ProtocolVersion) -> Option<&'static str> {
    if let Value::Array(items) = msg {
        if items.is_empty() {
            return Some("empty batch (JSON-RPC 2.0 §6: invalid request)");
        }
        return items.iter().find_map(|m| documented_divergence(m, version));
    }
    let obj = msg.as_object()?;
    if obj.contains_key("result") && obj.contains_key("error") && !obj.contains_key("method") {
        return Some("both result and error (JSON-RPC 2.0 §5: MUST NOT)");
    }
    if obj.contains_key("error") && !obj.contains_key("result") && !obj.contains_key("method") {
        match obj.get("id") {
            Some(Value::Null) => return Some("error with id null (JSON-RPC 2.0 §5)"),
            None if version < V2025_11_25 => {
                return Some("error without id (JSON-RPC 2.0 §5; 2025-11-25 schema)")
            }
            _ => {}
        }
    }
    if obj.contains_key("method") && obj.contains_key("id") {
        // The generated union also reads such a message as a notification with an extra `id`.
        return Some("a message with method and id is judged as a request only");
    }
    None
}

#[test]
fn envelope_verdicts_agree_with_the_official_schemas() {
    let Some(dir) = official_dir() else { return };
    let seeds = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "t", "arguments": {}, "_meta": {"progressToken": 1}}}),
        json!({"jsonrpc": "2.0", "id": "a", "method": "ping"}),
        json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}}),
        json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [], "_meta": {}}}),
        json!({"jsonrpc": "2.0", "id": "x", "error": {"code": -32602, "message": "bad", "data": {"d": 1}}}),
    ];
    for version in VERSIONS {
        let mut official = Official::load(&dir, version);
        let (mut cases, mut agree, mut divergent) = (0, 0, HashMap::<&str, usize>::new());
        let mut corpus: Vec<Value> = Vec::new();
        for seed in &seeds {
            corpus.push(seed.clone());
            corpus.extend(mutations(seed).into_iter().map(|(_, m)| m));
        }
        corpus.push(
            json!({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": "m"}}),
        );
        if version == V2025_03_26 {
            let batch = json!([seeds[0], seeds[2]]);
            corpus.extend(mutations(&batch).into_iter().map(|(_, m)| m));
            corpus.push(json!([seeds[3], seeds[4]]));
            corpus.push(json!([seeds[0], seeds[3]]));
            corpus.push(batch);
        }
        for msg in &corpus {
            cases += 1;
            let theirs = official.accepts(&["JSONRPCMessage"], msg);
            let ours = validate_envelope(msg).is_empty();
            if ours == theirs {
                agree += 1;
                continue;
            }
            let reason = documented_divergence(msg, version)
                .unwrap_or_else(|| panic!("{version}: undocumented disagreement (official {theirs}, ours {ours}) on {msg}"));
            *divergent.entry(reason).or_default() += 1;
        }
        println!("{version} envelope: {cases} cases, {agree} agree, documented divergences: {divergent:?}");
        assert!(agree * 10 >= cases * 9, "{version}: too many divergences");
    }
}
