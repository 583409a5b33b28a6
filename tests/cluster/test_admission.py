"""The operator's reconcile against the real API server with the policy in
Kubewarden's policy-server: wiring, requeues, provider changes, removal."""

import copy
import json
import time

import pytest

from kube import differences, webhook_answers
from llsds import HASH, TWO_PROVIDERS, llsd, provider
from llsd_operator import reconcile, render_deployment

INJECT_WEBHOOK = "clusterwide-llsd-providers-inject.kubewarden.admission"
WIRED_WEBHOOK = "clusterwide-llsd-providers-inject-wired.kubewarden.admission"


def applied(kube, name, namespace):
    done = reconcile(kube, name, namespace)
    assert done.returncode == 0, done.stderr
    return kube.get("deployment", name, namespace)


def replica_sets(kube, name, namespace):
    """The names of the ReplicaSets Deployment `name` owns (sorted; their
    status changes as the controller manager works, their names do not)."""
    return sorted(rs["metadata"]["name"] for rs in kube.items("replicaset", namespace)
                  if any(o.get("name") == name for o in rs["metadata"].get("ownerReferences", [])))


def settled(kube, name, namespace):
    """The Deployment once the controller manager has stopped writing its
    status (the same resourceVersion a second apart)."""
    def stable():
        first = kube.get("deployment", name, namespace)
        time.sleep(1)
        second = kube.get("deployment", name, namespace)
        return second if first["metadata"]["resourceVersion"] == second["metadata"]["resourceVersion"] else None
    return kube.wait_for(f"deployment {namespace}/{name} to settle", stable)


def init_names(deployment):
    return [c["name"] for c in deployment["spec"]["template"]["spec"].get("initContainers", [])]


def last_write(kube, mark, name):
    """The audited create or apply of Deployment `name` since `mark`."""
    (event,) = [e for e in kube.audit_events(mark, "deployments", name)
                if e["verb"] in ("create", "patch")]
    return event


@pytest.fixture(scope="module")
def wired(cluster, kube):
    """An LLSD with two providers and its Deployment, created by one reconcile."""
    ns = cluster.namespace("wiring")
    kube.apply(llsd("two", ns, TWO_PROVIDERS))
    mark = kube.audit_mark()
    deployment = applied(kube, "two", ns)
    return ns, deployment, last_write(kube, mark, "two")


def test_create_wires_the_deployment_and_its_pods(kube, wired):
    ns, deployment, event = wired
    assert init_names(deployment) == ["stage-installer", "install-provider-custom-vllm",
                                      "install-provider-pgvector-ext", "merge-config"]
    assert HASH in deployment["spec"]["template"]["metadata"]["annotations"]
    # the first apply went through the not-yet-wired instance, which patched it
    ((webhook, mutated, _),) = webhook_answers(event)
    assert (webhook, mutated) == (INJECT_WEBHOOK, True)
    # the controller manager made a ReplicaSet and a pod from the wired template
    pods = kube.wait_for("the pod", lambda: kube.items("pod", ns, "app.kubernetes.io/instance=two"))
    assert [c["name"] for c in pods[0]["spec"]["initContainers"]] == init_names(deployment)


def test_requeue_with_nothing_changed_writes_nothing(kube, wired):
    ns, _, _ = wired
    sets = replica_sets(kube, "two", ns)
    for requeue in range(4):
        before = settled(kube, "two", ns)
        mark = kube.audit_mark()
        after = applied(kube, "two", ns)
        ((webhook, mutated, patch),) = webhook_answers(last_write(kube, mark, "two"))
        assert webhook == WIRED_WEBHOOK
        # The operator's forced apply puts the server's config mount back on
        # the user's ConfigMap; putting it back on the merged config is the
        # one change the policy answers with. Nothing for the API server's
        # defaults (the injection writes them itself).
        assert patch == [{"op": "replace", "value": "llsd-merged-config",
                          "path": "/spec/template/spec/containers/0/volumeMounts/1/name"}], patch
        assert after["metadata"]["generation"] == before["metadata"]["generation"]
        assert differences(after["spec"], before["spec"]) == []
        if requeue > 0:
            # (the first apply after the operator's create records its field
            # ownership in managedFields; from then on nothing is written)
            assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert replica_sets(kube, "two", ns) == sets


def test_readmitting_the_stored_deployment_yields_no_patch(kube, wired):
    """What the API server stored (its defaults filled in) is a fixed point
    of the injection: any other writer's update goes through unpatched."""
    ns, _, _ = wired
    before = settled(kube, "two", ns)
    mark = kube.audit_mark()
    kube.run("annotate", "deployment", "two", "-n", ns, "example.com/touched=yes")
    (event,) = kube.audit_events(mark, "deployments", "two", "patch")
    ((webhook, mutated, patch),) = webhook_answers(event)
    assert (webhook, mutated, patch) == (WIRED_WEBHOOK, False, None)
    after = kube.get("deployment", "two", ns)
    assert after["spec"]["template"] == before["spec"]["template"]


def test_a_provider_config_change_rolls_out_once(cluster, kube):
    ns = cluster.namespace("config-change")
    kube.apply(llsd("one", ns, {"inference": [provider("custom-vllm", url="http://a")]}))
    first = applied(kube, "one", ns)
    kube.wait_for("the first ReplicaSet", lambda: replica_sets(kube, "one", ns))
    kube.apply(llsd("one", ns, {"inference": [provider("custom-vllm", url="http://b")]}))
    second = applied(kube, "one", ns)
    assert second["metadata"]["generation"] == first["metadata"]["generation"] + 1
    old_hash = first["spec"]["template"]["metadata"]["annotations"][HASH]
    assert second["spec"]["template"]["metadata"]["annotations"][HASH] != old_hash
    kube.wait_for("a second ReplicaSet", lambda: len(replica_sets(kube, "one", ns)) == 2)
    # and the next requeue neither changes it nor makes a third
    second = settled(kube, "one", ns)
    third = applied(kube, "one", ns)
    assert third["metadata"]["resourceVersion"] == second["metadata"]["resourceVersion"]
    assert len(replica_sets(kube, "one", ns)) == 2


def test_removing_every_provider_gives_back_the_operators_deployment(cluster, kube):
    ns = cluster.namespace("removal")
    kube.apply(llsd("gone", ns, TWO_PROVIDERS))
    assert init_names(applied(kube, "gone", ns))
    kube.apply(llsd("plain", ns))
    plain = applied(kube, "plain", ns)
    without = llsd("gone", ns)
    without["metadata"] = kube.get("llamastackdistribution", "gone", ns)["metadata"]
    kube.run("replace", "-f", "-", input=json.dumps(without))
    assert "externalProviders" not in kube.get("llamastackdistribution", "gone", ns)["spec"]["server"]
    stripped = applied(kube, "gone", ns)
    # the same template as a Deployment that was never wired, names aside
    expected = copy.deepcopy(plain["spec"]["template"])
    expected["metadata"]["labels"]["app.kubernetes.io/instance"] = "gone"
    expected["spec"]["serviceAccountName"] = expected["spec"]["serviceAccount"] = "gone-sa"
    assert differences(stripped["spec"]["template"], expected) == []


def test_a_deployment_without_an_llsd_owner_never_reaches_the_policy(cluster, kube):
    ns = cluster.namespace("unowned")
    other = copy.deepcopy(render_deployment({"metadata": {"name": "web", "namespace": ns, "uid": "x"},
                                             "spec": {"server": {"userConfig": {"configMapName": "c"}}}}))
    del other["metadata"]["ownerReferences"]
    mark = kube.audit_mark()
    kube.apply(other)
    (event,) = kube.audit_events(mark, "deployments", "web", "create")
    assert webhook_answers(event) == []
