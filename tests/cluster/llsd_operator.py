"""The llama-stack operator's reconcile of a LlamaStackDistribution, as far as
the Deployment and the status go (read in llama-stack-k8s-operator at
7735e43c = v0.9.0, docs/kubewarden.md "Re-admission"):

- it renders its Deployment for the LLSD; the first reconcile creates it
  (a plain create, with the controller ownerReference), every later one
  server-side-applies the rendering without ownerReferences, with the LLSD's
  name as field manager and forced ownership, comparing nothing first
  (`manageResource` -> `createResource` / `patchResource` in
  pkg/deploy/kustomizer.go);
- it replaces the LLSD's whole status with its own Go type at the end of
  every reconcile (`updateStatus`: `r.Status().Update`).

The Deployment is the project's operator fixture
(playground/examples/operator-deployment.yaml, equal to
../shared/fixtures/operator-deployment.yaml: the operator's rendering for an
LLSD with a user ConfigMap) with the LLSD's name, namespace, uid and
ConfigMap put in.
"""

import copy
import json
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "playground/examples/operator-deployment.yaml"
OPERATOR_DEPLOYMENT = yaml.safe_load(FIXTURE.read_text())


def render_deployment(llsd):
    """The Deployment the operator renders for `llsd` (as stored, with uid)."""
    meta = llsd["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    d = copy.deepcopy(OPERATOR_DEPLOYMENT)
    d["metadata"]["name"], d["metadata"]["namespace"] = name, namespace
    owner = d["metadata"]["ownerReferences"][0]
    owner["name"], owner["uid"] = name, meta["uid"]
    d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] = name
    template = d["spec"]["template"]
    template["metadata"]["labels"]["app.kubernetes.io/instance"] = name
    template["spec"]["serviceAccountName"] = f"{name}-sa"
    config_map = llsd["spec"]["server"].get("userConfig", {}).get("configMapName")
    for volume in template["spec"]["volumes"]:
        if "configMap" in volume:
            volume["configMap"]["name"] = config_map
    template["metadata"]["annotations"]["configmap.hash/user-config"] = f"123456-{config_map}"
    return d


def reconcile(kube, name, namespace):
    """One reconcile's Deployment write: the rendering for the LLSD as it is
    now, created or server-side-applied as the operator writes it. Returns
    the CompletedProcess (check=False: the policy may refuse it)."""
    llsd = kube.get("llamastackdistribution", name, namespace)
    desired = render_deployment(llsd)
    if not kube.exists("deployment", name, namespace):
        # controller-runtime's client: the manager binary's name as field manager
        return kube.run("create", "--field-manager=manager", "-f", "-",
                        input=json.dumps(desired), check=False)
    del desired["metadata"]["ownerReferences"]
    return kube.run("apply", "--server-side", f"--field-manager={name}", "--force-conflicts",
                    "-f", "-", input=json.dumps(desired), check=False)


def write_status(kube, name, namespace, phase="Ready"):
    """The operator's status write: the LLSD read, its status replaced whole
    by the operator's fields (a PUT of the status subresource). Fields the
    operator's Go type lacks are gone afterwards; conditions of other types
    survive because `SetCondition` replaces only its own types."""
    llsd = kube.get("llamastackdistribution", name, namespace)
    old = llsd.get("status", {})
    kept_conditions = [c for c in old.get("conditions", [])
                       if c.get("type") not in ("DeploymentReady", "HealthCheck", "StorageReady")]
    llsd["status"] = {
        "phase": phase,
        "version": {"operatorVersion": "v0.9.0", "llamaStackServerVersion": "0.7.3"},
        "conditions": kept_conditions + [{
            "type": "DeploymentReady", "status": "True", "reason": "DeploymentReady",
            "message": "Deployment is ready", "lastTransitionTime": "2026-12-07T00:00:00Z"}],
        "availableReplicas": 1,
    }
    return kube.run("replace", "--subresource=status", "-f", "-", input=json.dumps(llsd))
