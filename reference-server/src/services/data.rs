//! The item store shared by all sessions and its CRUD tools: `list_items`, `get_item`,
//! `create_item`, `update_item`, `delete_item`. Every write notifies subscribers of
//! `mcp://reference/items` (and of the item's own URI).

use super::{
    arg_str, object_schema, opt_str, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec,
};
use crate::context::RequestCtx;
use crate::methods::logging::LogLevel;
use crate::session::lock;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// URI of the resource holding the whole store.
pub(crate) const ITEMS_URI: &str = "mcp://reference/items";

/// One stored item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    /// Unique id (decimal digits).
    pub id: String,
    /// Name.
    pub name: String,
    /// Free-form value.
    pub value: String,
}

impl Item {
    /// The item as JSON.
    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "value": self.value})
    }
}

/// The in-memory item store.
#[derive(Debug)]
pub(crate) struct DataStore {
    items: BTreeMap<u64, Item>,
    next_id: u64,
}

impl DataStore {
    /// A store with three sample items.
    pub fn seeded() -> Self {
        let mut s = Self {
            items: BTreeMap::new(),
            next_id: 1,
        };
        for (name, value) in [
            ("apple", "red"),
            ("banana", "yellow"),
            ("cherry", "dark red"),
        ] {
            s.create(name, value);
        }
        s
    }

    fn key(id: &str) -> Option<u64> {
        // Only canonical decimal ids name an item, so "01" and "1" are not the same item.
        id.parse::<u64>().ok().filter(|n| n.to_string() == id)
    }

    /// The ids of all items.
    pub fn ids(&self) -> Vec<String> {
        self.items.values().map(|i| i.id.clone()).collect()
    }

    /// The item with this id.
    pub fn get(&self, id: &str) -> Option<Item> {
        Self::key(id).and_then(|k| self.items.get(&k)).cloned()
    }

    /// Adds an item and returns it.
    pub fn create(&mut self, name: &str, value: &str) -> Item {
        let n = self.next_id;
        self.next_id += 1;
        let item = Item {
            id: n.to_string(),
            name: name.into(),
            value: value.into(),
        };
        self.items.insert(n, item.clone());
        item
    }

    /// Changes the given fields of an item.
    pub fn update(&mut self, id: &str, name: Option<&str>, value: Option<&str>) -> Option<Item> {
        let item = self.items.get_mut(&Self::key(id)?)?;
        if let Some(n) = name {
            item.name = n.into();
        }
        if let Some(v) = value {
            item.value = v.into();
        }
        Some(item.clone())
    }

    /// Removes an item.
    pub fn delete(&mut self, id: &str) -> Option<Item> {
        self.items.remove(&Self::key(id)?)
    }

    /// The whole store as JSON (the `mcp://reference/items` resource).
    pub fn to_json(&self) -> Value {
        json!({"items": self.items.values().map(Item::to_json).collect::<Vec<_>>()})
    }
}

fn item_schema() -> Value {
    object_schema(
        json!({"id": {"type": "string"}, "name": {"type": "string"}, "value": {"type": "string"}}),
        &["id", "name", "value"],
    )
}

fn item_output() -> Option<Value> {
    Some(object_schema(json!({"item": item_schema()}), &["item"]))
}

fn id_prop() -> Value {
    json!({"type": "string", "description": "Item id"})
}

/// The CRUD tool definitions.
pub(crate) fn specs() -> Vec<ToolSpec> {
    let write = Hints {
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: false,
    };
    vec![
        ToolSpec {
            name: "list_items",
            title: "List items",
            description: "Lists every item of the shared store.",
            input_schema: object_schema(json!({}), &[]),
            output_schema: Some(object_schema(
                json!({"items": {"type": "array", "items": item_schema()}}),
                &["items"],
            )),
            hints: Hints::READ_ONLY,
        },
        ToolSpec {
            name: "get_item",
            title: "Get item",
            description: "Returns one item by id.",
            input_schema: object_schema(json!({"id": id_prop()}), &["id"]),
            output_schema: item_output(),
            hints: Hints::READ_ONLY,
        },
        ToolSpec {
            name: "create_item",
            title: "Create item",
            description: "Adds an item to the shared store.",
            input_schema: object_schema(
                json!({"name": {"type": "string"}, "value": {"type": "string"}}),
                &["name"],
            ),
            output_schema: item_output(),
            hints: write,
        },
        ToolSpec {
            name: "update_item",
            title: "Update item",
            description: "Overwrites the name and/or value of an item.",
            input_schema: object_schema(
                json!({"id": id_prop(), "name": {"type": "string"}, "value": {"type": "string"}}),
                &["id"],
            ),
            output_schema: item_output(),
            hints: Hints {
                destructive: true,
                idempotent: true,
                ..write
            },
        },
        ToolSpec {
            name: "delete_item",
            title: "Delete item",
            description: "Deletes an item from the shared store.",
            input_schema: object_schema(json!({"id": id_prop()}), &["id"]),
            output_schema: Some(object_schema(
                json!({"deleted": {"type": "string"}}),
                &["deleted"],
            )),
            hints: Hints {
                destructive: true,
                idempotent: true,
                ..write
            },
        },
    ]
}

/// The OAuth scope a data tool needs when the server runs with authorization: `read` for
/// the tools that look, `write` for the ones that change (neither implies the other); `None`
/// for any other tool.
pub(crate) fn required_scope(tool: &str) -> Option<&'static str> {
    match tool {
        "list_items" | "get_item" => Some("read"),
        "create_item" | "update_item" | "delete_item" => Some("write"),
        _ => None,
    }
}

fn unknown(id: &str) -> ToolError {
    ToolError::Execution(format!("No item with id {id}"))
}

/// Runs a CRUD tool; `None` for a name that is not one.
pub(crate) fn call(ctx: &RequestCtx, name: &str, args: &Args) -> Option<ToolResult> {
    let store = &ctx.state.store;
    let result = match name {
        "list_items" => Ok(ToolOutput::structured(
            json!({"items": lock(store).to_json()["items"]}),
        )),
        "get_item" => arg_str(args, "id").and_then(|id| {
            lock(store)
                .get(id)
                .map(|i| ToolOutput::structured(json!({"item": i.to_json()})))
                .ok_or_else(|| unknown(id))
        }),
        "create_item" | "update_item" | "delete_item" => write(ctx, name, args),
        _ => return None,
    };
    Some(result)
}

fn write(ctx: &RequestCtx, name: &str, args: &Args) -> ToolResult {
    let store = &ctx.state.store;
    let (id, out) = match name {
        "create_item" => {
            let item_name = arg_str(args, "name")?;
            let value = opt_str(args, "value")?.unwrap_or("");
            let item = lock(store).create(item_name, value);
            (item.id.clone(), json!({"item": item.to_json()}))
        }
        "update_item" => {
            let id = arg_str(args, "id")?;
            let (n, v) = (opt_str(args, "name")?, opt_str(args, "value")?);
            let item = lock(store).update(id, n, v).ok_or_else(|| unknown(id))?;
            (item.id.clone(), json!({"item": item.to_json()}))
        }
        _ => {
            let id = arg_str(args, "id")?;
            let item = lock(store).delete(id).ok_or_else(|| unknown(id))?;
            (item.id.clone(), json!({"deleted": item.id}))
        }
    };
    ctx.log(LogLevel::Info, "data", json!({"event": name, "id": id}));
    ctx.state.notify_resource_updated(ITEMS_URI);
    ctx.state
        .notify_resource_updated(&format!("{ITEMS_URI}/{id}"));
    Ok(ToolOutput::structured(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crud_round_trip() {
        let mut s = DataStore::seeded();
        assert_eq!(s.ids(), vec!["1", "2", "3"]);
        let it = s.create("date", "brown");
        assert_eq!(it.id, "4");
        assert_eq!(s.update("4", None, Some("sweet")).unwrap().value, "sweet");
        assert!(s.get("04").is_none());
        assert!(s.delete("4").is_some());
        assert!(s.get("4").is_none());
        assert!(s.update("4", Some("x"), None).is_none());
        assert_eq!(s.to_json()["items"].as_array().unwrap().len(), 3);
    }
}
