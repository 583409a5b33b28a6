"""Regenerates the pod fixtures of this directory: the pod spec is the
template of the Deployment `llsd-providers inject` makes of llsd.yaml and
the operator's Deployment (playground/examples/operator-deployment.yaml);
statuses are written the way kubelet reports them, for every init container
of the injection (stage-installer, install-provider-{id} in CRD order,
merge-config). Then run generate_merge_result.py, which derives two more
fixtures from these, and refresh the golden files
(UPDATE_GOLDEN=1 cargo test --test status_cli).
Run from the repository root after `cargo build`: python tests/data/status/generate.py"""

import copy
import json
import pathlib
import subprocess

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[2]
deployment = subprocess.run(
    [str(ROOT / "target/debug/llsd-providers"), "inject", "--llsd", str(HERE / "llsd.yaml"),
     "--deployment", str(ROOT / "playground/examples/operator-deployment.yaml")],
    check=True, capture_output=True, text=True).stdout

import yaml  # noqa: E402

template = yaml.safe_load(deployment)["spec"]["template"]
INIT = [c["name"] for c in template["spec"]["initContainers"]]
IMAGES = {c["name"]: c["image"] for c in template["spec"]["initContainers"]}
# The injected init containers by role: the ones before the providers'
# (stage-installer), one per provider, and merge-config last.
INSTALLS = [n for n in INIT if n.startswith("install-provider-")]
MERGE = "merge-config"
BEFORE = INIT[:INIT.index(INSTALLS[0])]
assert len(INSTALLS) == 3 and INIT == BEFORE + INSTALLS + [MERGE], INIT
T0 = "2026-11-26T10:00:00Z"


def waiting(name, reason="PodInitializing", message=None, restarts=0, last=None):
    state = {"waiting": {"reason": reason}}
    if message:
        state["waiting"]["message"] = message
    status = {"name": name, "image": IMAGES[name], "imageID": "", "ready": False,
              "restartCount": restarts, "started": False, "state": state}
    if last:
        status["lastState"] = {"terminated": last}
    return status


def terminated(name, code=0, message=None, reason=None, restarts=0, finished="2026-11-26T10:00:20Z"):
    term = {"exitCode": code, "reason": reason or ("Completed" if code == 0 else "Error"),
            "startedAt": T0, "finishedAt": finished, "containerID": f"containerd://{name}"}
    if message:
        term["message"] = message
    return {"name": name, "image": IMAGES[name], "imageID": f"{IMAGES[name]}@sha256:{'0' * 64}",
            "ready": code == 0, "restartCount": restarts, "started": False, "state": {"terminated": term}}


def running(name):
    return {"name": name, "image": IMAGES[name], "imageID": "", "ready": False, "restartCount": 0,
            "started": True, "state": {"running": {"startedAt": "2026-11-26T10:00:21Z"}}}


def pod(name, init_statuses, phase="Pending", server_running=False, annotations=None):
    meta = copy.deepcopy(template["metadata"])
    if annotations is not None:
        meta["annotations"] = annotations
    meta.update({"name": name, "namespace": "default", "uid": "7d1e2f3a-0000-4000-8000-000000000001",
                 "creationTimestamp": T0, "generateName": "llamastack-with-userconfig-5f7d9c8b6-",
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                      "name": "llamastack-with-userconfig-5f7d9c8b6",
                                      "uid": "7d1e2f3a-0000-4000-8000-000000000002",
                                      "controller": True, "blockOwnerDeletion": True}]})
    spec = copy.deepcopy(template["spec"])
    spec.update({"nodeName": "worker-1", "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                 "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30})
    server = {"name": "llama-stack", "image": template["spec"]["containers"][0]["image"], "imageID": "",
              "ready": server_running, "restartCount": 0, "started": server_running,
              "state": {"running": {"startedAt": "2026-11-26T10:01:00Z"}} if server_running
              else {"waiting": {"reason": "PodInitializing"}}}
    initialized = all(s["state"].get("terminated", {}).get("exitCode") == 0 for s in init_statuses)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {
        "phase": phase,
        "conditions": [
            {"type": "Initialized", "status": "True" if initialized else "False", "lastTransitionTime": T0},
            {"type": "Ready", "status": "True" if server_running else "False", "lastTransitionTime": T0},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0}],
        "hostIP": "10.0.0.11", "podIP": "10.244.1.17", "startTime": T0,
        "initContainerStatuses": init_statuses,
        "containerStatuses": [server]}}


# What install.sh writes to the termination log when the image has no wheels.
NO_WHEELS = ("No wheels (*.whl) in /lls-provider/packages in image registry.example.com/llama-providers/pgvector-ext:2.1.0 "
             "(init container install-provider-pgvector-ext, provider 'pgvector-ext'). Resolution: put the "
             "provider's .whl files in /lls-provider/packages/.")
MISMATCH = ("ERROR: Provider API type mismatch\n\nProvider 'lmeval' (image: quay.io/trustyai/llama-stack-provider-"
            "lmeval:0.3.1)\ndeclares api=inference in lls-provider-spec.yaml\nbut is placed under externalProviders.eval"
            "\n\nResolution: Move the provider to externalProviders.inference section in the LLSD spec.\n")
PULL = ('rpc error: code = NotFound desc = failed to pull and unpack image '
        '"registry.example.com/llama-providers/custom-vllm:1.0.0": not found')
a, b, c = INSTALLS
m = MERGE
ok = {n: terminated(n, finished=f"2026-11-26T10:00:{10 + 5 * i}Z") for i, n in enumerate(INIT)}
done = [ok[n] for n in BEFORE]  # the steps before the providers', completed
fixtures = {
    "all-ready": pod("llamastack-with-userconfig-5f7d9c8b6-ready", list(ok.values()), phase="Running",
                     server_running=True),
    "pending": pod("llamastack-with-userconfig-5f7d9c8b6-pend1", [waiting(n) for n in INIT]),
    "installing": pod("llamastack-with-userconfig-5f7d9c8b6-inst1",
                      done + [ok[a], running(b), waiting(c), waiting(m)]),
    "second-failed": pod("llamastack-with-userconfig-5f7d9c8b6-fail2", done + [
        ok[a],
        waiting(b, "CrashLoopBackOff", f"back-off 40s restarting failed container={b}", restarts=3,
                last=terminated(b, 1, NO_WHEELS, finished="2026-11-26T10:02:30Z")["state"]["terminated"]),
        waiting(c), waiting(m)]),
    "image-pull-failure": pod("llamastack-with-userconfig-5f7d9c8b6-pull1", done + [
        waiting(a, "ErrImagePull", PULL), waiting(b), waiting(c), waiting(m)]),
    # A merge-config termination message without the merge result's JSON line
    # (an older merge image, or a message cut to the pod's budget): status
    # falls back to the container state.
    "merge-failure": pod("llamastack-with-userconfig-5f7d9c8b6-merg1", done + [ok[a], ok[b], ok[c]] + [
        waiting(m, "CrashLoopBackOff", f"back-off 20s restarting failed container={m}", restarts=2,
                last=terminated(m, 1, MISMATCH, finished="2026-11-26T10:03:00Z")["state"]["terminated"])]),
    "stale": pod("llamastack-with-userconfig-7c4b2a1d9-old01", list(ok.values()), phase="Running",
                 server_running=True,
                 annotations={**template["metadata"]["annotations"],
                              "llsd-providers.llamastack.io/providers-hash": "0123456789abcdef"}),
}
for name, doc in fixtures.items():
    (HERE / f"pod-{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
print("wrote", ", ".join(sorted(fixtures)))
