"""Test helpers that stand in for what a cluster does, with real parts:
real wheels built by pip, provider image trees laid out on disk, and the
init containers' commands and env taken from the Deployment that
`llsd-providers inject` prints."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("LLSD_BIN", str(ROOT / "target/debug/llsd-providers"))
FIXTURES = pathlib.Path(os.environ.get("LLSD_FIXTURES", ROOT.parent / "shared/fixtures"))

# Guest paths (what the pod sees) of the injected volumes.
SHARED = "/opt/llama-stack/external-providers"
BASE_CONFIG = "/opt/llama-stack/base-config"
MERGED = "/opt/llama-stack/config"


def build_wheel(python, src_root, name, version, files, dependencies=(), out_dir=None, extras=None):
    """Builds a real wheel with pip from a generated setuptools project
    (`extras`: {extra: [requirements]}, the project's optional dependencies)."""
    project = pathlib.Path(src_root) / f"{name}-{version}"
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    deps = ", ".join(json.dumps(d) for d in dependencies)
    optional = ""
    if extras:
        optional = "[project.optional-dependencies]\n" + "".join(
            f"        {extra} = [{', '.join(json.dumps(r) for r in reqs)}]\n" for extra, reqs in extras.items())
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "{version}"
        dependencies = [{deps}]
        {optional}
        [tool.setuptools.packages.find]
        where = ["."]
        """))
    subprocess.run([python, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
                    "--no-index", "-w", str(out_dir), str(project)], check=True)
    prefix = f"{name.replace('-', '_')}-{version}-".lower()
    (wheel,) = [w for w in pathlib.Path(out_dir).glob("*.whl") if w.name.lower().startswith(prefix)]
    return wheel


def provider_image(root, spec, wheels):
    """Lays out a provider image's /lls-provider tree: metadata and wheels."""
    tree = pathlib.Path(root)
    (tree / "packages").mkdir(parents=True, exist_ok=True)
    (tree / "lls-provider-spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    for wheel in wheels:
        (tree / "packages" / wheel.name).write_bytes(wheel.read_bytes())
    return tree


def provider_spec(name, package, provider_type, api, wheel, dependency_wheels=()):
    return {
        "apiVersion": "llamastack.io/v1alpha1",
        "kind": "ProviderPackage",
        "metadata": {"name": name, "version": "1.0.0", "vendor": "llsd-providers tests"},
        "spec": {
            "packageName": package,
            "providerType": provider_type,
            "api": api,
            "wheelPath": f"packages/{wheel.name}",
            "dependencyWheels": [f"packages/{w.name}" for w in dependency_wheels],
        },
    }


def llsd(providers_by_section, config_map="llama-stack-config", distribution="starter", env=None):
    """An LLSD; `config_map=None`: no spec.server.userConfig (issue #22),
    the providers go into the distribution's own config in the server
    image. `env`: containerSpec.env as {name: value}."""
    server = {"distribution": {"name": distribution}}
    if config_map is not None:
        server["userConfig"] = {"configMapName": config_map}
    if env:
        server["containerSpec"] = {"env": [{"name": k, "value": v} for k, v in env.items()]}
    server["externalProviders"] = providers_by_section
    return {
        "apiVersion": "llamastack.io/v1alpha1",
        "kind": "LlamaStackDistribution",
        "metadata": {"name": "llamastack-with-userconfig", "namespace": "default"},
        "spec": {"server": server},
    }


def operator_deployment(llsd_doc):
    """The Deployment the operator renders for `llsd_doc`, from the fixture
    (rendered for an LLSD with userConfig): containerSpec.env is appended to
    the server container's env; without userConfig the operator mounts no
    ConfigMap, sets no LLAMA_STACK_CONFIG, no configmap hash annotation and
    no command, so the server runs its image's entrypoint (`llama stack run
    "$RUN_CONFIG_PATH"` when that file exists, else `"$DISTRO_NAME"`)."""
    doc = yaml.safe_load((FIXTURES / "operator-deployment.yaml").read_text())
    template = doc["spec"]["template"]
    (server,) = template["spec"]["containers"]
    server_spec = llsd_doc["spec"]["server"]
    if "userConfig" not in server_spec:
        template["metadata"].get("annotations", {}).pop("configmap.hash/user-config", None)
        template["spec"]["volumes"] = [v for v in template["spec"]["volumes"] if "configMap" not in v]
        names = {v["name"] for v in template["spec"]["volumes"]}
        server["volumeMounts"] = [m for m in server["volumeMounts"] if m["name"] in names]
        server["env"] = [e for e in server["env"] if e["name"] != "LLAMA_STACK_CONFIG"]
        server.pop("command", None)
        server.pop("args", None)
    server["env"] += server_spec.get("containerSpec", {}).get("env", [])
    return yaml.safe_dump(doc, sort_keys=False)


def inject(tmp, llsd_doc, options=None):
    """Runs `llsd-providers inject` on the operator's Deployment for
    `llsd_doc` (operator_deployment)."""
    llsd_path = pathlib.Path(tmp) / "llsd.yaml"
    llsd_path.write_text(yaml.safe_dump(llsd_doc, sort_keys=False))
    deployment = pathlib.Path(tmp) / "operator-deployment.yaml"
    deployment.write_text(operator_deployment(llsd_doc))
    args = [BIN, "inject", "--llsd", str(llsd_path), "--deployment", str(deployment)]
    if options is not None:
        options_path = pathlib.Path(tmp) / "options.yaml"
        options_path.write_text(yaml.safe_dump(options))
        args += ["--options", str(options_path)]
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    return out


def expand(value, defined):
    """Kubernetes' expansion of an env value: `$$` is a literal `$`,
    `$(NAME)` the value of an earlier variable NAME (kept as written when
    there is none), any other `$` stays."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "$" and i + 1 < len(value):
            if value[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            end = value.find(")", i + 2) if value[i + 1] == "(" else -1
            if end != -1:
                out.append(defined.get(value[i + 2:end], value[i:end + 1]))
                i = end + 1
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def container_env(container):
    """A container's env as its process sees it (values expanded in order)."""
    env = {}
    for e in container.get("env", []):
        env[e["name"]] = expand(e["value"], env)
    return env


def init_containers(deployment_yaml):
    doc = yaml.safe_load(deployment_yaml)
    return doc["spec"]["template"]["spec"]["initContainers"]


def run_install_container(container, image_tree, shared, termination_log, python):
    """Runs an install init container's own command with its own env, the
    documented path overrides standing in for the pod's mounts."""
    env = container_env(container)
    env.update({
        "PATH": os.environ["PATH"],
        "LLS_PROVIDER_DIR": str(image_tree),
        "EXTERNAL_PROVIDERS_DIR": str(shared),
        "TERMINATION_LOG": str(termination_log),
        "PYTHON": python,
    })
    return subprocess.run(container["command"], env=env, capture_output=True, text=True, check=False)


def guest_to_host(args, mapping):
    """Rewrites pod paths in merge-config's args to host paths."""
    out = []
    for arg in args:
        for guest, host in mapping.items():
            if arg == guest or arg.startswith(guest + "/"):
                arg = str(host) + arg[len(guest):]
        out.append(arg)
    return out


def default_python():
    return sys.executable


def unshare_works():
    """Whether this process may create mount namespaces (root, unshare -m)."""
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0
    except FileNotFoundError:
        return False


class Pod:
    """The pod of an injected Deployment, run with real paths: each init
    container runs its own command, args and env in a private mount
    namespace (`unshare -m`) where every volume of its volumeMounts is bind
    mounted at its mountPath (read-only when the mount says so). Volumes:
    emptyDirs and the ConfigMap are host directories; an image volume is the
    image's root directory from `images`. An image stands for the image's
    contents: `server_bin` is the server image's PATH (its python3), the
    merge image runs the file at its installBinary path in the image's root
    when `images` holds one (an unpacked merge image), else this build,
    a provider image's /lls-provider is its tree (LLS_PROVIDER_DIR).
    """

    def __init__(self, root, deployment_yaml, images, server_bin, config_text=None):
        self.root = pathlib.Path(root)
        self.doc = yaml.safe_load(deployment_yaml)
        self.spec = self.doc["spec"]["template"]["spec"]
        self.images = images
        self.server_bin = server_bin
        (server,) = self.spec["containers"]
        self.server = server
        self.volumes = {}
        for volume in self.spec["volumes"]:
            if "image" in volume:
                self.volumes[volume["name"]] = pathlib.Path(images[volume["image"]["reference"]])
                continue
            host = self.root / "volumes" / volume["name"]
            host.mkdir(parents=True, exist_ok=True)
            if "configMap" in volume and config_text is not None:
                (host / "config.yaml").write_text(config_text)
            self.volumes[volume["name"]] = host

    @property
    def init_containers(self):
        return self.spec.get("initContainers", [])

    def run(self, container):
        mounts = sorted(container.get("volumeMounts", []), key=lambda m: len(m["mountPath"]))
        script = ["set -e"]
        for i, m in enumerate(mounts):
            script.append(f'mkdir -p "$M{i}" && mount --bind "$H{i}" "$M{i}"')
            if m.get("readOnly"):
                script.append(f'mount -o remount,bind,ro "$M{i}"')
        script.append('exec "$@"')
        env = container_env(container)
        for i, m in enumerate(mounts):
            env[f"M{i}"] = m["mountPath"]
            env[f"H{i}"] = str(self.volumes[m["name"]])
        term = self.root / "termination-log" / container["name"]
        term.parent.mkdir(parents=True, exist_ok=True)
        env["TERMINATION_LOG"] = str(term)
        env["PATH"] = os.environ["PATH"]
        command = list(container["command"]) + list(container.get("args", []))
        image = container["image"]
        if image == self.server["image"]:
            env["PATH"] = f"{self.server_bin}:{env['PATH']}"
        elif image in self.images and (pathlib.Path(self.images[image]) / "lls-provider").is_dir():
            env["LLS_PROVIDER_DIR"] = str(pathlib.Path(self.images[image]) / "lls-provider")
        else:  # the merge image: the binary at its installBinary path in the
            # image's root when the image is given (an unpacked image), else this build
            root = self.images.get(image)
            in_image = pathlib.Path(root) / command[0].lstrip("/") if root else None
            command[0] = str(in_image) if in_image is not None and in_image.is_file() else BIN
        return subprocess.run(["unshare", "-m", "--propagation", "private", "/bin/sh", "-c", "\n".join(script),
                               "sh", *command], env=env, capture_output=True, text=True, check=False)

    def run_init_containers(self):
        """Runs the init containers in order, the first failure stops the pod.
        Returns [(name, CompletedProcess, termination log text)]."""
        results = []
        for container in self.init_containers:
            run = self.run(container)
            term = self.root / "termination-log" / container["name"]
            results.append((container["name"], run, term.read_text() if term.exists() else ""))
            if run.returncode != 0:
                break
        return results

    def volume(self, name):
        return self.volumes[name]

    def kubelet_pod(self, exit_codes, name="llamastack-with-userconfig-5f7d9c8b6-e2e01"):
        """The Pod object as the API server would report it after the init
        containers ran: `exit_codes` maps each init container that ran to its
        exit code, in order (the pod stops at the first failure); each
        terminated one carries its termination log as the message, as the
        kubelet copies it. What `llsd-providers status --pod` reads."""
        t0 = "2026-12-07T10:00:00Z"
        statuses = []
        for container in self.init_containers:
            status = {"name": container["name"], "image": container["image"], "imageID": "",
                      "restartCount": 0, "started": False, "ready": False}
            if container["name"] in exit_codes:
                code = exit_codes[container["name"]]
                term = self.root / "termination-log" / container["name"]
                state = {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                         "startedAt": t0, "finishedAt": t0}
                if term.exists() and term.read_text():
                    state["message"] = term.read_text()
                status.update(ready=code == 0, state={"terminated": state})
            else:
                status["state"] = {"waiting": {"reason": "PodInitializing"}}
            statuses.append(status)
        initialized = all(s["state"].get("terminated", {}).get("exitCode") == 0 for s in statuses)
        meta = dict(self.doc["spec"]["template"].get("metadata", {}))
        meta.update({"name": name, "namespace": "default", "creationTimestamp": t0})
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": self.spec, "status": {
            "phase": "Pending", "startTime": t0,
            "conditions": [{"type": "Initialized", "status": str(initialized), "lastTransitionTime": t0}],
            "initContainerStatuses": statuses,
            "containerStatuses": [{"name": self.server["name"], "image": self.server["image"], "imageID": "",
                                   "ready": False, "restartCount": 0, "started": False,
                                   "state": {"waiting": {"reason": "PodInitializing"}}}]}}
