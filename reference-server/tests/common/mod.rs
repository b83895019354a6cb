//! Helpers shared by the integration tests: a stdio client over in-memory pipes, an HTTP
//! client over reqwest, and a small SSE parser. Plain clients on purpose: the tests must not
//! depend on the mcpcheck harness.
#![allow(dead_code)]

pub mod http;
pub mod modern;
pub mod schema26;
pub mod sse;
pub mod stdio;

use serde_json::{json, Value};
use std::time::Duration;

/// Longest wait for anything the server should send.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long to listen to conclude that nothing comes.
pub const QUIET: Duration = Duration::from_millis(300);

/// `initialize` params asking for `version`.
pub fn init_params(version: &str) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": {},
        "clientInfo": {"name": "reference-server-tests", "version": "0.0.1"},
    })
}

/// A request message.
pub fn request(id: Value, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// A notification message.
pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// The `result` of a response, failing the test on an error response.
pub fn result(msg: &Value) -> &Value {
    assert!(msg.get("error").is_none(), "expected a result, got {msg}");
    msg.get("result")
        .unwrap_or_else(|| panic!("no result in {msg}"))
}

/// The error code of an error response, failing the test on a result.
pub fn error_code(msg: &Value) -> i64 {
    msg.pointer("/error/code")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("expected an error, got {msg}"))
}

/// The text of the first content block of a tool result.
pub fn first_text(result: &Value) -> &str {
    result
        .pointer("/content/0/text")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text in {result}"))
}

/// The names of the tools in a `tools/list` result.
pub fn tool_names(result: &Value) -> Vec<String> {
    result["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap_or("<no name>").to_string())
        .collect()
}

/// The test file that proves each fault switch changes its behaviour. An exhaustive match: a
/// new fault does not compile until it is given a probe.
pub fn fault_probe_file(fault: mcp_reference_server::Fault) -> &'static str {
    use mcp_reference_server::Fault::*;
    match fault {
        SessionIdInvalidChars
        | SessionOptional
        | DeleteIgnored
        | UnknownSessionOk
        | Notification200
        | GetReturnsJson
        | IgnoreProtocolHeader
        | NoOriginCheck
        | NoHostCheck
        | ConcurrentRequestsRejected => "faults_http",
        WrongResponseId
        | UnknownMethodOk
        | InvalidParamsOk
        | ParseErrorOk
        | ReplyToNotifications
        | NoInitRequired
        | InitMissingServerInfo
        | VersionNotEchoed
        | VersionEchoUnknown
        | CapabilityUnadvertised
        | InitializedRejected
        | PingError
        | StdoutBanner => "faults_protocol",
        ToolMissingInputSchema
        | BadToolName
        | PaginationLoop
        | ToolResultBadContent
        | UnknownToolSuccess
        | StructuredOutputInvalid
        | ToolErrorAsJsonrpc
        | ResourceMissingUri
        | TemplateMissingUriTemplate
        | BlobNotBase64
        | UnknownResourceOk
        | SubscribeError
        | PromptMissingName
        | PromptBadRole
        | PromptMissingArgOk
        | CompletionTooMany
        | SetlevelError
        | ProgressDecreasing
        | IgnoreCancel => "faults_features",
        AuthNoWwwAuthenticate
        | AuthPrmMissing
        | AuthPrmWrongResource
        | AuthNoAudienceCheck
        | AuthExpiredTokenAccepted
        | AuthBadSignatureAccepted
        | AuthAlgNoneAccepted
        | AuthScopeNotEnforced
        | AuthInsufficientScope401
        | AuthRevocationIgnored
        | AuthIntrospectionStale
        | AuthUpstreamTokenPassthrough => "auth_faults",
        AuthIssuerMismatch
        | AuthNoS256Advertised
        | AuthPlainPkceAccepted
        | AuthMissingPkceAccepted
        | AuthPkceNotVerified
        | AuthCodeReuse
        | AuthRedirectPrefixMatch
        | AuthStateDropped
        | AuthNoIssInResponse
        | AuthNoRefreshRotation
        | AuthRefreshReuseNotDetected
        | AuthWrongSecretAccepted
        | AuthInvalidClient400
        | AuthTokenError200
        | AuthNoCacheControl
        | AuthDcrAcceptsInvalidRedirect
        | AuthDcrConfigNoAuth
        | AuthCimdMismatchAccepted => "auth_faults_as",
        LoadPeriodicStall | LoadErrorRate => "faults_load",
        SnapToolRenamed | SnapRequiredArgAdded | SnapCapabilityDropped => "faults_snapshot",
        LegacyNoEndpointEvent | LegacyResponseInPost | LegacyNoOriginCheck => "faults_legacy",
        SseResumeLost | SseResumeOtherStream | SseEventIdReused | SseNoRetry | SseNoPriming => {
            "faults_resume"
        }
        V26NoDiscover
        | V26UnsupportedVersionServed
        | V26HeaderMismatchOk
        | V26MethodHeaderIgnored
        | V26NameHeaderIgnored
        | V26RemovedMethodServed
        | V26NoResultType
        | V26NoCacheHints
        | V26NotFound32002
        | V26SessionMinted
        | V26LogUnrequested => "faults_modern",
        V26MrtrStateUnchecked
        | V26MrtrMissingInputError
        | V26MrtrWithoutCapability
        | V26MrtrBadInputRequest
        | V26MrtrOnList
        | V26ListenNoAck
        | V26ListenWrongSubscriptionId
        | V26ListenUnfiltered => "faults_mrtr",
        SamplingWithoutCapability
        | ElicitationNestedSchema
        | ElicitationUrlUndeclared
        | SamplingMissingMaxTokens
        | ClientReplyIgnored => "faults_client_requests",
        TaskRequiredPlainOk
        | TaskResultNoRelatedMeta
        | TaskUnknownIdWrongCode
        | TaskCancelTerminalOk => "faults_tasks",
        BatchRefused | BatchAfterRemoval | BatchEmptyOk | ToolSchemaInvalid => "faults_batch",
        AuthIssMissingOnError
        | AuthOfflineAccessInChallenge
        | AuthStepUpPartial
        | AuthScopeHierarchyIgnored => "auth_faults26",
        BroadcastNotifications | ElicitationCompleteUnknownId | V26CancelWrongId => "faults_misc",
        TaskInputNoRelatedMeta
        | TaskStatusAfterTerminal
        | TaskStatusNoticeRelatedMeta
        | SamplingUnbalancedToolUse => "faults_tasks_input",
        V26TaskUndeclared
        | V26TaskMethodsUndeclared
        | V26TaskNotDurable
        | V26TaskCreateShape
        | V26TaskGetResultType
        | V26TaskNoResult
        | V26TaskIsErrorFailed
        | V26TaskInputNoRequests
        | V26TaskInputKeyReused
        | V26TaskFailedNoError
        | V26TaskUnknownIdInternal
        | V26TaskCancelTerminal
        | V26TaskNotifyUndeclared
        | V26TaskNotifyPartial
        | V26TaskNotifyUntagged
        | V26TaskNotifyProgress => "faults_tasks_ext",
        V26ParamHeaderUnchecked | V26ParamHeaderNotDecoded | V26ListenCloseWrongId => {
            "faults_param_listen"
        }
    }
}

/// Asserts that `covered` is exactly the set of faults `fault_probe_file` assigns to `file`.
pub fn assert_covers(file: &str, covered: &[mcp_reference_server::Fault]) {
    use std::collections::BTreeSet;
    let want: BTreeSet<_> = mcp_reference_server::Fault::ALL
        .iter()
        .copied()
        .filter(|f| fault_probe_file(*f) == file)
        .collect();
    let got: BTreeSet<_> = covered.iter().copied().collect();
    assert_eq!(got, want, "{file} must probe exactly its faults");
    assert_eq!(
        got.len(),
        covered.len(),
        "a fault is probed twice in {file}"
    );
}
