//! Fault switches: each one makes the server break exactly one rule of the MCP specification,
//! so a conformance check can be shown to fail when the rule it guards is broken.
//!
//! The table below is the single source of names and descriptions (`--fault NAME`,
//! `--list-faults`); the behaviour of each switch lives next to the code it alters.

use std::fmt;

macro_rules! faults {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $desc:literal; )*) => {
        /// One rule the server can be told to break.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $( $(#[$doc])* $variant, )*
        }

        impl Fault {
            /// Every fault switch, in documentation order.
            pub const ALL: &'static [Fault] = &[ $( Fault::$variant, )* ];

            /// The switch name used on the command line (`--fault NAME`).
            pub fn name(self) -> &'static str {
                match self { $( Fault::$variant => $name, )* }
            }

            /// One line naming the rule the switch breaks.
            pub fn description(self) -> &'static str {
                match self { $( Fault::$variant => $desc, )* }
            }
        }
    };
}

faults! {
    /// Ping responses carry a different id.
    WrongResponseId => "wrong-response-id", "ping responses carry a different id than the request (n -> n+1, s -> s-x)";
    /// Unknown methods succeed.
    UnknownMethodOk => "unknown-method-ok", "unknown methods answer result {} instead of error -32601";
    /// Malformed tools/call params succeed.
    InvalidParamsOk => "invalid-params-ok", "tools/call without `name` or with non-object `arguments` succeeds instead of -32602";
    /// Malformed JSON gets a success.
    ParseErrorOk => "parse-error-ok", "malformed JSON is answered with a success result instead of error -32700";
    /// Notifications get answered.
    ReplyToNotifications => "reply-to-notifications", "every notification is answered with a response (id null, result {})";
    /// Requests are served before initialize.
    NoInitRequired => "no-init-required", "requests before initialize are served instead of rejected";
    /// initialize result has no serverInfo.
    InitMissingServerInfo => "init-missing-server-info", "the initialize result lacks serverInfo";
    /// Always negotiates the newest version.
    VersionNotEchoed => "version-not-echoed", "initialize answers another supported version than the supported one requested (2025-03-26 ↔ 2025-11-25)";
    /// Echoes unknown versions.
    VersionEchoUnknown => "version-echo-unknown", "initialize echoes any requested protocol version, even an unknown one";
    /// Serves completions without advertising them.
    CapabilityUnadvertised => "capability-unadvertised", "completion/complete is served although `completions` is not advertised";
    /// Rejects notifications/initialized.
    InitializedRejected => "initialized-rejected", "notifications/initialized is rejected (HTTP 400, stdio error response)";
    /// ping fails.
    PingError => "ping-error", "ping is answered with error -32603 instead of {}";
    /// Session ids contain a space.
    SessionIdInvalidChars => "session-id-invalid-chars", "session ids contain a space (outside visible ASCII 0x21-0x7E)";
    /// Session header optional once a session exists.
    SessionOptional => "session-optional", "a POST without Mcp-Session-Id is served (not 400) once any session exists";
    /// DELETE does not end the session.
    DeleteIgnored => "delete-ignored", "DELETE answers 200 but the session stays valid (no 404 afterwards)";
    /// Never-issued session ids are served.
    UnknownSessionOk => "unknown-session-ok", "a never-issued session id is served with 200 instead of 404";
    /// Accepted notifications get 200.
    Notification200 => "notification-200", "accepted notifications are answered with 200 instead of 202";
    /// GET returns JSON.
    GetReturnsJson => "get-returns-json", "GET /mcp answers 200 application/json instead of an SSE stream or 405";
    /// Invalid MCP-Protocol-Version accepted.
    IgnoreProtocolHeader => "ignore-protocol-header", "an invalid or unsupported MCP-Protocol-Version header is accepted instead of 400";
    /// No Origin validation.
    NoOriginCheck => "no-origin-check", "a foreign Origin header is accepted instead of 403";
    /// No Host validation.
    NoHostCheck => "no-host-check", "a foreign Host header is accepted instead of 403";
    /// Concurrent requests rejected.
    ConcurrentRequestsRejected => "concurrent-requests-rejected", "a POST request while another request of the session is in flight gets 409";
    /// A tool lacks inputSchema.
    ToolMissingInputSchema => "tool-missing-input-schema", "one listed tool lacks the required inputSchema";
    /// A tool with an invalid name.
    BadToolName => "bad-tool-name", "an extra tool named \"bad tool!\" is listed";
    /// Pagination never ends.
    PaginationLoop => "pagination-loop", "the last page of tools/list has a nextCursor pointing back to the first page";
    /// echo content lacks type.
    ToolResultBadContent => "tool-result-bad-content", "the echo tool's content item lacks `type`";
    /// Unknown tools succeed.
    UnknownToolSuccess => "unknown-tool-success", "calling an unknown tool returns a plain success result instead of an error";
    /// weather structuredContent breaks its outputSchema.
    StructuredOutputInvalid => "structured-output-invalid", "weather's structuredContent lacks `temperature_c` required by its outputSchema";
    /// Tool errors as JSON-RPC errors.
    ToolErrorAsJsonrpc => "tool-error-as-jsonrpc", "divide by zero is a JSON-RPC error -32603 instead of an isError result";
    /// A resource lacks uri.
    ResourceMissingUri => "resource-missing-uri", "a listed resource lacks the required `uri`";
    /// A template lacks uriTemplate.
    TemplateMissingUriTemplate => "template-missing-uri-template", "the listed resource template lacks the required `uriTemplate`";
    /// Blob is not base64.
    BlobNotBase64 => "blob-not-base64", "logo.png's blob is not valid base64";
    /// Unknown resources succeed.
    UnknownResourceOk => "unknown-resource-ok", "reading an unknown URI succeeds with empty contents instead of -32002";
    /// resources/subscribe fails.
    SubscribeError => "subscribe-error", "resources/subscribe fails with -32603 although `subscribe` is advertised";
    /// A prompt lacks name.
    PromptMissingName => "prompt-missing-name", "a listed prompt lacks the required `name`";
    /// Prompt messages use role system.
    PromptBadRole => "prompt-bad-role", "prompts/get messages use role \"system\" (only user/assistant exist)";
    /// Missing prompt arguments accepted.
    PromptMissingArgOk => "prompt-missing-arg-ok", "prompts/get with a required argument missing succeeds instead of -32602";
    /// Too many completion values.
    CompletionTooMany => "completion-too-many", "completion/complete returns 150 values (the limit is 100)";
    /// logging/setLevel fails.
    SetlevelError => "setlevel-error", "logging/setLevel with a valid level fails with -32603";
    /// Progress goes down.
    ProgressDecreasing => "progress-decreasing", "progress notifications carry decreasing `progress` values";
    /// Cancellation ignored.
    IgnoreCancel => "ignore-cancel", "cancelled requests still get their response";
    /// stdout banner in stdio mode.
    StdoutBanner => "stdout-banner", "stdio mode prints a plain-text banner line on stdout before any message";
    /// 401 without a challenge.
    AuthNoWwwAuthenticate => "auth-no-www-authenticate", "401 answers on /mcp carry no WWW-Authenticate header";
    /// No protected resource metadata.
    AuthPrmMissing => "auth-prm-missing", "both protected resource metadata URLs answer 404";
    /// PRM names another resource.
    AuthPrmWrongResource => "auth-prm-wrong-resource", "the protected resource metadata `resource` is not the MCP endpoint URL";
    /// Audience not checked.
    AuthNoAudienceCheck => "auth-no-audience-check", "/mcp accepts a token whose `aud` is another resource";
    /// Expired tokens accepted.
    AuthExpiredTokenAccepted => "auth-expired-token-accepted", "/mcp accepts an access token whose `exp` has passed";
    /// Signatures not checked.
    AuthBadSignatureAccepted => "auth-bad-signature-accepted", "/mcp accepts an access token whose signature does not verify";
    /// Unsigned (`alg: none`) access tokens are accepted at /mcp.
    AuthAlgNoneAccepted => "auth-alg-none-accepted", "/mcp accepts an unsigned access token (JWT header alg none, empty signature)";
    /// Scopes not enforced.
    AuthScopeNotEnforced => "auth-scope-not-enforced", "data tools that need `write` can be called with a read-only token";
    /// Missing scope answered 401.
    AuthInsufficientScope401 => "auth-insufficient-scope-401", "a missing scope is answered 401 invalid_token instead of 403 insufficient_scope";
    /// Metadata issuer differs.
    AuthIssuerMismatch => "auth-issuer-mismatch", "authorization server metadata `issuer` has a trailing slash the issuer URL lacks";
    /// No PKCE methods advertised.
    AuthNoS256Advertised => "auth-no-s256-advertised", "authorization server metadata lacks code_challenge_methods_supported";
    /// plain PKCE accepted.
    AuthPlainPkceAccepted => "auth-plain-pkce-accepted", "the authorization endpoint accepts code_challenge_method=plain";
    /// Missing PKCE accepted.
    AuthMissingPkceAccepted => "auth-missing-pkce-accepted", "the authorization endpoint issues a code without a code_challenge";
    /// code_verifier ignored.
    AuthPkceNotVerified => "auth-pkce-not-verified", "the token endpoint ignores code_verifier (wrong or missing verifiers work)";
    /// Codes work twice.
    AuthCodeReuse => "auth-code-reuse", "an authorization code can be redeemed more than once";
    /// Redirect URIs matched by prefix.
    AuthRedirectPrefixMatch => "auth-redirect-prefix-match", "redirect_uri is matched by prefix instead of exactly";
    /// state not echoed.
    AuthStateDropped => "auth-state-dropped", "the authorization response does not carry `state` back";
    /// No iss in the authorization response.
    AuthNoIssInResponse => "auth-no-iss-in-response", "the authorization response lacks `iss` (RFC 9207)";
    /// Refresh tokens not rotated.
    AuthNoRefreshRotation => "auth-no-refresh-rotation", "refresh returns the same refresh token, which stays valid";
    /// Refresh reuse not detected.
    AuthRefreshReuseNotDetected => "auth-refresh-reuse-not-detected", "reusing a rotated refresh token does not revoke its family";
    /// Client secrets not checked.
    AuthWrongSecretAccepted => "auth-wrong-secret-accepted", "client authentication does not check the client secret";
    /// invalid_client answered 400.
    AuthInvalidClient400 => "auth-invalid-client-400", "invalid_client errors are answered 400 instead of 401";
    /// Token errors answered 200.
    AuthTokenError200 => "auth-token-error-200", "token endpoint errors are answered with HTTP 200";
    /// No Cache-Control on token responses.
    AuthNoCacheControl => "auth-no-cache-control", "token endpoint responses lack Cache-Control: no-store";
    /// DCR accepts bad redirect URIs.
    AuthDcrAcceptsInvalidRedirect => "auth-dcr-accepts-invalid-redirect", "DCR accepts redirect URIs that are neither https nor loopback http";
    /// RFC 7592 endpoint unauthenticated.
    AuthDcrConfigNoAuth => "auth-dcr-config-no-auth", "the client configuration endpoint answers without the registration access token";
    /// Revocation ignored at /mcp.
    AuthRevocationIgnored => "auth-revocation-ignored", "a revoked access token still works at /mcp";
    /// Introspection stale.
    AuthIntrospectionStale => "auth-introspection-stale", "introspection reports a revoked token as active";
    /// CIMD client_id mismatch accepted.
    AuthCimdMismatchAccepted => "auth-cimd-mismatch-accepted", "a client ID metadata document whose client_id is not its URL is accepted";
    /// Upstream token passthrough.
    AuthUpstreamTokenPassthrough => "auth-upstream-token-passthrough", "upstream mode: /mcp accepts the upstream IdP's access token as is";
    /// 2026-07-28: error redirects without iss while the metadata advertises it.
    AuthIssMissingOnError => "auth-iss-missing-on-error", "error redirects of the authorization endpoint lack `iss` while the metadata advertises authorization_response_iss_parameter_supported";
    /// 2026-07-28: offline_access in the 401 challenge.
    AuthOfflineAccessInChallenge => "auth-offline-access-in-challenge", "the 401 challenge on /mcp asks for `offline_access` in its scope (a resource should not: refresh tokens are not a resource requirement)";
    /// 2026-07-28: a 403 that does not name every scope the call needs.
    AuthStepUpPartial => "auth-step-up-partial", "a 403 insufficient_scope names only part of the scopes (the granted ones, not the missing one the call needs), so a step-up to the challenged scopes is refused again";
    /// A tool is listed under another name (snapshot fault).
    SnapToolRenamed => "snap-tool-renamed", "the weather tool is listed (and called) as `get_weather` instead of `weather` (a breaking change for snapshots)";
    /// A tool gains a required argument (snapshot fault).
    SnapRequiredArgAdded => "snap-required-arg-added", "the search tool's inputSchema gains a required `language` argument (a breaking change for snapshots)";
    /// A capability is not advertised (snapshot fault).
    SnapCapabilityDropped => "snap-capability-dropped", "the `logging` capability is neither advertised nor served (a breaking change for snapshots)";
    /// Periodic server-wide stall (load fault).
    LoadPeriodicStall => "load-periodic-stall", "100 ms after each pause ends, the next request stalls ~100 ms and holds up every request arriving meanwhile (a periodic stop-the-world pause; load fault)";
    /// Injected tools/call errors (load fault).
    LoadErrorRate => "load-error-rate", "every 10th tools/call (10 %) is answered with JSON-RPC error -32603 (load fault)";
    /// server/discover is unknown (2026-07-28).
    V26NoDiscover => "v26-no-discover", "2026-07-28: server/discover is answered with -32601 instead of a DiscoverResult";
    /// Unsupported modern versions are served (2026-07-28).
    V26UnsupportedVersionServed => "v26-unsupported-version-served", "2026-07-28: a request whose _meta names an unsupported protocol version (e.g. 1900-01-01) is served instead of -32022";
    /// MCP-Protocol-Version header not compared with _meta (2026-07-28).
    V26HeaderMismatchOk => "v26-header-mismatch-ok", "2026-07-28: an MCP-Protocol-Version header that is missing or differs from the _meta version is accepted instead of 400/-32020";
    /// Mcp-Method header not checked (2026-07-28).
    V26MethodHeaderIgnored => "v26-method-header-ignored", "2026-07-28: an Mcp-Method header that is missing or differs from the body method is accepted instead of 400/-32020";
    /// Mcp-Name header not checked (2026-07-28).
    V26NameHeaderIgnored => "v26-name-header-ignored", "2026-07-28: an Mcp-Name header that is missing or differs from params.name/params.uri is accepted instead of 400/-32020";
    /// Removed methods still served (2026-07-28).
    V26RemovedMethodServed => "v26-removed-method-served", "2026-07-28: a modern `ping` (removed in 2026-07-28) is answered {} instead of 404/-32601";
    /// Results lack resultType (2026-07-28).
    V26NoResultType => "v26-no-result-type", "2026-07-28: modern results lack the required `resultType`";
    /// Results lack caching hints (2026-07-28).
    V26NoCacheHints => "v26-no-cache-hints", "2026-07-28: discover, list and read results lack `ttlMs` and `cacheScope`";
    /// Unknown resources answer -32002 (2026-07-28).
    V26NotFound32002 => "v26-not-found-32002", "2026-07-28: reading an unknown resource answers -32002 (removed) instead of -32602";
    /// Modern responses mint a session (2026-07-28).
    V26SessionMinted => "v26-session-minted", "2026-07-28: modern HTTP responses carry an Mcp-Session-Id header";
    /// Log messages without the opt-in (2026-07-28).
    V26LogUnrequested => "v26-log-unrequested", "2026-07-28: a modern tools/call without `io.modelcontextprotocol/logLevel` gets notifications/message on its stream";
    /// Tampered requestState accepted (2026-07-28 MRTR).
    V26MrtrStateUnchecked => "v26-mrtr-state-unchecked", "2026-07-28: an MRTR retry whose requestState was altered (a flipped byte) is served instead of -32602";
    /// A missing input response is an error (2026-07-28 MRTR).
    V26MrtrMissingInputError => "v26-mrtr-missing-input-error", "2026-07-28: an MRTR retry without the input response asked for is answered -32602 instead of another input_required";
    /// Input requests for undeclared capabilities (2026-07-28 MRTR).
    V26MrtrWithoutCapability => "v26-mrtr-without-capability", "2026-07-28: the MRTR tools ask for input (elicitation, sampling, roots) the request's client capabilities did not declare instead of -32021";
    /// Malformed input requests (2026-07-28 MRTR).
    V26MrtrBadInputRequest => "v26-mrtr-bad-input-request", "2026-07-28: the inputRequests entry of an MRTR tool names an unknown method (user/ask) and has no params";
    /// input_required on tools/list (2026-07-28 MRTR).
    V26MrtrOnList => "v26-mrtr-on-list", "2026-07-28: a modern tools/list from a client that declared `roots` is answered input_required (asking roots/list) although only tools/call, resources/read and prompts/get may be";
    /// Listen streams open without the acknowledgement (2026-07-28).
    V26ListenNoAck => "v26-listen-no-ack", "2026-07-28: subscriptions/listen streams start without notifications/subscriptions/acknowledged";
    /// Numeric subscription ids stringified (2026-07-28).
    V26ListenWrongSubscriptionId => "v26-listen-wrong-subscription-id", "2026-07-28: a listen request's numeric id is echoed as a string in _meta subscriptionId (7 -> \"7\")";
    /// Listen delivers events outside its filter (2026-07-28).
    V26ListenUnfiltered => "v26-listen-unfiltered", "2026-07-28: notifications/resources/updated reaches every open subscription, also those that did not subscribe to the URI";
    /// Sampling sent to a client that did not declare it.
    SamplingWithoutCapability => "sampling-without-capability", "ask_model sends sampling/createMessage to a client that did not declare the `sampling` capability";
    /// Elicitation schema with a nested object.
    ElicitationNestedSchema => "elicitation-nested-schema", "ask_user's requestedSchema has a nested object property (only flat primitives are allowed)";
    /// URL-mode elicitation to a form-only client.
    ElicitationUrlUndeclared => "elicitation-url-undeclared", "ask_user_url sends a URL-mode elicitation to a client that declared form mode only";
    /// Sampling request without maxTokens.
    SamplingMissingMaxTokens => "sampling-missing-max-tokens", "ask_model's sampling/createMessage request lacks the required `maxTokens`";
    /// The tool result ignores the client's answer.
    ClientReplyIgnored => "client-reply-ignored", "the tools that ask the client return a canned result that ignores the client's answer";
    /// A task-only tool runs on a plain call.
    TaskRequiredPlainOk => "task-required-plain-ok", "a plain tools/call of batch_job (execution.taskSupport required) succeeds instead of -32601";
    /// tasks/result lacks the related-task _meta.
    TaskResultNoRelatedMeta => "task-result-no-related-meta", "tasks/result answers without `_meta[\"io.modelcontextprotocol/related-task\"]`";
    /// Unknown task ids answer another code.
    TaskUnknownIdWrongCode => "task-unknown-id-wrong-code", "tasks/get, tasks/result and tasks/cancel answer an unknown taskId with -32603 instead of -32602";
    /// Cancelling a terminal task succeeds.
    TaskCancelTerminalOk => "task-cancel-terminal-ok", "tasks/cancel of a task already terminal returns the task instead of -32602";
    /// Resumed streams never deliver the response.
    SseResumeLost => "sse-resume-lost", "a stream resumed with GET + Last-Event-ID never delivers the request's response (notifications only)";
    /// Resumption replays another stream's events.
    SseResumeOtherStream => "sse-resume-other-stream", "a stream resumed with GET + Last-Event-ID first replays the messages of the session's other streams";
    /// Event ids repeat across streams.
    SseEventIdReused => "sse-event-id-reused", "SSE event ids are a per-stream counter (0, 1, …), so every stream of a session reuses the same ids";
    /// Polling close without retry.
    SseNoRetry => "sse-no-retry", "with --sse-poll-ms, the server closes a stream for polling without sending a `retry` field first";
    /// No priming event.
    SseNoPriming => "sse-no-priming", "2025-11-25 SSE streams open without the priming event (an id with empty data)";
    /// The legacy SSE stream names no endpoint.
    LegacyNoEndpointEvent => "legacy-no-endpoint-event", "GET /sse sends no `endpoint` event (POST /messages?sessionId=… still works if guessed)";
    /// Legacy responses in the POST body.
    LegacyResponseInPost => "legacy-response-in-post", "legacy POST /messages answers requests in the POST body (200 JSON) instead of as SSE `message` events";
    /// No Origin validation on the legacy transport.
    LegacyNoOriginCheck => "legacy-no-origin-check", "a foreign Origin header is accepted on /sse and /messages instead of 403";
    /// 2025-03-26 batches refused.
    BatchRefused => "batch-refused", "2025-03-26: a JSON-RPC batch is refused (HTTP 400, stdio error -32600) instead of run";
    /// Batches run after their removal.
    BatchAfterRemoval => "batch-after-removal", "2025-06-18 and later: a JSON-RPC batch is run and answered as in 2025-03-26 instead of refused";
    /// Empty batches accepted.
    BatchEmptyOk => "batch-empty-ok", "2025-03-26: an empty array is taken as an empty batch (HTTP 202, stdio silence) instead of one -32600 error";
    /// A tool's inputSchema is not a valid JSON Schema.
    ToolSchemaInvalid => "tool-schema-invalid", "2025-11-25: the search tool's inputSchema gives its `query` property the type \"text\" (no JSON Schema 2020-12 type)";
    /// Session messages go out on every GET stream.
    BroadcastNotifications => "broadcast-notifications", "a second GET stream no longer ends the first: messages not tied to a request (list changes, resource updates) go out on every open GET stream of the session";
    /// notifications/elicitation/complete names an id never issued.
    ElicitationCompleteUnknownId => "elicitation-complete-unknown-id", "2025-11-25: after an accepted URL-mode elicitation, notifications/elicitation/complete names an elicitationId the server never issued";
    /// notifications/cancelled for a non-listen request.
    V26CancelWrongId => "v26-cancel-wrong-id", "2026-07-28: a subscriptions/listen stream also carries notifications/cancelled naming a request id that is not the listen's";
    // tasks extension (2026-07-28): io.modelcontextprotocol/tasks
    /// A task for a request that did not declare the extension.
    V26TaskUndeclared => "v26-task-undeclared", "2026-07-28 tasks extension: a tools/call of `slow` that did not declare io.modelcontextprotocol/tasks is answered with a CreateTaskResult";
    /// tasks/* served without the extension declared.
    V26TaskMethodsUndeclared => "v26-task-methods-undeclared", "2026-07-28 tasks extension: tasks/get, tasks/update and tasks/cancel from a request that did not declare the extension are served instead of -32021";
    /// The task appears only after the CreateTaskResult.
    V26TaskNotDurable => "v26-task-not-durable", "2026-07-28 tasks extension: a task becomes visible to tasks/get only 1.5 s after its CreateTaskResult (unknown, -32602, meanwhile)";
    /// CreateTaskResult without ttlMs.
    V26TaskCreateShape => "v26-task-create-shape", "2026-07-28 tasks extension: the CreateTaskResult lacks the required `ttlMs`";
    /// tasks/get answers resultType task.
    V26TaskGetResultType => "v26-task-get-result-type", "2026-07-28 tasks extension: tasks/get results carry resultType \"task\" instead of \"complete\"";
    /// A completed task without its result.
    V26TaskNoResult => "v26-task-no-result", "2026-07-28 tasks extension: tasks/get of a completed task lacks `result`";
    /// isError tool results reported as failed.
    V26TaskIsErrorFailed => "v26-task-iserror-failed", "2026-07-28 tasks extension: a tool result with isError: true ends the task `failed` (with a -32603 error) instead of `completed`";
    /// input_required without inputRequests.
    V26TaskInputNoRequests => "v26-task-input-no-requests", "2026-07-28 tasks extension: tasks/get of an input_required task lacks `inputRequests`";
    /// An answered inputRequests key is asked again.
    V26TaskInputKeyReused => "v26-task-input-key-reused", "2026-07-28 tasks extension: after its answer arrives, an input request is asked again under the same key";
    /// A failed task without its error.
    V26TaskFailedNoError => "v26-task-failed-no-error", "2026-07-28 tasks extension: tasks/get of a failed task lacks `error`";
    /// Unknown task ids answer -32603.
    V26TaskUnknownIdInternal => "v26-task-unknown-id-internal", "2026-07-28 tasks extension: tasks/get, tasks/update and tasks/cancel of an unknown taskId answer -32603 instead of -32602";
    /// tasks/cancel overwrites a terminal task.
    V26TaskCancelTerminal => "v26-task-cancel-terminal", "2026-07-28 tasks extension: tasks/cancel of a completed task makes it `cancelled` (a terminal status changed)";
    // auth 2026-07-28 client rules (H17)
    /// A broader scope does not satisfy a narrower one.
    AuthScopeHierarchyIgnored => "auth-scope-hierarchy-ignored", "/mcp ignores its documented scope hierarchy (write implies read): a token granted only `write` is refused with 403 for the tools that need `read`";
    // param headers + listen close (2026-07-28)
    /// Mcp-Param-* headers are not checked.
    V26ParamHeaderUnchecked => "v26-param-header-unchecked", "2026-07-28: a tools/call of header_echo whose Mcp-Param-* header is missing or differs from its argument is served instead of 400/-32020";
    /// Encoded Mcp-Param-* values are compared without decoding.
    V26ParamHeaderNotDecoded => "v26-param-header-not-decoded", "2026-07-28: Mcp-Param-* values in the =?base64?…?= form are compared to the argument without decoding, so a correctly encoded value is refused with 400/-32020";
    /// The result that ends a listen carries another subscription id.
    V26ListenCloseWrongId => "v26-listen-close-wrong-id", "2026-07-28: when the server ends a subscription (--listen-max-ms), the closing result carries a subscriptionId other than the listen request's id";
    // core tasks (2025-11-25): input_required, status notices; sampling tool balance (H15)
    /// The request a task needs input with lacks the related-task _meta.
    TaskInputNoRelatedMeta => "task-input-no-related-meta", "2025-11-25: the elicitation/create approval_job sends while its task is input_required lacks `_meta[\"io.modelcontextprotocol/related-task\"]`";
    /// A status notice after the terminal one.
    TaskStatusAfterTerminal => "task-status-after-terminal", "2025-11-25: after a task's terminal notifications/tasks/status, another one says the task is `working` again";
    /// Status notices carry the related-task _meta.
    TaskStatusNoticeRelatedMeta => "task-status-notice-related-meta", "2025-11-25: notifications/tasks/status carries `_meta[\"io.modelcontextprotocol/related-task\"]` (SHOULD NOT: the taskId is in the params)";
    /// A sampling tool loop without the matching tool results.
    SamplingUnbalancedToolUse => "sampling-unbalanced-tool-use", "2025-11-25: ask_model_tools' second sampling/createMessage answers the assistant's tool_use with a tool_result whose toolUseId matches no tool_use id";
    // tasks notifications (2026-07-28): notifications/tasks over subscriptions/listen (H18)
    /// Task notifications served to a listen that did not declare the extension.
    V26TaskNotifyUndeclared => "v26-task-notify-undeclared", "2026-07-28 tasks extension: a subscriptions/listen asking for taskIds without declaring io.modelcontextprotocol/tasks is served (acknowledged) instead of -32021";
    /// Task notifications lack the status payload.
    V26TaskNotifyPartial => "v26-task-notify-partial", "2026-07-28 tasks extension: notifications/tasks carry the task without its result, error or inputRequests, so they differ from what tasks/get returns";
    /// Task notifications without the subscription id.
    V26TaskNotifyUntagged => "v26-task-notify-untagged", "2026-07-28 tasks extension: notifications/tasks on a listen stream lack `_meta[\"io.modelcontextprotocol/subscriptionId\"]`";
    /// Progress notifications on a listen stream for a task.
    V26TaskNotifyProgress => "v26-task-notify-progress", "2026-07-28 tasks extension: each notifications/tasks on a listen stream is preceded by a notifications/progress for the task (MUST NOT)";
}

impl Fault {
    /// The fault with this command-line name.
    pub fn from_name(name: &str) -> Option<Fault> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Whether the switch belongs to the OAuth side (`auth-*`): it acts only when the server
    /// runs with authorization.
    pub fn is_auth(self) -> bool {
        self.name().starts_with("auth-")
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_round_trip() {
        let names: BTreeSet<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Fault::ALL.len());
        for f in Fault::ALL {
            assert_eq!(Fault::from_name(f.name()), Some(*f));
            assert!(!f.description().is_empty());
            assert!(!f.description().contains('\n'));
        }
        assert_eq!(Fault::from_name("no-such-fault"), None);
    }

    #[test]
    fn has_every_switch_of_the_brief() {
        assert_eq!(
            Fault::ALL.len(),
            47 + 33 + 11 + 5 + 3 + 5 + 4 + 8 + 4 + 3 + 12 + 1 + 3 + 4 + 4
        );
        assert_eq!(Fault::ALL.iter().filter(|f| f.is_auth()).count(), 34);
    }
}
