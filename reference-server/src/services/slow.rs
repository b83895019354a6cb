//! The `slow` tool: works for `ms` milliseconds in `steps` steps, reporting progress after each
//! step when the request has a progress token, and stopping without a response when cancelled.

use super::{object_schema, opt_int, Args, Hints, ToolOutput, ToolResult, ToolSpec};
use crate::context::{Failure, RequestCtx};
use crate::fault::Fault;
use crate::methods::logging::LogLevel;
use serde_json::json;
use std::time::Duration;

/// Longest run accepted, in milliseconds.
const MAX_MS: u64 = 60_000;

/// The `slow` definition.
pub(crate) fn spec() -> ToolSpec {
    ToolSpec {
        name: "slow",
        title: "Slow operation",
        description: "Waits `ms` milliseconds in `steps` steps, sending progress notifications; honours cancellation.",
        input_schema: object_schema(
            json!({
                "ms": {"type": "integer", "minimum": 0, "maximum": MAX_MS, "description": "Total duration (default 1000)"},
                "steps": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Number of steps (default 5)"},
            }),
            &[],
        ),
        output_schema: None,
        hints: Hints::READ_ONLY,
    }
}

/// Runs the slow operation.
pub(crate) async fn call(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let ms = opt_int(args, "ms", 0, MAX_MS)?.unwrap_or(1000);
    let steps = opt_int(args, "steps", 1, 100)?.unwrap_or(5);
    let per_step = Duration::from_millis(ms / steps);
    ctx.log(
        LogLevel::Info,
        "slow",
        json!({"event": "started", "ms": ms, "steps": steps}),
    );
    for i in 1..=steps {
        tokio::select! {
            _ = tokio::time::sleep(per_step) => {}
            _ = ctx.cancelled() => return Err(Failure::Cancelled.into()),
        }
        let progress = if ctx.has(Fault::ProgressDecreasing) {
            steps - i + 1
        } else {
            i
        };
        ctx.progress(progress, steps, &format!("step {i} of {steps}"));
    }
    if ctx.is_cancelled() {
        return Err(Failure::Cancelled.into());
    }
    Ok(ToolOutput::text(format!("done: {ms} ms in {steps} steps")))
}
