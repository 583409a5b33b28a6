"""A pod, simulated from the Deployment `llsd-providers inject` prints: every
volume is a host directory, every container sees the volumes at its own
`volumeMounts` paths. Init containers run in order and the first failure
stops the pod, as the kubelet does; the server runs with the server
container's env, its guest paths mapped to the host.

The server is one of two families (ServerFamily, issue #22): llama-stack
0.7.3 (the venv pytest runs in) or ogx 1.5.0, Llama Stack's server under its
new name (its own venv, .venv-e2e-ogx, tests/e2e/requirements-ogx.txt)."""

import dataclasses
import functools
import json
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


@dataclasses.dataclass(frozen=True)
class ServerFamily:
    """A server the merged config must start: which venv is "the server
    image" (its python3 runs merge-config and the server), which package the
    server is (`core`, `core.core.server.server:create_app`), the provider
    API package it ships, and the env var its server process reads the
    config from. `guard_api`: the API of the pipeline's second provider
    (safety where the server has it; ogx has no safety)."""

    name: str
    distribution: str
    version: str
    core: str
    api_package: str
    config_env: str
    python: pathlib.Path
    guard_api: str

    @property
    def bin(self):
        return self.python.parent

    @functools.cached_property
    def problem(self):
        """Why this family cannot run here, or None."""
        if not self.python.is_file():
            return f"{self.python} is missing (make setup-e2e)"
        run = subprocess.run([self.python, "-c", "import importlib.metadata as m; "
                              f"print(m.version({self.distribution!r}))"],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            return f"{self.distribution} is not installed in {self.python} (make setup-e2e): {run.stderr.strip()}"
        if run.stdout.strip() != self.version:
            return f"{self.python} has {self.distribution} {run.stdout.strip()}, the test pins {self.version}"
        return None


LLAMA_STACK = ServerFamily(
    name="llama-stack", distribution="llama_stack", version="0.7.3", core="llama_stack",
    api_package="llama_stack_api", config_env="LLAMA_STACK_CONFIG",
    python=pathlib.Path(sys.executable), guard_api="safety")
OGX = ServerFamily(
    name="ogx", distribution="ogx", version="1.5.0", core="ogx",
    api_package="ogx_api", config_env="OGX_CONFIG",
    python=pathlib.Path(os.environ.get("LLSD_E2E_OGX_PYTHON", ROOT / ".venv-e2e-ogx/bin/python")),
    guard_api="tool_runtime")
FAMILIES = [LLAMA_STACK, OGX]


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

    @property
    def runs_the_entrypoint(self):
        """No command: the server container runs its image's entrypoint
        (the operator's Deployment for an LLSD without userConfig)."""
        return not self.server_container.get("command")

    def entrypoint_config(self, family=LLAMA_STACK):
        """The config the image's entrypoint would run (guest path), as the
        distribution images' entrypoint decides: `llama stack run
        "$RUN_CONFIG_PATH"` when that file exists, else `llama stack run
        "$DISTRO_NAME"` (ogx images: `ogx stack run --insecure ...`), which
        resolves a name to <package>/distributions/<name>/config.yaml. The
        server image is the host here, so a path on no volume is a host path."""
        env = self.env(self.server_container)
        run_config = env.get("RUN_CONFIG_PATH", "")
        if run_config:
            (host,) = pod_sim.guest_to_host([run_config], self.mounts(self.server_container))
            if pathlib.Path(host).is_file():
                return run_config
        name = env.get("DISTRO_NAME", "")
        assert name, "the entrypoint has neither a RUN_CONFIG_PATH file nor DISTRO_NAME"
        where = subprocess.run([family.python, "-c", f"import {family.core}; print({family.core}.__path__[0])"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"{where}/distributions/{name}/config.yaml"

    def server_container_env(self, family=LLAMA_STACK):
        """The server container's env (guest paths) as `family`'s server
        process gets it."""
        env = self.env(self.server_container)
        if self.runs_the_entrypoint:
            # Emulates the image's entrypoint: `llama stack run CONFIG` (ogx:
            # `ogx stack run --insecure CONFIG`) starts uvicorn on the
            # server's create_app with the config in LLAMA_STACK_CONFIG
            # (ogx: OGX_CONFIG); Server starts that same factory directly.
            env[family.config_env] = self.entrypoint_config(family)
            return env
        if family.config_env not in env:
            # The operator (v0.9.0) names the config in LLAMA_STACK_CONFIG
            # only, which ogx never reads; an ogx server gets OGX_CONFIG from
            # the LLSD's containerSpec.env. The harness plays that part: the
            # injection keeps the merged config at the path both name.
            env[family.config_env] = env["LLAMA_STACK_CONFIG"]
        return env

    def merged_config(self, family=LLAMA_STACK):
        """Host path of the file the server reads (LLAMA_STACK_CONFIG, or
        OGX_CONFIG for ogx)."""
        return self.host(self.server_container, self.server_container_env(family)[family.config_env])

    def server_env(self, scratch, family=LLAMA_STACK):
        """The server container's env, guest paths mapped to the host, plus
        what a host process needs (PATH, HOME, SQLITE_STORE_DIR in scratch;
        for ogx OGX_CONFIG_DIR in scratch, so that it never moves ~/.llama)."""
        mounts = self.mounts(self.server_container)
        env = {}
        for name, value in self.server_container_env(family).items():
            env[name] = ":".join(pod_sim.guest_to_host(value.split(":"), mounts))
        env.update({
            "PATH": os.environ["PATH"],
            "HOME": str(scratch / "home"),
            "SQLITE_STORE_DIR": str(scratch / "sqlite"),
        })
        if family.core == "ogx":
            env["OGX_CONFIG_DIR"] = str(scratch / "home/.ogx")
        (scratch / "home").mkdir(parents=True, exist_ok=True)
        (scratch / "sqlite").mkdir(parents=True, exist_ok=True)
        return env

    def invoke_tool(self, scratch, family, tool, calls):
        """Calls `tool` once per kwargs mapping of `calls` through the
        server's own Stack, in-process (invoke_inproc.py: neither server has
        an HTTP route that invokes a tool), with the server container's env
        and the merged config; its own scratch, apart from a running
        server's. Returns {router, api_package, tools, results}."""
        env = self.server_env(scratch, family)
        run = subprocess.run([family.python, pathlib.Path(__file__).with_name("invoke_inproc.py"), family.core,
                              env[family.config_env], tool, json.dumps(calls)],
                             env=env, cwd=scratch, capture_output=True, text=True, check=False, timeout=180)
        lines = [line for line in run.stdout.splitlines() if line.startswith("INVOKE-RESULT ")]
        assert run.returncode == 0 and len(lines) == 1, \
            f"in-process invoke exited {run.returncode}:\n{run.stdout[-4000:]}{run.stderr[-4000:]}"
        return json.loads(lines[0].removeprefix("INVOKE-RESULT "))


def _snapshot(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m uvicorn {core}.core.server.server:create_app --factory` on
    loopback, logging to a file: the server's own factory, as the operator's
    startup script runs llama-stack (for ogx it also skips `ogx run`'s TLS
    check, which would need --insecure)."""

    def __init__(self, family, env, workdir):
        self.family = family
        self.port = free_port()
        self.env = env
        self.log_path = pathlib.Path(workdir) / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [family.python, "-m", "uvicorn", f"{family.core}.core.server.server:create_app", "--factory",
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
