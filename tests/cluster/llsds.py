"""LLSDs for the scenarios. The bundle's policies set no supply-chain rules;
the images are still within the example ones (examples/kubewarden/:
registry.example.com/llama-providers, pinned by digest)."""

import copy

# The pod-template annotation of a wired Deployment (src/contract/).
HASH = "llsd-providers.llamastack.io/providers-hash"
DIGEST = "sha256:" + "0123456789abcdef" * 4
REGISTRY = "registry.example.com/llama-providers"


def provider(provider_id, **config):
    entry = {"providerId": provider_id, "image": f"{REGISTRY}/{provider_id}:1.0@{DIGEST}"}
    if config:
        entry["config"] = config
    return entry


def llsd(name, namespace, providers=None, config_map="llama-stack-config"):
    server = {"distribution": {"name": "starter"}, "userConfig": {"configMapName": config_map}}
    if providers is not None:
        server["externalProviders"] = copy.deepcopy(providers)
    return {
        "apiVersion": "llamastack.io/v1alpha1",
        "kind": "LlamaStackDistribution",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": 1, "server": server},
    }


TWO_PROVIDERS = {
    "inference": [provider("custom-vllm", url="http://vllm:8000/v1")],
    "vectorIo": [provider("pgvector-ext", host="postgres", port=5432)],
}
