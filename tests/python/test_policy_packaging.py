"""The Kubewarden packaging of the policy agrees with itself: metadata.yml,
artifacthub-pkg.yml, the Artifact Hub README, the example
ClusterAdmissionPolicies, the settings example, docs/kubewarden.md and the
crate version tell the same story (version, rules, mutation flag,
context-aware resources, host capabilities, settings)."""

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
METADATA = yaml.safe_load((ROOT / "policy-metadata/metadata.yml").read_text())
PKG = yaml.safe_load((ROOT / "artifacthub/artifacthub-pkg.yml").read_text())
PKG_README = (ROOT / "artifacthub/README.md").read_text()
DOCS = (ROOT / "docs/kubewarden.md").read_text()
EXAMPLES = ROOT / "examples/kubewarden"
SETTINGS = yaml.safe_load((EXAMPLES / "settings.yaml").read_text())
CARGO_VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)

LLSD_RULE = {
    "apiGroups": ["llamastack.io"],
    "apiVersions": ["v1alpha1"],
    "resources": ["llamastackdistributions"],
    "operations": ["CREATE", "UPDATE"],
}
DEPLOYMENT_RULE = {
    "apiGroups": ["apps"],
    "apiVersions": ["v1"],
    "resources": ["deployments"],
    "operations": ["CREATE", "UPDATE"],
}
LLSD_RESOURCE = {"apiVersion": "llamastack.io/v1alpha1", "kind": "LlamaStackDistribution"}


def policies():
    found = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "ClusterAdmissionPolicy":
                found[doc["metadata"]["name"]] = doc
    return found


def test_metadata_declares_both_resources_mutation_and_context():
    assert METADATA["rules"] == [LLSD_RULE, DEPLOYMENT_RULE]
    assert METADATA["mutating"] is True
    assert METADATA["contextAwareResources"] == [LLSD_RESOURCE]
    assert METADATA["hostCapabilities"] == ["kubernetes/get_resource"]
    assert METADATA["executionMode"] == "kubewarden-wapc"
    assert METADATA["backgroundAudit"] is True
    annotations = METADATA["annotations"]
    for key in [
        "io.kubewarden.policy.title",
        "io.kubewarden.policy.version",
        "io.kubewarden.policy.description",
        "io.kubewarden.policy.author",
        "io.kubewarden.policy.url",
        "io.kubewarden.policy.source",
        "io.kubewarden.policy.license",
        "io.kubewarden.policy.category",
        "io.kubewarden.policy.severity",
        "io.kubewarden.policy.ociUrl",
        "io.artifacthub.displayName",
        "io.artifacthub.resources",
        "io.artifacthub.keywords",
    ]:
        assert annotations.get(key), key


def test_versions_agree():
    version = METADATA["annotations"]["io.kubewarden.policy.version"]
    assert version == CARGO_VERSION
    assert PKG["version"] == version
    images = [i["image"] for i in PKG["containersImages"]]
    oci = METADATA["annotations"]["io.kubewarden.policy.ociUrl"]
    assert images == [f"{oci}:v{version}"]
    assert f"/v{version}/policy.wasm" in {l["name"]: l["url"] for l in PKG["links"]}["policy"]
    assert f"{oci}:v{version}" in PKG["install"]
    for policy in policies().values():
        assert policy["spec"]["module"] == f"registry://{oci}:v{version}"


def test_artifacthub_package_matches_metadata():
    a = PKG["annotations"]
    assert yaml.safe_load(a["kubewarden/rules"]) == METADATA["rules"]
    assert a["kubewarden/mutation"] == str(METADATA["mutating"]).lower()
    assert yaml.safe_load(a["kubewarden/contextAwareResources"]) == METADATA["contextAwareResources"]
    assert yaml.safe_load(a["kubewarden/hostCapabilities"]) == METADATA["hostCapabilities"]
    assert a["kubewarden/resources"] == METADATA["annotations"]["io.artifacthub.resources"]
    assert PKG["displayName"] == METADATA["annotations"]["io.artifacthub.displayName"]
    assert PKG["description"] == METADATA["annotations"]["io.kubewarden.policy.description"]
    assert PKG["license"] == METADATA["annotations"]["io.kubewarden.policy.license"]
    assert PKG["name"] == METADATA["annotations"]["io.kubewarden.policy.title"]
    keywords = [k.strip() for k in METADATA["annotations"]["io.artifacthub.keywords"].split(",")]
    assert PKG["keywords"] == keywords
    assert PKG["homeURL"] == METADATA["annotations"]["io.kubewarden.policy.url"]


def test_two_instances_one_validating_one_mutating():
    found = policies()
    assert set(found) == {"llsd-providers-validate", "llsd-providers-inject"}
    validate, inject = found["llsd-providers-validate"]["spec"], found["llsd-providers-inject"]["spec"]
    assert validate["module"] == inject["module"]
    assert validate["mutating"] is False and validate["rules"] == [LLSD_RULE]
    assert "contextAwareResources" not in validate
    assert inject["mutating"] is True and inject["rules"] == [DEPLOYMENT_RULE]
    assert inject["contextAwareResources"] == METADATA["contextAwareResources"]
    for spec in (validate, inject):
        for rule in spec["rules"]:
            assert rule in METADATA["rules"]


SETTING_KEYS = [
    "allowedRegistries",
    "requireDigest",
    "maxProviders",
    "mergeImage",
    "mergeCommand",
    "sharedVolumeSizeLimit",
    "initContainerResources",
    "runAsUser",
]


def test_settings_are_documented_everywhere():
    text = (EXAMPLES / "settings.yaml").read_text()
    for key in SETTING_KEYS:
        assert re.search(rf"^#? ?{key}:", text, re.M), f"settings.yaml lacks {key}"
        assert f"`{key}`" in DOCS, f"docs/kubewarden.md lacks {key}"
        assert f"`{key}`" in PKG_README, f"artifacthub/README.md lacks {key}"
    for policy in policies().values():
        assert set(policy["spec"].get("settings", {})) <= set(SETTING_KEYS)


def test_documented_defaults_match_the_settings_example():
    assert SETTINGS["allowedRegistries"] == []
    assert SETTINGS["requireDigest"] is False
    assert "maxProviders" not in SETTINGS
    assert SETTINGS["mergeImage"] == "quay.io/llsd-providers/merge-config:0.1.0"
    assert SETTINGS["initContainerResources"] == {
        "cpuRequest": "100m",
        "memoryRequest": "256Mi",
        "memoryLimit": "512Mi",
    }
    for default in ["quay.io/llsd-providers/merge-config:0.1.0", "2Gi", "100m", "256Mi", "512Mi", "1001"]:
        assert default in DOCS and default in PKG_README, default


@pytest.mark.parametrize("heading", ["Install", "Settings", "operator", "Failure modes", "Benchmark"])
def test_docs_have_their_sections(heading):
    assert re.search(rf"^#+ .*{heading}", DOCS, re.M | re.I), heading
