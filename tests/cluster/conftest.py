"""The cluster layer's fixture: one real control plane per test session
(etcd, kube-apiserver with an audit log, kube-controller-manager), the
operator's CRD with the project's patch applied as docs/crd.md says, and
Kubewarden's policy-server running the documented ClusterAdmissionPolicies
(examples/kubewarden/) under a ServiceAccount with exactly the documented
RBAC (examples/kubewarden/rbac.yaml).

Without ../shared/tools the layer is skipped with a message naming it;
LLSD_TEST_ALL=1 (make test) turns that skip into a failure."""

import os
import pathlib
import shutil
import sys
import tempfile

import pytest
import yaml

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import kubewarden  # noqa: E402
from controlplane import ROOT, ControlPlane, tools_dir  # noqa: E402
from kube import AUDIT_POLICY, Kube  # noqa: E402

OPERATOR_CRD = ROOT.parent / "shared" / "fixtures" / "operator-crd.yaml"
CRD_PATCH = ROOT / "config/crd/external-providers-patch.yaml"
EXAMPLES = ROOT / "examples/kubewarden"
POLICY_MANIFESTS = [EXAMPLES / "validate-llsd.yaml", EXAMPLES / "inject-deployments.yaml",
                    EXAMPLES / "inject-deployments-wired.yaml"]
RBAC = EXAMPLES / "rbac.yaml"
# The module each instance runs: the role's annotated build (make kubewarden-manifests).
ROLE_MODULES = {
    "llsd-providers-validate": ROOT / "target/kubewarden/validate-llsd.wasm",
    "llsd-providers-inject": ROOT / "target/kubewarden/inject-deployments.wasm",
    "llsd-providers-inject-wired": ROOT / "target/kubewarden/inject-deployments.wasm",
}
CLI = ROOT / "target/debug/llsd-providers"


def _missing(message):
    if os.environ.get("LLSD_TEST_ALL"):
        pytest.fail(f"{message} (LLSD_TEST_ALL is set: nothing may be skipped)", pytrace=False)
    pytest.skip(message)


class Cluster:
    """The running control plane, the policy-server and a kubectl for tests."""

    def __init__(self, tools, state, audit=True):
        self.tools, self.state = tools, state
        self.plane = ControlPlane(tools, state).start(AUDIT_POLICY if audit else None)
        self.kube = Kube(tools / "kubectl", self.plane.kubeconfig, self.plane.audit_log)
        self.policy_server = None
        self.policy_server_port = None

    def install_crd(self, patched=True):
        """The operator's CRD as it ships it, then (as docs/crd.md says) the patch."""
        self.kube.run("apply", "--server-side", "--force-conflicts", "-f", str(OPERATOR_CRD))
        if patched:
            self.kube.run("patch", "crd", "llamastackdistributions.llamastack.io", "--type=json",
                          "--patch-file", str(CRD_PATCH))
        else:
            # An operator install or upgrade writes its CRD whole (kubectl
            # apply / OLM replace): the patched fields are gone.
            self.kube.run("replace", "-f", str(OPERATOR_CRD))
        self.kube.run("wait", "--for=condition=Established", "--timeout=30s",
                      "crd/llamastackdistributions.llamastack.io")

    def install_kubewarden(self):
        kube = self.kube
        kube.run("create", "namespace", kubewarden.KUBEWARDEN_NAMESPACE)
        kube.run("create", "serviceaccount", "policy-server", "-n", kubewarden.KUBEWARDEN_NAMESPACE)
        kube.run("apply", "-f", str(RBAC))
        token = kube.run("create", "token", "policy-server", "-n", kubewarden.KUBEWARDEN_NAMESPACE,
                         "--duration=2h").stdout.strip()
        self.policy_server_kubeconfig = self.plane.write_kubeconfig(
            self.state / "policy-server.kubeconfig", token=token)
        self.manifests = kubewarden.load_manifests(POLICY_MANIFESTS)
        policies = {kubewarden.policy_id(m): kubewarden.policies_entry(
            m, ROLE_MODULES[m["metadata"]["name"]].as_uri()) for m in self.manifests}
        self.policies_file = self.state / "policies.yml"
        self.policies_file.write_text(yaml.safe_dump(policies))
        self.start_policy_server()
        ca = (self.plane.certs / "ca.crt").read_bytes()
        for manifest in self.manifests:
            kube.apply(kubewarden.webhook_configuration(manifest, self.policy_server_url, ca))

    def start_policy_server(self):
        self.policy_server, self.policy_server_url = self.plane.start_policy_server(
            self.policies_file, self.policy_server_kubeconfig, port=self.policy_server_port)
        self.policy_server_port = int(self.policy_server_url.rsplit(":", 1)[1])

    def stop_policy_server(self):
        self.policy_server.stop()

    def namespace(self, name):
        self.kube.run("create", "namespace", name)
        return name

    def stop(self):
        self.plane.stop()


@pytest.fixture(scope="session")
def cluster():
    tools, why = tools_dir()
    if tools is None:
        _missing(f"cluster layer skipped: {why}")
    missing = [str(p.relative_to(ROOT)) for p in {*ROLE_MODULES.values(), CLI} if not p.is_file()]
    if missing:
        pytest.fail(f"build first: {', '.join(missing)} missing (make test-cluster builds them)",
                    pytrace=False)
    if not OPERATOR_CRD.is_file():
        _missing(f"cluster layer skipped: {OPERATOR_CRD} is absent")
    state = pathlib.Path(tempfile.mkdtemp(prefix="llsd-cluster-"))
    running = Cluster(tools, state)
    try:
        running.install_crd()
        running.install_kubewarden()
        yield running
    finally:
        running.stop()
        if os.environ.get("LLSD_CLUSTER_KEEP"):
            print(f"\ncluster layer state kept in {state}")
        else:
            shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def kube(cluster):
    return cluster.kube
