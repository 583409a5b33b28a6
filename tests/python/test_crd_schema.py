"""The generated CRD patch, checked by tools independent of our Rust code:
jsonpatch applies it to a CRD, openapi-schema-validator checks LLSD samples
against the schema, cel-python evaluates the uniqueness rule."""

import copy
import pathlib

import celpy
import jsonpatch
import pytest
import yaml
from openapi_schema_validator import OAS30Validator

ROOT = pathlib.Path(__file__).resolve().parents[2]
PATCH = yaml.safe_load((ROOT / "deploy/crd/external-providers-patch.yaml").read_text())

# The shape of the operator's CRD around the fields the patch adds.
CRD_SKELETON = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "llamastackdistributions.llamastack.io"},
    "spec": {
        "group": "llamastack.io",
        "names": {"kind": "LlamaStackDistribution", "plural": "llamastackdistributions"},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1alpha1", "served": True, "storage": True,
            # the operator's five columns (v0.9.0); the patch appends two
            "additionalPrinterColumns": [
                {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                {"name": "Operator Version", "type": "string", "jsonPath": ".status.version.operatorVersion"},
                {"name": "Server Version", "type": "string", "jsonPath": ".status.version.llamaStackServerVersion"},
                {"name": "Available", "type": "integer", "jsonPath": ".status.availableReplicas"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {
                    "server": {"type": "object", "properties": {
                        "distribution": {"type": "object"},
                        "userConfig": {"type": "object"},
                    }},
                }},
                "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
            }}},
        }],
    },
}


@pytest.fixture(scope="module")
def crd():
    return jsonpatch.apply_patch(copy.deepcopy(CRD_SKELETON), PATCH)


@pytest.fixture(scope="module")
def providers_schema(crd):
    root = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return root["properties"]["spec"]["properties"]["server"]["properties"]["externalProviders"]


@pytest.fixture(scope="module")
def status_schema(crd):
    root = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return root["properties"]["status"]["properties"]["externalProviders"]


def load(path):
    return yaml.safe_load((ROOT / path).read_text())


def schema_errors(schema, instance):
    return sorted(e.message for e in OAS30Validator(schema).iter_errors(instance))


def test_patch_applies_and_keeps_existing_fields(crd):
    root = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    server = root["properties"]["spec"]["properties"]["server"]["properties"]
    assert set(server) == {"distribution", "userConfig", "externalProviders"}
    assert "phase" in root["properties"]["status"]["properties"]


def test_the_printer_columns_are_appended_after_the_operators(crd):
    columns = crd["spec"]["versions"][0]["additionalPrinterColumns"]
    assert [c["name"] for c in columns] == ["Phase", "Operator Version", "Server Version", "Available", "Age",
                                            "Providers", "Providers Reason"]
    assert columns[5]["jsonPath"] == '.status.conditions[?(@.type=="ExternalProvidersReady")].status'
    assert columns[6].get("priority") == 1  # -o wide only


@pytest.mark.parametrize("example", sorted((ROOT / "examples/llsd").glob("*.yaml")), ids=lambda p: p.name)
def test_valid_examples_match_the_schema(providers_schema, example):
    llsd = yaml.safe_load(example.read_text())
    assert schema_errors(providers_schema, llsd["spec"]["server"]["externalProviders"]) == []


@pytest.mark.parametrize("example,expected", [
    ("bad-provider-id.yaml", ["'Custom_VLLM' does not match", "is too long"]),
    ("bad-pull-policy.yaml", ["'always' is not one of ['Always', 'Never', 'IfNotPresent']"]),
    ("config-not-object.yaml", ["'url=http://vllm:8000' is not of type 'object'"]),
    ("wrong-types.yaml", ["is not of type 'array'", "42 is not of type 'string'", "is not of type 'string'",
                          "'guard' is not of type 'object'"]),
])
def test_invalid_examples_are_caught_by_the_schema(providers_schema, example, expected):
    llsd = load(f"examples/llsd/invalid/{example}")
    errors = schema_errors(providers_schema, llsd["spec"]["server"]["externalProviders"])
    for fragment in expected:
        assert any(fragment in e for e in errors), (fragment, errors)


def test_required_fields_and_bounds(providers_schema):
    assert schema_errors(providers_schema, {"inference": [{"providerId": "a"}]}) == ["'image' is a required property"]
    many = [{"providerId": f"p{i}", "image": "r.io/p:1"} for i in range(17)]
    assert any("is too long" in e for e in schema_errors(providers_schema, {"inference": many}))
    ok = {"inference": [{"providerId": "a", "image": "r.io/a:1", "config": {"nested": {"deep": [1, "yes", None]}}}]}
    assert schema_errors(providers_schema, ok) == []


def test_status_schema(status_schema):
    good = [{"providerId": "a", "image": "r.io/a:1", "phase": "Ready", "initContainerName": "install-provider-a",
             "lastTransitionTime": "2026-11-26T10:00:00Z", "message": "installed"}]
    assert schema_errors(status_schema, good) == []
    bad = [{"providerId": "a", "image": "r.io/a:1", "phase": "Done", "initContainerName": "x"}]
    assert any("'Done' is not one of" in e for e in schema_errors(status_schema, bad))


def cel_unique(providers_schema, external_providers):
    (validation,) = providers_schema["x-kubernetes-validations"]
    env = celpy.Environment()
    program = env.program(env.compile(validation["rule"]))
    return bool(program.evaluate({"self": celpy.json_to_cel(external_providers)}))


def test_cel_rule_accepts_unique_ids(providers_schema):
    llsd = load("examples/llsd/multi-provider.yaml")
    assert cel_unique(providers_schema, llsd["spec"]["server"]["externalProviders"])
    assert cel_unique(providers_schema, {})


def test_cel_rule_rejects_ids_shared_across_sections(providers_schema):
    llsd = load("examples/llsd/invalid/duplicate-ids.yaml")
    assert not cel_unique(providers_schema, llsd["spec"]["server"]["externalProviders"])
    assert not cel_unique(providers_schema, {
        "inference": [{"providerId": "a", "image": "x"}],
        "fileProcessors": [{"providerId": "a", "image": "y"}],
    })


def test_lists_are_maps_keyed_by_provider_id(providers_schema, status_schema):
    for section in providers_schema["properties"].values():
        assert section["x-kubernetes-list-type"] == "map"
        assert section["x-kubernetes-list-map-keys"] == ["providerId"]
        assert section["items"]["required"][0] == "providerId"
    assert status_schema["x-kubernetes-list-map-keys"] == ["providerId"]
