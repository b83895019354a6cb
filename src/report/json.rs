//! The JSON report: the [`RunReport`] serialized as pretty JSON, fields in declaration order
//! (stable), every field documented in `reports/README.md`. It parses back into a [`RunReport`].

use crate::check::RunReport;

/// The version of the JSON report format this module writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The report (already redacted) as pretty JSON with a trailing newline; `schema_version` is
/// always [`SCHEMA_VERSION`], the format this function writes.
pub fn render(report: &RunReport) -> String {
    let mut report = report.clone();
    report.schema_version = SCHEMA_VERSION;
    match serde_json::to_string_pretty(&report) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Unreachable for this model (string keys only); still valid JSON if it ever happens.
        Err(e) => format!(
            "{}\n",
            serde_json::json!({ "schema_version": SCHEMA_VERSION, "error": e.to_string() })
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Summary;

    #[test]
    fn fields_in_stable_order_and_version_set() {
        let report = RunReport {
            schema_version: 0,
            tool: "mcpcheck 0.1.0".into(),
            target: "http://127.0.0.1/mcp".into(),
            transport: "streamable-http".into(),
            protocol_version: None,
            server_info: None,
            started_at: "2025-01-01T00:00:00Z".into(),
            duration_ms: 7,
            summary: Summary::default(),
            checks: vec![],
        };
        let text = render(&report);
        assert!(text.ends_with("}\n"));
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
                .unwrap()
                .keys()
                .cloned()
                .collect();
        assert_eq!(
            keys,
            [
                "schema_version",
                "tool",
                "target",
                "transport",
                "started_at",
                "duration_ms",
                "summary",
                "checks"
            ]
        );
        let back: RunReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back.schema_version, SCHEMA_VERSION);
    }
}
