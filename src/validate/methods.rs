//! Which schema definition each method's result, or each server notification's or request's
//! params, must match, and since which protocol revision the method exists.
//!
//! The session-based revisions (2024-11-05 to 2025-11-25) share one set of tables; the stateless
//! revision (2026-07-28) has its own, because methods were removed there (`initialize`, `ping`,
//! `logging/setLevel`, subscriptions, tasks, every server→client request) and others added.

use crate::protocol::ProtocolVersion;
use ProtocolVersion::{V2024_11_05 as ALL, V2025_06_18, V2025_11_25, V2026_07_28 as MODERN};

/// The shape one method carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The JSON-RPC method.
    pub method: &'static str,
    /// The definition (under `$defs`) the result or params must match.
    pub def: &'static str,
    /// First revision that has the method.
    pub since: ProtocolVersion,
    /// Whether `params` must be present (requests and notifications; results always are).
    pub params_required: bool,
}

const fn shape(
    method: &'static str,
    def: &'static str,
    since: ProtocolVersion,
    required: bool,
) -> Shape {
    Shape {
        method,
        def,
        since,
        params_required: required,
    }
}

/// Results the server returns, by the method of the client's request.
pub(crate) const RESULTS: &[Shape] = &[
    shape("initialize", "InitializeResult", ALL, true),
    shape("ping", "EmptyResult", ALL, true),
    shape("tools/list", "ListToolsResult", ALL, true),
    shape("tools/call", "ToolsCallResult", ALL, true),
    shape("resources/list", "ListResourcesResult", ALL, true),
    shape(
        "resources/templates/list",
        "ListResourceTemplatesResult",
        ALL,
        true,
    ),
    shape("resources/read", "ReadResourceResult", ALL, true),
    shape("resources/subscribe", "EmptyResult", ALL, true),
    shape("resources/unsubscribe", "EmptyResult", ALL, true),
    shape("prompts/list", "ListPromptsResult", ALL, true),
    shape("prompts/get", "GetPromptResult", ALL, true),
    shape("completion/complete", "CompleteResult", ALL, true),
    shape("logging/setLevel", "EmptyResult", ALL, true),
    shape("tasks/get", "GetTaskResult", V2025_11_25, true),
    shape("tasks/result", "GetTaskPayloadResult", V2025_11_25, true),
    shape("tasks/list", "ListTasksResult", V2025_11_25, true),
    shape("tasks/cancel", "CancelTaskResult", V2025_11_25, true),
];

/// Notifications a server sends, with the definition of their params.
pub(crate) const SERVER_NOTIFICATIONS: &[Shape] = &[
    shape(
        "notifications/message",
        "LoggingMessageNotificationParams",
        ALL,
        true,
    ),
    shape(
        "notifications/progress",
        "ProgressNotificationParams",
        ALL,
        true,
    ),
    shape(
        "notifications/cancelled",
        "CancelledNotificationParams",
        ALL,
        true,
    ),
    shape(
        "notifications/resources/updated",
        "ResourceUpdatedNotificationParams",
        ALL,
        true,
    ),
    shape(
        "notifications/resources/list_changed",
        "NotificationParams",
        ALL,
        false,
    ),
    shape(
        "notifications/tools/list_changed",
        "NotificationParams",
        ALL,
        false,
    ),
    shape(
        "notifications/prompts/list_changed",
        "NotificationParams",
        ALL,
        false,
    ),
    shape(
        "notifications/elicitation/complete",
        "ElicitationCompleteNotificationParams",
        V2025_11_25,
        true,
    ),
    shape(
        "notifications/tasks/status",
        "TaskStatusNotificationParams",
        V2025_11_25,
        true,
    ),
];

/// Requests a server sends to the client, with the definition of their params.
pub(crate) const SERVER_REQUESTS: &[Shape] = &[
    shape("ping", "RequestParams", ALL, false),
    shape("roots/list", "RequestParams", ALL, false),
    shape(
        "sampling/createMessage",
        "CreateMessageRequestParams",
        ALL,
        true,
    ),
    shape(
        "elicitation/create",
        "ElicitRequestParams",
        V2025_06_18,
        true,
    ),
    shape("tasks/get", "TaskIdParams", V2025_11_25, true),
    shape("tasks/result", "TaskIdParams", V2025_11_25, true),
    shape("tasks/cancel", "TaskIdParams", V2025_11_25, true),
    shape("tasks/list", "PaginatedRequestParams", V2025_11_25, false),
];

/// Results of the stateless revision, by the method of the client's request. `tools/call`,
/// `prompts/get` and `resources/read` may instead ask for client input (the `…Result`
/// definitions choose by `resultType`).
pub(crate) const STATELESS_RESULTS: &[Shape] = &[
    shape("server/discover", "DiscoverResult", MODERN, true),
    shape("tools/list", "ListToolsResult", MODERN, true),
    shape("tools/call", "ToolsCallResult", MODERN, true),
    shape("resources/list", "ListResourcesResult", MODERN, true),
    shape(
        "resources/templates/list",
        "ListResourceTemplatesResult",
        MODERN,
        true,
    ),
    shape("resources/read", "ResourcesReadResult", MODERN, true),
    shape("prompts/list", "ListPromptsResult", MODERN, true),
    shape("prompts/get", "PromptsGetResult", MODERN, true),
    shape("completion/complete", "CompleteResult", MODERN, true),
    shape(
        "subscriptions/listen",
        "SubscriptionsListenResult",
        MODERN,
        true,
    ),
];

/// Notifications a server sends at the stateless revision.
pub(crate) const STATELESS_NOTIFICATIONS: &[Shape] = &[
    shape(
        "notifications/message",
        "LoggingMessageNotificationParams",
        MODERN,
        true,
    ),
    shape(
        "notifications/progress",
        "ProgressNotificationParams",
        MODERN,
        true,
    ),
    shape(
        "notifications/cancelled",
        "CancelledNotificationParams",
        MODERN,
        true,
    ),
    shape(
        "notifications/resources/updated",
        "ResourceUpdatedNotificationParams",
        MODERN,
        true,
    ),
    shape(
        "notifications/resources/list_changed",
        "NotificationParams",
        MODERN,
        false,
    ),
    shape(
        "notifications/tools/list_changed",
        "NotificationParams",
        MODERN,
        false,
    ),
    shape(
        "notifications/prompts/list_changed",
        "NotificationParams",
        MODERN,
        false,
    ),
    shape(
        "notifications/subscriptions/acknowledged",
        "SubscriptionsAcknowledgedNotificationParams",
        MODERN,
        true,
    ),
];

/// Which tables describe `version`: results, server notifications, server requests.
pub(crate) fn tables(
    version: ProtocolVersion,
) -> (&'static [Shape], &'static [Shape], &'static [Shape]) {
    if version.features().initialize {
        (RESULTS, SERVER_NOTIFICATIONS, SERVER_REQUESTS)
    } else {
        (STATELESS_RESULTS, STATELESS_NOTIFICATIONS, &[])
    }
}

/// The entry for `method` in `table`, whatever its revision.
pub(crate) fn find(table: &'static [Shape], method: &str) -> Option<&'static Shape> {
    table.iter().find(|s| s.method == method)
}

/// Every definition the tables of `version` name (the ones compiled).
pub(crate) fn all_defs(version: ProtocolVersion) -> impl Iterator<Item = &'static str> {
    let (results, notifications, requests) = tables(version);
    results
        .iter()
        .chain(notifications)
        .chain(requests)
        .map(|s| s.def)
}
