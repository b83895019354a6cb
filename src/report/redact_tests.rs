//! Unit tests of the redaction rules, one or more per rule.

use super::*;
use crate::check::{Level, Summary, Verdict};
use serde_json::json;

fn r() -> Redactor {
    Redactor::default()
}

#[test]
fn authorization_keeps_scheme_word() {
    assert_eq!(
        r().redact_header("Authorization", "Bearer abc.def"),
        "Bearer [REDACTED]"
    );
    assert_eq!(
        r().redact_header("proxy-authorization", "Basic dXNlcjpwdw=="),
        "Basic [REDACTED]"
    );
    assert_eq!(r().redact_header("AUTHORIZATION", "rawtoken"), "[REDACTED]");
    assert_eq!(r().redact_header("authorization", ""), "");
}

#[test]
fn api_key_header_is_replaced_whole() {
    assert_eq!(r().redact_header("X-API-Key", "k-123 456"), "[REDACTED]");
}

#[test]
fn cookies_keep_names_and_attributes() {
    assert_eq!(
        r().redact_header("Cookie", "sid=abc; theme=dark"),
        "sid=[REDACTED]; theme=[REDACTED]"
    );
    assert_eq!(
        r().redact_header("Set-Cookie", "sid=abc; Path=/; HttpOnly"),
        "sid=[REDACTED]; Path=/; HttpOnly"
    );
}

#[test]
fn other_headers_pass_through_text_rules() {
    assert_eq!(
        r().redact_header("Content-Type", "application/json"),
        "application/json"
    );
    assert_eq!(
        r().redact_header("Location", "http://127.0.0.1/cb?code=xyz&state=s1"),
        "http://127.0.0.1/cb?code=[REDACTED]&state=s1"
    );
}

#[test]
fn json_body_values_of_secret_keys() {
    let body =
        r#"{"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-2","expires_in":3600}"#;
    let out = r().redact_text(body);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["access_token"], "[REDACTED]");
    assert_eq!(v["refresh_token"], "[REDACTED]");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert!(!out.contains("at-1") && !out.contains("rt-2"));
}

#[test]
fn every_secret_key_is_redacted_in_json() {
    for key in SECRET_KEYS {
        let body = json!({ "outer": { *key: "s3cr3t-value" } }).to_string();
        let out = r().redact_text(&body);
        assert!(!out.contains("s3cr3t-value"), "{key}: {out}");
        assert!(out.contains(key), "{key} name kept: {out}");
    }
}

#[test]
fn json_keys_match_case_insensitively() {
    let out = r().redact_text(r#"{"Password":"hunter2x"}"#);
    assert_eq!(out, r#"{"Password":"[REDACTED]"}"#);
}

#[test]
fn json_rpc_error_code_is_kept() {
    let body = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}"#;
    assert_eq!(r().redact_text(body), body);
    let out = r().redact_text(r#"{"code":"auth-code-1"}"#);
    assert_eq!(out, r#"{"code":"[REDACTED]"}"#);
}

#[test]
fn schemas_describing_secret_fields_are_kept() {
    let body =
        r#"{"inputSchema":{"properties":{"password":{"type":"string"}},"required":["password"]}}"#;
    assert_eq!(r().redact_text(body), body);
    let clipped = r#"{"properties":{"password":{"type":"string"}… [9 more bytes not recorded]"#;
    assert_eq!(r().redact_text(clipped), clipped);
}

#[test]
fn arrays_under_secret_keys_are_redacted_item_by_item() {
    let out = r().redact_text(r#"{"assertion":["a1-secret",{"code":-1,"password":"p"}]}"#);
    assert_eq!(
        out,
        r#"{"assertion":["[REDACTED]",{"code":-1,"password":"[REDACTED]"}]}"#
    );
}

#[test]
fn json_without_secrets_is_kept_byte_for_byte() {
    let body = "{ \"a\" : 1.50,\n  \"b\": [true, null] }";
    assert_eq!(r().redact_text(body), body);
}

#[test]
fn pretty_json_stays_pretty() {
    let body = "{\n  \"password\": \"pw-1234\"\n}";
    assert_eq!(
        r().redact_text(body),
        "{\n  \"password\": \"[REDACTED]\"\n}"
    );
}

#[test]
fn header_names_as_json_keys_keep_scheme() {
    let out = r().redact_text(r#"{"headers":{"Authorization":"Bearer tok-99"}}"#);
    assert_eq!(out, r#"{"headers":{"Authorization":"Bearer [REDACTED]"}}"#);
}

#[test]
fn stringified_json_inside_json_is_redacted() {
    let inner = json!({"access_token": "nested-tok"}).to_string();
    let body = json!({"result": {"content": [{"type": "text", "text": inner}]}}).to_string();
    let out = r().redact_text(&body);
    assert!(!out.contains("nested-tok"), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let text = v["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap()["access_token"],
        "[REDACTED]"
    );
}

#[test]
fn url_inside_json_string_is_redacted() {
    let out = r().redact_text(r#"{"redirect":"http://127.0.0.1/cb?code=c-1&state=s"}"#);
    assert_eq!(
        out,
        r#"{"redirect":"http://127.0.0.1/cb?code=[REDACTED]&state=s"}"#
    );
}

#[test]
fn form_encoded_body() {
    let body = "grant_type=authorization_code&code=abc123&code_verifier=v-v-v&redirect_uri=x&client_secret=cs";
    assert_eq!(
        r().redact_text(body),
        "grant_type=authorization_code&code=[REDACTED]&code_verifier=[REDACTED]&redirect_uri=x&client_secret=[REDACTED]"
    );
}

#[test]
fn longer_words_ending_in_a_key_are_not_keys() {
    let body = "auth_code=keep1&code_challenge=keep2&xpassword=keep3";
    assert_eq!(r().redact_text(body), body);
}

#[test]
fn clipped_json_uses_pattern_fallback() {
    let clipped = r#"{"id_token":"eyJhbGc","access_token":"tok-abc… [10 more bytes not recorded]"#;
    let out = r().redact_text(clipped);
    assert!(
        !out.contains("eyJhbGc") && !out.contains("tok-abc"),
        "{out}"
    );
    assert!(
        out.starts_with(r#"{"id_token":"[REDACTED]","access_token":"[REDACTED]""#),
        "{out}"
    );
}

#[test]
fn clipped_json_keeps_numeric_code() {
    let clipped = r#"{"error":{"code":-32600,"message":"x"… [5 more bytes not recorded]"#;
    assert_eq!(r().redact_text(clipped), clipped);
}

#[test]
fn escaped_json_in_text_is_redacted() {
    let text = r#"payload: {\"password\":\"pw-55\"} end"#;
    let out = r().redact_text(text);
    assert!(!out.contains("pw-55"), "{out}");
    assert!(out.contains(r#"\"password\":\"[REDACTED]\""#), "{out}");
}

#[test]
fn plain_text_key_value_lines() {
    assert_eq!(
        r().redact_text("login password: hunter22 ok"),
        "login password: [REDACTED] ok"
    );
    // Prose mentioning a code is not a credential.
    assert_eq!(r().redact_text("language code: en"), "language code: en");
    assert_eq!(r().redact_text("exit code=1"), "exit code=1");
}

#[test]
fn header_lines_in_text() {
    let log = "-> POST /mcp\nAuthorization: Bearer live-tok\nx-api-key: k-1\nAccept: */*";
    assert_eq!(
        r().redact_text(log),
        "-> POST /mcp\nAuthorization: Bearer [REDACTED]\nx-api-key: [REDACTED]\nAccept: */*"
    );
}

#[test]
fn url_password() {
    assert_eq!(
        r().redact_text("connect https://alice:pa55@127.0.0.1:8080/mcp failed"),
        "connect https://alice:[REDACTED]@127.0.0.1:8080/mcp failed"
    );
    assert_eq!(
        r().redact_text("http://127.0.0.1:8080/mcp"),
        "http://127.0.0.1:8080/mcp"
    );
}

#[test]
fn redaction_is_idempotent() {
    let samples = [
        "Authorization: Bearer x1",
        "password=pw&code=abc",
        r#"{"access_token":"t"}"#,
        r#"{"access_token":"t"… clipped"#,
        "https://u:p@127.0.0.1/",
    ];
    for s in samples {
        let once = r().redact_text(s);
        assert_eq!(r().redact_text(&once), once, "{s}");
    }
}

#[test]
fn extra_secrets_anywhere() {
    let red = Redactor::new(["my-extra-secret", "ab"]);
    assert_eq!(red.redact_text("x my-extra-secret y"), "x [REDACTED] y");
    // Too short to be told apart from text: ignored.
    assert_eq!(red.redact_text("ab cab"), "ab cab");
    let v = red.redact_json(&json!({"name": "srv my-extra-secret", "my-extra-secret": 1}));
    assert_eq!(v, json!({"name": "srv [REDACTED]", "[REDACTED]": 1}));
}

#[test]
fn debug_output_hides_the_secrets() {
    let shown = format!("{:?}", Redactor::new(["my-extra-secret"]));
    assert!(!shown.contains("my-extra-secret"), "{shown}");
    assert!(shown.contains("secrets"), "{shown}");
}

#[test]
fn extra_secret_after_scheme_and_encoded_forms() {
    let red = Redactor::new(["Bearer tok/with \"q\" & more"]);
    assert_eq!(
        red.redact_text("echo tok/with \"q\" & more"),
        "echo [REDACTED]"
    );
    assert_eq!(
        red.redact_text(r#"{"x":"tok/with \"q\" & more"}"#),
        r#"{"x":"[REDACTED]"}"#
    );
    assert_eq!(
        red.redact_text("a=tok%2Fwith+%22q%22+%26+more"),
        "a=[REDACTED]"
    );
}

fn sample_report() -> RunReport {
    let check = CheckResult {
        id: "auth.token".into(),
        title: "token endpoint".into(),
        level: Level::Must,
        spec: vec!["2025-11-25/basic/authorization".into()],
        tags: vec!["auth".into()],
        verdict: Verdict::Fail,
        skip_reason: None,
        findings: vec![Finding {
            verdict: Verdict::Fail,
            message: "token leaked".into(),
            expected: Some("no user-secret-1 here".into()),
            actual: Some(r#"{"access_token":"at-777"}"#.into()),
            location: None,
        }],
        duration_ms: 5,
        transcript: vec![
            Entry::HttpRequest {
                t_ms: 0,
                method: "POST".into(),
                url: "http://127.0.0.1:1/token?code=qc-1".into(),
                headers: vec![
                    ("authorization".into(), "Bearer hdr-tok".into()),
                    ("x-custom".into(), "user-secret-1".into()),
                ],
                body: Some("code=bc-1&client_secret=cs-1".into()),
            },
            Entry::SseEvent {
                t_ms: 1,
                id: None,
                event: None,
                data: r#"{"refresh_token":"rt-sse"}"#.into(),
                retry: None,
            },
            Entry::StdioRecv {
                t_ms: 2,
                line: r#"{"id_token":"idt-1"}"#.into(),
            },
            Entry::Stderr {
                t_ms: 3,
                line: "password=pw-err".into(),
            },
            Entry::Note {
                t_ms: 4,
                text: "sent user-secret-1".into(),
            },
        ],
    };
    RunReport {
        schema_version: 1,
        tool: "mcpcheck test".into(),
        target: "https://u:pw-url@127.0.0.1/mcp".into(),
        transport: "streamable-http".into(),
        protocol_version: Some("2025-11-25".into()),
        server_info: Some(json!({"name": "s", "password": "pw-info"})),
        started_at: "2025-01-01T00:00:00Z".into(),
        duration_ms: 5,
        summary: Summary::of(std::slice::from_ref(&check)),
        checks: vec![check],
    }
}

#[test]
fn report_is_redacted_everywhere() {
    let report = sample_report();
    let red = Redactor::new(["user-secret-1"]).redact_report(&report);
    let dump = serde_json::to_string(&red).unwrap();
    for secret in [
        "at-777",
        "qc-1",
        "hdr-tok",
        "user-secret-1",
        "bc-1",
        "cs-1",
        "rt-sse",
        "idt-1",
        "pw-err",
        "pw-url",
        "pw-info",
    ] {
        assert!(!dump.contains(secret), "{secret} leaked: {dump}");
    }
    // Structure and non-secret content are untouched.
    assert_eq!(red.summary, report.summary);
    assert_eq!(
        red.checks[0].transcript.len(),
        report.checks[0].transcript.len()
    );
    assert_eq!(red.checks[0].findings[0].message, "token leaked");
    match &red.checks[0].transcript[0] {
        Entry::HttpRequest { headers, .. } => {
            assert_eq!(
                headers[0],
                ("authorization".to_string(), "Bearer [REDACTED]".to_string())
            );
            assert_eq!(headers[1].1, "[REDACTED]");
        }
        other => panic!("unexpected entry {other:?}"),
    }
}

#[test]
fn report_without_secrets_is_unchanged() {
    let mut report = sample_report();
    report.target = "http://127.0.0.1/mcp".into();
    report.server_info = Some(json!({"name": "s", "version": "1"}));
    report.checks[0].findings.clear();
    report.checks[0].transcript = vec![Entry::HttpResponse {
        t_ms: 1,
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: Some("{\"jsonrpc\":\"2.0\", \"id\":1, \"result\":{}}".into()),
    }];
    assert_eq!(
        Redactor::new(["unused-secret"]).redact_report(&report),
        report
    );
}
