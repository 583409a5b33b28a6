"""What Kubewarden's controller makes of a ClusterAdmissionPolicy, so that
the layer runs the documented manifests (examples/kubewarden/) the way a
cluster with Kubewarden would:

- an entry of the PolicyServer's policies file (`policies.yml`), keyed by
  the policy id `clusterwide-<name>`;
- a Mutating- or ValidatingWebhookConfiguration named `clusterwide-<name>`
  whose one webhook calls `/validate/clusterwide-<name>` on the
  policy-server, with the policy's rules, failurePolicy, timeoutSeconds,
  matchConditions, namespace and object selectors, and the CA bundle.

Read in kubewarden/kubewarden-controller v1.35.0 (9462fe11;
internal/controller/policy_subreconciler_webhook.go,
policyserver_controller_configmap.go, api/policies/v1). The only difference
is the client config: a `url` on loopback instead of the policy-server
Service.
"""

import base64

import yaml

# Kubewarden's controller keeps its own namespace out of every webhook's
# reach (a broken policy must not lock out the PolicyServer).
KUBEWARDEN_NAMESPACE = "kubewarden"


def policy_id(manifest):
    return f"clusterwide-{manifest['metadata']['name']}"


def policies_entry(manifest, module_url):
    """The policy-server's view of one ClusterAdmissionPolicy."""
    spec = manifest["spec"]
    entry = {
        "namespacedName": {"Namespace": "", "Name": manifest["metadata"]["name"]},
        "module": module_url,
        "policyMode": spec.get("mode", "protect"),
        "allowedToMutate": bool(spec.get("mutating", False)),
        "settings": spec.get("settings") or {},
    }
    if spec.get("contextAwareResources"):
        entry["contextAwareResources"] = spec["contextAwareResources"]
    # every host capability for cluster-wide policies (Kubewarden >= 1.35);
    # the Kubernetes calls are still limited to contextAwareResources
    entry["hostCapabilities"] = ["*"]
    return entry


def webhook_configuration(manifest, server_url, ca_pem):
    spec = manifest["spec"]
    name = policy_id(manifest)
    mutating = bool(spec.get("mutating", False))
    webhook = {
        "name": f"{name}.kubewarden.admission",
        "admissionReviewVersions": ["v1"],
        "sideEffects": spec.get("sideEffects", "None"),
        "failurePolicy": spec.get("failurePolicy", "Fail"),
        "matchPolicy": spec.get("matchPolicy", "Equivalent"),
        # the CRD's default
        "timeoutSeconds": spec.get("timeoutSeconds", 10),
        "clientConfig": {
            "url": f"{server_url}/validate/{name}",
            "caBundle": base64.b64encode(ca_pem).decode(),
        },
        "rules": [dict(rule, scope=rule.get("scope", "*")) for rule in spec["rules"]],
        "namespaceSelector": _exclude_kubewarden(spec.get("namespaceSelector")),
        "objectSelector": spec.get("objectSelector", {}),
    }
    if spec.get("matchConditions"):
        webhook["matchConditions"] = spec["matchConditions"]
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration" if mutating else "ValidatingWebhookConfiguration",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "kubewarden"},
                     "annotations": {"kubewardenPolicyName": manifest["metadata"]["name"],
                                     "kubewardenPolicyNamespace": ""}},
        "webhooks": [webhook],
    }


def _exclude_kubewarden(selector):
    # the controller's expression first, then the policy's matchExpressions
    # (its matchLabels are dropped)
    return {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                  "values": [KUBEWARDEN_NAMESPACE]}]
            + list((selector or {}).get("matchExpressions", []))}


def load_manifests(paths):
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text()) if doc]
