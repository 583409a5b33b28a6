//! The kubectl plugin (`kubectl llsd-providers …`, crates/cli/src/kubectl_cmd.rs)
//! against a stand-in `kubectl` on PATH (tests/data/kubectl/kubectl) that
//! serves recorded API objects — the LLSD of tests/data/status, its
//! Deployment, two ReplicaSets, a pod of each — and prints kubectl's
//! NotFound and Forbidden errors. Asserts the commands the plugin runs and
//! what it prints.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "llamastack-with-userconfig";
const CURRENT_RS: &str = "llamastack-with-userconfig-5f7d9c8b6";
const OLD_RS: &str = "llamastack-with-userconfig-7c4b2a1d9";
const SELECTOR: &str = "app=llama-stack,app.kubernetes.io/instance=llamastack-with-userconfig";

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read_json(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(root().join(path)).unwrap()).unwrap()
}

fn owned_by(mut pod: Value, rs: &str, created: &str) -> Value {
    pod["metadata"]["ownerReferences"][0]["name"] = json!(rs);
    pod["metadata"]["generateName"] = json!(format!("{rs}-"));
    pod["metadata"]["creationTimestamp"] = json!(created);
    pod
}

fn replica_set(name: &str, revision: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": name, "namespace": "default",
            "annotations": {"deployment.kubernetes.io/revision": revision},
            "labels": {"app": "llama-stack", "app.kubernetes.io/instance": NAME},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": NAME,
                                 "uid": "00000000-0000-0000-0000-000000000000", "controller": true,
                                 "blockOwnerDeletion": true}]
        },
        "spec": {"selector": {"matchLabels": {"app": "llama-stack", "app.kubernetes.io/instance": NAME}}}
    })
}

/// The recorded objects; `llsd_yaml` is the LLSD as stored.
fn objects(dir: &Path, llsd_yaml: &str) {
    let mut llsd: Value = serde_yaml::from_str(llsd_yaml).unwrap();
    llsd["metadata"]["uid"] = json!("5b1f0c7e-0000-4000-8000-000000000010");
    llsd["metadata"]["resourceVersion"] = json!("48213");
    llsd["metadata"]["generation"] = json!(3);
    llsd["metadata"]["creationTimestamp"] = json!("2026-11-25T09:00:00Z");
    llsd["status"] = json!({"phase": "Ready", "conditions": [
        {"type": "DeploymentReady", "status": "True", "reason": "MinimumReplicasAvailable",
         "message": "Deployment is ready", "lastTransitionTime": "2026-11-26T10:01:30Z"}]});
    let ready = read_json("tests/data/status/pod-all-ready.json");
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": "default", "generation": 2,
                     "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "llama-stack", "app.kubernetes.io/instance": NAME}},
            "template": {"metadata": {"labels": ready["metadata"]["labels"].clone(),
                                      "annotations": ready["metadata"]["annotations"].clone()},
                         "spec": ready["spec"].clone()}
        }
    });
    let old = owned_by(
        read_json("tests/data/status/pod-stale.json"),
        OLD_RS,
        "2026-11-25T09:00:00Z",
    );
    let current = owned_by(ready, CURRENT_RS, "2026-11-26T10:00:00Z");
    let list = |items: Vec<Value>| json!({"apiVersion": "v1", "kind": "List", "items": items});
    let write = |name: &str, value: &Value| {
        std::fs::write(dir.join(name), serde_json::to_vec_pretty(value).unwrap()).unwrap()
    };
    write(&format!("llsd-{NAME}.json"), &llsd);
    write(&format!("deployment-{NAME}.json"), &deployment);
    write(
        "replicasets.json",
        &list(vec![replica_set(OLD_RS, "1"), replica_set(CURRENT_RS, "2")]),
    );
    // Oldest first, as the API server lists them: the plugin sorts.
    write("pods.json", &list(vec![old, current]));
}

struct Plugin {
    dir: tempfile::TempDir,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    commands: Vec<String>,
}

impl Plugin {
    fn new() -> Self {
        let llsd = std::fs::read_to_string(root().join("tests/data/status/llsd.yaml")).unwrap();
        Self::with_llsd(&llsd)
    }

    fn with_llsd(llsd: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("objects")).unwrap();
        objects(&dir.path().join("objects"), llsd);
        Plugin { dir }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("kubectl.log")
    }

    /// `program ARGS` with the stand-in kubectl first on PATH.
    fn run_program(
        &self,
        program: &Path,
        args: &[&str],
        kubectl: Option<&str>,
        tmpdir: Option<&Path>,
    ) -> Out {
        let _ = std::fs::remove_file(self.log());
        let path = format!(
            "{}:{}",
            root().join("tests/data/kubectl").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new(program);
        command
            .args(args)
            .env("PATH", path)
            .env("KUBECTL_LOG", self.log())
            .env("KUBECTL_OBJECTS", self.dir.path().join("objects"))
            .env("NO_COLOR", "1")
            .env_remove("KUBECTL");
        if let Some(kubectl) = kubectl {
            command.env("KUBECTL", kubectl);
        }
        if let Some(tmpdir) = tmpdir {
            command.env("TMPDIR", tmpdir);
        }
        let out = command.output().unwrap();
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            commands: std::fs::read_to_string(self.log())
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect(),
        }
    }

    /// `kubectl llsd-providers ARGS`, as kubectl runs the plugin: the
    /// binary under the name kubectl-llsd_providers.
    fn run(&self, args: &[&str]) -> Out {
        self.run_in(args, None)
    }

    /// `run` with `$TMPDIR` set to `tmpdir`.
    fn run_in(&self, args: &[&str], tmpdir: Option<&Path>) -> Out {
        let link = self.dir.path().join("kubectl-llsd_providers");
        if !link.exists() {
            std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_llsd-providers"), &link).unwrap();
        }
        self.run_program(&link, args, None, tmpdir)
    }
}

fn gets(ns: &str) -> Vec<String> {
    vec![
        format!("get --output=json --namespace={ns} -- llamastackdistribution {NAME}"),
        format!("get --output=json --namespace={ns} -- deployment {NAME}"),
        format!("get --output=json --selector={SELECTOR} --namespace={ns} -- replicasets"),
        format!("get --output=json --selector={SELECTOR} --namespace={ns} -- pods"),
    ]
}

#[test]
fn status_diagnoses_every_pod_newest_first_and_marks_the_old_replica_set() {
    let plugin = Plugin::new();
    let out = plugin.run(&["status", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(out.commands, gets("default"));
    assert!(out.stdout.starts_with(&format!(
        "LlamaStackDistribution {NAME} : 2 pod(s), newest first; providers hash "
    )));
    let newest = out
        .stdout
        .find("Pod: llamastack-with-userconfig-5f7d9c8b6-ready")
        .unwrap();
    let older = out
        .stdout
        .find("Pod: llamastack-with-userconfig-7c4b2a1d9-old01")
        .unwrap();
    assert!(newest < older, "{}", out.stdout);
    assert!(
        out.stdout[older..].contains("STALE: "),
        "the old pod is marked: {}",
        out.stdout
    );
    assert!(
        !out.stdout[newest..older].contains("STALE"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("PROVIDERS CHANGED"), "{}", out.stdout);

    let json = plugin.run(&["status", NAME, "-n", "default", "-o", "json"]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["pods"].as_array().unwrap().len(), 2);
    assert_eq!(report["pods"][0]["condition"]["status"], "True");
    assert!(
        report["pods"][1]["stale"]
            .as_str()
            .unwrap()
            .contains(OLD_RS)
    );

    let yaml = plugin.run(&["status", NAME, "-n", "default", "-o", "yaml"]);
    let report: Value = serde_yaml::from_str(&yaml.stdout).unwrap();
    assert_eq!(report["llsd"], NAME);
}

#[test]
fn without_a_namespace_kubectl_uses_the_context_s() {
    let plugin = Plugin::new();
    let out = plugin.run(&["status", NAME]);
    assert_eq!(
        out.commands[0],
        format!("get --output=json -- llamastackdistribution {NAME}")
    );
}

#[test]
fn a_provider_change_that_has_not_reached_the_pod_is_flagged_with_the_rollout_command() {
    let llsd = std::fs::read_to_string(root().join("tests/data/status/llsd.yaml")).unwrap();
    let changed = llsd.replace("pgvector-ext:2.1.0", "pgvector-ext:2.2.0");
    let plugin = Plugin::with_llsd(&changed);
    let out = plugin.run(&["status", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "PROVIDERS CHANGED: The newest pod llamastack-with-userconfig-5f7d9c8b6-ready runs provider list 869c242896651189"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "Fix: kubectl llsd-providers rollout {NAME} -n default"
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn rollout_restarts_the_deployment() {
    let plugin = Plugin::new();
    let out = plugin.run(&["rollout", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.commands,
        [format!(
            "rollout restart --namespace=default -- deployment/{NAME}"
        )]
    );
    assert_eq!(out.stdout, format!("deployment.apps/{NAME} restarted\n"));
}

#[test]
fn status_patch_for_the_newest_pod() {
    let plugin = Plugin::new();
    let out = plugin.run(&["status", NAME, "-n", "default", "-o", "status-patch"]);
    let patch: Value = serde_json::from_str(&out.stdout).unwrap();
    let types: Vec<&str> = patch["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["DeploymentReady", "ExternalProvidersReady"]);
    assert_eq!(patch["status"]["conditions"][1]["observedGeneration"], 3);
}

#[test]
fn validate_and_inject_read_the_live_objects() {
    let plugin = Plugin::new();
    let out = plugin.run(&["validate", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.commands,
        [format!(
            "get --output=json --namespace=default -- llamastackdistribution {NAME}"
        )]
    );
    assert!(
        out.stdout
            .contains(&format!("llamastackdistribution/{NAME}")),
        "{}",
        out.stdout
    );

    let out = plugin.run(&["inject", NAME, "-n", "default", "--dry-run"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.commands, gets("default")[..2]);
    let deployment: Value = serde_yaml::from_str(&out.stdout).unwrap();
    let init: Vec<&str> = deployment["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(init.contains(&"merge-config"), "{init:?}");

    let out = plugin.run(&["inject", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("inject needs --dry-run"),
        "{}",
        out.stderr
    );
    assert!(out.commands.is_empty());
}

#[test]
fn names_and_namespaces_that_kubectl_could_read_as_options_are_refused_before_it_runs() {
    let plugin = Plugin::new();
    for args in [
        &["validate", "--", "--server=https://127.0.0.1:18444"][..],
        &["status", "--", "--kubeconfig=/tmp/evil"],
        &["inject", "--dry-run", "--", "-nkube-system"],
        &["rollout", "--", "--server=https://127.0.0.1:18444"],
        &["status", "Not_A_Name"],
        &["status", "a\u{1b}[2Jb"],
    ] {
        let out = plugin.run(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("is not a Kubernetes object name")
                && out
                    .stderr
                    .contains("fix: a name is at most 253 lowercase letters"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains('\u{1b}'), "escaped: {}", out.stderr);
        assert!(out.commands.is_empty(), "{args:?} ran {:?}", out.commands);
    }
    for namespace in [
        "--server=https://127.0.0.1:18444",
        "-nkube-system",
        "a.b",
        "",
    ] {
        let out = plugin.run(&["status", NAME, &format!("--namespace={namespace}")]);
        assert_eq!(out.code, Some(2), "{namespace:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("is not a Kubernetes namespace"),
            "{namespace:?}: {}",
            out.stderr
        );
        assert!(out.commands.is_empty());
    }
    // a name with dots is a valid object name, passed after `--`
    let out = plugin.run(&["validate", "my.llsd", "-n", "default"]);
    assert_eq!(
        out.commands,
        ["get --output=json --namespace=default -- llamastackdistribution my.llsd"]
    );
}

#[test]
fn inject_dry_run_writes_no_file() {
    // It used to write the live objects into $TMPDIR/llsd-providers-kubectl-<pid>,
    // following a link another user had put there.
    let plugin = Plugin::new();
    let tmp = tempfile::tempdir().unwrap();
    let out = plugin.run_in(
        &["inject", NAME, "-n", "default", "--dry-run"],
        Some(tmp.path()),
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn kubectl_errors_become_actionable_messages() {
    let plugin = Plugin::new();
    let out = plugin.run(&["status", "missing", "-n", "default"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.starts_with("ERROR: Not found running `kubectl get --output=json --namespace=default -- llamastackdistribution missing`: Error from server (NotFound): llamastackdistributions.llamastack.io \"missing\" not found. Fix: check the name and the namespace (-n)"),
        "{}",
        out.stderr
    );

    std::fs::write(plugin.dir.path().join("objects/forbidden"), "").unwrap();
    let out = plugin.run(&["status", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("kubectl was refused access (RBAC Forbidden)")
            && out
                .stderr
                .contains("cannot get resource \"llamastackdistributions\"")
            && out.stderr.contains("kubectl auth can-i"),
        "{}",
        out.stderr
    );

    let link = plugin.dir.path().join("kubectl-llsd_providers");
    let out = plugin.run_program(&link, &["status", NAME], Some("/nonexistent/kubectl"), None);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("kubectl is not on PATH (looked for `/nonexistent/kubectl`)"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_subcommand_is_the_same_plugin() {
    let plugin = Plugin::new();
    let via_name = plugin.run(&["status", NAME, "-n", "default", "-o", "json"]);
    let via_subcommand = plugin.run_program(
        Path::new(env!("CARGO_BIN_EXE_llsd-providers")),
        &["kubectl", "status", NAME, "-n", "default", "-o", "json"],
        None,
        None,
    );
    assert_eq!(via_name.stdout, via_subcommand.stdout);
    assert_eq!(via_name.commands, via_subcommand.commands);
}

#[test]
fn text_from_the_cluster_reaches_the_terminal_escaped() {
    let plugin = Plugin::new();
    let pods_file = plugin.dir.path().join("objects/pods.json");
    let mut pods = read_json(pods_file.to_str().unwrap());
    pods["items"][1]["metadata"]["annotations"]["llsd-providers.llamastack.io/providers-hash"] =
        json!("\u{1b}[2J\u{1b}]8;;https://x\u{7}link\u{202e}");
    std::fs::write(&pods_file, serde_json::to_vec(&pods).unwrap()).unwrap();
    let out = plugin.run(&["status", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("PROVIDERS CHANGED: "), "{}", out.stdout);
    for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(
            !out.stdout.contains(raw),
            "{raw:?} printed raw: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains("runs provider list \\u{1b}[2J"),
        "{}",
        out.stdout
    );
}

#[test]
fn pods_are_checked_only_where_the_diagnosis_reads() {
    let plugin = Plugin::new();
    let pods_file = plugin.dir.path().join("objects/pods.json");
    let mut pods = read_json(pods_file.to_str().unwrap());
    // A newer Kubernetes: a new field, and a type change where status does not read.
    pods["items"][1]["status"]["phase"] = json!({"since": "v9.99"});
    pods["items"][1]["spec"]["schedulingFuture"] = json!([1, 2]);
    std::fs::write(&pods_file, serde_json::to_vec(&pods).unwrap()).unwrap();
    let out = plugin.run(&["status", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);

    pods["items"][1]["status"]["initContainerStatuses"][0]["restartCount"] = json!("2");
    std::fs::write(&pods_file, serde_json::to_vec(&pods).unwrap()).unwrap();
    let out = plugin.run(&["status", NAME, "-n", "default"]);
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "ERROR: kubectl printed pods this plugin cannot read: items[1].status.initContainerStatuses[0].restartCount: \
         must be a whole number, found a string. Fix: use a kubectl matching the cluster's version.\n"
    );
}
