"""The Kubewarden packaging of the policy agrees with itself: policy-metadata/, artifacthub/
(metadata.yml, the two role metadata files, the usage README,
artifacthub-pkg.yml, artifacthub-repo.yml, questions-ui.yml), LICENSE, the
example ClusterAdmissionPolicies, the settings example, docs/kubewarden.md and
the crate version tell the same story (version, rules, mutation flag,
context-aware resources, host capabilities, settings, maintainers). The
example instances' matchConditions are evaluated with cel-python on the
request fixtures."""

import hashlib
import json
import pathlib
import re

import celpy
import pytest
import yaml

from project_version import DEFAULT_MERGE_IMAGE

ROOT = pathlib.Path(__file__).resolve().parents[2]
KW = ROOT / "policy-metadata"
AH = ROOT / "artifacthub"
METADATA = yaml.safe_load((KW / "metadata.yml").read_text())
ROLES = {role: yaml.safe_load((KW / "roles" / role / "metadata.yml").read_text()) for role in ["validate-llsd", "inject-deployments"]}
# the role each example instance runs (examples/kubewarden/, deploy/kubewarden/)
INSTANCE_ROLES = {"llsd-providers-validate": "validate-llsd", "llsd-providers-inject": "inject-deployments",
                  "llsd-providers-inject-wired": "inject-deployments"}
PKG = yaml.safe_load((AH / "artifacthub-pkg.yml").read_text())
PKG_README = (KW / "README.md").read_text()
QUESTIONS = yaml.safe_load((KW / "questions-ui.yml").read_text())["questions"]
REPO = yaml.safe_load((AH / "artifacthub-repo.yml").read_text())
DATA = ROOT / "tests/data/policy"
DOCS = (ROOT / "docs/kubewarden.md").read_text()
EXAMPLES = ROOT / "examples/kubewarden"
DEPLOY_KW = ROOT / "deploy/kubewarden"
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
CRD_RESOURCE = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition"}
HASH = "llsd-providers.llamastack.io/providers-hash"


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
    assert METADATA["contextAwareResources"] == [LLSD_RESOURCE, CRD_RESOURCE]
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
    # each instance runs its role's module, published at the role metadata's ociUrl
    for name, policy in policies().items():
        role = INSTANCE_ROLES[name]
        role_oci = ROLES[role]["annotations"]["io.kubewarden.policy.ociUrl"]
        assert role_oci == f"{oci}-{role}"
        assert policy["spec"]["module"] == f"registry://{role_oci}:v{version}"


def test_artifacthub_package_matches_metadata():
    a = PKG["annotations"]
    # only what kwctl scaffold artifacthub emits (make check-artifacthub diffs the whole file)
    assert "kubewarden/hostCapabilities" not in a
    assert yaml.safe_load(a["kubewarden/questions-ui"]) == {"questions": QUESTIONS}
    assert "github.com/kubewarden/kwctl" not in (AH / "artifacthub-pkg.yml").read_text()
    assert yaml.safe_load(a["kubewarden/rules"]) == METADATA["rules"]
    assert a["kubewarden/mutation"] == str(METADATA["mutating"]).lower()
    # (kwctl writes them sorted)
    key = lambda r: (r["apiVersion"], r["kind"])  # noqa: E731
    assert sorted(yaml.safe_load(a["kubewarden/contextAwareResources"]), key=key) == \
        sorted(METADATA["contextAwareResources"], key=key)
    assert a["kubewarden/resources"] == METADATA["annotations"]["io.artifacthub.resources"]
    assert PKG["displayName"] == METADATA["annotations"]["io.artifacthub.displayName"]
    assert PKG["description"] == METADATA["annotations"]["io.kubewarden.policy.description"]
    assert PKG["license"] == METADATA["annotations"]["io.kubewarden.policy.license"]
    assert PKG["name"] == METADATA["annotations"]["io.kubewarden.policy.title"]
    keywords = [k.strip() for k in METADATA["annotations"]["io.artifacthub.keywords"].split(",")]
    assert PKG["keywords"] == keywords
    assert PKG["homeURL"] == METADATA["annotations"]["io.kubewarden.policy.url"]


def test_three_instances_one_validating_two_mutating():
    found = policies()
    assert set(found) == {"llsd-providers-validate", "llsd-providers-inject", "llsd-providers-inject-wired"}
    validate, inject = found["llsd-providers-validate"]["spec"], found["llsd-providers-inject"]["spec"]
    assert validate["module"].replace("-validate-llsd:", "-inject-deployments:") == inject["module"]
    assert validate["mutating"] is False and validate["rules"] == [LLSD_RULE]
    assert "contextAwareResources" not in validate
    assert inject["mutating"] is True and inject["rules"] == [DEPLOYMENT_RULE]
    assert inject["contextAwareResources"] == METADATA["contextAwareResources"] == [LLSD_RESOURCE, CRD_RESOURCE]
    for spec in (validate, inject):
        for rule in spec["rules"]:
            assert rule in METADATA["rules"]
    # the failure policy per instance (docs/kubewarden.md, "Failure policy")
    assert validate["failurePolicy"] == "Fail"
    assert inject["failurePolicy"] == "Ignore"
    assert found["llsd-providers-inject-wired"]["spec"]["failurePolicy"] == "Fail"


def test_the_wired_instance_is_the_injecting_one_with_the_complementary_selection():
    found = policies()
    inject, wired = found["llsd-providers-inject"], found["llsd-providers-inject-wired"]
    differ = {"failurePolicy", "matchConditions"}
    assert {k: v for k, v in inject["spec"].items() if k not in differ} == \
        {k: v for k, v in wired["spec"].items() if k not in differ}
    assert inject["metadata"]["annotations"] == wired["metadata"]["annotations"]
    assert inject["spec"]["matchConditions"][0] == wired["spec"]["matchConditions"][0]


def test_the_documented_rbac_is_the_bundles_and_grants_only_gets():
    text = (DEPLOY_KW / "rbac.yaml").read_text()
    body = text[text.index("apiVersion:"):]
    # shown inside a list item, indented by two spaces
    indented = "".join("  " + line if line.strip() else line for line in body.splitlines(True))
    assert indented in DOCS, "docs/kubewarden.md must show deploy/kubewarden/rbac.yaml as it is"
    role, binding = yaml.safe_load_all(text)
    assert role["kind"] == "ClusterRole" and binding["roleRef"]["name"] == role["metadata"]["name"]
    assert role["rules"] == [
        {"apiGroups": ["llamastack.io"], "resources": ["llamastackdistributions"], "verbs": ["get"]},
        {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"],
         "resourceNames": ["llamastackdistributions.llamastack.io"], "verbs": ["get"]},
    ]


def test_the_documented_manifests_are_the_bundles_and_the_examples():
    for name in ["validate-llsd.yaml", "inject-deployments.yaml", "inject-deployments-wired.yaml"]:
        assert f"deploy/kubewarden/{name}" in DOCS, name
    assert "examples/kubewarden/supply-chain/" in DOCS
    assert "kubectl apply -f install.yaml" in DOCS


SETTING_KEYS = [
    "allowedRegistries",
    "requireDigest",
    "maxProviders",
    "mergeImage",
    "sharedVolumeSizeLimit",
    "initContainerResources",
    "runAsUser",
    "installMode",
    "installBinary",
]


def test_settings_are_documented_everywhere():
    text = (EXAMPLES / "settings.yaml").read_text()
    for key in SETTING_KEYS:
        assert re.search(rf"^#? ?{key}:", text, re.M), f"settings.yaml lacks {key}"
        assert f"`{key}`" in DOCS, f"docs/kubewarden.md lacks {key}"
        assert f"`{key}`" in PKG_README, f"policy-metadata/README.md lacks {key}"
    for policy in policies().values():
        assert set(policy["spec"].get("settings", {})) <= set(SETTING_KEYS)


def test_documented_defaults_match_the_settings_example():
    assert SETTINGS["allowedRegistries"] == []
    assert SETTINGS["requireDigest"] is False
    assert "maxProviders" not in SETTINGS
    assert SETTINGS["mergeImage"] == DEFAULT_MERGE_IMAGE
    assert SETTINGS["initContainerResources"] == {
        "cpuRequest": "100m",
        "memoryRequest": "256Mi",
        "memoryLimit": "512Mi",
    }
    for default in [DEFAULT_MERGE_IMAGE, "2Gi", "100m", "256Mi", "512Mi", "1001"]:
        assert default in DOCS and default in PKG_README, default


@pytest.mark.parametrize("heading", ["Install", "Settings", "operator", "Failure modes", "Benchmark"])
def test_docs_have_their_sections(heading):
    assert re.search(rf"^#+ .*{heading}", DOCS, re.M | re.I), heading


def test_roles_split_the_metadata():
    validate, inject = ROLES["validate-llsd"], ROLES["inject-deployments"]
    assert validate["rules"] == [LLSD_RULE] and validate["mutating"] is False
    assert not validate.get("contextAwareResources")
    assert inject["rules"] == [DEPLOYMENT_RULE] and inject["mutating"] is True
    assert inject["contextAwareResources"] == [LLSD_RESOURCE, CRD_RESOURCE]
    assert inject["hostCapabilities"] == validate["hostCapabilities"] == METADATA["hostCapabilities"]
    # together they are the published module's metadata
    assert validate["rules"] + inject["rules"] == METADATA["rules"]
    for role, meta in ROLES.items():
        assert meta["executionMode"] == METADATA["executionMode"]
        assert meta["policyType"] == METADATA["policyType"]
        own = dict(meta["annotations"])
        assert own.pop("io.kubewarden.policy.title") != METADATA["annotations"]["io.kubewarden.policy.title"]
        # each role is published as its own module, beside the combined one
        assert own.pop("io.kubewarden.policy.ociUrl") == f"{METADATA['annotations']['io.kubewarden.policy.ociUrl']}-{role}"
        expected = dict(METADATA["annotations"])
        expected.pop("io.kubewarden.policy.title")
        expected.pop("io.kubewarden.policy.ociUrl")
        assert own == expected, role


MAINTAINER = re.compile(r"^(?P<name>[^<>,]+?) <(?P<email>[^<>@\s]+@[^<>@\s]+\.[a-z]+)>$")


def test_maintainer_is_an_address_everywhere():
    author = METADATA["annotations"]["io.kubewarden.policy.author"]
    match = MAINTAINER.match(author)
    assert match, f"io.kubewarden.policy.author must be 'Name <email>' (kwctl scaffold artifacthub): {author!r}"
    person = {"name": match["name"], "email": match["email"]}
    assert PKG["maintainers"] == [person]
    assert REPO["owners"] == [person]


def test_license_is_the_apache_2_text():
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n                           Version 2.0, January 2004")
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    assert "LLVM Exceptions" not in text
    assert hashlib.sha256(text.encode()).hexdigest() == "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
    assert METADATA["annotations"]["io.kubewarden.policy.license"] == "Apache-2.0"
    assert re.search(r'^license = "Apache-2.0"', (ROOT / "Cargo.toml").read_text(), re.M)


QUESTION_TYPES = {
    "allowedRegistries": "array[",
    "requireDigest": "boolean",
    "maxProviders": "int",
    "mergeImage": "string",
    "sharedVolumeSizeLimit": "string",
    "initContainerResources": "map[",
    "runAsUser": "int",
}


def test_questions_cover_every_setting_with_its_default():
    by_variable = {q["variable"]: q for q in QUESTIONS}
    assert set(by_variable) - {"description"} == set(SETTING_KEYS)
    for key, kind in QUESTION_TYPES.items():
        question = by_variable[key]
        assert question["type"] == kind, key
        assert question["label"] and question["description"], key
        if key in SETTINGS and key != "initContainerResources":
            assert question["default"] == SETTINGS[key], key
    resources = {q["variable"]: q["default"] for q in by_variable["initContainerResources"]["subquestions"]}
    assert resources == {f"initContainerResources.{k}": v for k, v in SETTINGS["initContainerResources"].items()}
    assert by_variable["maxProviders"]["default"] is None


def _cel(expression):
    return celpy.Environment().program(celpy.Environment().compile(expression))


def _object(name):
    return json.loads((DATA / f"{name}.json").read_text())["object"]


def test_match_conditions_select_the_deployments_an_llsd_controls():
    found = policies()
    programs = {name: [_cel(c["expression"]) for c in found[name]["spec"]["matchConditions"]]
                for name in ["llsd-providers-inject", "llsd-providers-inject-wired"]}

    def matches(name, obj, operation="CREATE", old=None):
        context = {"object": celpy.json_to_cel(obj), "oldObject": celpy.json_to_cel(old),
                   "request": celpy.json_to_cel({"operation": operation})}
        return all(bool(program.evaluate(context)) for program in programs[name])

    def instances(obj, operation="CREATE", old=None):
        return [name for name in programs if matches(name, obj, operation, old)]

    owned = _object("deployment-create-providers")
    injected = _object("deployment-update-injected")
    assert HASH in injected["spec"]["template"]["metadata"]["annotations"]
    # exactly one instance for every Deployment an LLSD controls
    assert instances(owned) == ["llsd-providers-inject"]
    assert instances(injected, "UPDATE", owned) == ["llsd-providers-inject"]
    assert instances(owned, "UPDATE", injected) == ["llsd-providers-inject-wired"]
    assert instances(injected, "UPDATE", injected) == ["llsd-providers-inject-wired"]
    assert instances(_object("deployment-create-unowned")) == []
    # an ownerReference to an LLSD that is not the controller, or of another kind or group
    for change in [
        {"controller": False},
        {"controller": None},
        {"kind": "ReplicaSet"},
        {"apiVersion": "example.com/v1alpha1"},
    ]:
        obj = json.loads(json.dumps(owned))
        ref = obj["metadata"]["ownerReferences"][0]
        for k, v in change.items():
            if v is None:
                ref.pop(k, None)
            else:
                ref[k] = v
        assert instances(obj) == [] and instances(obj, "UPDATE", injected) == [], change
    # a forged label alone does not select a Deployment
    forged = _object("deployment-create-unowned")
    forged["metadata"].setdefault("labels", {})["app.kubernetes.io/managed-by"] = "llama-stack-operator"
    assert instances(forged) == []


def test_the_validating_instance_sees_only_llsds_with_providers():
    (condition,) = policies()["llsd-providers-validate"]["spec"]["matchConditions"]
    program = _cel(condition["expression"])

    def matches(obj):
        return bool(program.evaluate({"object": celpy.json_to_cel(obj)}))

    llsd = json.loads((DATA / "llsd-create-valid.json").read_text())["object"]
    assert matches(llsd)
    del llsd["spec"]["server"]["externalProviders"]
    assert not matches(llsd)
    del llsd["spec"]["server"]
    assert not matches(llsd)
