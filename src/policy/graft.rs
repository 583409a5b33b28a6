//! Carrying a typed transform back onto the request's JSON.
//!
//! The injection works on `k8s-openapi` types, which drop fields they do not
//! know (a field of a newer Kubernetes release, an extension). Returning the
//! re-serialized Deployment would make the policy-server's JSON patch remove
//! those fields. Instead, the difference between the typed input (`before`)
//! and the typed output (`after`) is applied to the original JSON: what the
//! transform did not touch stays byte-for-byte the request's.

use crate::inject::list_key;
use serde_json::{Map, Value};

/// `original` changed the way `before` became `after`. `after` is consumed:
/// the parts the transform added are moved, not copied.
pub fn graft(original: &Value, before: &Value, after: Value) -> Value {
    graft_field(None, original, before, after)
}

/// [`graft`] of the value of object field `field` (a keyed list's items
/// are matched by the list's key, see [`list_key`]).
fn graft_field(field: Option<&str>, original: &Value, before: &Value, after: Value) -> Value {
    if *before == after {
        return original.clone();
    }
    match (original, before, after) {
        (Value::Object(o), Value::Object(b), Value::Object(mut a)) => {
            let mut out = Map::with_capacity(a.len());
            for (key, ov) in o {
                match (b.get(key), a.shift_remove(key)) {
                    (Some(bv), Some(av)) => {
                        out.insert(key.clone(), graft_field(Some(key), ov, bv, av));
                    }
                    // removed by the transform
                    (Some(_), None) => {}
                    (None, Some(av)) => {
                        out.insert(key.clone(), av);
                    }
                    // unknown to the types: kept
                    (None, None) => {
                        out.insert(key.clone(), ov.clone());
                    }
                }
            }
            // what the transform added, in its order
            out.extend(a);
            Value::Object(out)
        }
        (Value::Array(o), Value::Array(b), Value::Array(a)) if o.len() == b.len() => {
            let mut used = vec![false; b.len()];
            let items = a
                .into_iter()
                .map(|av| {
                    // an unchanged element keeps its original form
                    if let Some(j) = (0..b.len()).find(|&j| !used[j] && b[j] == av) {
                        used[j] = true;
                        return o[j].clone();
                    }
                    // a changed element of a keyed list (containers, volumes,
                    // env, mounts) is grafted onto the element with its key
                    let key = field.and_then(list_key);
                    let id = key.and_then(|k| av.get(k)).filter(|id| !id.is_null());
                    if let (Some(key), Some(id)) = (key, id)
                        && let Some(j) =
                            (0..b.len()).find(|&j| !used[j] && b[j].get(key) == Some(id))
                    {
                        used[j] = true;
                        return graft_field(None, &o[j], &b[j], av);
                    }
                    av
                })
                .collect();
            Value::Array(items)
        }
        (_, _, after) => after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_survive_and_changes_apply() {
        let original = json!({
            "kept": {"x": 1, "future": true},
            "containers": [{"name": "a", "env": [], "future": 1}, {"name": "b"}],
            "gone": 1
        });
        let before = json!({
            "kept": {"x": 1},
            "containers": [{"name": "a", "env": []}, {"name": "b"}],
            "gone": 1
        });
        let after = json!({
            "kept": {"x": 1},
            "containers": [{"name": "i"}, {"name": "a", "env": [{"name": "E"}]}, {"name": "b"}],
            "added": 2
        });
        assert_eq!(
            graft(&original, &before, after),
            json!({
                "kept": {"x": 1, "future": true},
                "containers": [{"name": "i"}, {"name": "a", "env": [{"name": "E"}], "future": 1}, {"name": "b"}],
                "added": 2
            })
        );
    }

    #[test]
    fn mounts_are_matched_by_mount_path_as_kubernetes_keys_them() {
        // Two mounts of one volume: only the mount path tells them apart.
        let original = json!({"volumeMounts": [
            {"name": "v", "mountPath": "/a", "future": 1},
            {"name": "v", "mountPath": "/b", "future": 2},
        ]});
        let before = json!({"volumeMounts": [
            {"name": "v", "mountPath": "/a"},
            {"name": "v", "mountPath": "/b"},
        ]});
        let after = json!({"volumeMounts": [
            {"name": "v", "mountPath": "/a"},
            {"name": "v", "mountPath": "/b", "readOnly": true},
        ]});
        assert_eq!(
            graft(&original, &before, after),
            json!({"volumeMounts": [
                {"name": "v", "mountPath": "/a", "future": 1},
                {"name": "v", "mountPath": "/b", "future": 2, "readOnly": true},
            ]})
        );
    }

    #[test]
    fn no_change_returns_the_original() {
        let original = json!({"a": 1, "unknown": [1, 2]});
        let typed = json!({"a": 1});
        assert_eq!(graft(&original, &typed, typed.clone()), original);
    }
}
