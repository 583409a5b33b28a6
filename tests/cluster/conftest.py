"""The cluster layer's fixture: one real control plane per test session
(etcd, kube-apiserver with an audit log, kube-controller-manager) on which
the install bundle is installed as docs/kubewarden.md says -- the operator's
CRD with the bundle's patch applied, then `kubectl apply -f install.yaml`,
the install.yaml that `make install-bundle` writes (rendered here by the same
script, scripts/install-bundle.sh). Kubewarden's part is emulated from what
the API server then stores (tests/cluster/kubewarden.py): its policy-server
runs the bundle's ClusterAdmissionPolicies under a ServiceAccount bound to
the bundle's RBAC and nothing else, and the webhooks are the ones its
controller would write for them.

Without ../shared/tools the layer is skipped with a message naming it;
LLSD_TEST_ALL=1 (make test) turns that skip into a failure."""

import json
import os
import pathlib
import shutil
import subprocess
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
RENDER_BUNDLE = ROOT / "scripts/install-bundle.sh"
# `make verify-release` runs the layer on a release directory: its
# install.yaml and CRD patch, its role modules and its amd64 CLI (the status
# controller) in place of this tree's builds.
RELEASE_DIR = pathlib.Path(os.environ["LLSD_RELEASE_DIR"]) if os.environ.get("LLSD_RELEASE_DIR") else None
# The module each instance runs: the role's annotated build (make
# kubewarden-manifests, or the release's), in place of the bundle's
# registry:// module, which this layer cannot pull.
MODULES_DIR = RELEASE_DIR or ROOT / "target/kubewarden"
ROLE_MODULES = {
    "llsd-providers-validate": MODULES_DIR / "validate-llsd.wasm",
    "llsd-providers-inject": MODULES_DIR / "inject-deployments.wasm",
    "llsd-providers-inject-wired": MODULES_DIR / "inject-deployments.wasm",
}
CLI = RELEASE_DIR / "llsd-providers-linux-amd64" if RELEASE_DIR else ROOT / "target/debug/llsd-providers"


def _missing(message):
    if os.environ.get("LLSD_TEST_ALL"):
        pytest.fail(f"{message} (LLSD_TEST_ALL is set: nothing may be skipped)", pytrace=False)
    pytest.skip(message)


def render_bundle(kubectl, out):
    """scripts/install-bundle.sh into `out`: install.yaml and
    external-providers-patch.yaml, as `make install-bundle` writes them (a
    release's own two files under `make verify-release`)."""
    if RELEASE_DIR:
        out.mkdir(parents=True, exist_ok=True)
        for name in ("install.yaml", "external-providers-patch.yaml"):
            shutil.copy(RELEASE_DIR / name, out / name)
        return out
    done = subprocess.run([str(RENDER_BUNDLE), str(out)], capture_output=True, text=True,
                          env={**os.environ, "KUBECTL": str(kubectl)})
    if done.returncode != 0:
        raise RuntimeError(f"{RENDER_BUNDLE.relative_to(ROOT)} failed:\n{done.stderr}")
    return out


class Cluster:
    """The running control plane, the policy-server and a kubectl for tests."""

    def __init__(self, tools, state, audit=True):
        self.tools, self.state = tools, state
        self.bundle = render_bundle(tools / "kubectl", state / "install-bundle")
        self.install_yaml = self.bundle / "install.yaml"
        self.plane = ControlPlane(tools, state).start(AUDIT_POLICY if audit else None)
        self.kube = Kube(tools / "kubectl", self.plane.kubeconfig, self.plane.audit_log)
        self.policy_server = None
        self.policy_server_port = None

    def install_crd(self, patched=True):
        """The operator's CRD as it ships it, then (as docs/crd.md says) the
        bundle's patch."""
        self.kube.run("apply", "--server-side", "--force-conflicts", "-f", str(OPERATOR_CRD))
        if patched:
            self.kube.run("patch", "crd", "llamastackdistributions.llamastack.io", "--type=json",
                          "--patch-file", str(self.bundle / "external-providers-patch.yaml"))
        else:
            # An operator install or upgrade writes its CRD whole (kubectl
            # apply / OLM replace): the patched fields are gone.
            self.kube.run("replace", "-f", str(OPERATOR_CRD))
        self.kube.run("wait", "--for=condition=Established", "--timeout=30s",
                      "crd/llamastackdistributions.llamastack.io")

    def install_bundle(self):
        """What Kubewarden's install provides (its namespace, the default
        PolicyServer's ServiceAccount, the ClusterAdmissionPolicy kind), then
        `kubectl apply -f install.yaml`, then what Kubewarden's controller
        does with the policies the API server stored: the policy-server's
        policies file, the policy-server, the webhook configurations."""
        kube = self.kube
        kube.run("create", "namespace", kubewarden.KUBEWARDEN_NAMESPACE)
        kube.run("create", "serviceaccount", "policy-server", "-n", kubewarden.KUBEWARDEN_NAMESPACE)
        kube.apply(kubewarden.CLUSTER_ADMISSION_POLICY_CRD)
        kube.run("wait", "--for=condition=Established", "--timeout=30s",
                 "crd/clusteradmissionpolicies.policies.kubewarden.io")
        self.applied = kube.run("apply", "-f", str(self.install_yaml)).stdout
        token = kube.run("create", "token", "policy-server", "-n", kubewarden.KUBEWARDEN_NAMESPACE,
                         "--duration=2h").stdout.strip()
        self.policy_server_kubeconfig = self.plane.write_kubeconfig(
            self.state / "policy-server.kubeconfig", token=token)
        self.manifests = json.loads(kube.run("get", "clusteradmissionpolicies", "-o", "json").stdout)["items"]
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
    missing = sorted(os.path.relpath(p, ROOT) for p in {*ROLE_MODULES.values(), CLI} if not p.is_file())
    if missing:
        builder = "make release writes them" if RELEASE_DIR else "make test-cluster builds them"
        pytest.fail(f"build first: {', '.join(missing)} missing ({builder})", pytrace=False)
    if not OPERATOR_CRD.is_file():
        _missing(f"cluster layer skipped: {OPERATOR_CRD} is absent")
    state = pathlib.Path(tempfile.mkdtemp(prefix="llsd-cluster-"))
    running = Cluster(tools, state)
    try:
        running.install_crd()
        running.install_bundle()
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
