"""The status controller (`llsd-providers controller`) against the real API
server: it runs under the ServiceAccount and RBAC the install bundle created
(install.yaml, from deploy/controller/), the controller manager creates the
pods of the operator's Deployment, and
the tests write the pods' statuses as a kubelet would. What a user sees —
the LLSD's conditions, its events in `kubectl describe`, the Providers
column of `kubectl get llsd` — follows; the operator's status write does
not make the controller write again."""

import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import CLI
from controlplane import Process, free_port
from kube import wait_for
from kubewarden import KUBEWARDEN_NAMESPACE
from llsd_operator import reconcile, write_status
from llsds import TWO_PROVIDERS, llsd

NAMESPACE = "llsd-providers-system"
SERVICE_ACCOUNT = "llsd-providers-controller"
USER = f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}"
SUMMARY = "ExternalProvidersReady"
PREFIX = "llsd-providers.llamastack.io/"
T0 = "2026-12-07T10:00:00Z"


class RunningController:
    """One `llsd-providers controller` process and its metrics endpoint."""

    def __init__(self, cluster, kubeconfig, name, lease_duration=6):
        self.port = free_port()
        self.name = name
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "POD_NAME": name, "POD_NAMESPACE": NAMESPACE}
        self.process = Process(name, [str(CLI), "controller", f"--metrics-bind-address=127.0.0.1:{self.port}",
                                      f"--lease-duration={lease_duration}"],
                               cluster.state / f"{name}.log", env)
        cluster.plane.processes.append(self.process)

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            return None, ""

    def metric(self, name, labels=""):
        """A sample's value from /metrics (None when absent)."""
        status, text = self.get("/metrics")
        assert status == 200, text
        wanted = f"llsd_providers_controller_{name}{labels}"
        for line in text.splitlines():
            if line.startswith(wanted + " "):
                return float(line.split()[-1])
        return None

    def leads(self):
        return self.alive() and self.metric("leader") == 1

    def alive(self):
        return self.process.alive()

    def log(self):
        return self.process.tail(200)

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            os.killpg(self.process.popen.pid, sig)
            self.process.popen.wait(timeout=30)


@pytest.fixture(scope="module")
def controller_access(cluster, kube):
    """A kubeconfig with the token of the bundle's ServiceAccount: the
    controller runs here as a process under the bundle's Namespace and RBAC
    (the bundle's Deployment has a pod, which no kubelet runs)."""
    token = kube.run("create", "token", SERVICE_ACCOUNT, "-n", NAMESPACE, "--duration=2h").stdout.strip()
    return cluster.plane.write_kubeconfig(cluster.state / "controller.kubeconfig", token=token)


@pytest.fixture(scope="module")
def controller(cluster, controller_access):
    running = RunningController(cluster, controller_access, "controller-a")
    try:
        wait(lambda: running.get("/readyz")[0] == 200 and running.leads(), "the controller to lead",
             running, timeout=30)
        yield running
    finally:
        running.stop()


def wait(check, what, running, timeout=30):
    return wait_for(what, check, timeout, detail=lambda: f"controller log:\n{running.log()}")


def container_status(container, state, ready=False, restarts=0):
    return {"name": container["name"], "image": container["image"], "imageID": "", "ready": ready,
            "restartCount": restarts, "started": False, "state": state}


def done(container):
    return container_status(container, {"terminated": {"exitCode": 0, "reason": "Completed",
                                                        "startedAt": T0, "finishedAt": T0}}, ready=True)


def kubelet_status(pod, init_statuses, running=False):
    """The pod's status as a kubelet writes it: init container statuses for
    the ones given (the later ones waiting PodInitializing), the server
    running and ready when `running`."""
    spec = pod["spec"]
    named = {s["name"]: s for s in init_statuses}
    statuses = [named.get(c["name"]) or container_status(c, {"waiting": {"reason": "PodInitializing"}})
                for c in spec["initContainers"]]
    server_state = {"running": {"startedAt": T0}} if running else {"waiting": {"reason": "PodInitializing"}}
    status = {
        "phase": "Running" if running else "Pending", "startTime": T0,
        "conditions": [{"type": "Initialized", "status": "True" if running else "False", "lastTransitionTime": T0},
                       {"type": "Ready", "status": "True" if running else "False", "lastTransitionTime": T0},
                       {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0}],
        "initContainerStatuses": statuses,
        "containerStatuses": [container_status(c, server_state, ready=running) for c in spec["containers"]],
    }
    return {"status": status}


def write_kubelet_status(kube, pod, init_statuses, running=False):
    kube.run("patch", "pod", pod["metadata"]["name"], "-n", pod["metadata"]["namespace"], "--subresource=status",
             "--type=merge", "-p", json.dumps(kubelet_status(pod, init_statuses, running)))


def deployed(cluster, kube, name):
    """An LLSD with two providers in its own namespace, its Deployment as the
    operator writes it (mutated by the policy), and the pod the controller
    manager created."""
    ns = cluster.namespace(f"ctl-{name}")
    kube.apply(llsd(name, ns, TWO_PROVIDERS))
    assert reconcile(kube, name, ns).returncode == 0
    (pod,) = kube.wait_for("the pod", lambda: kube.items("pod", ns, f"app.kubernetes.io/instance={name}"))
    return ns, pod


def init(pod, name):
    (container,) = [c for c in pod["spec"]["initContainers"] if c["name"] == name]
    return container


def conditions(kube, name, ns):
    status = kube.get("llamastackdistribution", name, ns).get("status", {})
    return {c["type"]: c for c in status.get("conditions", [])}


def condition_is(kube, name, ns, type_, status, reason):
    c = conditions(kube, name, ns).get(type_)
    return c if c and (c["status"], c["reason"]) == (status, reason) else None


def events(kube, name, ns):
    listed = json.loads(kube.run("get", "events.events.k8s.io", "-n", ns, "-o", "json").stdout)["items"]
    return [e for e in listed if e.get("regarding", {}).get("name") == name]


def status_writes(kube, since, name=None):
    return kube.audit_events(since, resource="llamastackdistributions", subresource="status",
                             verb="patch", name=name, user=USER)


def test_a_pull_failure_shows_in_conditions_events_and_the_printer_column(cluster, kube, controller):
    ns, pod = deployed(cluster, kube, "pull")
    vllm = init(pod, "install-provider-custom-vllm")
    write_kubelet_status(kube, pod, [
        done(init(pod, "stage-installer")),
        container_status(vllm, {"waiting": {"reason": "ImagePullBackOff",
                                            "message": f'Back-off pulling image "{vllm["image"]}"'}}),
    ])
    summary = wait(lambda: condition_is(kube, "pull", ns, SUMMARY, "False", "ImagePullFailed"),
                   "ExternalProvidersReady=False/ImagePullFailed", controller)
    assert "custom-vllm Failed" in summary["message"], summary
    assert "pgvector-ext Pending" in summary["message"], summary
    provider = conditions(kube, "pull", ns)[PREFIX + "custom-vllm"]
    assert (provider["status"], provider["reason"]) == ("False", "Failed")
    assert vllm["image"] in provider["message"] and "imagePullSecrets" in provider["message"], provider
    assert provider["observedGeneration"] == kube.get("llamastackdistribution", "pull", ns)["metadata"]["generation"]
    failed = wait(lambda: [e for e in events(kube, "pull", ns) if e["reason"] == "ProviderFailed"],
                  "the ProviderFailed event", controller)
    assert failed[0]["type"] == "Warning" and failed[0]["reportingController"] == "llsd-providers.llamastack.io/controller"
    # whatever the controller saw before the pull failure — nothing yet, the
    # Deployment before the controller manager made its pod (NoPod), or the
    # new pod (Pending) — the event names it and the failure
    assert failed[0]["note"].startswith(tuple(f"custom-vllm: {seen} → Failed, image {vllm['image']}"
                                              for seen in ("new", "NoPod", "Pending"))), failed[0]["note"]
    described = kube.run("describe", "llamastackdistribution", "pull", "-n", ns).stdout
    assert "ProviderFailed" in described and "ImagePullFailed" in described, described
    table = kube.run("get", "llamastackdistribution", "pull", "-n", ns).stdout
    header, row = table.splitlines()
    assert header.split()[-1] == "PROVIDERS" and row.split()[-1] == "False", table
    wide = kube.run("get", "llamastackdistribution", "pull", "-n", ns, "-o", "wide").stdout
    assert "ImagePullFailed" in wide, wide


def test_an_install_failure_names_the_provider_and_its_message(cluster, kube, controller):
    ns, pod = deployed(cluster, kube, "broken")
    vllm = init(pod, "install-provider-custom-vllm")
    message = "ERROR: no wheel in /lls-provider/packages of image " + vllm["image"]
    write_kubelet_status(kube, pod, [
        done(init(pod, "stage-installer")),
        container_status(vllm, {"terminated": {"exitCode": 1, "reason": "Error", "message": message,
                                               "startedAt": T0, "finishedAt": T0}}),
    ])
    summary = wait(lambda: condition_is(kube, "broken", ns, SUMMARY, "False", "ProviderInstallFailed"),
                   "ExternalProvidersReady=False/ProviderInstallFailed", controller)
    assert "no wheel in /lls-provider/packages" in summary["message"], summary
    assert "no wheel" in conditions(kube, "broken", ns)[PREFIX + "custom-vllm"]["message"]


def test_installing_then_ready_with_the_events_between(cluster, kube, controller):
    ns, pod = deployed(cluster, kube, "fine")
    vllm = init(pod, "install-provider-custom-vllm")
    write_kubelet_status(kube, pod, [done(init(pod, "stage-installer")),
                                     container_status(vllm, {"running": {"startedAt": T0}})])
    wait(lambda: condition_is(kube, "fine", ns, PREFIX + "custom-vllm", "False", "Installing"),
         "custom-vllm Installing", controller)
    assert conditions(kube, "fine", ns)[SUMMARY]["reason"] == "Installing"
    write_kubelet_status(kube, pod, [done(c) for c in pod["spec"]["initContainers"]], running=True)
    summary = wait(lambda: condition_is(kube, "fine", ns, SUMMARY, "True", "AllProvidersReady"),
                   "ExternalProvidersReady=True", controller)
    assert summary["message"] == "All 2 external provider(s) are installed and merged."
    def ready_notes():
        notes = sorted(e["note"].split(",")[0] for e in events(kube, "fine", ns) if e["reason"] == "ProviderReady")
        return notes if len(notes) >= 2 else None
    notes = wait(ready_notes, "both ProviderReady events", controller)
    assert notes == ["custom-vllm: Installing → Ready", "pgvector-ext: Pending → Ready"], notes
    assert [e["type"] for e in events(kube, "fine", ns) if e["reason"] == "ExternalProvidersReady"] == ["Normal"]
    row = kube.run("get", "llamastackdistribution", "fine", "-n", ns, "--no-headers").stdout
    assert row.split()[-1] == "True", row


def test_the_operators_status_write_causes_no_write_loop(cluster, kube, controller):
    ns, pod = deployed(cluster, kube, "quiet")
    write_kubelet_status(kube, pod, [done(c) for c in pod["spec"]["initContainers"]], running=True)
    wait(lambda: condition_is(kube, "quiet", ns, SUMMARY, "True", "AllProvidersReady"), "ready", controller)
    writes_before = controller.metric("status_writes_total")
    mark = kube.audit_mark()
    # the operator's reconcile: its status replaces the whole status
    write_status(kube, "quiet", ns)
    after = conditions(kube, "quiet", ns)
    assert after[SUMMARY]["status"] == "True" and after[PREFIX + "custom-vllm"]["status"] == "True"
    assert "DeploymentReady" in after
    time.sleep(60)
    assert status_writes(kube, mark) == [], "the controller wrote although nothing changed"
    assert controller.metric("status_writes_total") == writes_before
    assert conditions(kube, "quiet", ns)[SUMMARY]["status"] == "True"
    assert controller.metric("reconciles_total", '{result="error"}') in (None, 0)


def test_an_invalid_llsd_the_policy_did_not_see_says_why_its_providers_are_not_diagnosed(
        cluster, kube, controller):
    """The policies' webhooks leave Kubewarden's own namespace out (as
    Kubewarden's controller does): an LLSD stored there was never validated.
    A section its server does not serve passes the CRD's schema (which knows
    no servers); the controller says InvalidSpec, with the problem and the
    command that shows every one."""
    ns, name = KUBEWARDEN_NAMESPACE, "slipped-past"
    invalid = llsd(name, ns, {"safety": [{"providerId": "guard", "image": "registry.example.com/p/guard:1"}]})
    invalid["metadata"]["annotations"] = {"llsd-providers.llamastack.io/server": "ogx-1.5.0"}
    assert kube.apply(invalid).returncode == 0
    try:
        summary = wait(lambda: condition_is(kube, name, ns, SUMMARY, "Unknown", "InvalidSpec"),
                       "ExternalProvidersReady=Unknown/InvalidSpec", controller)
        assert "ogx 1.5.0 (named by " in summary["message"], summary
        assert "does not serve `safety`" in summary["message"], summary
        assert summary["message"].endswith(f"Fix: kubectl llsd-providers validate {name}"), summary
        # no provider is diagnosed: only the summary is ours
        assert [t for t in conditions(kube, name, ns) if t.startswith(PREFIX)] == []
    finally:
        kube.run("delete", "llamastackdistribution", name, "-n", ns, "--wait=true")


def test_a_deleted_llsd_ends_cleanly(cluster, kube, controller):
    ns, pod = deployed(cluster, kube, "gone")
    write_kubelet_status(kube, pod, [done(init(pod, "stage-installer"))])
    wait(lambda: conditions(kube, "gone", ns).get(SUMMARY), "the first condition", controller)
    errors_before = controller.metric("reconciles_total", '{result="error"}') or 0
    kube.run("delete", "llamastackdistribution", "gone", "-n", ns, "--wait=true")
    # the garbage collector removes the Deployment, the ReplicaSet and the pod
    kube.wait_for("the pods to go", lambda: not kube.items("pod", ns, "app.kubernetes.io/instance=gone"))
    wait(lambda: controller.metric("queue_depth") == 0, "an empty queue", controller)
    assert (controller.metric("reconciles_total", '{result="error"}') or 0) == errors_before
    assert controller.alive() and controller.get("/healthz")[0] == 200
    assert "gone" not in "".join(line for line in controller.log().splitlines() if "retrying" in line)


def test_two_replicas_elect_one_writer_and_hand_over(cluster, kube, controller_access, controller):
    """A second replica stands by while the first leads; killed, the leader
    is replaced within the lease duration (6 s here) and the standby writes."""
    standby = RunningController(cluster, controller_access, "controller-b")
    try:
        wait(lambda: standby.get("/readyz")[0] == 200, "the standby's readiness", standby)
        assert standby.metric("leader") == 0 and controller.leads()
        ns, pod = deployed(cluster, kube, "handover")
        write_kubelet_status(kube, pod, [done(init(pod, "stage-installer"))])
        wait(lambda: conditions(kube, "handover", ns).get(SUMMARY), "the leader's write", controller)
        assert standby.metric("status_writes_total") == 0
        controller.stop(signal.SIGKILL)
        started = time.monotonic()
        wait(lambda: standby.leads(), "the standby to take the Lease", standby, timeout=20)
        took = time.monotonic() - started
        assert took < 6 + 6, f"took {took:.1f} s"
        write_kubelet_status(kube, pod, [done(c) for c in pod["spec"]["initContainers"]], running=True)
        wait(lambda: condition_is(kube, "handover", ns, SUMMARY, "True", "AllProvidersReady"),
             "the new leader's write", standby)
        assert standby.metric("status_writes_total") >= 1
    finally:
        standby.stop()
