"""kubectl against the layer's API server, and what the API server's audit
log says about each admission (which webhooks were called, whether they
patched)."""

import json
import pathlib
import subprocess
import time


def wait_for(what, check, timeout=60, detail=None):
    """Polls `check()` until it returns something true and returns it;
    fails after `timeout` seconds naming `what` (and `detail()`, e.g. a log,
    when given)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            more = f"\n{detail()}" if detail else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{more}")
        time.sleep(0.2)


class KubectlError(RuntimeError):
    def __init__(self, args, completed):
        self.stderr = completed.stderr
        super().__init__(f"kubectl {' '.join(args)} exited {completed.returncode}:\n{completed.stderr}")


class Kube:
    def __init__(self, kubectl, kubeconfig, audit_log=None):
        self.kubectl, self.kubeconfig = str(kubectl), str(kubeconfig)
        self.audit_log = pathlib.Path(audit_log) if audit_log else None

    def run(self, *args, input=None, check=True):
        completed = subprocess.run([self.kubectl, f"--kubeconfig={self.kubeconfig}", *args],
                                   input=input, capture_output=True, text=True, timeout=60)
        if check and completed.returncode != 0:
            raise KubectlError(args, completed)
        return completed

    def apply(self, obj, *extra):
        return self.run("apply", "-f", "-", *extra, input=json.dumps(obj))

    def get(self, kind, name, namespace=None):
        args = ["get", kind, name, "-o", "json"] + (["-n", namespace] if namespace else [])
        return json.loads(self.run(*args).stdout)

    def exists(self, kind, name, namespace=None):
        args = ["get", kind, name, "--ignore-not-found", "-o", "name"] + (["-n", namespace] if namespace else [])
        return bool(self.run(*args).stdout.strip())

    def items(self, kind, namespace, selector=None):
        args = ["get", kind, "-n", namespace, "-o", "json"] + (["-l", selector] if selector else [])
        return json.loads(self.run(*args).stdout)["items"]

    def wait_for(self, what, check, timeout=60, detail=None):
        return wait_for(what, check, timeout, detail)

    # --- the audit log ---------------------------------------------------------

    def audit_mark(self):
        """The audit log's current end: events after it are the next requests'."""
        return self.audit_log.stat().st_size if self.audit_log.exists() else 0

    def audit_events(self, since, resource=None, name=None, verb=None, subresource=None, user=None):
        """Audit events (stage ResponseComplete) written after `since`; with
        `resource`, those of that resource's `subresource` (None: the object
        itself); with `user`, those of that user."""
        with open(self.audit_log, "rb") as log:
            log.seek(since)
            lines = log.read().decode().splitlines()
        events = []
        for line in lines:
            event = json.loads(line)
            ref = event.get("objectRef", {})
            if event.get("stage") != "ResponseComplete":
                continue
            if resource and (ref.get("resource") != resource or ref.get("subresource") != subresource):
                continue
            if user and event.get("user", {}).get("username") != user:
                continue
            if name and ref.get("name") != name:
                continue
            if verb and event.get("verb") != verb:
                continue
            events.append(event)
        return events


def webhook_answers(event):
    """What each mutating webhook did in one audited request: a list of
    (webhook name, mutated?, JSON patch or None), from the API server's own
    `mutation.webhook.admission.k8s.io` and `patch.webhook.admission.k8s.io`
    annotations."""
    annotations = event.get("annotations", {})
    answers = []
    for key, value in sorted(annotations.items()):
        if key.startswith("mutation.webhook.admission.k8s.io/"):
            round_index = key.split("/", 1)[1]
            mutation = json.loads(value)
            patch = annotations.get(f"patch.webhook.admission.k8s.io/{round_index}")
            answers.append((mutation["webhook"], mutation["mutated"],
                            json.loads(patch)["patch"] if patch else None))
    return answers


def differences(a, b, path=""):
    """Where two JSON values differ, as `path: a != b` lines (empty when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [line for key in sorted(set(a) | set(b))
                for line in differences(a.get(key, "<absent>"), b.get(key, "<absent>"), f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [line for i, (x, y) in enumerate(zip(a, b)) for line in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]


AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Request
  resources:
  - group: apps
    resources: [deployments]
  - group: llamastack.io
    resources: [llamastackdistributions, llamastackdistributions/status]
- level: None
"""
