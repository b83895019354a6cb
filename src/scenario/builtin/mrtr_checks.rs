//! The checks of multi round-trip requests (2026-07-28), each over the rounds of `mrtr`:
//! the shape of `input_required`, a retry loop that completes, another `input_required` for a
//! missing answer, a tampered `requestState` refused, input requests only for declared
//! capabilities, and `input_required` only on the three methods that may carry it.

use super::modern::probe;
use super::mrtr::{
    capability_findings, declare, request_of, responses_for, result_text, round, run_rounds,
    scenario_caps, shape_findings, Answer, MAX_ROUNDS, MRTR_METHODS,
};
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::Level;
use crate::scenario::expect::compact;
use crate::session::ResultType;
use serde_json::{json, Value};

/// SKIP unless the first round asked for input.
fn no_input(req: &str, answer: &Answer) -> Skip {
    Skip(match answer {
        Answer::Complete(_) => format!("{req} completed at once (it asked for no input)"),
        Answer::Error(e) => format!("{req} was answered with an error {}", compact(e)),
        Answer::Nothing(why) => why.clone(),
        Answer::InputRequired(_) => format!("{req} asked for input"),
    })
}

/// `v26.mrtr-shape`: every `input_required` result of the loop is well formed.
pub async fn shape(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let req = request_of(ctx)?;
    declare(ctx, scenario_caps(ctx));
    let mut findings = Vec::new();
    let rounds = run_rounds(ctx, &req, &mut findings).await;
    if rounds.asked.is_empty() {
        return Err(no_input(&req.label, &rounds.last));
    }
    for (i, result) in rounds.asked.iter().enumerate() {
        let label = format!("{} (round {})", req.label, i + 1);
        findings.extend(shape_findings(ctx, &label, result));
    }
    Ok(findings)
}

/// `v26.mrtr-retry`: retrying with the configured answers and the exact state ends in a
/// complete result within [`MAX_ROUNDS`], one that reflects the answer (`args.contains`).
pub async fn retry(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let req = request_of(ctx)?;
    declare(ctx, scenario_caps(ctx));
    let mut findings = Vec::new();
    let rounds = run_rounds(ctx, &req, &mut findings).await;
    if rounds.asked.is_empty() {
        return Err(no_input(&req.label, &rounds.last));
    }
    match &rounds.last {
        Answer::Complete(result) => {
            let want = ctx.args.get("contains").and_then(Value::as_str);
            let text = result_text(result);
            if let Some(want) = want.filter(|w| !text.contains(*w)) {
                findings.push(ctx.finding(
                    format!("{}: the completed result does not reflect the client's answer", req.label),
                    format!("a result containing {want:?}"),
                    text,
                ));
            }
        }
        Answer::InputRequired(result) => findings.push(ctx.finding(
            format!(
                "{}: still input_required after {MAX_ROUNDS} rounds, each answering every input request",
                req.label
            ),
            "a complete result once the input asked for was given",
            compact(result),
        )),
        Answer::Error(e) => findings.push(ctx.finding(
            format!("{}: the retry with inputResponses and the requestState was refused", req.label),
            "a complete result",
            compact(e),
        )),
        Answer::Nothing(why) => findings.push(ctx.finding(
            format!("{}: the retry got no usable answer: {why}", req.label),
            "a complete result",
            why.clone(),
        )),
    }
    Ok(findings)
}

/// The first round, which must ask for input (SKIP otherwise).
async fn first_input_required(
    ctx: &mut BuiltinCtx<'_>,
    req: &super::mrtr::Request,
    findings: &mut Vec<crate::check::Finding>,
) -> Result<Value, Skip> {
    let label = format!("{} (round 1)", req.label);
    match round(ctx, req, None, None, &label, findings).await {
        Answer::InputRequired(r) => Ok(r),
        other => Err(no_input(&req.label, &other)),
    }
}

/// `v26.mrtr-missing-input`: a retry with `inputResponses: {}` (and the state) gets another
/// `input_required`, not an error. A complete result is accepted (the input may have been
/// optional).
pub async fn missing_input(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let req = request_of(ctx)?;
    declare(ctx, scenario_caps(ctx));
    let mut findings = Vec::new();
    let first = first_input_required(ctx, &req, &mut findings).await?;
    let asks = first
        .get("inputRequests")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    if !asks {
        return Err(Skip(format!("{} asked for no input request", req.label)));
    }
    let state = first.get("requestState").cloned();
    let label = format!("{} retried with inputResponses {{}}", req.label);
    match round(ctx, &req, Some(json!({})), state, &label, &mut findings).await {
        Answer::InputRequired(_) | Answer::Complete(_) => {}
        Answer::Error(e) => findings.push(ctx.finding(
            format!("{label}: an error instead of asking for the missing input again"),
            "another input_required result",
            compact(&e),
        )),
        Answer::Nothing(why) => findings.push(ctx.finding(
            format!("{label}: no usable answer"),
            "another input_required result",
            why,
        )),
    }
    Ok(findings)
}

/// `s` with its middle character changed (to another of the same kind where it can).
fn flip(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = chars.len() / 2;
    if let Some(c) = chars.get_mut(i) {
        *c = match *c {
            'A' => 'B',
            '0' => '1',
            c if c.is_ascii_alphanumeric() => 'A',
            _ => '0',
        };
    }
    chars.into_iter().collect()
}

/// `v26.mrtr-state-integrity`: a retry whose `requestState` had one character changed (with
/// valid answers) is refused or asked again, never completed. WARN rather than FAIL: the spec
/// lets a server skip integrity protection when tampering can do nothing worse than fail.
pub async fn state_integrity(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let req = request_of(ctx)?;
    declare(ctx, scenario_caps(ctx));
    let mut findings = Vec::new();
    let first = first_input_required(ctx, &req, &mut findings).await?;
    let Some(state) = first.get("requestState").and_then(Value::as_str) else {
        return Err(Skip(format!(
            "{} gave no requestState to tamper with",
            req.label
        )));
    };
    let responses = responses_for(ctx, &first)
        .map_err(|m| Skip(format!("the scenario configures no result reply for {m:?}")))?;
    let tampered = flip(state);
    let label = format!("{} retried with a tampered requestState", req.label);
    let answer = round(
        ctx,
        &req,
        Some(responses),
        Some(json!(tampered)),
        &label,
        &mut findings,
    )
    .await;
    if let Answer::Complete(result) = answer {
        findings.push(ctx.finding_at(
            Level::Should,
            format!("{label}: the altered state was accepted and the request completed (a MUST when the state influences authorization, resource access or business logic)"),
            "an error (-32602) for state that fails verification",
            format!("sent {tampered:?} instead of {state:?}; got {}", compact(&result)),
        ));
    }
    Ok(findings)
}

/// `v26.mrtr-capability`: declaring each capability set of `args.declared` (default `[{}]`),
/// the request asks for no input the set does not allow; -32021, another error or a complete
/// result are all acceptable.
pub async fn capability(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let req = request_of(ctx)?;
    let sets = ctx
        .args
        .get("declared")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_else(|| vec![json!({})]);
    let mut findings = Vec::new();
    let mut judged = 0;
    for caps in sets {
        declare(ctx, caps.clone());
        let label = format!("{} declaring {}", req.label, compact(&caps));
        match round(ctx, &req, None, None, &label, &mut findings).await {
            Answer::InputRequired(result) => {
                judged += 1;
                findings.extend(capability_findings(ctx, &label, &result, &caps));
            }
            Answer::Error(e) => {
                judged += 1;
                let code = e.get("code").and_then(Value::as_i64);
                let data_ok = e
                    .pointer("/data/requiredCapabilities")
                    .is_some_and(Value::is_object);
                if code == Some(-32021) && !data_ok {
                    findings.push(ctx.finding_at(
                        Level::Should,
                        format!("{label}: -32021 without data.requiredCapabilities"),
                        "data.requiredCapabilities naming what is missing",
                        compact(&e),
                    ));
                }
            }
            Answer::Complete(_) => judged += 1,
            Answer::Nothing(why) => findings.push(ctx.finding(
                format!("{label}: no usable answer"),
                "a result or an error",
                why,
            )),
        }
    }
    if judged == 0 && findings.is_empty() {
        return Err(Skip("no capability set was given".into()));
    }
    Ok(findings)
}

/// `v26.mrtr-methods`: declaring every input capability, no answer to a method other than
/// `tools/call`, `resources/read` and `prompts/get` is `input_required` (discover and every
/// page of each advertised list), and the request of `args` (if any) is judged the same way.
pub async fn methods(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    declare(
        ctx,
        json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}, "roots": {}}),
    );
    let mut findings = Vec::new();
    let mut answered = Vec::new();
    let mut sent = vec![("server/discover", json!({}), "server/discover".to_string())];
    for (cap, method) in [
        ("tools", "tools/list"),
        ("resources", "resources/list"),
        ("resources", "resources/templates/list"),
        ("prompts", "prompts/list"),
    ] {
        if ctx.run.has_capability(cap) {
            sent.push((method, json!({}), method.to_string()));
        }
    }
    for (method, params, label) in sent {
        let p = probe(ctx, method, params, &label, &mut findings).await;
        if let Some(r) = p.result() {
            answered.push((method.to_string(), label, r.clone()));
        }
    }
    if let Ok(req) = request_of(ctx) {
        let rounds = run_rounds(ctx, &req, &mut findings).await;
        for r in rounds.asked {
            answered.push((req.method.clone(), req.label.clone(), r));
        }
    }
    if answered.is_empty() && findings.is_empty() {
        return Err(Skip("no request was answered with a result".into()));
    }
    for (method, label, result) in &answered {
        if ResultType::of(result) == ResultType::InputRequired
            && !MRTR_METHODS.contains(&method.as_str())
        {
            findings.push(ctx.finding(
                format!("{label}: answered input_required, which only tools/call, resources/read and prompts/get may be"),
                "a complete result",
                compact(result),
            ));
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::flip;

    #[test]
    fn flip_changes_exactly_one_character() {
        for s in ["v1.abcd.efgh", "AAAA", "x", "a.b", "0000"] {
            let f = flip(s);
            assert_eq!(f.len(), s.len());
            let diff = s.chars().zip(f.chars()).filter(|(a, b)| a != b).count();
            assert_eq!(diff, 1, "{s} -> {f}");
        }
        assert_eq!(flip(""), "");
    }
}
