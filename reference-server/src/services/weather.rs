//! The `weather` tool: deterministic, offline conditions for a small built-in table of cities.

use super::{arg_str, object_schema, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec};
use crate::context::RequestCtx;
use crate::fault::Fault;
use serde_json::json;

/// City, temperature (°C), conditions, relative humidity (%).
const CITIES: &[(&str, f64, &str, u32)] = &[
    ("Cairo", 31.0, "clear", 20),
    ("London", 12.5, "cloudy", 81),
    ("New York", 18.5, "rain", 77),
    ("Paris", 16.0, "partly cloudy", 64),
    ("Reykjavik", 3.5, "snow", 86),
    ("Sydney", 24.0, "sunny", 48),
    ("Tokyo", 22.0, "clear", 55),
];

/// The name `weather` is listed under with the `snap-tool-renamed` fault.
pub(crate) const RENAMED: &str = "get_weather";

/// The `weather` tool definition.
pub(crate) fn spec() -> ToolSpec {
    ToolSpec {
        name: "weather",
        title: "Weather",
        description: "Current weather for a city (offline sample data: Cairo, London, New York, Paris, Reykjavik, Sydney, Tokyo).",
        input_schema: object_schema(json!({"city": {"type": "string", "description": "City name", "examples": ["Paris", "Tokyo"]}}), &["city"]),
        output_schema: Some(object_schema(
            json!({
                "city": {"type": "string"},
                "temperature_c": {"type": "number"},
                "conditions": {"type": "string"},
                "humidity": {"type": "integer", "minimum": 0, "maximum": 100},
            }),
            &["city", "temperature_c", "conditions", "humidity"],
        )),
        hints: Hints::READ_ONLY,
    }
}

/// Looks a city up (case-insensitive).
pub(crate) fn call(ctx: &RequestCtx, args: &Args) -> ToolResult {
    let wanted = arg_str(args, "city")?.trim();
    let Some(&(city, temp, conditions, humidity)) = CITIES
        .iter()
        .find(|(name, ..)| name.eq_ignore_ascii_case(wanted))
    else {
        return Err(ToolError::Execution(format!("Unknown city: {wanted}")));
    };
    let mut out = ToolOutput::structured(json!({
        "city": city, "temperature_c": temp, "conditions": conditions, "humidity": humidity,
    }));
    if ctx.has(Fault::StructuredOutputInvalid) {
        if let Some(obj) = out.structured.as_mut().and_then(|s| s.as_object_mut()) {
            obj.remove("temperature_c");
        }
    }
    Ok(out)
}
