"""What Kubewarden's controller makes of a ClusterAdmissionPolicy, so that
the layer runs the install bundle's policies (install.yaml, rendered from
deploy/kubewarden/) the way a cluster with Kubewarden would, from the
ClusterAdmissionPolicies as the API server stores them:

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

`kubectl apply -f install.yaml` needs the ClusterAdmissionPolicy kind to
exist. Kubewarden's CRDs are not among ../shared/tools (nor ours to vendor),
so CLUSTER_ADMISSION_POLICY_CRD stands in for them: the same group, kind,
scope and served version, and a structural schema of the `spec` fields of
policies.kubewarden.io/v1 (names and types as in Kubewarden's CRD at
kubewarden-controller 3460bb71, the policy-server's commit; no defaults, no
descriptions), closed, so that strict field validation refuses a misspelt
field of the bundle's policies as Kubewarden's CRD would.
"""

import base64

# Kubewarden's controller keeps its own namespace out of every webhook's
# reach (a broken policy must not lock out the PolicyServer).
KUBEWARDEN_NAMESPACE = "kubewarden"


def _strings():
    return {"type": "array", "items": {"type": "string"}}


def _open_object():
    return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


CLUSTER_ADMISSION_POLICY_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "clusteradmissionpolicies.policies.kubewarden.io"},
    "spec": {
        "group": "policies.kubewarden.io",
        "names": {"kind": "ClusterAdmissionPolicy", "listKind": "ClusterAdmissionPolicyList",
                  "plural": "clusteradmissionpolicies", "singular": "clusteradmissionpolicy",
                  "shortNames": ["cap"]},
        "scope": "Cluster",
        "versions": [{
            "name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
                "status": _open_object(),
                "spec": {"type": "object", "required": ["module", "mutating", "rules"], "properties": {
                    "module": {"type": "string"},
                    "mode": {"type": "string", "enum": ["protect", "monitor"]},
                    "mutating": {"type": "boolean"},
                    "policyServer": {"type": "string"},
                    "settings": _open_object(),
                    "backgroundAudit": {"type": "boolean"},
                    "failurePolicy": {"type": "string"},
                    "matchPolicy": {"type": "string"},
                    "sideEffects": {"type": "string"},
                    "message": {"type": "string"},
                    "timeoutSeconds": {"type": "integer", "minimum": 2, "maximum": 30},
                    "timeoutEvalSeconds": {"type": "integer"},
                    "allowInsideAdmissionControllerNamespace": {"type": "boolean"},
                    "namespaceSelector": _open_object(),
                    "objectSelector": _open_object(),
                    "rules": {"type": "array", "items": {"type": "object", "properties": {
                        "apiGroups": _strings(), "apiVersions": _strings(), "operations": _strings(),
                        "resources": _strings(), "scope": {"type": "string"}}}},
                    "matchConditions": {"type": "array", "items": {
                        "type": "object", "required": ["name", "expression"],
                        "properties": {"name": {"type": "string"}, "expression": {"type": "string"}}}},
                    "contextAwareResources": {"type": "array", "items": {
                        "type": "object", "required": ["apiVersion", "kind"],
                        "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}}},
                }},
            }}},
        }],
    },
}


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
