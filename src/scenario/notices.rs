//! Run-wide judging of server notifications that name something the client must know: every
//! check's session keeps them (`Session::judged_notifications`), and the runner judges them
//! with the check's other findings, whatever the check was about.
//!
//! - `elic.complete` (2025-11-25, `client/elicitation`): `notifications/elicitation/complete`
//!   names an `elicitationId` that a URL-mode `elicitation/create` (or a -32042
//!   URL-elicitation-required error) of this session issued.
//! - `v26.sub-close` (2026-07-28, `basic/utilities/cancellation` with `subscriptions/listen`):
//!   the server sends `notifications/cancelled` only to end a listen, so its `requestId` is
//!   the id of a `subscriptions/listen` request this session sent.

use super::expect::compact;
use crate::check::{Finding, Level};
use crate::protocol::ProtocolVersion;
use crate::session::Session;
use serde_json::Value;

/// The `elicitationId`s issued: by the URL-mode elicitations among `requests`, and by the
/// URL-elicitation-required errors (-32042, `error.data.elicitations[]`) among `notices`.
fn issued_elicitations<'a>(requests: &'a [Value], notices: &'a [Value]) -> Vec<&'a Value> {
    let by_request = requests
        .iter()
        .filter(|r| r.get("method").and_then(Value::as_str) == Some("elicitation/create"))
        .filter_map(|r| r.pointer("/params/elicitationId"));
    let by_error = notices
        .iter()
        .filter_map(|n| {
            n.pointer("/error/data/elicitations")
                .and_then(Value::as_array)
        })
        .flatten()
        .filter_map(|e| e.get("elicitationId"));
    by_request.chain(by_error).collect()
}

fn finding(message: String, expected: &str, actual: &Value) -> Finding {
    Finding {
        verdict: Level::Must.failure_verdict(),
        message,
        expected: Some(expected.to_string()),
        actual: Some(compact(actual)),
        location: None,
    }
}

/// Findings for the judged notifications of one session, given what it sent and received.
pub fn judge_notices(
    notices: &[Value],
    server_requests: &[Value],
    listen_ids: &[Value],
    version: ProtocolVersion,
) -> Vec<Finding> {
    let issued = issued_elicitations(server_requests, notices);
    let stateless = !version.features().initialize;
    let mut out = Vec::new();
    for n in notices {
        match n.get("method").and_then(Value::as_str) {
            Some("notifications/elicitation/complete") => {
                let id = n.pointer("/params/elicitationId");
                if !id.is_some_and(|id| issued.contains(&id)) {
                    out.push(finding(
                        format!(
                            "notifications/elicitation/complete names elicitationId {}, which no URL-mode elicitation of this session issued",
                            id.map(compact).unwrap_or_else(|| "(none)".into())
                        ),
                        "the elicitationId of a URL-mode elicitation/create sent to this client",
                        n,
                    ));
                }
            }
            Some("notifications/cancelled") if stateless => {
                let id = n.pointer("/params/requestId");
                if !id.is_some_and(|id| listen_ids.contains(id)) {
                    out.push(finding(
                        format!(
                            "the server sent notifications/cancelled for request {}, which is not a subscriptions/listen of this client",
                            id.map(compact).unwrap_or_else(|| "(none)".into())
                        ),
                        "notifications/cancelled from the server only to end a subscriptions/listen (its request id)",
                        n,
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// [`judge_notices`] for a session at `version`.
pub fn judge(session: &Session, version: ProtocolVersion) -> Vec<Finding> {
    judge_notices(
        session.judged_notifications(),
        session.server_requests(),
        session.listen_ids(),
        version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;
    use serde_json::json;

    fn complete(id: &str) -> Value {
        json!({"jsonrpc": "2.0", "method": "notifications/elicitation/complete",
               "params": {"elicitationId": id}})
    }

    fn cancelled(id: Value) -> Value {
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}})
    }

    #[test]
    fn completions_must_name_an_issued_id() {
        let asked = json!({"jsonrpc": "2.0", "id": 1, "method": "elicitation/create",
            "params": {"mode": "url", "message": "m", "url": "https://x.test", "elicitationId": "e1"}});
        let v = ProtocolVersion::V2025_11_25;
        assert!(judge_notices(&[complete("e1")], std::slice::from_ref(&asked), &[], v).is_empty());
        let f = judge_notices(&[complete("e2")], &[asked], &[], v);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert!(f[0].message.contains("\"e2\""), "{}", f[0].message);
        assert_eq!(judge_notices(&[complete("e1")], &[], &[], v).len(), 1);
        let required = json!({"jsonrpc": "2.0", "id": 2, "error": {"code": -32042, "message": "m",
            "data": {"elicitations": [{"mode": "url", "elicitationId": "e3", "url": "https://x.test", "message": "m"}]}}});
        assert!(judge_notices(&[required, complete("e3")], &[], &[], v).is_empty());
    }

    #[test]
    fn stateless_cancellations_only_for_listens() {
        let v = ProtocolVersion::V2026_07_28;
        let listens = [json!(3)];
        assert!(judge_notices(&[cancelled(json!(3))], &[], &listens, v).is_empty());
        assert_eq!(
            judge_notices(&[cancelled(json!(4))], &[], &listens, v).len(),
            1
        );
        assert_eq!(
            judge_notices(&[cancelled(json!("3"))], &[], &listens, v).len(),
            1,
            "another JSON type is another id"
        );
        // The stateful versions let the server cancel its own requests: not judged here.
        let old = ProtocolVersion::V2025_11_25;
        assert!(judge_notices(&[cancelled(json!(4))], &[], &listens, old).is_empty());
    }
}
