//! What each protocol revision adds to the wire schema, as one table.
//!
//! A family schema (e.g. `schemas/stateful.json`) describes the newest revision of its family.
//! Every later addition is listed here once, with the revision that introduced it and the edits
//! that take it out again; [`schema_for`] applies the edits of every addition newer than the
//! requested revision. Taking an addition out usually means *unconstraining* a property rather
//! than forbidding it: before the property existed it was an unknown key of an open object, which
//! any value may fill. Additions that are whole methods live in the method table (`methods.rs`).

use crate::protocol::ProtocolVersion;
use serde_json::Value;

/// One way of taking an addition out of the newest schema.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Edit {
    /// The subschema at this pointer accepts anything (the field was not yet defined).
    Unconstrain(&'static str),
    /// The subschema at this pointer becomes the given JSON (e.g. `false`: the shape did not exist).
    Replace(&'static str, &'static str),
    /// The enum array at this pointer did not yet contain the value.
    EnumValue(&'static str, &'static str),
    /// The object schema at this pointer required the property (a later revision relaxed it).
    WasRequired(&'static str, &'static str),
}

/// An addition to the protocol: since when it exists and how to remove it for older revisions.
#[derive(Debug)]
pub(crate) struct Addition {
    /// First revision that has it.
    pub since: ProtocolVersion,
    /// What it is, for humans (and test failure messages).
    pub what: &'static str,
    /// The edits that remove it.
    pub edits: &'static [Edit],
}

use Edit::{EnumValue, Replace, Unconstrain, WasRequired};
use ProtocolVersion::{V2025_03_26, V2025_06_18, V2025_11_25};

/// Every addition after 2024-11-05 in the session-based family, oldest first.
pub(crate) const STATEFUL: &[Addition] = &[
    Addition {
        since: V2025_03_26,
        what: "audio content",
        edits: &[
            EnumValue("/$defs/ContentBlock/properties/type/enum", "audio"),
            EnumValue(
                "/$defs/SamplingMessageContentBlock/properties/type/enum",
                "audio",
            ),
        ],
    },
    Addition {
        since: V2025_03_26,
        what: "tool annotations",
        edits: &[Unconstrain("/$defs/Tool/properties/annotations")],
    },
    Addition {
        since: V2025_03_26,
        what: "completions capability",
        edits: &[Unconstrain(
            "/$defs/ServerCapabilities/properties/completions",
        )],
    },
    Addition {
        since: V2025_03_26,
        what: "progress message",
        edits: &[Unconstrain(
            "/$defs/ProgressNotificationParams/properties/message",
        )],
    },
    Addition {
        since: V2025_06_18,
        what: "title on named things",
        edits: &[Unconstrain("/$defs/BaseMetadata/properties/title")],
    },
    Addition {
        since: V2025_06_18,
        what: "structured tool output (outputSchema, structuredContent)",
        edits: &[
            Unconstrain("/$defs/Tool/properties/outputSchema"),
            Unconstrain("/$defs/CallToolResult/properties/structuredContent"),
        ],
    },
    Addition {
        since: V2025_06_18,
        what: "resource_link content",
        edits: &[EnumValue(
            "/$defs/ContentBlock/properties/type/enum",
            "resource_link",
        )],
    },
    Addition {
        since: V2025_06_18,
        what: "annotations.lastModified",
        edits: &[Unconstrain("/$defs/Annotations/properties/lastModified")],
    },
    Addition {
        since: V2025_06_18,
        what: "_meta on tools, resources, prompts and content",
        edits: &[
            Unconstrain("/$defs/Tool/properties/_meta"),
            Unconstrain("/$defs/Resource/properties/_meta"),
            Unconstrain("/$defs/ResourceTemplate/properties/_meta"),
            Unconstrain("/$defs/TextResourceContents/properties/_meta"),
            Unconstrain("/$defs/BlobResourceContents/properties/_meta"),
            Unconstrain("/$defs/Prompt/properties/_meta"),
            Unconstrain("/$defs/TextContent/properties/_meta"),
            Unconstrain("/$defs/ImageContent/properties/_meta"),
            Unconstrain("/$defs/AudioContent/properties/_meta"),
            Unconstrain("/$defs/EmbeddedResource/properties/_meta"),
        ],
    },
    Addition {
        since: V2025_11_25,
        what: "icons",
        edits: &[Unconstrain("/$defs/Icons/properties/icons")],
    },
    Addition {
        since: V2025_11_25,
        what: "implementation description and websiteUrl",
        edits: &[
            Unconstrain("/$defs/Implementation/properties/description"),
            Unconstrain("/$defs/Implementation/properties/websiteUrl"),
        ],
    },
    Addition {
        since: V2025_11_25,
        what: "$schema in tool input/output schemas",
        edits: &[Unconstrain("/$defs/ObjectSchema/properties/$schema")],
    },
    Addition {
        since: V2025_11_25,
        what: "tasks",
        edits: &[
            Unconstrain("/$defs/ServerCapabilities/properties/tasks"),
            Unconstrain("/$defs/Tool/properties/execution"),
            Replace("/$defs/ToolsCallResult/if", "false"),
            Unconstrain("/$defs/CreateMessageRequestParams/properties/task"),
            Unconstrain("/$defs/ElicitRequestFormParams/properties/task"),
        ],
    },
    Addition {
        since: V2025_11_25,
        what: "_meta in notification and request params, and on sampling messages",
        edits: &[
            Unconstrain("/$defs/LoggingMessageNotificationParams/properties/_meta"),
            Unconstrain("/$defs/ProgressNotificationParams/properties/_meta"),
            Unconstrain("/$defs/CancelledNotificationParams/properties/_meta"),
            Unconstrain("/$defs/ResourceUpdatedNotificationParams/properties/_meta"),
            Unconstrain("/$defs/CreateMessageRequestParams/properties/_meta"),
            Unconstrain("/$defs/ElicitRequestFormParams/properties/_meta"),
            Unconstrain("/$defs/SamplingMessage/properties/_meta"),
        ],
    },
    Addition {
        since: V2025_11_25,
        what: "optional requestId in notifications/cancelled",
        edits: &[WasRequired(
            "/$defs/CancelledNotificationParams",
            "requestId",
        )],
    },
    Addition {
        since: V2025_11_25,
        what: "tool use in sampling",
        edits: &[
            EnumValue(
                "/$defs/SamplingMessageContentBlock/properties/type/enum",
                "tool_use",
            ),
            EnumValue(
                "/$defs/SamplingMessageContentBlock/properties/type/enum",
                "tool_result",
            ),
            Replace(
                "/$defs/SamplingMessage/properties/content/then",
                r#"{"type": "object"}"#,
            ),
            Unconstrain("/$defs/CreateMessageRequestParams/properties/tools"),
            Unconstrain("/$defs/CreateMessageRequestParams/properties/toolChoice"),
        ],
    },
    Addition {
        since: V2025_11_25,
        what: "elicitation URL mode",
        edits: &[
            Replace("/$defs/ElicitRequestParams/if", "false"),
            Unconstrain("/$defs/ElicitRequestFormParams/properties/mode"),
            Unconstrain(
                "/$defs/ElicitRequestFormParams/properties/requestedSchema/properties/$schema",
            ),
        ],
    },
    Addition {
        since: V2025_11_25,
        what: "elicitation enum schemas (titled, multi-select) and defaults",
        edits: &[
            Replace("/$defs/UntitledSingleSelectEnumSchema", "false"),
            Replace("/$defs/TitledSingleSelectEnumSchema", "false"),
            EnumValue(
                "/$defs/PrimitiveSchemaDefinition/properties/type/enum",
                "array",
            ),
            Unconstrain("/$defs/StringSchema/properties/default"),
            Unconstrain("/$defs/NumberSchema/properties/default"),
            Unconstrain("/$defs/LegacyTitledEnumSchema/properties/default"),
        ],
    },
];

/// Why a table edit could not be applied (a mistake in the table or the schema, caught by tests).
#[derive(Debug, thiserror::Error)]
pub(crate) enum EditError {
    /// The pointer names nothing in the schema.
    #[error("`{what}`: no schema at {pointer}")]
    Missing {
        what: &'static str,
        pointer: &'static str,
    },
    /// A `Replace` literal is not JSON.
    #[error("`{what}`: replacement at {pointer} is not JSON: {source}")]
    BadLiteral {
        what: &'static str,
        pointer: &'static str,
        source: serde_json::Error,
    },
}

/// The family schema as it stands at `version`: the newest shape minus every later addition.
pub(crate) fn schema_for(
    newest: &Value,
    additions: &[Addition],
    version: ProtocolVersion,
) -> Result<Value, EditError> {
    let mut schema = newest.clone();
    for addition in additions.iter().filter(|a| a.since > version) {
        for edit in addition.edits {
            apply(&mut schema, addition.what, *edit)?;
        }
    }
    Ok(schema)
}

fn apply(schema: &mut Value, what: &'static str, edit: Edit) -> Result<(), EditError> {
    match edit {
        Edit::Unconstrain(pointer) => *target(schema, what, pointer)? = Value::Bool(true),
        Edit::Replace(pointer, literal) => {
            let value = serde_json::from_str(literal).map_err(|source| EditError::BadLiteral {
                what,
                pointer,
                source,
            })?;
            *target(schema, what, pointer)? = value;
        }
        Edit::EnumValue(pointer, value) => {
            let list = target(schema, what, pointer)?
                .as_array_mut()
                .ok_or(EditError::Missing { what, pointer })?;
            let before = list.len();
            list.retain(|v| v.as_str() != Some(value));
            if list.len() == before {
                return Err(EditError::Missing { what, pointer });
            }
        }
        Edit::WasRequired(pointer, property) => {
            let object = target(schema, what, pointer)?
                .as_object_mut()
                .ok_or(EditError::Missing { what, pointer })?;
            let required = object
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = required {
                list.push(Value::String(property.to_string()));
            }
        }
    }
    Ok(())
}

fn target<'a>(
    schema: &'a mut Value,
    what: &'static str,
    pointer: &'static str,
) -> Result<&'a mut Value, EditError> {
    schema
        .pointer_mut(pointer)
        .ok_or(EditError::Missing { what, pointer })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newest() -> Value {
        serde_json::from_str(include_str!("schemas/stateful.json")).unwrap()
    }

    #[test]
    fn every_edit_applies_to_the_family_schema() {
        // At 2024-11-05 every edit of the table applies; an edit that misses fails loudly.
        let oldest = schema_for(&newest(), STATEFUL, ProtocolVersion::V2024_11_05).unwrap();
        assert_ne!(oldest, newest());
    }

    #[test]
    fn table_is_ordered_and_in_the_family() {
        let since: Vec<_> = STATEFUL.iter().map(|a| a.since).collect();
        let mut sorted = since.clone();
        sorted.sort();
        assert_eq!(since, sorted);
        assert!(since.iter().all(|v| *v > ProtocolVersion::V2024_11_05));
        assert!(since.iter().all(|v| *v <= ProtocolVersion::V2025_11_25));
    }

    #[test]
    fn older_revisions_lose_newer_additions_only() {
        let s = schema_for(&newest(), STATEFUL, ProtocolVersion::V2025_03_26).unwrap();
        let kinds = s
            .pointer("/$defs/ContentBlock/properties/type/enum")
            .unwrap();
        assert_eq!(
            kinds,
            &serde_json::json!(["text", "image", "audio", "resource"])
        );
        assert_eq!(
            s.pointer("/$defs/BaseMetadata/properties/title"),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            s.pointer("/$defs/Tool/properties/annotations/$ref")
                .unwrap(),
            "#/$defs/ToolAnnotations"
        );
        let newest_kept = schema_for(&newest(), STATEFUL, ProtocolVersion::V2025_11_25).unwrap();
        assert_eq!(newest_kept, newest());
    }

    #[test]
    fn was_required_adds_the_property() {
        let s = schema_for(&newest(), STATEFUL, ProtocolVersion::V2025_06_18).unwrap();
        let req = s
            .pointer("/$defs/CancelledNotificationParams/required")
            .unwrap();
        assert_eq!(req, &serde_json::json!(["requestId"]));
    }
}
