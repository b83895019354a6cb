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
}

impl Fault {
    /// The fault with this command-line name.
    pub fn from_name(name: &str) -> Option<Fault> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
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
        assert_eq!(Fault::ALL.len(), 42);
    }
}
