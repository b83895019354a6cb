//! stdio misbehaviours: a server is a tiny `sh -c` script that answers `initialize` correctly
//! (from `fixtures/chaos/initialize-result.json`) and then misbehaves.

use super::{assert_fail, assert_within, opts, run_in_a_row, Ran, GATE, TIMEOUT};
use mcpcheck::check::Verdict;
use mcpcheck::session::Session;
use mcpcheck::transcript::Transcript;
use mcpcheck::transport::{Target, TransportError};
use serde_json::json;
use std::time::{Duration, Instant};

/// Reads the `initialize` line, answers it with the request's id, reads `initialized`.
const PRELUDE: &str = r#"
read -r line
id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
printf '{"jsonrpc":"2.0","id":%s,"result":%s}\n' "$id" "$(cat "$CHAOS_INIT")"
read -r line
"#;

/// Closing a stdio session waits this long for the process before killing it.
const SHUTDOWN: Duration = mcpcheck::transport::stdio::SHUTDOWN_GRACE;

fn sh(script: &str) -> Target {
    Target::Stdio {
        program: "sh".into(),
        args: vec!["-c".into(), script.into()],
        env: vec![(
            "CHAOS_INIT".into(),
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/chaos/initialize-result.json"
            )
            .into(),
        )],
    }
}

/// Runs ping then an unknown method against `script`; both must FAIL with one of `needles`.
async fn both_fail(script: &str, needles: &[&str]) -> Vec<Ran> {
    let _shared = GATE.read().await;
    let ran = run_in_a_row(
        sh(script),
        opts(),
        &["lifecycle.ping", "base.method-not-found"],
    )
    .await;
    for r in &ran {
        assert_fail(r, needles, TIMEOUT, SHUTDOWN);
    }
    ran
}

#[tokio::test]
async fn control_the_prelude_serves_a_correct_ping() {
    let _shared = GATE.read().await;
    let script = format!(
        "{PRELUDE}{}",
        r#"while read -r l; do
  id=$(printf '%s' "$l" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  printf '{"jsonrpc":"2.0","id":%s,"result":{}}\n' "$id"
done"#
    );
    let ran = run_in_a_row(sh(&script), opts(), &["lifecycle.ping"]).await;
    assert_eq!(ran[0].result.verdict, Verdict::Pass, "{}", ran[0].explain());
    assert_within(&ran[0], TIMEOUT, SHUTDOWN);
}

#[tokio::test]
async fn stdio_server_that_exits_at_once() {
    both_fail("exit 3", &["exited with status 3"]).await;
}

#[tokio::test]
async fn stdio_server_that_writes_non_json_to_stdout() {
    let script = format!("{PRELUDE}while read -r l; do echo 'hello from the server'; done");
    both_fail(&script, &["hello from the server"]).await;
}

#[tokio::test]
async fn stdio_server_that_never_reads_stdin() {
    both_fail("exec sleep 60", &["nothing came"]).await;
}

#[tokio::test]
async fn stdio_server_that_exits_after_initialization() {
    let script = format!("{PRELUDE}read -r l; exit 0");
    both_fail(&script, &["exited with status 0"]).await;
}

#[tokio::test]
async fn stdio_server_that_writes_invalid_utf8() {
    let script =
        format!("{PRELUDE}while read -r l; do printf '\\377\\376{{\"jsonrpc\":\"2.0\"}}\\n'; done");
    both_fail(&script, &["\u{fffd}"]).await;
}

#[tokio::test]
async fn stdio_server_that_writes_a_line_over_the_cap() {
    let script =
        format!("{PRELUDE}while read -r l; do head -c 600000 /dev/zero | tr '\\000' a; echo; done");
    both_fail(&script, &["cap"]).await;
}

#[tokio::test]
async fn stdio_server_that_answers_with_the_wrong_id() {
    let script = format!(
        "{PRELUDE}while read -r l; do echo '{{\"jsonrpc\":\"2.0\",\"id\":\"nope\",\"result\":{{}}}}'; done"
    );
    both_fail(&script, &["nope"]).await;
}

#[tokio::test]
async fn stdio_server_that_answers_every_request_twice() {
    // The second copy arrives after the first was taken: it is caught as a late duplicate by
    // the next exchange.
    let script = format!(
        "{PRELUDE}{}",
        r#"while read -r l; do
  id=$(printf '%s' "$l" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  printf '{"jsonrpc":"2.0","id":%s,"result":{}}\n' "$id"
  printf '{"jsonrpc":"2.0","id":%s,"result":{}}\n' "$id"
done"#
    );
    let _shared = GATE.read().await;
    let ids = ["lifecycle.ping", "base.method-not-found"];
    let ran = run_in_a_row(sh(&script), opts(), &ids).await;
    assert_fail(&ran[0], &["already answered"], TIMEOUT, SHUTDOWN);
    assert!(
        ran[0]
            .result
            .findings
            .iter()
            .any(|f| f.message.contains("already answered")),
        "the finding names the violation: {}",
        ran[0].explain()
    );
    // A result for an unknown method: a FAIL of its own.
    assert_fail(&ran[1], &["result"], TIMEOUT, SHUTDOWN);
}

/// A server that never drains stdin: a request bigger than the pipe buffer cannot be written,
/// and the write gives up at the timeout instead of blocking forever.
#[tokio::test]
async fn stdio_server_whose_stdin_fills_up() {
    let _shared = GATE.read().await;
    let mut s = Session::open(&sh("exec sleep 60"), opts(), Transcript::new())
        .await
        .expect("spawn");
    let big = "x".repeat(4 << 20);
    let started = Instant::now();
    let err = s
        .request("ping", Some(json!({ "pad": big })))
        .await
        .expect_err("nothing can be written to a full pipe");
    assert!(matches!(err, TransportError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < TIMEOUT + Duration::from_secs(2));
    // Part of the request may sit in the pipe, so nothing after it could be framed: stdin is
    // closed, and later sends fail at once instead of each waiting out the timeout.
    let started = Instant::now();
    let err = s.request("ping", None).await.expect_err("stdin is closed");
    assert!(
        matches!(&err, TransportError::Io(m) if m.contains("closed")),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    let notes = serde_json::to_string(&s.transcript().since(0)).unwrap_or_default();
    assert!(notes.contains("stdin is now closed"), "{notes}");
    s.close().await.expect("close");
}
