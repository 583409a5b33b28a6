"""The CRD patch on a real API server: its schema checks, its CEL rule, and
what happens when an operator upgrade re-installs the CRD without it."""

import json

from llsd_operator import reconcile
from llsds import HASH, TWO_PROVIDERS, llsd, provider



def test_strict_field_validation_names_an_unknown_field(cluster, kube):
    ns = cluster.namespace("unknown-field")
    bad = llsd("typo", ns, TWO_PROVIDERS)
    bad["spec"]["server"]["externalProviders"]["inference"][0]["imagePullPolcy"] = "Always"
    done = kube.run("apply", "-f", "-", input=json.dumps(bad), check=False)
    print(done.stderr)
    assert done.returncode != 0
    assert 'unknown field "spec.server.externalProviders.inference[0].imagePullPolcy"' in done.stderr


def test_the_cel_rule_refuses_an_id_used_in_two_sections(cluster, kube):
    ns = cluster.namespace("duplicate-ids")
    bad = llsd("dup", ns, {"inference": [provider("shared")], "vectorIo": [provider("shared")]})
    done = kube.run("apply", "-f", "-", input=json.dumps(bad), check=False)
    print(done.stderr)
    assert done.returncode != 0
    # the API server's own message, before any webhook is called
    assert "spec.server.externalProviders" in done.stderr
    assert "providerId" in done.stderr and "unique" in done.stderr
    assert "denied the request" not in done.stderr


def test_the_schema_refuses_a_bad_pull_policy_and_id(cluster, kube):
    ns = cluster.namespace("schema")
    bad = llsd("schema", ns, {"inference": [dict(provider("ok"), providerId="Not_A_Label",
                                                  imagePullPolicy="sometimes")]})
    done = kube.run("apply", "-f", "-", input=json.dumps(bad), check=False)
    print(done.stderr)
    assert done.returncode != 0
    assert 'Unsupported value: "sometimes"' in done.stderr
    assert "spec.server.externalProviders.inference[0].providerId" in done.stderr


def test_an_operator_upgrade_without_the_patch_does_not_strip_the_providers(cluster, kube):
    ns = cluster.namespace("upgrade")
    kube.apply(llsd("kept", ns, TWO_PROVIDERS))
    assert reconcile(kube, "kept", ns).returncode == 0
    wired = kube.get("deployment", "kept", ns)
    assert HASH in wired["spec"]["template"]["metadata"]["annotations"]
    try:
        cluster.install_crd(patched=False)
        # the API server now prunes the field from what it returns
        assert "externalProviders" not in kube.get("llamastackdistribution", "kept", ns)["spec"]["server"]
        done = reconcile(kube, "kept", ns)
        print(done.stderr)
        assert done.returncode != 0
        assert "refusing to remove the external providers of Deployment 'kept'" in done.stderr
        assert "kubectl patch crd llamastackdistributions.llamastack.io --type=json" in done.stderr
        after = kube.get("deployment", "kept", ns)
        assert after["spec"]["template"] == wired["spec"]["template"]
        # a write through the unpatched schema would drop the field for good; strict
        # field validation refuses an LLSD that names it
        done = kube.run("apply", "-f", "-", input=json.dumps(llsd("kept", ns, TWO_PROVIDERS)), check=False)
        assert done.returncode != 0 and 'unknown field "spec.server.externalProviders"' in done.stderr
    finally:
        cluster.install_crd(patched=True)
    # the stored providers come back with the patch, and nothing changes
    assert kube.get("llamastackdistribution", "kept", ns)["spec"]["server"]["externalProviders"]
    assert reconcile(kube, "kept", ns).returncode == 0
    assert kube.get("deployment", "kept", ns)["spec"]["template"] == wired["spec"]["template"]


def test_removing_the_providers_with_the_patch_in_place_still_strips(cluster, kube):
    """The CRD check does not get in the way of a real removal (the CRD is
    read through the policy-server with the documented RBAC)."""
    ns = cluster.namespace("real-removal")
    kube.apply(llsd("bye", ns, TWO_PROVIDERS))
    assert reconcile(kube, "bye", ns).returncode == 0
    current = kube.get("llamastackdistribution", "bye", ns)
    del current["spec"]["server"]["externalProviders"]
    kube.run("replace", "-f", "-", input=json.dumps(current))
    done = reconcile(kube, "bye", ns)
    assert done.returncode == 0, done.stderr
    stripped = kube.get("deployment", "bye", ns)
    assert "initContainers" not in stripped["spec"]["template"]["spec"]
    assert HASH not in stripped["spec"]["template"]["metadata"].get("annotations", {})
