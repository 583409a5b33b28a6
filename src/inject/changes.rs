//! What an injection changed in a Deployment, Kubernetes-aware: list items
//! are matched by their key ([`list_key`]: containers, volumes and env by
//! `name`, mounts by `mountPath`), so the result reads "init container X
//! added", "env PYTHONPATH added to llama-stack", not as a line diff of
//! YAML. The playground shows it.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum ChangeOp {
    /// In the injected Deployment only.
    Added,
    /// In the input only.
    Removed,
    /// In both, different.
    Changed,
}

/// What kind of item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum ChangeKind {
    /// An init container, by name.
    InitContainer,
    /// A container, by name.
    Container,
    /// A pod volume, by name.
    Volume,
    /// An env var of a container, by name.
    Env,
    /// A volume mount of a container, by mount path.
    VolumeMount,
    /// A pod-template annotation, by key.
    Annotation,
    /// Any other field, by field path.
    Field,
}

/// Counts of changes, keyed `kind.op` (`initContainer.added`).
pub type ChangeSummary = BTreeMap<String, usize>;

/// One difference between the input and the injected Deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Change {
    /// What happened.
    pub op: ChangeOp,
    /// To what kind of item.
    pub kind: ChangeKind,
    /// The container an env var or mount belongs to; empty otherwise.
    pub container: String,
    /// The item's key (name, mount path, annotation key, field path).
    pub name: String,
    /// What the item is after the change (or was, when removed).
    pub detail: String,
}

const POD: &[&str] = &["spec", "template", "spec"];

/// The field that identifies an item of the pod-spec list `field`, as
/// Kubernetes keys these lists when it merges them: `name` for containers,
/// init containers, volumes and env; `mountPath` for volume mounts;
/// `containerPort` for ports. `None` for lists without a key.
pub fn list_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "ports" => Some("containerPort"),
        _ => None,
    }
}

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(*key))
}

/// The items of list `field` of `parent`, each with its key.
fn items<'a>(parent: Option<&'a Value>, field: &str) -> Vec<(String, &'a Value)> {
    let key = list_key(field).unwrap_or("name");
    parent
        .and_then(|p| p.get(field))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| (text(item.get(key)), item))
        .collect()
}

/// Compares keyed list items: added and removed in list order, then
/// changed ones (compared by `describe` when given, else by value).
fn keyed(
    out: &mut Vec<Change>,
    kind: ChangeKind,
    container: &str,
    before: &[(String, &Value)],
    after: &[(String, &Value)],
    describe: fn(&Value) -> String,
) {
    let make = |op, name: &str, item: &Value| Change {
        op,
        kind,
        container: container.to_string(),
        name: name.to_string(),
        detail: describe(item),
    };
    for (name, item) in before {
        if !after.iter().any(|(n, _)| n == name) {
            out.push(make(ChangeOp::Removed, name, item));
        }
    }
    for (name, item) in after {
        match before.iter().find(|(n, _)| n == name) {
            None => out.push(make(ChangeOp::Added, name, item)),
            Some((_, old)) if old != item => {
                let mut change = make(ChangeOp::Changed, name, item);
                let (was, now) = (describe(old), describe(item));
                if was != now {
                    change.detail = format!("{was} → {now}");
                }
                out.push(change);
            }
            Some(_) => {}
        }
    }
}

fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn describe_container(c: &Value) -> String {
    let mut parts = vec![format!("image {}", text(c.get("image")))];
    let env = c.get("env").and_then(Value::as_array).map_or(0, Vec::len);
    let mounts = c
        .get("volumeMounts")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if env > 0 {
        parts.push(format!("{env} env"));
    }
    if mounts > 0 {
        parts.push(format!("{mounts} mount(s)"));
    }
    parts.join(", ")
}

fn describe_volume(v: &Value) -> String {
    let Some(object) = v.as_object() else {
        return String::new();
    };
    object
        .iter()
        .find(|(k, _)| k.as_str() != "name")
        .map(|(kind, source)| match source.as_object() {
            Some(fields) if !fields.is_empty() => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", text(Some(v))))
                    .collect();
                format!("{kind} ({})", inner.join(", "))
            }
            _ => kind.clone(),
        })
        .unwrap_or_default()
}

fn describe_env(e: &Value) -> String {
    match e.get("value") {
        Some(v) => text(Some(v)),
        None => e
            .get("valueFrom")
            .map(|v| format!("from {v}"))
            .unwrap_or_default(),
    }
}

fn describe_mount(m: &Value) -> String {
    let mut detail = format!("volume {}", text(m.get("name")));
    if m.get("readOnly").and_then(Value::as_bool) == Some(true) {
        detail.push_str(", read-only");
    }
    if let Some(sub) = m.get("subPath").and_then(Value::as_str) {
        detail.push_str(&format!(", subPath {sub}"));
    }
    detail
}

fn describe_scalar(v: &Value) -> String {
    text(Some(v))
}

/// Differences of everything not compared above, as field paths.
fn fields(out: &mut Vec<Change>, path: &str, before: Option<&Value>, after: Option<&Value>) {
    const LIMIT: usize = 50;
    if out.len() >= LIMIT || before == after {
        return;
    }
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
            for key in keys {
                let child = crate::diagnostic::field(path, key);
                fields(out, &child, b.get(key), a.get(key));
            }
        }
        _ => {
            let (op, detail) = match (before, after) {
                (None, Some(a)) => (ChangeOp::Added, short(a)),
                (Some(b), None) => (ChangeOp::Removed, short(b)),
                (Some(b), Some(a)) => (ChangeOp::Changed, format!("{} → {}", short(b), short(a))),
                (None, None) => return,
            };
            out.push(Change {
                op,
                kind: ChangeKind::Field,
                container: String::new(),
                name: path.to_string(),
                detail,
            });
        }
    }
}

fn short(value: &Value) -> String {
    let text = text(Some(value));
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Removes `path` from a clone of `value` (for the generic field diff).
fn without(value: &Value, paths: &[&[&str]]) -> Value {
    let mut value = value.clone();
    for path in paths {
        if let Some((last, parents)) = path.split_last() {
            let parent = parents
                .iter()
                .try_fold(&mut value, |v, key| v.get_mut(*key));
            if let Some(Value::Object(map)) = parent {
                map.remove(*last);
            }
        }
    }
    value
}

fn annotations(deployment: &Value) -> Vec<(String, &Value)> {
    at(deployment, &["spec", "template", "metadata", "annotations"])
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v))
        .collect()
}

/// Every difference between `before` and `after` (Deployments as JSON).
pub fn deployment_changes(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let (pod_before, pod_after) = (at(before, POD), at(after, POD));
    let init_before = items(pod_before, "initContainers");
    let init_after = items(pod_after, "initContainers");
    keyed(
        &mut out,
        ChangeKind::InitContainer,
        "",
        &init_before,
        &init_after,
        describe_container,
    );
    let volumes_before = items(pod_before, "volumes");
    let volumes_after = items(pod_after, "volumes");
    keyed(
        &mut out,
        ChangeKind::Volume,
        "",
        &volumes_before,
        &volumes_after,
        describe_volume,
    );
    let containers_before = items(pod_before, "containers");
    let containers_after = items(pod_after, "containers");
    for (name, old) in &containers_before {
        if !containers_after.iter().any(|(n, _)| n == name) {
            out.push(Change {
                op: ChangeOp::Removed,
                kind: ChangeKind::Container,
                container: String::new(),
                name: name.clone(),
                detail: describe_container(old),
            });
        }
    }
    for (name, new) in &containers_after {
        let Some((_, old)) = containers_before.iter().find(|(n, _)| n == name) else {
            out.push(Change {
                op: ChangeOp::Added,
                kind: ChangeKind::Container,
                container: String::new(),
                name: name.clone(),
                detail: describe_container(new),
            });
            continue;
        };
        keyed(
            &mut out,
            ChangeKind::Env,
            name,
            &items(Some(old), "env"),
            &items(Some(new), "env"),
            describe_env,
        );
        keyed(
            &mut out,
            ChangeKind::VolumeMount,
            name,
            &items(Some(old), "volumeMounts"),
            &items(Some(new), "volumeMounts"),
            describe_mount,
        );
        let rest_old = without(old, &[&["env"], &["volumeMounts"]]);
        let rest_new = without(new, &[&["env"], &["volumeMounts"]]);
        let mut inner = Vec::new();
        fields(&mut inner, "", Some(&rest_old), Some(&rest_new));
        out.extend(inner.into_iter().map(|c| Change {
            container: name.clone(),
            ..c
        }));
    }
    keyed(
        &mut out,
        ChangeKind::Annotation,
        "",
        &annotations(before),
        &annotations(after),
        describe_scalar,
    );
    let handled: &[&[&str]] = &[
        &["spec", "template", "spec", "initContainers"],
        &["spec", "template", "spec", "volumes"],
        &["spec", "template", "spec", "containers"],
        &["spec", "template", "metadata", "annotations"],
    ];
    fields(
        &mut out,
        "",
        Some(&without(before, handled)),
        Some(&without(after, handled)),
    );
    out
}

/// Counts of changes by kind and op, for a one-line summary.
pub fn summary(changes: &[Change]) -> ChangeSummary {
    let mut counts = ChangeSummary::new();
    for change in changes {
        let key = format!("{}.{}", name_of(&change.kind), name_of(&change.op));
        *counts.entry(key).or_default() += 1;
    }
    counts
}

/// The serialized name of a unit variant.
fn name_of(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(init: Value, env: Value, mounts: Value, volumes: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 1, "template": {
        "metadata": {"annotations": {"a": "1"}},
        "spec": {"initContainers": init, "volumes": volumes, "containers": [
            {"name": "llama-stack", "image": "x", "env": env, "volumeMounts": mounts}
        ]}}}})
    }

    #[test]
    fn keyed_lists_are_compared_by_key() {
        let before = deployment(
            json!([]),
            json!([{"name": "A", "value": "1"}]),
            json!([{"name": "cfg", "mountPath": "/etc/ls/", "readOnly": true}]),
            json!([{"name": "cfg", "configMap": {"name": "c"}}]),
        );
        let mut after = deployment(
            json!([{"name": "install-provider-a", "image": "r/a:1"}]),
            json!([{"name": "A", "value": "2"}, {"name": "PYTHONPATH", "value": "/p"}]),
            json!([{"name": "merged", "mountPath": "/etc/ls/"}]),
            json!([{"name": "cfg", "configMap": {"name": "c"}}, {"name": "merged", "emptyDir": {}}]),
        );
        after["spec"]["template"]["metadata"]["annotations"]["h"] = json!("abc");
        after["spec"]["replicas"] = json!(2);
        let changes = deployment_changes(&before, &after);
        let seen: Vec<String> = changes
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {}",
                    name_of(&c.op),
                    name_of(&c.kind),
                    c.container,
                    c.name
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                "added initContainer  install-provider-a",
                "added volume  merged",
                "changed env llama-stack A",
                "added env llama-stack PYTHONPATH",
                "changed volumeMount llama-stack /etc/ls/",
                "added annotation  h",
                "changed field  spec.replicas",
            ]
        );
        assert_eq!(changes[0].detail, "image r/a:1");
        assert_eq!(changes[1].detail, "emptyDir");
        assert_eq!(changes[2].detail, "1 → 2");
        assert_eq!(changes[4].detail, "volume cfg, read-only → volume merged");
        assert_eq!(summary(&changes)["env.added"], 1);
        assert!(deployment_changes(&before, &before).is_empty());
    }
}
