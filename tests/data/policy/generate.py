#!/usr/bin/env python3
"""Writes the policy's request fixtures (AdmissionRequest JSON, the `request`
part of what the policy-server passes to `validate`) and the cluster state the
test hosts answer `kubernetes/get_resource` from.

    python3 tests/data/policy/generate.py [path/to/llsd-providers]

The wired Deployments (deployment-update-injected.json and the
deployment-update-wired-*.json) are the output of `llsd-providers inject` on
the same LLSD and Deployment, so rerun this after a change to the injection
(default binary: target/debug/llsd-providers).

cluster.json is a cluster with the externalProviders patch applied to the
LLSD CRD (the policy reads the CRD before it removes a wired Deployment's
providers); cluster-crd-unpatched.json is an overlay, merged over
cluster.json by the tests that need it (`resources` and `errors` by key),
holding the CRD as the operator ships it, without the patch.
"""

import copy
import json
import pathlib
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DIGEST = "sha256:" + "0123456789abcdef" * 4

DEPLOYMENT = yaml.safe_load((HERE / "operator-deployment.yaml").read_text())
NAMESPACE = DEPLOYMENT["metadata"]["namespace"]
OWNER = DEPLOYMENT["metadata"]["ownerReferences"][0]["name"]


def llsd(name, providers=None, namespace=NAMESPACE, config_map="llama-stack-config"):
    server = {"distribution": {"name": "starter"}}
    if config_map:
        server["userConfig"] = {"configMapName": config_map}
    if providers is not None:
        server["externalProviders"] = providers
    return {
        "apiVersion": "llamastack.io/v1alpha1",
        "kind": "LlamaStackDistribution",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
        "spec": {"replicas": 1, "server": server},
    }


TWO_PROVIDERS = {
    "inference": [
        {
            "providerId": "custom-vllm",
            "image": "registry.example.com/llama-providers/custom-vllm:1.0.0",
            "config": {"url": "http://vllm.ai.svc:8000/v1", "tls": "on"},
        }
    ],
    "vectorIo": [
        {
            "providerId": "pgvector-ext",
            "image": "registry.example.com/llama-providers/pgvector-ext:2.1.0",
            "imagePullPolicy": "Always",
            "config": {"host": "postgres.ai.svc", "port": 5432},
        }
    ],
}

PINNED = {
    "inference": [
        {"providerId": "custom-vllm", "image": f"registry.example.com/llama-providers/custom-vllm@{DIGEST}"}
    ],
    "safety": [
        {"providerId": "guard", "image": f"registry.example.com/llama-providers/team/guard:2.0@{DIGEST}"}
    ],
}

CRD_NAME = "llamastackdistributions.llamastack.io"
CRD_PATCH = yaml.safe_load((ROOT / "deploy/crd/external-providers-patch.yaml").read_text())


def crd(patched):
    """The LLSD CRD, reduced to what the policy reads (spec.versions[].name and
    schema) plus the parents the patch adds to; `patched`: with the
    externalProviders fields of deploy/crd/external-providers-patch.yaml."""
    obj = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "properties": {
                    "replicas": {"type": "integer", "format": "int32"},
                    "server": {
                        "type": "object",
                        "properties": {"distribution": obj, "userConfig": obj, "containerSpec": obj},
                        "required": ["distribution"],
                    },
                },
                "required": ["server"],
            },
            "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
        },
    }
    value = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {
            "group": "llamastack.io",
            "names": {"kind": "LlamaStackDistribution", "plural": "llamastackdistributions", "singular": "llamastackdistribution"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1alpha1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
            ],
        },
    }
    if patched:
        for op in CRD_PATCH:
            assert op["op"] == "add", op
            *parents, last = op["path"].lstrip("/").split("/")
            node = value
            for token in parents:
                node = node[int(token)] if isinstance(node, list) else node[token]
            node[last] = copy.deepcopy(op["value"])
    return value


INVALID = {
    "inference": [
        {"providerId": "Custom_VLLM", "image": "registry.example.com/llama-providers/custom-vllm:1.0.0"},
        {"providerId": "dup", "image": "NOT AN IMAGE", "imagePullPolicy": "always"},
    ],
    "vector_io": [{"providerId": "x", "image": "r.io/x:1"}],
    "safety": [{"providerId": "dup", "image": "docker.io/someone/guard:latest", "config": "strict"}],
}


def request(uid, kind, resource, operation, obj, old=None, namespace=NAMESPACE):
    group, _, version = kind[0].rpartition("/")
    name = (obj or old or {}).get("metadata", {}).get("name", "")
    return {
        "uid": uid,
        "kind": {"group": group, "version": version, "kind": kind[1]},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind[1]},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": name,
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": "system:serviceaccount:llama-stack:llama-stack-operator", "groups": ["system:serviceaccounts"]},
        "object": obj,
        "oldObject": old,
        "dryRun": False,
        "options": {"kind": f"{operation.title()}Options", "apiVersion": "meta.k8s.io/v1"},
    }


LLSD_KIND = ("llamastack.io/v1alpha1", "LlamaStackDistribution")
DEPLOY_KIND = ("apps/v1", "Deployment")


def deployment(owner=OWNER, namespace=NAMESPACE, owned=True):
    d = copy.deepcopy(DEPLOYMENT)
    d["metadata"]["namespace"] = namespace
    if owned:
        d["metadata"]["ownerReferences"][0]["name"] = owner
    else:
        del d["metadata"]["ownerReferences"]
    return d


def inject(cli, llsd_obj, deployment_obj):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "llsd.json").write_text(json.dumps(llsd_obj))
        (tmp / "deployment.json").write_text(json.dumps(deployment_obj))
        out = subprocess.run(
            [cli, "inject", "--llsd", tmp / "llsd.json", "--deployment", tmp / "deployment.json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return yaml.safe_load(out)


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/llsd-providers")
    owner = llsd(OWNER, TWO_PROVIDERS)
    cluster = {
        "resources": {
            f"{NAMESPACE}/{OWNER}": owner,
            f"{NAMESPACE}/plain": llsd("plain"),
            f"{NAMESPACE}/pinned": llsd("pinned", PINNED),
            f"{NAMESPACE}/broken": llsd("broken", {"inference": [{"providerId": "x"}]}, config_map=None),
            # cluster-scoped: no namespace before the '/'
            f"/{CRD_NAME}": crd(patched=True),
        },
        "errors": {
            f"restricted/{OWNER}": "Forbidden: the policy is not allowed to read llamastack.io/v1alpha1 "
            "LlamaStackDistribution resources (missing from contextAwareResources)",
        },
    }
    injected = inject(cli, owner, deployment())
    injected_changed = copy.deepcopy(injected)
    injected_changed["spec"]["replicas"] = 2
    # wired while its LLSD existed (the operator's update, replicas changed); the LLSD is gone
    wired_ghost = inject(cli, llsd("ghost", TWO_PROVIDERS), deployment("ghost"))
    wired_ghost_changed = copy.deepcopy(wired_ghost)
    wired_ghost_changed["spec"]["replicas"] = 2
    # wired while "plain" listed providers; it lists none now
    wired_plain = inject(cli, llsd("plain", TWO_PROVIDERS), deployment("plain"))
    stripped = inject(cli, cluster["resources"][f"{NAMESPACE}/plain"], wired_plain)
    if stripped != deployment("plain"):
        sys.exit("inject on an LLSD without providers does not give back the operator's Deployment")
    fixtures = {
        "llsd-create-valid": request("llsd-1", LLSD_KIND, "llamastackdistributions", "CREATE", llsd(OWNER, TWO_PROVIDERS)),
        "llsd-create-invalid": request("llsd-2", LLSD_KIND, "llamastackdistributions", "CREATE", llsd("invalid", INVALID)),
        "llsd-update-pinned": request(
            "llsd-3", LLSD_KIND, "llamastackdistributions", "UPDATE", llsd("pinned", PINNED), llsd("pinned", {})
        ),
        "llsd-delete": request("llsd-4", LLSD_KIND, "llamastackdistributions", "DELETE", None, llsd("invalid", INVALID)),
        "deployment-create-providers": request("dep-1", DEPLOY_KIND, "deployments", "CREATE", deployment()),
        "deployment-create-no-providers": request("dep-2", DEPLOY_KIND, "deployments", "CREATE", deployment("plain")),
        "deployment-create-owner-missing": request("dep-3", DEPLOY_KIND, "deployments", "CREATE", deployment("ghost")),
        "deployment-create-lookup-error": request(
            "dep-4", DEPLOY_KIND, "deployments", "CREATE", deployment(namespace="restricted"), namespace="restricted"
        ),
        "deployment-update-injected": request(
            "dep-5", DEPLOY_KIND, "deployments", "UPDATE", injected_changed, injected
        ),
        "deployment-update-wired-owner-missing": request(
            "dep-9", DEPLOY_KIND, "deployments", "UPDATE", wired_ghost_changed, wired_ghost
        ),
        "deployment-update-wired-no-providers": request(
            "dep-10", DEPLOY_KIND, "deployments", "UPDATE", wired_plain, wired_plain
        ),
        "deployment-create-unowned": request("dep-6", DEPLOY_KIND, "deployments", "CREATE", deployment(owned=False)),
        "deployment-create-owner-invalid": request("dep-7", DEPLOY_KIND, "deployments", "CREATE", deployment("broken")),
        "deployment-create-pinned": request("dep-8", DEPLOY_KIND, "deployments", "CREATE", deployment("pinned")),
        "configmap-create": request(
            "cm-1",
            ("v1", "ConfigMap"),
            "configmaps",
            "CREATE",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "llama-stack-config"}, "data": {"config.yaml": "version: 2\n"}},
        ),
    }
    for name, value in fixtures.items():
        (HERE / f"{name}.json").write_text(json.dumps(value, indent=2) + "\n")
    (HERE / "cluster.json").write_text(json.dumps(cluster, indent=2) + "\n")
    unpatched = {"resources": {f"/{CRD_NAME}": crd(patched=False)}}
    (HERE / "cluster-crd-unpatched.json").write_text(json.dumps(unpatched, indent=2) + "\n")
    settings = HERE / "settings"
    settings.mkdir(exist_ok=True)
    (settings / "strict.json").write_text(
        json.dumps(
            {"allowedRegistries": ["registry.example.com/llama-providers"], "requireDigest": True, "maxProviders": 4},
            indent=2,
        )
        + "\n"
    )
    (settings / "invalid.json").write_text(
        json.dumps(
            {
                "mergeImage": "Not An Image",
                "allowedRegistries": ["https://quay.io"],
                "requireDigest": "yes",
                "maxProviders": 0,
                "sharedVolumeSizeLimit": "2GB",
                "initContainerResources": {"cpu": "1"},
                "allowedRegistry": [],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {len(fixtures)} request fixtures, cluster.json, cluster-crd-unpatched.json and settings/ in {HERE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
