"""A pod, simulated from the Deployment `llsd-providers inject` prints: every
volume is a host directory, every container sees the volumes at its own
`volumeMounts` paths. Init containers run in order and the first failure
stops the pod, as the kubelet does; the server runs with the server
container's env, its guest paths mapped to the host."""

import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests/python"))

import pod_sim  # noqa: E402

INSTALL_PREFIX = "install-provider-"
MERGE = "merge-config"

# Wall time of the pipeline stages: printed as measured (`pytest -s`), shown
# in the terminal summary and written to TIMINGS_FILE by conftest.py.
TIMINGS = {}
TIMINGS_FILE = pathlib.Path(os.environ.get("LLSD_E2E_TIMINGS", ROOT / "target/e2e-timings.txt"))


def record(stage, seconds):
    TIMINGS[stage] = seconds
    print(f"[e2e timing] {stage}: {seconds:.2f} s")


def _guest(path):
    return path.rstrip("/") or "/"


class Pod(pod_sim.Pod):
    """The pod of the injected Deployment (see pod_sim.Pod: every init
    container runs its own command, args and env with its volumes bind
    mounted at their real paths). `images` maps an image reference to the
    image's root (holding `lls-provider/`); `server_bin` is the server
    image's PATH entry (the Llama Stack venv's bin)."""

    def __init__(self, root, deployment_yaml, images, server_bin):
        super().__init__(root, deployment_yaml, images, server_bin)

    # -- what the Deployment says ------------------------------------------------

    @property
    def install_containers(self):
        return [c for c in self.init_containers if c["name"].startswith(INSTALL_PREFIX)]

    @property
    def merge_container(self):
        (merge,) = [c for c in self.init_containers if c["name"] == MERGE]
        return merge

    @property
    def server_container(self):
        return self.server

    def mounts(self, container):
        """Guest mount path -> host directory, for one container."""
        return {_guest(m["mountPath"]): self.volumes[m["name"]] for m in container.get("volumeMounts", [])}

    def host(self, container, guest_path):
        """The host path of a path the container sees; fails for unmounted paths."""
        (mapped,) = pod_sim.guest_to_host([guest_path], self.mounts(container))
        assert mapped != guest_path, f"{guest_path} is on no volume of container {container['name']}"
        return pathlib.Path(mapped)

    def env(self, container):
        return pod_sim.container_env(container)

    def arg(self, container, flag):
        args = container["args"]
        return args[args.index(flag) + 1]

    # -- running it ----------------------------------------------------------------

    def run_init_containers(self, timings=None):
        """Runs the init containers in order; stops at the first failure,
        and checks that no read-only volume changed.
        Returns [(name, CompletedProcess)]."""
        results = []
        for container in self.init_containers:
            readonly = [self.volumes[m["name"]] for m in container.get("volumeMounts", []) if m.get("readOnly")]
            before = [_snapshot(v) for v in readonly]
            start = time.monotonic()
            run = self.run(container)
            if timings is not None:
                timings[container["name"]] = time.monotonic() - start
            for volume, snapshot in zip(readonly, before):
                assert _snapshot(volume) == snapshot, f"{container['name']} changed the read-only volume {volume}"
            results.append((container["name"], run))
            if run.returncode != 0:
                break
        return results

    def merged_config(self):
        """Host path of the file the server reads (its LLAMA_STACK_CONFIG)."""
        server = self.server_container
        return self.host(server, self.env(server)["LLAMA_STACK_CONFIG"])

    def server_env(self, scratch):
        """The server container's env, guest paths mapped to the host, plus
        what a host process needs (PATH, HOME, SQLITE_STORE_DIR in scratch)."""
        server = self.server_container
        mounts = self.mounts(server)
        env = {}
        for name, value in self.env(server).items():
            env[name] = ":".join(pod_sim.guest_to_host(value.split(":"), mounts))
        env.update({
            "PATH": os.environ["PATH"],
            "HOME": str(scratch / "home"),
            "SQLITE_STORE_DIR": str(scratch / "sqlite"),
        })
        (scratch / "home").mkdir(parents=True, exist_ok=True)
        (scratch / "sqlite").mkdir(parents=True, exist_ok=True)
        return env


def _snapshot(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m uvicorn llama_stack.core.server.server:create_app --factory`
    on loopback, logging to a file."""

    def __init__(self, python, env, workdir):
        self.port = free_port()
        self.env = env
        self.log_path = pathlib.Path(workdir) / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [python, "-m", "uvicorn", "llama_stack.core.server.server:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def get(self, path, timeout=10):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return response.status, response.read()

    def post(self, path, body, timeout=10):
        request = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()

    def wait_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode} before it was healthy")
            try:
                status, _ = self.get("/v1/health", timeout=2)
                if status == 200:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not healthy within {timeout} s")

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
