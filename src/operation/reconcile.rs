//! Reconcile: one LLSD as the status controller read it from the API
//! server (the object, its ReplicaSets and its pods) to the status write it
//! needs and the events to publish after it. The controller lists and
//! writes; every decision is here.

use super::rollout::check_listed_pod;
use crate::llsd::EXTERNAL_PROVIDERS_POINTER;
use crate::status::conditions::{
    ConditionsUpdate, conditions_update, desired_conditions, invalid_spec,
};
use crate::status::{Rollout, distribution_status};
use crate::validate::check_llsd;
use k8s_openapi::api::apps::v1::ReplicaSet;
use serde_json::Value;

/// One LLSD and what its instance label selects, as the API server
/// returned them.
#[derive(Debug, Clone, Copy)]
pub struct ObservedLlsd<'a> {
    /// The LLSD object (metadata, spec and status).
    pub object: &'a Value,
    /// Its name.
    pub name: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// The ReplicaSets labelled with its instance.
    pub replica_sets: &'a [ReplicaSet],
    /// The pods labelled with its instance.
    pub pods: &'a [Value],
}

/// Whether the LLSD's spec lists external providers, read from its JSON
/// (an invalid LLSD has no typed form).
fn lists_providers(object: &Value) -> bool {
    match object.pointer(EXTERNAL_PROVIDERS_POINTER) {
        None | Some(Value::Null) => false,
        Some(Value::Object(apis)) => apis.values().any(|list| {
            !matches!(list, Value::Null) && list.as_array().is_none_or(|l| !l.is_empty())
        }),
        Some(_) => true,
    }
}

/// The status write the observed LLSD needs (`None`: its conditions are
/// current, or it uses no external providers), computed for the version
/// it was read at; `now` (RFC 3339) stamps the conditions that change. An
/// invalid LLSD that lists providers gets the `InvalidSpec` condition; a pod that cannot be read
/// stops the reconcile with the sentence saying why (its providers are not
/// reported until it can be read).
pub fn llsd_status_update(
    observed: ObservedLlsd<'_>,
    now: &str,
) -> Result<Option<ConditionsUpdate>, String> {
    let ObservedLlsd {
        object,
        name,
        namespace,
        replica_sets,
        pods,
    } = observed;
    let desired = match check_llsd(object) {
        Ok((llsd, _warnings)) => {
            for pod in pods {
                check_listed_pod(pod, "").map_err(|problems| {
                    let pod = pod.pointer("/metadata/name").and_then(Value::as_str);
                    format!(
                        "pod {} cannot be read ({problems}); its providers are not reported until it can",
                        pod.unwrap_or_default()
                    )
                })?;
            }
            let status = distribution_status(Rollout {
                llsd: &llsd,
                name,
                namespace: Some(namespace),
                replica_sets,
                pods,
            });
            desired_conditions(&status, &llsd)
        }
        // why its providers are not diagnosed, when it lists any; else
        // nothing of ours (what an earlier version left is removed)
        Err(problems) if lists_providers(object) => vec![invalid_spec(name, &problems)],
        Err(_) => Vec::new(),
    };
    let metadata = |key: &str| object.get("metadata").and_then(|m| m.get(key));
    Ok(conditions_update(
        object.get("status"),
        &desired,
        metadata("resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        metadata("generation").and_then(Value::as_i64),
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn llsd(providers: Value) -> Value {
        json!({"apiVersion": "llamastack.io/v1alpha1", "kind": "LlamaStackDistribution",
            "metadata": {"name": "demo", "namespace": "ns", "resourceVersion": "42", "generation": 3},
            "spec": {"server": {"distribution": {"name": "starter"}, "externalProviders": providers}}})
    }

    fn update(object: &Value, pods: &[Value]) -> Result<Option<ConditionsUpdate>, String> {
        llsd_status_update(
            ObservedLlsd {
                object,
                name: "demo",
                namespace: "ns",
                replica_sets: &[],
                pods,
            },
            "2026-12-07T10:00:00Z",
        )
    }

    #[test]
    fn a_listed_provider_without_pods_is_written_at_the_version_read() {
        let object = llsd(json!({"inference": [{"providerId": "vllm", "image": "r.io/vllm:1"}]}));
        let update = update(&object, &[]).unwrap().expect("a first write");
        assert_eq!(update.patch["metadata"]["resourceVersion"], "42");
        let conditions = update.patch["status"]["conditions"].as_array().unwrap();
        assert!(conditions.iter().all(|c| c["observedGeneration"] == 3));
        assert!(
            conditions.iter().any(|c| c["reason"] == "NoPods"),
            "{conditions:?}"
        );
    }

    #[test]
    fn an_invalid_llsd_gets_invalid_spec_and_no_pod_is_read() {
        let object =
            llsd(json!({"inference": [{"providerId": "Not An Id", "image": "r.io/vllm:1"}]}));
        let unreadable_pod = json!({"kind": "Pod", "metadata": 7});
        let update = update(&object, &[unreadable_pod]).unwrap().unwrap();
        let conditions = update.patch["status"]["conditions"].as_array().unwrap();
        assert_eq!(conditions[0]["reason"], "InvalidSpec", "{conditions:?}");
    }

    #[test]
    fn an_unreadable_pod_stops_the_reconcile_naming_it() {
        let object = llsd(json!({"inference": [{"providerId": "vllm", "image": "r.io/vllm:1"}]}));
        let pod =
            json!({"kind": "Pod", "metadata": {"name": "demo-1"}, "spec": {"initContainers": 7}});
        let error = update(&object, &[pod]).unwrap_err();
        assert!(
            error.starts_with("pod demo-1 cannot be read (spec.initContainers: "),
            "{error}"
        );
    }

    #[test]
    fn an_llsd_without_providers_or_our_conditions_is_never_written() {
        assert_eq!(update(&llsd(json!({})), &[]), Ok(None));
        let mut invalid = llsd(json!({"inference": []}));
        invalid["spec"]["server"]["distribution"] = json!(7);
        assert_eq!(update(&invalid, &[]), Ok(None));
        // what an earlier provider list left is removed
        invalid["status"] = json!({"conditions": [
            {"type": "ExternalProvidersReady", "status": "True", "reason": "AllProvidersReady", "message": "",
             "lastTransitionTime": "2026-12-01T00:00:00Z"}]});
        let update = update(&invalid, &[]).unwrap().unwrap();
        assert_eq!(update.patch["status"]["conditions"], json!([]));
    }
}
