"""A real control plane on loopback for the cluster layer: etcd,
kube-apiserver, kube-controller-manager and Kubewarden's policy-server, the
binaries of ../shared/tools (see its README), started with certificates
generated per run on random free ports, and stopped on any exit.

No process outlives the test run: every child is started in its own
process group with PR_SET_PDEATHSIG, so it is killed when the Python process
dies, even by SIGKILL; `stop()` (also run at interpreter exit) terminates
the groups and waits for them.
"""

import atexit
import ctypes
import json
import os
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED_TOOLS = ROOT.parent / "shared" / "tools"
TOOL_NAMES = ("etcd-embed", "kube-apiserver", "kube-controller-manager", "kubectl", "policy-server")
ADMIN_TOKEN = "cluster-layer-admin"

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """Runs in the child before exec: its own process group, and SIGKILL when
    the test process dies (the servers hold nothing worth a graceful stop,
    and kube-apiserver ignores SIGTERM while it waits for a dead etcd)."""
    os.setpgid(0, 0)
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def tools_dir():
    """The unpacked binaries: $LLSD_CLUSTER_TOOLS, or ../shared/tools unpacked
    into .tools/cluster. Returns (dir, None) or (None, why they are missing)."""
    given = os.environ.get("LLSD_CLUSTER_TOOLS")
    if given:
        path = pathlib.Path(given)
        missing = [n for n in TOOL_NAMES if not (path / n).is_file()]
        if missing:
            return None, f"LLSD_CLUSTER_TOOLS={path} lacks {', '.join(missing)}"
        return path, None
    unpack = SHARED_TOOLS / "unpack.sh"
    if not unpack.is_file():
        return None, (f"{SHARED_TOOLS} is absent: the cluster layer needs its kube-apiserver, etcd, "
                      "kube-controller-manager, kubectl and policy-server (put ../shared beside the "
                      "checkout, or set LLSD_CLUSTER_TOOLS to a directory holding them)")
    target = ROOT / ".tools" / "cluster"
    done = subprocess.run(["sh", str(unpack), str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"{unpack} {target} failed: {done.stderr.strip()}"
    return target, None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(directory):
    """A throwaway CA and a serving certificate for 127.0.0.1 (the policy-server's)."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "1", "-subj", "/CN=llsd-providers cluster layer CA", cwd=directory)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "serving.key", "-out", "serving.csr",
             "-subj", "/CN=127.0.0.1", cwd=directory)
    (directory / "serving.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "serving.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "serving.crt", "-days", "1", "-extfile", "serving.ext",
             cwd=directory)
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=directory)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=directory)
    return directory


class Process:
    """One started server: its command, log file and process group."""

    def __init__(self, name, argv, log, env=None):
        self.name, self.argv, self.log = name, argv, log
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open(log, "wb"),
                                      stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent)

    def alive(self):
        return self.popen.poll() is None

    def tail(self, lines=30):
        try:
            text = pathlib.Path(self.log).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def wait_until(what, ready, processes, timeout=120):
    """Polls `ready()` until true; fails naming `what` (with the logs of a
    process that died) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited while waiting for {what}:\n{process.tail()}")
        try:
            if ready():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout} s:\n" +
                       "\n".join(f"--- {p.name}\n{p.tail()}" for p in processes))


class ControlPlane:
    """etcd + kube-apiserver + kube-controller-manager on loopback."""

    def __init__(self, tools, state):
        self.tools, self.state = pathlib.Path(tools), pathlib.Path(state)
        self.processes = []
        atexit.register(self.stop)

    def start(self, audit_policy=None):
        """Starts the three servers; with `audit_policy`, the API server
        writes its audit log (JSON lines) to `self.audit_log`."""
        state = self.state
        self.audit_log = state / "audit.log"
        audit = []
        if audit_policy:
            (state / "audit-policy.yaml").write_text(audit_policy)
            audit = [f"--audit-policy-file={state / 'audit-policy.yaml'}", f"--audit-log-path={self.audit_log}",
                     "--audit-log-format=json", "--audit-log-mode=blocking"]
        self.certs = make_ca(state / "pki")
        (state / "tokens.csv").write_text(f'{ADMIN_TOKEN},admin,admin-uid,"system:masters"\n')
        etcd_port, etcd_peer, self.api_port = free_port(), free_port(), free_port()
        etcd = self._start("etcd", [
            self.tools / "etcd-embed", f"--data-dir={state / 'etcd'}", "--host=127.0.0.1",
            f"--client-port={etcd_port}", f"--peer-port={etcd_peer}", "--log-level=error",
            "--unsafe-no-fsync"])
        wait_until("etcd", lambda: "etcd-embed: ready" in pathlib.Path(etcd.log).read_text(), [etcd])
        apiserver = self._start("kube-apiserver", [
            self.tools / "kube-apiserver", "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={self.api_port}", f"--cert-dir={state / 'apiserver-certs'}",
            f"--etcd-servers=http://127.0.0.1:{etcd_port}", "--service-cluster-ip-range=10.0.0.0/24",
            f"--service-account-key-file={self.certs / 'sa.pub'}",
            f"--service-account-signing-key-file={self.certs / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--authorization-mode=RBAC", f"--token-auth-file={state / 'tokens.csv'}",
            "--disable-admission-plugins=ServiceAccount", "--allow-privileged=true",
            "--endpoint-reconciler-type=none", *audit])
        self.server = f"https://127.0.0.1:{self.api_port}"
        self.ca_file = state / "apiserver-certs" / "apiserver.crt"
        wait_until("kube-apiserver", lambda: self._get("/readyz") == b"ok", [etcd, apiserver])
        self.kubeconfig = self.write_kubeconfig(state / "kubeconfig", token=ADMIN_TOKEN)
        self._start("kube-controller-manager", [
            self.tools / "kube-controller-manager", f"--kubeconfig={self.kubeconfig}",
            f"--authentication-kubeconfig={self.kubeconfig}",
            f"--authorization-kubeconfig={self.kubeconfig}", "--bind-address=127.0.0.1",
            "--secure-port=0", "--leader-elect=false", "--controllers=*",
            f"--service-account-private-key-file={self.certs / 'sa.key'}",
            f"--root-ca-file={self.ca_file}", "--use-service-account-credentials=false"])
        return self

    def _start(self, name, argv, env=None):
        process = Process(name, [str(a) for a in argv], self.state / f"{name}.log", env)
        self.processes.append(process)
        return process

    def _get(self, path):
        context = ssl.create_default_context(cafile=str(self.ca_file))
        request = urllib.request.Request(self.server + path,
                                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(request, context=context, timeout=2) as response:
            return response.read()

    def write_kubeconfig(self, path, token):
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "layer", "cluster": {
                "server": self.server, "certificate-authority": str(self.ca_file)}}],
            "users": [{"name": "user", "user": {"token": token}}],
            "contexts": [{"name": "layer", "context": {"cluster": "layer", "user": "user"}}],
            "current-context": "layer"}))
        path.chmod(0o600)
        return path

    def start_policy_server(self, policies_file, kubeconfig, port=None, name="policy-server"):
        """Kubewarden's policy-server serving `policies_file` over TLS on
        `port` (a free one by default), reaching the API server through
        `kubeconfig`. Returns (process, url)."""
        port, readiness = port or free_port(), free_port()
        work = self.state / name
        work.mkdir(exist_ok=True)
        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        env.pop("NO_COLOR", None)  # policy-server reads it as its --log-no-color flag
        process = self._start(name, [
            self.tools / "policy-server", "--addr", "127.0.0.1", "--port", port,
            "--readiness-probe-port", readiness, "--cert-file", self.certs / "serving.crt",
            "--key-file", self.certs / "serving.key", "--policies", policies_file,
            "--policies-download-dir", work / "downloads", "--sigstore-cache-dir", work / "sigstore",
            "--workers", "2", "--log-no-color",
            "--log-level", os.environ.get("LLSD_POLICY_SERVER_LOG_LEVEL", "info")], env=env)

        def ready():
            with urllib.request.urlopen(f"http://127.0.0.1:{readiness}/readiness", timeout=2) as r:
                return r.status == 200
        wait_until("policy-server", ready, [process], timeout=180)
        return process, f"https://127.0.0.1:{port}"

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        self.processes = []


def cleanup_state(state):
    shutil.rmtree(state, ignore_errors=True)
