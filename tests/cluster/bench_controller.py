#!/usr/bin/env python3
"""The status controller's figures on the cluster layer's real API server
(docs/benchmarks.md, "The status controller"):

- latency: from a pod status write (as a kubelet writes it) to the LLSD's
  ExternalProvidersReady condition showing it, p50 and p99 over
  `--transitions` alternations between "installing" and "ready";
- memory (VmRSS, and the peak VmHWM) idle, then with `--llsds` LLSDs of two
  providers × 2 replicas (the controller manager creates the pods, the
  injecting policy wires them);
- writes per minute when nothing changes (goal 0), over `--quiet` seconds.

    .venv/bin/python tests/cluster/bench_controller.py [--transitions 50] [--llsds 100] [--binary PATH]
"""

import argparse
import copy
import http.client
import json
import pathlib
import shutil
import ssl
import sys
import tempfile
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from conftest import CLI, Cluster  # noqa: E402
from controlplane import ADMIN_TOKEN, Process, free_port, tools_dir  # noqa: E402
from kube import wait_for  # noqa: E402
from llsd_operator import render_deployment  # noqa: E402
from llsds import TWO_PROVIDERS, llsd  # noqa: E402
from test_controller import T0, container_status, done, kubelet_status  # noqa: E402


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def memory(pid):
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


class Api:
    """Keep-alive HTTPS to the API server with the admin token."""

    def __init__(self, plane):
        self.connection = http.client.HTTPSConnection(
            "127.0.0.1", plane.api_port, context=ssl.create_default_context(cafile=str(plane.ca_file)))

    def request(self, method, path, body=None, content_type="application/merge-patch+json"):
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        if body is not None:
            headers["Content-Type"] = content_type
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        assert response.status < 300, (method, path, response.status, data[:300])
        return json.loads(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=50)
    parser.add_argument("--llsds", type=int, default=100)
    parser.add_argument("--quiet", type=int, default=60, help="seconds without changes (default 60)")
    parser.add_argument("--binary", type=pathlib.Path, default=CLI,
                        help="the llsd-providers to run (default: the debug build; the image runs the musl release)")
    args = parser.parse_args()
    tools, why = tools_dir()
    if tools is None:
        sys.exit(f"bench-controller: {why}")
    state = pathlib.Path(tempfile.mkdtemp(prefix="llsd-bench-controller-"))
    cluster = Cluster(tools, state, audit=False)
    try:
        run(cluster, state, args)
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(f"llsd_providers_controller_{name} "):
                return float(line.split()[-1])
    return 0.0


def run(cluster, state, args):
    cluster.install_crd()
    cluster.install_bundle()
    kube, api = cluster.kube, Api(cluster.plane)
    port = free_port()
    controller = Process("controller", [str(args.binary), "controller", f"--metrics-bind-address=127.0.0.1:{port}",
                                        "--leader-elect=false"], state / "controller.log",
                         {"KUBECONFIG": str(cluster.plane.kubeconfig), "PATH": "/usr/bin:/bin"})
    cluster.plane.processes.append(controller)
    def leading():
        try:
            return metric(port, "leader") == 1
        except OSError:  # not listening yet
            return False
    wait_for("the controller", leading, 300)
    time.sleep(5)
    idle = memory(controller.popen.pid)

    # latency: one LLSD, its pod alternating between installing and ready
    ns = cluster.namespace("latency")
    kube.apply(llsd("timed", ns, TWO_PROVIDERS))
    kube.run("create", "-f", "-", input=json.dumps(render_deployment(kube.get("llamastackdistribution", "timed", ns))))
    wait_for("the pod", lambda: kube.items("pod", ns, "app.kubernetes.io/instance=timed"), 300)
    (pod,) = kube.items("pod", ns, "app.kubernetes.io/instance=timed")
    llsd_path = f"/apis/llamastack.io/v1alpha1/namespaces/{ns}/llamastackdistributions/timed"
    pod_path = f"/api/v1/namespaces/{ns}/pods/{pod['metadata']['name']}/status"
    inits = pod["spec"]["initContainers"]

    def status_body(ready):
        installing = container_status(inits[1], {"running": {"startedAt": T0}})
        statuses = [done(c) for c in inits] if ready else [done(inits[0]), installing]
        return kubelet_status(pod, statuses, running=ready)

    bodies = {True: status_body(True), False: status_body(False)}

    def summary():
        conditions = api.request("GET", llsd_path).get("status", {}).get("conditions", [])
        return next((c["status"] for c in conditions if c["type"] == "ExternalProvidersReady"), None)

    latencies = []
    for i in range(args.transitions + 3):
        ready = i % 2 == 0
        start = time.perf_counter()
        api.request("PATCH", pod_path, bodies[ready])
        want = "True" if ready else "False"
        while summary() != want:
            time.sleep(0.005)
        if i >= 3:  # the first transitions warm the connections up
            latencies.append(time.perf_counter() - start)

    # many LLSDs: each with two providers and two replicas
    many = cluster.namespace("many")
    manifests = [llsd(f"d{i:03}", many, TWO_PROVIDERS) for i in range(args.llsds)]
    kube.run("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests}))
    deployments = []
    for obj in json.loads(kube.run("get", "llamastackdistribution", "-n", many, "-o", "json").stdout)["items"]:
        deployment = render_deployment(obj)
        deployment["spec"]["replicas"] = 2
        deployments.append(deployment)
    kube.run("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": deployments}))
    wait_for(f"{2 * args.llsds} pods", lambda: len(kube.items("pod", many)) >= 2 * args.llsds, 300)

    def all_written():
        items = json.loads(kube.run("get", "llamastackdistribution", "-n", many, "-o", "json").stdout)["items"]
        return all(any(c["type"] == "ExternalProvidersReady" and c["reason"] != "NoPods"
                       for c in o.get("status", {}).get("conditions", [])) for o in items)
    wait_for("every LLSD's conditions", all_written, 300)
    time.sleep(5)
    loaded = memory(controller.popen.pid)
    writes_before = metric(port, "status_writes_total")
    reconciles_before = metric(port, 'reconciles_total{result="unchanged"}')
    time.sleep(args.quiet)
    writes = metric(port, "status_writes_total") - writes_before
    quiet_reconciles = metric(port, 'reconciles_total{result="unchanged"}') - reconciles_before
    after = memory(controller.popen.pid)

    print(f"\nstatus controller ({args.binary}), real API server on loopback\n")
    print("| figure | value |\n|---|---:|")
    print(f"| pod status write → condition, p50 ({args.transitions} transitions) | {percentile(latencies, 0.5) * 1e3:.0f} ms |")
    print(f"| pod status write → condition, p99 | {percentile(latencies, 0.99) * 1e3:.0f} ms |")
    print(f"| VmRSS idle (no LLSD) | {idle['VmRSS']:.1f} MiB |")
    print(f"| VmRSS with {args.llsds} LLSDs × 2 pods | {loaded['VmRSS']:.1f} MiB |")
    print(f"| VmHWM (peak) after the {args.llsds} LLSDs were written | {after['VmHWM']:.1f} MiB |")
    print(f"| status writes over {args.quiet} s without changes | {writes:.0f} |")
    print(f"| reconciles over those {args.quiet} s (resyncs, answered without a write) | {quiet_reconciles:.0f} |")
    print(f"\n(debounce 100 ms: a change is reconciled at the earliest 100 ms after it is seen)")


if __name__ == "__main__":
    main()
