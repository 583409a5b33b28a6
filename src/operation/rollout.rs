//! Rollout: what the kubectl plugin read from the cluster (JSON, as
//! `kubectl get -o json` prints it) to the status of every pod of the
//! LLSD's Deployment, and the words for whatever cannot be read.
//! The plugin runs kubectl; [`rollout_status`] asks it for each object in
//! turn, and every object it prints is read here.

use crate::diagnostic::{field, index, printable};
use crate::llsd::LlamaStackDistribution;
use crate::status::{DistributionStatus, Rollout, check_pod, distribution_status};
use crate::validate::check_llsd;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde::de::DeserializeOwned;

#[derive(serde::Deserialize)]
struct List<T> {
    items: Vec<T>,
}

fn parse<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|err| unreadable(what, err))
}

fn unreadable(what: &str, error: impl std::fmt::Display) -> String {
    format!(
        "kubectl printed {what} this plugin cannot read: {error}. Fix: use a kubectl matching the cluster's version."
    )
}

/// The live LLSD `name`, valid; else every problem in one sentence.
fn live_llsd(name: &str, bytes: &[u8]) -> Result<LlamaStackDistribution, String> {
    let value: serde_json::Value = parse("an LLSD", bytes)?;
    check_llsd(&value).map(|(l, _)| l).map_err(|diagnostics| {
        let problems: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
        format!(
            "The live LlamaStackDistribution '{name}' is not valid: {}. Fix: run `kubectl llsd-providers validate {name}` for every problem with its location.",
            problems.join("; "),
        )
    })
}

/// The Deployment's pod selector as `kubectl --selector` takes it
/// (`key=value,…`; its labels come from the cluster).
fn deployment_selector(bytes: &[u8]) -> Result<String, String> {
    let deployment: Deployment = parse("a Deployment", bytes)?;
    let labels = deployment
        .spec
        .and_then(|s| s.selector.match_labels)
        .unwrap_or_default();
    let selector: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(selector.join(","))
}

/// The items of `kubectl get replicasets -o json`.
fn read_replica_sets(bytes: &[u8]) -> Result<Vec<ReplicaSet>, String> {
    parse::<List<ReplicaSet>>("ReplicaSets", bytes).map(|list| list.items)
}

/// The items of `kubectl get pods -o json`, each checked as `status --pod`
/// checks its pod.
fn read_pods(bytes: &[u8]) -> Result<Vec<serde_json::Value>, String> {
    let pods: List<serde_json::Value> = parse("pods", bytes)?;
    for (at, pod) in pods.items.iter().enumerate() {
        check_listed_pod(pod, &index("items", at))
            .map_err(|problems| unreadable("pods", problems))?;
    }
    Ok(pods.items)
}

/// A pod of a list checked as `status --pod` checks its pod: its problems
/// in one line, each at its field below `at` (the pod's place in the list).
pub(super) fn check_listed_pod(pod: &serde_json::Value, at: &str) -> Result<(), String> {
    check_pod(pod).map_err(|problems| {
        let problems: Vec<String> = problems
            .iter()
            .map(|d| format!("{}: {}", field(at, &d.path), d.problem))
            .collect();
        problems.join("; ")
    })
}

/// What [`rollout_status`] asks the cluster for, in the LLSD's namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterRead<'a> {
    /// The LLSD itself.
    Llsd,
    /// The Deployment the operator named after it.
    Deployment,
    /// The ReplicaSets the Deployment's selector matches.
    ReplicaSets {
        /// `key=value,…`, as `kubectl --selector` takes it.
        selector: &'a str,
    },
    /// The pods the Deployment's selector matches.
    Pods {
        /// `key=value,…`, as `kubectl --selector` takes it.
        selector: &'a str,
    },
}

impl ClusterRead<'_> {
    /// The arguments of the `kubectl get -o json` that prints this object
    /// of the LLSD `name`.
    pub fn kubectl_get(&self, name: &str, namespace: Option<&str>) -> Vec<String> {
        let (what, selector) = match *self {
            ClusterRead::Llsd => (vec!["llamastackdistribution", name], None),
            ClusterRead::Deployment => (vec!["deployment", name], None),
            ClusterRead::ReplicaSets { selector } => (vec!["replicasets"], Some(selector)),
            ClusterRead::Pods { selector } => (vec!["pods"], Some(selector)),
        };
        // the selector's labels come from the cluster: one `--selector=…` argument
        let selector = selector.map(|s| format!("--selector={s}"));
        let mut options = vec!["--output=json"];
        options.extend(selector.as_deref());
        kubectl_args(namespace, &["get"], &options, &what)
    }
}

/// `kubectl VERB… OPTION… [--namespace=NS] -- ARG…`: every option first
/// and `--` before the arguments, so that no argument (a name, a label
/// value) can be read as one of kubectl's options.
pub fn kubectl_args(
    namespace: Option<&str>,
    verb: &[&str],
    options: &[&str],
    args: &[&str],
) -> Vec<String> {
    let namespace = namespace.map(|ns| format!("--namespace={ns}"));
    let options = options.iter().copied().chain(namespace.as_deref());
    let args = std::iter::once("--").chain(args.iter().copied());
    verb.iter()
        .copied()
        .chain(options)
        .chain(args)
        .map(str::to_string)
        .collect()
}

/// The status of every pod of the LLSD `name`'s Deployment, with the live
/// LLSD it was computed for: `get` prints each object as `kubectl get -o
/// json` does, or says why it could not.
pub fn rollout_status(
    name: &str,
    namespace: Option<&str>,
    mut get: impl FnMut(ClusterRead<'_>) -> Result<Vec<u8>, String>,
) -> Result<(LlamaStackDistribution, DistributionStatus), String> {
    let llsd = live_llsd(name, &get(ClusterRead::Llsd)?)?;
    let deployment = get(ClusterRead::Deployment).map_err(|e| {
        format!("{e} (the operator names the Deployment after the LLSD; is the operator running?)")
    })?;
    let selector = deployment_selector(&deployment)?;
    let selector = selector.as_str();
    let replica_sets = read_replica_sets(&get(ClusterRead::ReplicaSets { selector })?)?;
    let pods = read_pods(&get(ClusterRead::Pods { selector })?)?;
    let report = distribution_status(Rollout {
        llsd: &llsd,
        name,
        namespace,
        replica_sets: &replica_sets,
        pods: &pods,
    });
    Ok((llsd, report))
}

/// Why a kubectl call (`kubectl ARGS…`) failed, from what it printed on
/// stderr, as the user can act on it.
pub fn kubectl_error(args: &[String], stderr: &str) -> String {
    // what the cluster said (and label values in the selector) reach the
    // terminal escaped, as every other text from an input does
    let command = printable(&format!("kubectl {}", args.join(" ")), false);
    let said = printable(stderr.trim(), true);
    let said = said.as_str();
    if said.contains("(Forbidden)") || said.contains("is forbidden") {
        format!(
            "kubectl was refused access (RBAC Forbidden) running `{command}`: {said}. Fix: ask for get/list \
             on llamastackdistributions, deployments, replicasets and pods in the namespace (and patch on \
             deployments for rollout); `kubectl auth can-i get llamastackdistributions -n NS` checks."
        )
    } else if said.contains("(NotFound)") || said.contains("not found") {
        format!(
            "Not found running `{command}`: {said}. Fix: check the name and the namespace (-n); \
             `kubectl get llsd -A` lists every LlamaStackDistribution."
        )
    } else {
        format!(
            "`{command}` failed: {said}. Fix: check that kubectl reaches the cluster (kubectl cluster-info) \
             and that the LlamaStackDistribution CRD is installed."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LLSD: &str = r#"{"apiVersion": "llamastack.io/v1alpha1", "kind": "LlamaStackDistribution",
        "metadata": {"name": "demo", "namespace": "ns"},
        "spec": {"server": {"distribution": {"name": "starter"},
            "externalProviders": {"inference": [{"providerId": "custom-vllm", "image": "r.io/vllm:1"}]}}}}"#;
    const DEPLOYMENT: &str = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "demo"},
        "spec": {"selector": {"matchLabels": {"app": "demo", "tier": "server"}}, "template": {}}}"#;

    /// The kubectl commands asked for, in order, each answered from
    /// `answers` by the kind it reads (or refused).
    fn reads(answers: &[(&str, Result<&str, &str>)]) -> (Vec<String>, Result<usize, String>) {
        let mut asked = Vec::new();
        let result = rollout_status("demo", Some("ns"), |read| {
            asked.push(read.kubectl_get("demo", Some("ns")).join(" "));
            let kind = match read {
                ClusterRead::Llsd => "llsd",
                ClusterRead::Deployment => "deployment",
                ClusterRead::ReplicaSets { .. } => "replicasets",
                ClusterRead::Pods { .. } => "pods",
            };
            let (_, answer) = answers.iter().find(|(k, _)| *k == kind).unwrap();
            answer
                .map(|text| text.as_bytes().to_vec())
                .map_err(str::to_string)
        });
        (asked, result.map(|(_, report)| report.pods.len()))
    }

    #[test]
    fn the_llsd_then_its_deployment_then_what_its_selector_matches() {
        let (asked, pods) = reads(&[
            ("llsd", Ok(LLSD)),
            ("deployment", Ok(DEPLOYMENT)),
            ("replicasets", Ok(r#"{"items": []}"#)),
            ("pods", Ok(r#"{"items": []}"#)),
        ]);
        assert_eq!(
            asked,
            [
                "get --output=json --namespace=ns -- llamastackdistribution demo",
                "get --output=json --namespace=ns -- deployment demo",
                "get --output=json --selector=app=demo,tier=server --namespace=ns -- replicasets",
                "get --output=json --selector=app=demo,tier=server --namespace=ns -- pods"
            ]
        );
        assert_eq!(pods, Ok(0));
    }

    #[test]
    fn what_kubectl_gets_cannot_be_read_as_its_options() {
        let args = kubectl_args(
            None,
            &["rollout", "restart"],
            &[],
            &["--server=evil", "-nkube-system"],
        );
        assert_eq!(
            args,
            ["rollout", "restart", "--", "--server=evil", "-nkube-system"]
        );
        let get = ClusterRead::Pods {
            selector: "a=--kubeconfig=x",
        }
        .kubectl_get("-n", Some("ns"));
        assert_eq!(
            get,
            [
                "get",
                "--output=json",
                "--selector=a=--kubeconfig=x",
                "--namespace=ns",
                "--",
                "pods"
            ]
        );
    }

    #[test]
    fn a_missing_deployment_asks_whether_the_operator_runs() {
        let (asked, result) = reads(&[
            ("llsd", Ok(LLSD)),
            (
                "deployment",
                Err("Not found running `kubectl get deployment demo`"),
            ),
        ]);
        assert_eq!(asked.len(), 2);
        assert_eq!(
            result.unwrap_err(),
            "Not found running `kubectl get deployment demo` (the operator names the Deployment after the LLSD; is the operator running?)"
        );
    }
}
