#!/usr/bin/env python3
"""Admission latency in Kubewarden's policy-server, as the API server meets
it: AdmissionReviews POSTed over HTTPS (one keep-alive connection, loopback)
to the policy-server of the cluster layer, whose owner lookups go to the
real API server with the documented RBAC. Cases run interleaved, round
robin, so that each sees the same machine:

- validate: an LLSD CREATE through the validating instance (the baseline);
- inject, 1 and 10 providers, initContainers and imageVolume mode: the
  operator's Deployment CREATE through an injecting instance (the LLSD
  looked up, the Deployment wired, the JSON patch computed);
- the parts: an unowned Deployment (policy-server and the module, no
  lookup), an owned Deployment of an LLSD without providers (+ the lookup,
  no patch), and a plain GET of the LLSD from the API server (the lookup's
  HTTP round trip alone).

    .venv/bin/python tests/cluster/bench_admission.py [--requests 300]

Prints p50/p99 per case and the ratios to the validate baseline (goal: ≤ 3×
at p99 for injection)."""

import argparse
import copy
import http.client
import json
import pathlib
import shutil
import ssl
import statistics
import sys
import tempfile
import time
import uuid

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import kubewarden  # noqa: E402
from conftest import Cluster, ROLE_MODULES  # noqa: E402
from controlplane import ADMIN_TOKEN, tools_dir  # noqa: E402
from llsd_operator import render_deployment  # noqa: E402
from llsds import llsd, provider  # noqa: E402


def review(kind, resource, obj, namespace):
    group, _, version = obj["apiVersion"].rpartition("/")
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": obj["metadata"]["name"], "namespace": namespace, "operation": "CREATE",
        "userInfo": {"username": "system:serviceaccount:llama-stack:llama-stack-operator"},
        "object": obj, "oldObject": None, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}).encode()


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per case (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="per case, not counted")
    args = parser.parse_args()
    tools, why = tools_dir()
    if tools is None:
        sys.exit(f"bench-cluster: {why}")
    state = pathlib.Path(tempfile.mkdtemp(prefix="llsd-bench-cluster-"))
    # no audit log: it would time the API server's log writes as well
    cluster = Cluster(tools, state, audit=False)
    try:
        run(cluster, args)
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)


def run(cluster, args):
    cluster.install_crd()
    # the install bundle's instances, plus the injecting one in imageVolume mode
    cluster.install_bundle()
    inject = next(m for m in cluster.manifests if m["metadata"]["name"] == "llsd-providers-inject")
    image_volume = copy.deepcopy(inject)
    image_volume["metadata"]["name"] = "bench-inject-imagevolume"
    image_volume["spec"]["settings"]["installMode"] = "imageVolume"
    ROLE_MODULES["bench-inject-imagevolume"] = ROLE_MODULES["llsd-providers-inject"]
    policies = {kubewarden.policy_id(m): kubewarden.policies_entry(m, ROLE_MODULES[m["metadata"]["name"]].as_uri())
                for m in [*cluster.manifests, image_volume]}
    import yaml
    cluster.policies_file.write_text(yaml.safe_dump(policies))
    cluster.stop_policy_server()
    cluster.start_policy_server()

    kube, ns = cluster.kube, cluster.namespace("bench")
    sizes = {1: "one", 10: "ten"}
    for count, name in sizes.items():
        kube.apply(llsd(name, ns, {"inference": [provider(f"p{i}", url=f"http://m{i}:8000/v1")
                                                 for i in range(count)]}))
    kube.apply(llsd("none", ns))
    deployments = {n: render_deployment(kube.get("llamastackdistribution", n, ns)) for n in [*sizes.values(), "none"]}
    unowned = copy.deepcopy(deployments["none"])
    del unowned["metadata"]["ownerReferences"]

    validate_id, inject_id, volume_id = (kubewarden.policy_id({"metadata": {"name": n}}) for n in
                                         ("llsd-providers-validate", "llsd-providers-inject",
                                          "bench-inject-imagevolume"))
    the_llsd = kube.get("llamastackdistribution", "one", ns)
    for key in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"):
        the_llsd["metadata"].pop(key, None)
    cases = {
        "validate: LLSD, 1 provider": (validate_id, review("LlamaStackDistribution", "llamastackdistributions",
                                                            the_llsd, ns)),
        "inject: unowned Deployment (no lookup)": (inject_id, review("Deployment", "deployments", unowned, ns)),
        "inject: owner without providers (lookup, no patch)": (
            inject_id, review("Deployment", "deployments", deployments["none"], ns)),
    }
    for count, name in sizes.items():
        cases[f"inject: {count} provider(s), initContainers"] = (
            inject_id, review("Deployment", "deployments", deployments[name], ns))
        cases[f"inject: {count} provider(s), imageVolume"] = (
            volume_id, review("Deployment", "deployments", deployments[name], ns))

    context = ssl.create_default_context(cafile=str(cluster.plane.certs / "ca.crt"))
    policy_server = http.client.HTTPSConnection("127.0.0.1", cluster.policy_server_port, context=context)
    api = http.client.HTTPSConnection("127.0.0.1", cluster.plane.api_port,
                                      context=ssl.create_default_context(cafile=str(cluster.plane.ca_file)))

    def post(policy, body):
        policy_server.request("POST", f"/validate/{policy}", body=body,
                              headers={"Content-Type": "application/json"})
        answer = json.loads(policy_server.getresponse().read())["response"]
        return answer

    def lookup():
        api.request("GET", f"/apis/llamastack.io/v1alpha1/namespaces/{ns}/llamastackdistributions/one",
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert api.getresponse().read()

    # every case answers as expected before anything is timed
    for label, (policy, body) in cases.items():
        answer = post(policy, body)
        assert answer["allowed"], (label, answer)
        assert ("patch" in answer) == ("provider(s)" in label), (label, answer.get("patch"))
    timings = {label: [] for label in [*cases, "API server GET of the LLSD (the lookup alone)"]}
    for round_ in range(args.warmup + args.requests):
        for label, (policy, body) in cases.items():
            start = time.perf_counter()
            post(policy, body)
            elapsed = time.perf_counter() - start
            if round_ >= args.warmup:
                timings[label].append(elapsed)
        start = time.perf_counter()
        lookup()
        if round_ >= args.warmup:
            timings["API server GET of the LLSD (the lookup alone)"].append(time.perf_counter() - start)

    base = timings["validate: LLSD, 1 provider"]
    base_p50, base_p99 = percentile(base, 0.5), percentile(base, 0.99)
    print(f"\npolicy-server {cluster.policy_server_url}: {args.requests} requests per case after "
          f"{args.warmup} warm-up, interleaved; HTTPS keep-alive, loopback\n")
    print(f"| case | p50 ms | p99 ms | p50 / validate | p99 / validate |\n|---|---:|---:|---:|---:|")
    for label, samples in timings.items():
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        print(f"| {label} | {p50 * 1e3:.2f} | {p99 * 1e3:.2f} | {p50 / base_p50:.2f} | {p99 / base_p99:.2f} |")
    print(f"\n(mean of validate {statistics.mean(base) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
