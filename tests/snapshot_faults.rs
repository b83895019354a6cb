//! Snapshots against the reference server: a snapshot of the clean server matches itself, and
//! each snapshot fault switch (a tool renamed, a required argument added, a capability dropped)
//! shows as a difference the classifier calls breaking, naming what broke. These are the
//! faults `tests/fault_matrix.rs` lists as not detectable by a conformance scenario.

mod common;

use common::{client, http_server, stdio_target};
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::snapshot::{self, Call, FailOn, Impact, Normalizer, RecordOptions};
use mcpcheck::transport::Target;
use serde_json::json;

fn options(target: Target) -> RecordOptions {
    RecordOptions {
        target,
        client: client(),
        spec_version: None,
        calls: vec![Call {
            name: "add".into(),
            method: "tools/call".into(),
            params: Some(json!({"name": "add", "arguments": {"a": 2, "b": 3}})),
        }],
    }
}

async fn record(config: ServerConfig) -> snapshot::Files {
    let server = http_server(config).await;
    let r = snapshot::record(
        &options(Target::Http { url: server.url() }),
        &Normalizer::default(),
    )
    .await
    .expect("records");
    server.shutdown().await;
    r.files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_server_matches_its_own_snapshot() {
    let a = record(ServerConfig::default()).await;
    let b = record(ServerConfig::default()).await;
    let names: Vec<&str> = a.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "call.add.json",
            "initialize.json",
            "prompts.json",
            "resource-templates.json",
            "resources.json",
            "tools.json"
        ]
    );
    assert_eq!(
        a["call.add.json"]["result"]["structuredContent"],
        json!({"result": 5})
    );
    let outcome = snapshot::check(&a, &b);
    assert!(outcome.is_clean(), "{}", outcome.render());
    assert!(!outcome.fails(FailOn::Any));
}

/// Each snapshot fault against the clean snapshot: the breaking change it must produce.
const FAULTS: &[(Fault, &str, &str)] = &[
    (
        Fault::SnapToolRenamed,
        "tools.json",
        "tool `weather` removed",
    ),
    (
        Fault::SnapRequiredArgAdded,
        "tools.json",
        "tool `search`: required argument `language` added",
    ),
    (
        Fault::SnapCapabilityDropped,
        "initialize.json",
        "capability `logging` dropped",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_snapshot_fault_is_a_breaking_difference() {
    let clean = record(ServerConfig::default()).await;
    for (fault, file, what) in FAULTS {
        let faulty = record(ServerConfig::with_fault(*fault)).await;
        let outcome = snapshot::check(&clean, &faulty);
        let text = outcome.render();
        assert!(outcome.fails(FailOn::Any), "{fault}: {text}");
        assert!(outcome.fails(FailOn::Breaking), "{fault}: {text}");
        assert!(
            outcome
                .changes
                .iter()
                .any(|c| c.impact == Impact::Breaking && c.file == *file && c.what == *what),
            "{fault}: expected breaking `{what}` in {file}:\n{text}"
        );
        assert!(
            outcome.diffs.iter().any(|d| d.file == *file),
            "{fault}: no diff of {file}:\n{text}"
        );
        assert!(text.contains(&format!("--- stored/{file}")), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_tool_also_shows_as_an_added_one() {
    let clean = record(ServerConfig::default()).await;
    let renamed = record(ServerConfig::with_fault(Fault::SnapToolRenamed)).await;
    let outcome = snapshot::check(&clean, &renamed);
    assert!(outcome
        .changes
        .iter()
        .any(|c| c.impact == Impact::Compatible && c.what == "tool `get_weather` added"));
    let diff = &outcome.diffs[0].diff;
    assert!(diff.contains("+      \"name\": \"get_weather\","), "{diff}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_tool_is_a_compatible_difference() {
    let clean = record(ServerConfig::default()).await;
    let extra = record(ServerConfig::with_fault(Fault::BadToolName)).await;
    let outcome = snapshot::check(&clean, &extra);
    assert!(outcome.fails(FailOn::Any), "{}", outcome.render());
    assert!(!outcome.fails(FailOn::Breaking), "{}", outcome.render());
    assert_eq!(outcome.changes.len(), 1, "{}", outcome.render());
    assert_eq!(outcome.changes[0].what, "tool `bad tool!` added");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_records_the_same_surface() {
    let http = record(ServerConfig::default()).await;
    let stdio = snapshot::record(&options(stdio_target(&[])), &Normalizer::default())
        .await
        .expect("records over stdio")
        .files;
    let outcome = snapshot::check(&http, &stdio);
    assert!(outcome.is_clean(), "{}", outcome.render());
    let dropped = snapshot::record(
        &options(stdio_target(&[
            "--fault".into(),
            "snap-capability-dropped".into(),
        ])),
        &Normalizer::default(),
    )
    .await
    .expect("records over stdio")
    .files;
    assert!(snapshot::check(&http, &dropped).has_breaking());
}
