//! The one reader of Kubernetes objects as JSON: the injection reads and
//! edits the Deployment, `status` checks the pod, validation walks the LLSD
//! with these. Each touches the fields it uses and passes every other one
//! through as the API server or the file had it — fields of a newer
//! Kubernetes release included, which a typed round-trip would drop. A
//! field that is read must have its Kubernetes type; the error names its
//! path, what it must be and what it holds instead, in one wording:
//! `must be a mapping, found a list`.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::{field, index};
use serde::Serialize;
use serde_json::{Map, Value};

/// The object fields of a JSON mapping.
pub type Object = Map<String, Value>;

const FIX: &str = "give the field the type Kubernetes defines for it";

fn wrong_type(path: &str, expected: &str, found: &Value) -> Diagnostic {
    mistyped(path, expected, found, FIX)
}

/// JSON type name for messages: "a string", "a list", …
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The error for a field of the wrong type: `must be {expected}, found
/// {what it is}`, with the host's `fix`.
pub fn mistyped(path: &str, expected: &str, found: &Value, fix: &str) -> Diagnostic {
    Diagnostic::error(
        path,
        format!("must be {expected}, found {}", type_name(found)),
        fix,
    )
}

/// `value` as a mapping.
pub fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Object, Diagnostic> {
    value
        .as_object()
        .ok_or_else(|| wrong_type(path, "a mapping", value))
}

/// `value` as a mutable mapping.
pub fn object_mut<'a>(value: &'a mut Value, path: &str) -> Result<&'a mut Object, Diagnostic> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(wrong_type(path, "a mapping", other)),
    }
}

// The accessors below take the path of `parent` and build the field's path
// only for an error: the injection reads these fields on every admission.

/// `parent[key]` as a mapping; `None` when absent or null.
pub fn child<'a>(
    parent: &'a Object,
    at: &str,
    key: &str,
) -> Result<Option<&'a Object>, Diagnostic> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(wrong_type(&field(at, key), "a mapping", other)),
    }
}

/// `parent[key]` as a mutable mapping; `None` when absent or null.
pub fn child_mut<'a>(
    parent: &'a mut Object,
    at: &str,
    key: &str,
) -> Result<Option<&'a mut Object>, Diagnostic> {
    match parent.get_mut(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(wrong_type(&field(at, key), "a mapping", other)),
    }
}

/// `parent[key]` as a mutable mapping, created empty when absent or null.
pub fn child_or_insert<'a>(
    parent: &'a mut Object,
    at: &str,
    key: &str,
) -> Result<&'a mut Object, Diagnostic> {
    let value = parent.entry(key).or_insert(Value::Null);
    if value.is_null() {
        *value = Value::Object(Object::new());
    }
    match value {
        Value::Object(map) => Ok(map),
        other => Err(wrong_type(&field(at, key), "a mapping", other)),
    }
}

/// `parent[key]` as a list; empty when absent or null.
pub fn list<'a>(parent: &'a Object, at: &str, key: &str) -> Result<&'a [Value], Diagnostic> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(wrong_type(&field(at, key), "a list", other)),
    }
}

/// `parent[key]` as a mutable list; `None` when absent or null.
pub fn list_mut<'a>(
    parent: &'a mut Object,
    at: &str,
    key: &str,
) -> Result<Option<&'a mut Vec<Value>>, Diagnostic> {
    match parent.get_mut(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(other) => Err(wrong_type(&field(at, key), "a list", other)),
    }
}

/// `parent[key]` as a mutable list, created empty when absent or null.
pub fn list_or_insert<'a>(
    parent: &'a mut Object,
    at: &str,
    key: &str,
) -> Result<&'a mut Vec<Value>, Diagnostic> {
    let value = parent.entry(key).or_insert(Value::Null);
    if value.is_null() {
        *value = Value::Array(Vec::new());
    }
    match value {
        Value::Array(items) => Ok(items),
        other => Err(wrong_type(&field(at, key), "a list", other)),
    }
}

/// `parent[key]` as a string; `None` when absent or null.
pub fn string<'a>(parent: &'a Object, at: &str, key: &str) -> Result<Option<&'a str>, Diagnostic> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(wrong_type(&field(at, key), "a string", other)),
    }
}

/// The strings of the list `parent[key]`.
pub fn strings<'a>(parent: &'a Object, at: &str, key: &str) -> Result<Vec<&'a str>, Diagnostic> {
    list(parent, at, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_str()
                .ok_or_else(|| wrong_type(&index(&field(at, key), i), "a string", item))
        })
        .collect()
}

/// The items of a keyed list (containers, volumes, env, mounts) as
/// mappings with their key, which Kubernetes requires: `(item, key)`.
/// `at` is the list's path.
pub fn keyed_items<'a>(
    items: &'a [Value],
    at: &str,
    key: &str,
) -> Result<Vec<(&'a Object, &'a str)>, Diagnostic> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item_path = || index(at, i);
            let Value::Object(item) = item else {
                return Err(wrong_type(&item_path(), "a mapping", item));
            };
            match item.get(key) {
                Some(Value::String(name)) => Ok((item, name.as_str())),
                None | Some(Value::Null) => Err(Diagnostic::error(
                    field(&item_path(), key),
                    "is missing",
                    format!("give every item of {at} its `{key}`, as Kubernetes requires"),
                )),
                Some(other) => Err(wrong_type(&field(&item_path(), key), "a string", other)),
            }
        })
        .collect()
}

/// The `key` of a keyed-list item, `""` when it has none (only for items
/// [`keyed_items`] has checked, or the injection's own).
pub fn key_of<'a>(item: &'a Value, key: &str) -> &'a str {
    item.as_object().map_or("", |item| field_str(item, key))
}

/// `item[key]` as a string, `""` when it is none (as [`key_of`]).
pub fn field_str<'a>(item: &'a Object, key: &str) -> &'a str {
    item.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A k8s-openapi object as JSON.
pub fn to_json<T: Serialize>(object: &T, what: &str) -> Result<Value, Diagnostic> {
    // k8s-openapi writes string-keyed maps, strings, numbers and booleans,
    // all of which serde_json takes: an error here is a bug.
    serde_json::to_value(object).map_err(|err| {
        Diagnostic::error(
            "",
            format!("cannot write the injected {what} as JSON: {err}"),
            "report it as a bug in llsd-providers, with the LLSD and the Deployment",
        )
    })
}
