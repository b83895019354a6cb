//! The list-changed demo: `toggle_beta_tool` adds or removes the `beta` tool and announces it
//! with `notifications/tools/list_changed`; plus the badly named tool of the `bad-tool-name` fault.

use super::{object_schema, Hints, ToolOutput, ToolResult, ToolSpec};
use crate::context::RequestCtx;
use serde_json::json;

/// The `toggle_beta_tool` definition.
pub(crate) fn toggle_spec() -> ToolSpec {
    ToolSpec {
        name: "toggle_beta_tool",
        title: "Toggle beta tool",
        description:
            "Adds the `beta` tool if absent, removes it if present, and notifies list changes.",
        input_schema: object_schema(json!({}), &[]),
        output_schema: None,
        hints: Hints {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: false,
        },
    }
}

/// The `beta` definition (listed only while toggled on).
pub(crate) fn beta_spec() -> ToolSpec {
    ToolSpec {
        name: "beta",
        title: "Beta",
        description: "A tool that comes and goes with toggle_beta_tool.",
        input_schema: object_schema(json!({}), &[]),
        output_schema: None,
        hints: Hints::READ_ONLY,
    }
}

/// The tool with an invalid name (`bad-tool-name` fault).
pub(crate) fn bad_name_spec() -> ToolSpec {
    ToolSpec {
        name: "bad tool!",
        title: "Bad tool",
        description: "A tool whose name breaks the naming rules.",
        ..beta_spec()
    }
}

/// Runs `toggle_beta_tool`, `beta` or `bad tool!`.
pub(crate) fn call(ctx: &RequestCtx, name: &str) -> ToolResult {
    match name {
        "toggle_beta_tool" => {
            let was = ctx.session.toggle_beta();
            ctx.session.push(crate::jsonrpc::notification(
                "notifications/tools/list_changed",
                serde_json::json!({}),
            ));
            Ok(ToolOutput::text(if was {
                "beta tool removed"
            } else {
                "beta tool added"
            }))
        }
        "beta" => Ok(ToolOutput::text("beta tool says hello")),
        _ => Ok(ToolOutput::text("bad tool called")),
    }
}
