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


def build_wheel(python, src_root, name, version, files, dependencies=(), out_dir=None):
    """Builds a real wheel with pip from a generated setuptools project."""
    project = pathlib.Path(src_root) / f"{name}-{version}"
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    deps = ", ".join(json.dumps(d) for d in dependencies)
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "{version}"
        dependencies = [{deps}]
        [tool.setuptools.packages.find]
        where = ["."]
        """))
    subprocess.run([python, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "--no-deps",
                    "--no-index", "-w", str(out_dir), str(project)], check=True)
    (wheel,) = pathlib.Path(out_dir).glob(f"{name.replace('-', '_')}-{version}-*.whl")
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


def llsd(providers_by_section, config_map="llama-stack-config"):
    return {
        "apiVersion": "llamastack.io/v1alpha1",
        "kind": "LlamaStackDistribution",
        "metadata": {"name": "llamastack-with-userconfig", "namespace": "default"},
        "spec": {"server": {
            "distribution": {"name": "starter"},
            "userConfig": {"configMapName": config_map},
            "externalProviders": providers_by_section,
        }},
    }


def inject(tmp, llsd_doc, options=None):
    """Runs `llsd-providers inject` on the operator Deployment fixture."""
    llsd_path = pathlib.Path(tmp) / "llsd.yaml"
    llsd_path.write_text(yaml.safe_dump(llsd_doc, sort_keys=False))
    args = [BIN, "inject", "--llsd", str(llsd_path), "--deployment", str(FIXTURES / "operator-deployment.yaml")]
    if options is not None:
        options_path = pathlib.Path(tmp) / "options.yaml"
        options_path.write_text(yaml.safe_dump(options))
        args += ["--options", str(options_path)]
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    return out


def init_containers(deployment_yaml):
    doc = yaml.safe_load(deployment_yaml)
    return doc["spec"]["template"]["spec"]["initContainers"]


def run_install_container(container, image_tree, shared, termination_log, python):
    """Runs an install init container's own command with its own env, the
    documented path overrides standing in for the pod's mounts."""
    env = {e["name"]: e["value"] for e in container["env"]}
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
