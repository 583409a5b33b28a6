"""What a policy-server outage or missing RBAC does, per instance
(docs/kubewarden.md, "Failure policy"): LLSDs without providers are never
blocked; a wired Deployment is never un-wired; an LLSD with providers is
never stored unchecked."""

import json

import pytest

from kube import webhook_answers
from llsd_operator import reconcile
from llsds import HASH, TWO_PROVIDERS, llsd



@pytest.fixture
def policy_server_down(cluster):
    cluster.stop_policy_server()
    yield
    cluster.start_policy_server()


@pytest.fixture(scope="module")
def wired_before(cluster, kube):
    ns = cluster.namespace("outage")
    kube.apply(llsd("wired", ns, TWO_PROVIDERS))
    assert reconcile(kube, "wired", ns).returncode == 0
    return ns, kube.get("deployment", "wired", ns)


def test_during_an_outage_llsds_without_providers_are_never_blocked(cluster, kube, wired_before,
                                                                    policy_server_down):
    ns, _ = wired_before
    mark = kube.audit_mark()
    kube.apply(llsd("plain", ns))                              # validating instance: not called
    assert reconcile(kube, "plain", ns).returncode == 0       # create: Ignore
    assert reconcile(kube, "plain", ns).returncode == 0       # requeue: Ignore
    plain = kube.get("deployment", "plain", ns)
    assert "initContainers" not in plain["spec"]["template"]["spec"]
    # the API server did try the injecting instance and went on (failurePolicy Ignore)
    events = kube.audit_events(mark, "deployments", "plain")
    assert any("failed-open.mutation.webhook.admission.k8s.io/round_0_index_0" in e.get("annotations", {})
               for e in events), [e.get("annotations") for e in events]


def test_during_an_outage_a_wired_deployment_keeps_its_wiring(kube, wired_before, policy_server_down):
    ns, before = wired_before
    done = reconcile(kube, "wired", ns)
    print(done.stderr)
    assert done.returncode != 0
    assert 'failed calling webhook "clusterwide-llsd-providers-inject-wired.kubewarden.admission"' in done.stderr
    after = kube.get("deployment", "wired", ns)
    assert after["spec"]["template"] == before["spec"]["template"]


def test_during_an_outage_an_llsd_with_providers_is_not_stored_unchecked(cluster, kube, wired_before,
                                                                         policy_server_down):
    ns, _ = wired_before
    done = kube.run("apply", "-f", "-", input=json.dumps(llsd("new", ns, TWO_PROVIDERS)), check=False)
    print(done.stderr)
    assert done.returncode != 0
    assert 'failed calling webhook "clusterwide-llsd-providers-validate.kubewarden.admission"' in done.stderr


def test_after_the_outage_the_next_reconcile_wires_what_was_missed(cluster, kube):
    """A Deployment created while the policy-server was down (Ignore) is
    wired by the operator's next update once it answers again."""
    ns = cluster.namespace("missed")
    kube.apply(llsd("late", ns, TWO_PROVIDERS))
    cluster.stop_policy_server()
    try:
        assert reconcile(kube, "late", ns).returncode == 0
        assert "initContainers" not in kube.get("deployment", "late", ns)["spec"]["template"]["spec"]
    finally:
        cluster.start_policy_server()
    assert reconcile(kube, "late", ns).returncode == 0
    wired = kube.get("deployment", "late", ns)
    assert HASH in wired["spec"]["template"]["metadata"]["annotations"]


def test_without_rbac_llsds_without_providers_pass_and_wired_deployments_hold(cluster, kube, wired_before):
    ns, before = wired_before
    binding = kube.get("clusterrolebinding", "llsd-providers-policy-server")
    kube.run("delete", "clusterrolebinding", "llsd-providers-policy-server")
    try:
        kube.wait_for("the RBAC change", lambda: not can_read_llsds(kube, ns))
        mark = kube.audit_mark()
        kube.apply(llsd("no-rbac", ns))
        done = reconcile(kube, "no-rbac", ns)
        assert done.returncode == 0, done.stderr
        # admitted unchanged, with the lookup's failure as a warning
        assert "external providers not injected: cannot look up LlamaStackDistribution" in done.stderr
        assert "forbidden" in done.stderr.lower()
        (event,) = [e for e in kube.audit_events(mark, "deployments", "no-rbac") if e["verb"] == "create"]
        assert [a[1] for a in webhook_answers(event)] == [False]
        done = reconcile(kube, "wired", ns)
        print(done.stderr)
        assert done.returncode != 0 and "cannot look up LlamaStackDistribution" in done.stderr
        assert kube.get("deployment", "wired", ns)["spec"]["template"] == before["spec"]["template"]
    finally:
        binding = {k: v for k, v in binding.items() if k != "metadata"} | {
            "metadata": {"name": binding["metadata"]["name"]}}
        kube.apply(binding)
        kube.wait_for("the RBAC change", lambda: can_read_llsds(kube, ns))


def can_read_llsds(kube, namespace):
    done = kube.run("auth", "can-i", "get", "llamastackdistributions.llamastack.io", "-n", namespace,
                    "--as", "system:serviceaccount:kubewarden:policy-server", check=False)
    return done.stdout.strip() == "yes"
