"""`llsd-providers status --output status-patch` applied to a real LLSD's
status subresource, on a pod the controller manager created and whose
status is written as a kubelet would write it."""

import json
import subprocess

from conftest import CLI
from llsd_operator import reconcile, write_status
from llsds import TWO_PROVIDERS, llsd

T0 = "2026-12-07T10:00:00Z"


def kubelet_status(pod):
    """Every init container completed, the server running and ready."""
    spec = pod["spec"]

    def terminated(container):
        return {"name": container["name"], "image": container["image"], "imageID": "", "ready": True,
                "restartCount": 0, "started": False,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                         "startedAt": T0, "finishedAt": T0}}}

    return {"status": {
        "phase": "Running", "startTime": T0,
        "conditions": [{"type": t, "status": "True", "lastTransitionTime": T0}
                       for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
        "initContainerStatuses": [terminated(c) for c in spec["initContainers"]],
        "containerStatuses": [{"name": c["name"], "image": c["image"], "imageID": "", "ready": True,
                               "restartCount": 0, "started": True,
                               "state": {"running": {"startedAt": T0}}} for c in spec["containers"]],
    }}


def test_the_status_patch_lands_on_the_status_subresource(cluster, kube, tmp_path):
    ns = cluster.namespace("status")
    kube.apply(llsd("seen", ns, TWO_PROVIDERS))
    assert reconcile(kube, "seen", ns).returncode == 0
    (pod,) = kube.wait_for("the pod", lambda: kube.items("pod", ns, "app.kubernetes.io/instance=seen"))
    kube.run("patch", "pod", pod["metadata"]["name"], "-n", ns, "--subresource=status", "--type=merge",
             "-p", json.dumps(kubelet_status(pod)))
    (tmp_path / "pod.json").write_text(json.dumps(kube.get("pod", pod["metadata"]["name"], ns)))
    (tmp_path / "llsd.json").write_text(json.dumps(kube.get("llamastackdistribution", "seen", ns)))
    patch = subprocess.run([CLI, "status", "--pod", tmp_path / "pod.json", "--llsd", tmp_path / "llsd.json",
                            "--output", "status-patch"], capture_output=True, text=True, check=True).stdout
    kube.run("patch", "llamastackdistribution", "seen", "-n", ns, "--subresource=status", "--type=merge",
             "-p", patch)
    status = kube.get("llamastackdistribution", "seen", ns)["status"]
    expected = json.loads(patch)["status"]
    # the schema kept every field the patch wrote
    assert status["externalProviders"] == expected["externalProviders"]
    assert [p["phase"] for p in status["externalProviders"]] == ["Ready", "Ready"]
    (condition,) = [c for c in status["conditions"] if c["type"] == "ExternalProvidersReady"]
    assert condition["status"] == "True"
    # The operator's next status write replaces the whole status with its Go
    # type: externalProviders is gone, the condition of our type stays
    # (docs/crd.md, "Who writes status").
    write_status(kube, "seen", ns)
    status = kube.get("llamastackdistribution", "seen", ns)["status"]
    assert "externalProviders" not in status
    assert [c["status"] for c in status["conditions"] if c["type"] == "ExternalProvidersReady"] == ["True"]
