"""`llsd-providers inject` outputs, checked by Kubernetes' own schemas
(kubernetes-validate, strict mode), for LLSDs with 0, 1 and many providers,
on the operator's Deployment and on one with extra init containers, env,
volumes and a sidecar."""

import copy
import os
import pathlib
import subprocess

import kubernetes_validate
import pytest
import yaml

from project_version import DEFAULT_MERGE_IMAGE

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("LLSD_BIN", str(ROOT / "target/debug/llsd-providers"))
FIXTURES = pathlib.Path(os.environ.get("LLSD_FIXTURES", ROOT.parent / "shared/fixtures"))
K8S_VERSION = "1.33.0"

LLSDS = {
    "none": ROOT / "tests/data/inject/llsd-no-providers.yaml",
    "one": ROOT / "examples/llsd/single-provider.yaml",
    "many": ROOT / "examples/llsd/multi-provider.yaml",
    "override": ROOT / "examples/llsd/override-distribution-provider.yaml",
}
DEPLOYMENTS = {
    "operator": FIXTURES / "operator-deployment.yaml",
    "extras": ROOT / "tests/data/inject/deployment-with-extras.yaml",
}


def inject(llsd, deployment, options=None):
    args = [BIN, "inject", "--llsd", str(llsd), "--deployment", str(deployment)]
    if options:
        args += ["--options", str(options)]
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


def validate(resource):
    kubernetes_validate.validate(resource, K8S_VERSION, strict=True)


@pytest.mark.parametrize("deployment", sorted(DEPLOYMENTS))
@pytest.mark.parametrize("llsd", sorted(LLSDS))
def test_injected_deployments_pass_kubernetes_strict_schemas(llsd, deployment):
    text = inject(LLSDS[llsd], DEPLOYMENTS[deployment])
    resource = yaml.safe_load(text)
    validate(resource)
    spec = resource["spec"]["template"]["spec"]
    names = [c["name"] for c in spec.get("initContainers", [])]
    if llsd == "none":
        assert not any(n.startswith("install-provider-") or n == "merge-config" for n in names)
    else:
        assert names[-1] == "merge-config"
        for container in spec["initContainers"]:
            if container["name"].startswith("install-provider-") or container["name"] == "merge-config":
                assert container["securityContext"]["runAsNonRoot"] is True
                assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_existing_init_containers_stay_first_and_pythonpath_is_kept():
    resource = yaml.safe_load(inject(LLSDS["many"], DEPLOYMENTS["extras"]))
    spec = resource["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == [
        "wait-for-db", "stage-installer", "install-provider-custom-vllm", "install-provider-ramalama",
        "install-provider-pgvector-ext", "install-provider-lmeval", "merge-config"]
    server = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in server["env"]}
    assert env["PYTHONPATH"] == "/opt/llama-stack/external-providers/python-packages:/opt/app-root/lib"
    assert "--base" in spec["initContainers"][-1]["args"]
    assert "/opt/llama-stack/base-config/run.yaml" in spec["initContainers"][-1]["args"]


def test_injecting_the_output_again_changes_nothing(tmp_path):
    first = inject(LLSDS["many"], DEPLOYMENTS["operator"])
    again_input = tmp_path / "injected.yaml"
    again_input.write_text(first)
    assert inject(LLSDS["many"], again_input) == first


def test_options_reach_the_deployment_and_stay_valid(tmp_path):
    options = tmp_path / "options.yaml"
    options.write_text(yaml.safe_dump({
        "mergeImage": "registry.example.com/llsd/merge@sha256:" + "a" * 64,
        "installBinary": "/bin/llsd-providers",
        "sharedVolumeSizeLimit": "5Gi",
        "initContainerResources": {"cpuRequest": "250m", "memoryRequest": "512Mi", "memoryLimit": "1Gi"},
    }))
    resource = yaml.safe_load(inject(LLSDS["one"], DEPLOYMENTS["operator"], options))
    validate(resource)
    spec = resource["spec"]["template"]["spec"]
    stage = spec["initContainers"][0]
    assert stage["image"] == "registry.example.com/llsd/merge@sha256:" + "a" * 64
    assert stage["command"] == ["/bin/llsd-providers"]
    merge = spec["initContainers"][-1]
    assert merge["resources"]["limits"]["memory"] == "1Gi"
    shared = [v for v in spec["volumes"] if v["name"] == "llsd-external-providers"][0]
    assert shared["emptyDir"]["sizeLimit"] == "5Gi"


def test_image_volume_mode_is_a_valid_deployment(tmp_path):
    options = tmp_path / "options.yaml"
    options.write_text(yaml.safe_dump({"installMode": "imageVolume"}))
    resource = yaml.safe_load(inject(LLSDS["many"], DEPLOYMENTS["operator"], options))
    validate(resource)
    spec = resource["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["merge-config"]
    images = {v["name"]: v["image"] for v in spec["volumes"] if "image" in v}
    assert images["llsd-tools"]["reference"] == DEFAULT_MERGE_IMAGE
    assert len(images) == 5


def test_the_schema_check_is_not_vacuous():
    resource = yaml.safe_load(inject(LLSDS["one"], DEPLOYMENTS["operator"]))
    broken = copy.deepcopy(resource)
    broken["spec"]["template"]["spec"]["initContainers"][-1]["env"][0]["value"] = 42
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)
    unknown = copy.deepcopy(resource)
    unknown["spec"]["template"]["spec"]["initContainers"][0]["installScript"] = "x"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(unknown)
