//! The fields of a Pod that the diagnosis reads, over the pod's JSON as
//! `kubectl get pod -o json` prints it: read-only accessors, and
//! [`check_pod`], which refuses a pod where one of those fields has the
//! wrong type.
//!
//! Only the fields listed in `POD` are read, and only they are checked: a
//! pod from a newer Kubernetes (new fields, new values of fields not read)
//! is diagnosed as long as these keep their types. Timestamps stay the
//! strings the API server wrote. The pod is not deserialized into the
//! Kubernetes types: their deserializers (every type under `PodSpec` and
//! `PodStatus`, the time parser) weigh hundreds of KB in the playground's
//! wasm (docs/contracts.md, "Status"; docs/benchmarks.md).

use crate::diagnostic::{Diagnostic, printable};
use serde_json::Value;

/// What a pod input error says to do.
pub const POD_FIX: &str = "pass the pod as `kubectl get pod NAME -o json` prints it";

/// The JSON type of a field the diagnosis reads. A `null` field counts as
/// absent, as the Kubernetes types read it.
enum Shape {
    /// A string.
    Str,
    /// This string, when present (`apiVersion`, `kind`).
    Exactly(&'static str),
    /// An integer within 32 bits (`int32` in the Kubernetes API).
    Int32,
    /// `true` or `false`.
    Bool,
    /// A map of strings (labels, annotations).
    StringMap,
    /// A list of these.
    List(&'static Shape),
    /// An object (the Kubernetes type's name, for messages) of which these
    /// fields are read; others are not looked at.
    Object(&'static str, &'static [(&'static str, Shape)]),
}

use Shape::{Bool, Exactly, Int32, List, Object, Str, StringMap};

const STATE: Shape = Object(
    "ContainerState",
    &[
        (
            "waiting",
            Object(
                "ContainerStateWaiting",
                &[("reason", Str), ("message", Str)],
            ),
        ),
        (
            "running",
            Object("ContainerStateRunning", &[("startedAt", Str)]),
        ),
        (
            "terminated",
            Object(
                "ContainerStateTerminated",
                &[
                    ("exitCode", Int32),
                    ("reason", Str),
                    ("message", Str),
                    ("finishedAt", Str),
                ],
            ),
        ),
    ],
);

/// Every field the accessors below read (the kubectl plugin's
/// `ownerReferences` and `creationTimestamp` included).
const POD: Shape = Object(
    "Pod",
    &[
        ("apiVersion", Exactly("v1")),
        ("kind", Exactly("Pod")),
        (
            "metadata",
            Object(
                "ObjectMeta",
                &[
                    ("name", Str),
                    ("namespace", Str),
                    ("labels", StringMap),
                    ("annotations", StringMap),
                    ("creationTimestamp", Str),
                    (
                        "ownerReferences",
                        List(&Object(
                            "OwnerReference",
                            &[("name", Str), ("controller", Bool)],
                        )),
                    ),
                ],
            ),
        ),
        (
            "spec",
            Object(
                "PodSpec",
                &[
                    ("serviceAccountName", Str),
                    (
                        "initContainers",
                        List(&Object(
                            "Container",
                            &[
                                ("name", Str),
                                ("image", Str),
                                (
                                    "env",
                                    List(&Object("EnvVar", &[("name", Str), ("value", Str)])),
                                ),
                            ],
                        )),
                    ),
                ],
            ),
        ),
        (
            "status",
            Object(
                "PodStatus",
                &[(
                    "initContainerStatuses",
                    List(&Object(
                        "ContainerStatus",
                        &[
                            ("name", Str),
                            ("restartCount", Int32),
                            ("state", STATE),
                            ("lastState", STATE),
                        ],
                    )),
                )],
            ),
        ),
    ],
);

/// Refuses a pod where a field the diagnosis reads has the wrong type,
/// with one diagnostic per such field (its path, serde's wording of the
/// mismatch, and [`POD_FIX`]). Fields it does not read are not looked at.
pub fn check_pod(pod: &Value) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if pod.is_null() {
        errors.push(mismatch("", pod, "a mapping (Pod)"));
    }
    check(pod, &POD, "", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// [`check_pod`] as a converter for [`crate::yaml_input::read_document`]:
/// the checked pod.
pub fn read_pod(pod: &Value) -> Result<Value, Vec<Diagnostic>> {
    check_pod(pod).map(|()| pod.clone())
}

fn check(value: &Value, shape: &Shape, path: &str, errors: &mut Vec<Diagnostic>) {
    let join = |key: &str| crate::diagnostic::field(path, key);
    match (shape, value) {
        (_, Value::Null) | (Str, Value::String(_)) | (Bool, Value::Bool(_)) => {}
        (Exactly(wanted), Value::String(s)) => {
            if s != wanted {
                errors.push(Diagnostic::error(
                    path,
                    format!("must be '{wanted}', found '{}'", printable(s, false)),
                    POD_FIX,
                ));
            }
        }
        (Int32, Value::Number(n)) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => {}
            Some(i) => errors.push(Diagnostic::error(
                path,
                format!("is {i}, outside the 32-bit integer range"),
                POD_FIX,
            )),
            None => errors.push(mismatch(path, value, INT32)),
        },
        (StringMap, Value::Object(map)) => {
            for (key, item) in map {
                check(item, &Str, &join(key), errors);
            }
        }
        (List(item), Value::Array(items)) => {
            for (index, value) in items.iter().enumerate() {
                check(value, item, &crate::diagnostic::index(path, index), errors);
            }
        }
        (Object(_, fields), Value::Object(map)) => {
            for (key, shape) in *fields {
                if let Some(field) = map.get(*key) {
                    check(field, shape, &join(key), errors);
                }
            }
        }
        (Str | Exactly(_), _) => errors.push(mismatch(path, value, "a string")),
        (Int32, _) => errors.push(mismatch(path, value, INT32)),
        (Bool, _) => errors.push(mismatch(path, value, "a boolean")),
        (StringMap, _) => errors.push(mismatch(path, value, "a mapping of strings")),
        (List(_), _) => errors.push(mismatch(path, value, "a list")),
        (Object(name, _), _) => errors.push(mismatch(path, value, &format!("a mapping ({name})"))),
    }
}

/// What a 32-bit integer field must be.
const INT32: &str = "a whole number";

/// A field of the wrong type, worded as the injection and validation word it.
fn mismatch(path: &str, value: &Value, expected: &str) -> Diagnostic {
    crate::json::mistyped(path, expected, value, POD_FIX)
}

/// `value[key]`, with `null` read as absent.
fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.get(key).filter(|v| !v.is_null())
}

fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key).and_then(Value::as_str)
}

/// The items of the list `value[key]` (none when absent).
fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> + use<'a> {
    get(value, key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn get_i32(value: &Value, key: &str) -> Option<i32> {
    get(value, key)
        .and_then(Value::as_i64)
        .and_then(|i| i32::try_from(i).ok())
}

/// A pod, as far as the diagnosis reads it. A field of the wrong type
/// reads as absent: [`check_pod`] is what refuses it.
#[derive(Debug, Clone, Copy)]
pub struct PodView<'a>(&'a Value);

impl<'a> PodView<'a> {
    /// The view of `pod` (`kubectl get pod -o json`'s object).
    pub fn new(pod: &'a Value) -> Self {
        PodView(pod)
    }

    /// The pod's JSON.
    pub fn value(self) -> &'a Value {
        self.0
    }

    fn metadata(self, key: &str) -> Option<&'a Value> {
        get(self.0, "metadata").and_then(|m| get(m, key))
    }

    /// `metadata.name`.
    pub fn name(self) -> Option<&'a str> {
        self.metadata("name").and_then(Value::as_str)
    }

    /// `metadata.namespace`.
    pub fn namespace(self) -> Option<&'a str> {
        self.metadata("namespace").and_then(Value::as_str)
    }

    /// `metadata.labels[key]`.
    pub fn label(self, key: &str) -> Option<&'a str> {
        self.metadata("labels").and_then(|l| get_str(l, key))
    }

    /// `metadata.annotations[key]`.
    pub fn annotation(self, key: &str) -> Option<&'a str> {
        self.metadata("annotations").and_then(|a| get_str(a, key))
    }

    /// `metadata.creationTimestamp`, as the API server wrote it (RFC 3339,
    /// UTC, whole seconds: it sorts as text).
    pub fn creation_timestamp(self) -> Option<&'a str> {
        self.metadata("creationTimestamp").and_then(Value::as_str)
    }

    /// The name of the owner reference with `controller: true` (the pod's
    /// ReplicaSet).
    pub fn controller(self) -> Option<&'a str> {
        self.metadata("ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            .and_then(|o| get_str(o, "name"))
    }

    /// `spec.serviceAccountName`.
    pub fn service_account_name(self) -> Option<&'a str> {
        get(self.0, "spec").and_then(|s| get_str(s, "serviceAccountName"))
    }

    /// `spec.initContainers`, in pod order.
    pub fn init_containers(self) -> impl Iterator<Item = InitContainer<'a>> {
        get(self.0, "spec")
            .into_iter()
            .flat_map(|s| items(s, "initContainers"))
            .map(InitContainer)
    }

    /// `status.initContainerStatuses`.
    pub fn init_container_statuses(self) -> impl Iterator<Item = ContainerStatus<'a>> {
        get(self.0, "status")
            .into_iter()
            .flat_map(|s| items(s, "initContainerStatuses"))
            .map(|status| ContainerStatus {
                name: get_str(status, "name").unwrap_or_default(),
                image: get_str(status, "image").unwrap_or_default(),
                restart_count: get_i32(status, "restartCount").unwrap_or(0),
                state: get(status, "state").map(State::of),
                last_state: get(status, "lastState").map(State::of),
            })
    }
}

/// One of `spec.initContainers`.
#[derive(Debug, Clone, Copy)]
pub struct InitContainer<'a>(&'a Value);

impl<'a> InitContainer<'a> {
    /// `name` (empty when missing).
    pub fn name(self) -> &'a str {
        get_str(self.0, "name").unwrap_or_default()
    }

    /// `image`.
    pub fn image(self) -> Option<&'a str> {
        get_str(self.0, "image")
    }

    /// The `value` of the `env` entry `name`.
    pub fn env(self, name: &str) -> Option<&'a str> {
        items(self.0, "env")
            .find(|e| get_str(e, "name") == Some(name))
            .and_then(|e| get_str(e, "value"))
    }
}

/// One of `status.initContainerStatuses`: the fields read.
#[derive(Debug, Clone, Copy)]
pub struct ContainerStatus<'a> {
    /// `name` (empty when missing).
    pub name: &'a str,
    /// `image`, as the kubelet reports it (empty when missing).
    pub image: &'a str,
    /// `restartCount` (0 when missing).
    pub restart_count: i32,
    /// `state`.
    pub state: Option<State<'a>>,
    /// `lastState`.
    pub last_state: Option<State<'a>>,
}

/// `state` or `lastState` of a container status: at most one of the three
/// is set.
#[derive(Debug, Clone, Copy)]
pub struct State<'a> {
    /// `waiting`.
    pub waiting: Option<Waiting<'a>>,
    /// `running.startedAt`, when running (`Some(None)` without the time).
    pub running: Option<Option<&'a str>>,
    /// `terminated`.
    pub terminated: Option<Terminated<'a>>,
}

impl<'a> State<'a> {
    fn of(state: &'a Value) -> Self {
        State {
            waiting: get(state, "waiting").map(|w| Waiting {
                reason: get_str(w, "reason"),
                message: get_str(w, "message"),
            }),
            running: get(state, "running").map(|r| get_str(r, "startedAt")),
            terminated: get(state, "terminated").map(|t| Terminated {
                exit_code: get_i32(t, "exitCode").unwrap_or(0),
                reason: get_str(t, "reason"),
                message: get_str(t, "message"),
                finished_at: get_str(t, "finishedAt"),
            }),
        }
    }
}

/// `state.waiting`.
#[derive(Debug, Clone, Copy)]
pub struct Waiting<'a> {
    /// `reason` (`ErrImagePull`, `CrashLoopBackOff`, `PodInitializing`, …).
    pub reason: Option<&'a str>,
    /// `message`.
    pub message: Option<&'a str>,
}

/// `state.terminated`.
#[derive(Debug, Clone, Copy)]
pub struct Terminated<'a> {
    /// `exitCode` (0 when missing, as the Kubernetes types read it).
    pub exit_code: i32,
    /// `reason` (`Error`, `OOMKilled`, `Completed`).
    pub reason: Option<&'a str>,
    /// `message`: the termination message.
    pub message: Option<&'a str>,
    /// `finishedAt`.
    pub finished_at: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(pod: Value) -> Vec<(String, String)> {
        check_pod(&pod)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.path, d.problem))
            .collect()
    }

    #[test]
    fn fields_read_are_checked_with_their_path() {
        let pod = json!({
            "metadata": {"name": 3, "labels": {"a": 1}, "ownerReferences": [{"name": "rs", "controller": "true"}]},
            "spec": {"initContainers": [{"name": "a", "env": {"x": 1}}]},
            "status": {"initContainerStatuses": [
                {"name": "a", "restartCount": "2"},
                {"name": "b", "restartCount": 3_000_000_000u64, "state": {"terminated": {"exitCode": 1.5}}},
            ]},
        });
        let expected = [
            ("metadata.name", "must be a string, found a number"),
            ("metadata.labels.a", "must be a string, found a number"),
            (
                "metadata.ownerReferences[0].controller",
                "must be a boolean, found a string",
            ),
            (
                "spec.initContainers[0].env",
                "must be a list, found a mapping",
            ),
            (
                "status.initContainerStatuses[0].restartCount",
                "must be a whole number, found a string",
            ),
            (
                "status.initContainerStatuses[1].restartCount",
                "is 3000000000, outside the 32-bit integer range",
            ),
            (
                "status.initContainerStatuses[1].state.terminated.exitCode",
                "must be a whole number, found a number",
            ),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(p, m)| (p.to_string(), m.to_string()))
            .collect();
        assert_eq!(errors(pod), expected);
        assert_eq!(
            errors(json!({"spec": 3})),
            [(
                "spec".to_string(),
                "must be a mapping (PodSpec), found a number".to_string()
            )]
        );
        assert_eq!(
            errors(json!({"status": {"initContainerStatuses": {"a": 1}}})),
            [(
                "status.initContainerStatuses".to_string(),
                "must be a list, found a mapping".to_string()
            )]
        );
    }

    #[test]
    fn other_objects_are_not_pods() {
        assert_eq!(
            errors(json!("text")),
            [(
                "".to_string(),
                "must be a mapping (Pod), found a string".to_string()
            )]
        );
        assert_eq!(
            errors(json!([1])),
            [(
                "".to_string(),
                "must be a mapping (Pod), found a list".to_string()
            )]
        );
        assert_eq!(
            errors(json!(null)),
            [(
                "".to_string(),
                "must be a mapping (Pod), found null".to_string()
            )]
        );
        assert_eq!(
            errors(json!({"apiVersion": "apps/v1", "kind": "Deployment"})),
            [
                (
                    "apiVersion".to_string(),
                    "must be 'v1', found 'apps/v1'".to_string()
                ),
                (
                    "kind".to_string(),
                    "must be 'Pod', found 'Deployment'".to_string()
                ),
            ]
        );
        assert_eq!(
            errors(json!({"apiVersion": "v1", "kind": "List", "items": []})),
            [(
                "kind".to_string(),
                "must be 'Pod', found 'List'".to_string()
            )]
        );
    }

    #[test]
    fn fields_not_read_are_not_checked() {
        // A pod from a newer Kubernetes, or one with odd values where the
        // diagnosis does not look: new fields, other types, unparsable
        // times, nulls.
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "generation": "x", "uid": null, "labels": null},
            "spec": {"containers": 7, "newField": {"a": [1]}, "initContainers": [{"name": "a", "image": null, "resources": "lots"}]},
            "status": {"phase": 7, "initContainerStatuses": [{
                "name": "a", "restartCount": null, "ready": "yes", "imageID": 1,
                "state": {"terminated": {"exitCode": 0, "finishedAt": "not a time", "startedAt": 5}},
                "lastState": {},
                "allocatedResources": {"cpu": 1}
            }]},
        });
        assert_eq!(errors(pod.clone()), []);
        let view = PodView::new(&pod);
        let status = view.init_container_statuses().next().unwrap();
        assert_eq!(status.restart_count, 0);
        assert_eq!(
            status.state.unwrap().terminated.unwrap().finished_at,
            Some("not a time")
        );
        assert_eq!(view.init_containers().next().unwrap().image(), None);
        assert_eq!(view.label("x"), None);
    }

    #[test]
    fn accessors_read_the_fields() {
        let pod = json!({
            "metadata": {
                "name": "p", "namespace": "ns", "creationTimestamp": "2026-11-26T10:00:00Z",
                "labels": {"app.kubernetes.io/instance": "d"},
                "annotations": {"h": "1"},
                "ownerReferences": [{"name": "other"}, {"name": "rs", "controller": true}],
            },
            "spec": {"serviceAccountName": "sa", "initContainers": [
                {"name": "c", "image": "i", "env": [{"name": "A", "value": "1"}, {"name": "B"}]},
            ]},
            "status": {"initContainerStatuses": [{
                "name": "c", "restartCount": 2,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "m"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "message": "x", "finishedAt": "t"}},
            }, {"name": "d", "state": {"running": {"startedAt": "s"}}}]},
        });
        let view = PodView::new(&pod);
        assert_eq!(view.name(), Some("p"));
        assert_eq!(view.namespace(), Some("ns"));
        assert_eq!(view.creation_timestamp(), Some("2026-11-26T10:00:00Z"));
        assert_eq!(view.label("app.kubernetes.io/instance"), Some("d"));
        assert_eq!(view.annotation("h"), Some("1"));
        assert_eq!(view.controller(), Some("rs"));
        assert_eq!(view.service_account_name(), Some("sa"));
        let container = view.init_containers().next().unwrap();
        assert_eq!((container.name(), container.image()), ("c", Some("i")));
        assert_eq!((container.env("A"), container.env("B")), (Some("1"), None));
        let statuses: Vec<ContainerStatus> = view.init_container_statuses().collect();
        assert_eq!((statuses[0].name, statuses[0].restart_count), ("c", 2));
        let waiting = statuses[0].state.unwrap().waiting.unwrap();
        assert_eq!(
            (waiting.reason, waiting.message),
            (Some("CrashLoopBackOff"), Some("m"))
        );
        let last = statuses[0].last_state.unwrap().terminated.unwrap();
        assert_eq!(
            (last.exit_code, last.reason, last.message, last.finished_at),
            (1, Some("Error"), Some("x"), Some("t"))
        );
        assert_eq!(statuses[1].state.unwrap().running, Some(Some("s")));
        assert_eq!(check_pod(&pod), Ok(()));
    }
}
