//! Calculator tools: `add`, `subtract`, `multiply`, `divide` over two numbers, returning text
//! and `{result}`. Division by zero is a tool execution error (an `isError` result).

use super::{arg_number, object_schema, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec};
use crate::context::{Failure, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use serde_json::{json, Number, Value};

fn spec(name: &'static str, title: &'static str, description: &'static str) -> ToolSpec {
    ToolSpec {
        name,
        title,
        description,
        input_schema: object_schema(
            json!({
                "a": {"type": "number", "description": "First operand"},
                "b": {"type": "number", "description": "Second operand"},
            }),
            &["a", "b"],
        ),
        output_schema: Some(object_schema(
            json!({"result": {"type": "number"}}),
            &["result"],
        )),
        hints: Hints::READ_ONLY,
    }
}

/// The four calculator tools.
pub(crate) fn specs() -> Vec<ToolSpec> {
    vec![
        spec("add", "Add", "Adds two numbers: a + b."),
        spec("subtract", "Subtract", "Subtracts b from a: a - b."),
        spec("multiply", "Multiply", "Multiplies two numbers: a * b."),
        spec(
            "divide",
            "Divide",
            "Divides a by b; dividing by zero is a tool error.",
        ),
    ]
}

/// A JSON number for `x`: an integer when `x` is integral and exactly representable.
fn number(x: f64) -> Option<Value> {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        return Some(json!(x as i64));
    }
    Number::from_f64(x).map(Value::Number)
}

/// Runs one calculator tool.
pub(crate) fn call(ctx: &RequestCtx, name: &str, args: &Args) -> ToolResult {
    let a = arg_number(args, "a")?;
    let b = arg_number(args, "b")?;
    let x = match name {
        "add" => a + b,
        "subtract" => a - b,
        "multiply" => a * b,
        _ => {
            if b == 0.0 {
                if ctx.has(Fault::ToolErrorAsJsonrpc) {
                    return Err(Failure::Rpc(RpcError::internal("division by zero")).into());
                }
                return Err(ToolError::Execution("Cannot divide by zero".into()));
            }
            a / b
        }
    };
    let result = number(x)
        .ok_or_else(|| ToolError::Execution("the result is not a finite number".into()))?;
    Ok(ToolOutput::structured(json!({"result": result})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_integers_when_integral() {
        assert_eq!(number(3.0), Some(json!(3)));
        assert_eq!(number(-0.5), Some(json!(-0.5)));
        assert_eq!(number(f64::INFINITY), None);
        assert_eq!(number(f64::NAN), None);
    }
}
