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

WASM = pathlib.Path(os.environ.get("LLSD_WASM", ROOT / "target/wasm32-wasip1/release/llsd-providers.wasm"))
WASMTIME = os.environ.get("WASMTIME", "wasmtime")
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


class Pod:
    def __init__(self, root, deployment_yaml, images):
        """`images` maps an image reference to its `/lls-provider` tree on the host."""
        self.root = pathlib.Path(root)
        self.doc = yaml.safe_load(deployment_yaml)
        self.spec = self.doc["spec"]["template"]["spec"]
        self.images = images
        self.volumes = {}
        for volume in self.spec["volumes"]:
            host = self.root / "volumes" / volume["name"]
            host.mkdir(parents=True, exist_ok=True)
            self.volumes[volume["name"]] = host

    # -- what the Deployment says ------------------------------------------------

    @property
    def init_containers(self):
        return self.spec.get("initContainers", [])

    @property
    def install_containers(self):
        return [c for c in self.init_containers if c["name"].startswith(INSTALL_PREFIX)]

    @property
    def merge_container(self):
        (merge,) = [c for c in self.init_containers if c["name"] == MERGE]
        return merge

    @property
    def server_container(self):
        (server,) = [c for c in self.spec["containers"]
                     if any(e["name"] == "LLAMA_STACK_CONFIG" for e in c.get("env", []))]
        return server

    def mounts(self, container):
        """Guest mount path -> host directory, for one container."""
        return {_guest(m["mountPath"]): self.volumes[m["name"]] for m in container.get("volumeMounts", [])}

    def host(self, container, guest_path):
        """The host path of a path the container sees; fails for unmounted paths."""
        (mapped,) = pod_sim.guest_to_host([guest_path], self.mounts(container))
        assert mapped != guest_path, f"{guest_path} is on no volume of container {container['name']}"
        return pathlib.Path(mapped)

    def env(self, container):
        return {e["name"]: e["value"] for e in container.get("env", [])}

    def arg(self, container, flag):
        args = container["args"]
        return args[args.index(flag) + 1]

    # -- running it ----------------------------------------------------------------

    def run_install(self, container, python):
        """The container's own /bin/sh command and env, in the image's tree;
        the shared volume is the host dir of its EXTERNAL_PROVIDERS_DIR mount."""
        shared = self.host(container, self.env(container)["EXTERNAL_PROVIDERS_DIR"])
        term = self.root / "termination-log" / container["name"]
        term.parent.mkdir(parents=True, exist_ok=True)
        return pod_sim.run_install_container(container, self.images[container["image"]], shared, term, python)

    def merge_command(self):
        """merge-config's args unchanged, under `wasmtime run`, one --dir per volume mount."""
        merge = self.merge_container
        dirs = []
        for mount in merge["volumeMounts"]:
            dirs += ["--dir", f"{self.volumes[mount['name']]}::{_guest(mount['mountPath'])}"]
        return [WASMTIME, "run", *dirs, str(WASM), *merge["args"]]

    def run_merge(self):
        """Runs merge-config; wasmtime has no read-only preopens, so the test
        checks afterwards that the volumes mounted readOnly did not change."""
        readonly = [self.volumes[m["name"]] for m in self.merge_container["volumeMounts"] if m.get("readOnly")]
        before = [_snapshot(v) for v in readonly]
        run = subprocess.run(self.merge_command(), capture_output=True, text=True, check=False)
        for volume, snapshot in zip(readonly, before):
            assert _snapshot(volume) == snapshot, f"merge-config changed the read-only volume {volume}"
        return run

    def run_init_containers(self, python, timings=None):
        """Runs the init containers in order; stops at the first failure.
        Returns [(name, CompletedProcess)]."""
        results = []
        for container in self.init_containers:
            start = time.monotonic()
            if container["name"] == MERGE:
                run = self.run_merge()
            else:
                run = self.run_install(container, python)
            if timings is not None:
                timings[container["name"]] = time.monotonic() - start
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
