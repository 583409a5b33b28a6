"""Installing providers' wheels, for real, in both install modes: real
wheels built by pip, a real "server image" (a venv with its own
distributions), and the init containers exactly as `llsd-providers inject`
wires them (commands, args, env, volumes and mounts at their real paths in a
private mount namespace, see pod_sim.Pod). pip is the oracle: its resolver
on the same wheels in the same server environment, and its
`install --no-deps --target` file tree for the wheels we chose.

Cases: the four rows of issue #11, a wheel tagged for another Python,
environment markers, extras, and a provider wheel that shadows a server
distribution compatibly (warning) and incompatibly (error)."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from pod_sim import BIN, Pod, build_wheel, default_python, inject, llsd, provider_spec, unshare_works
from project_version import DEFAULT_MERGE_IMAGE as MERGE_IMAGE

PY = default_python()
# Wheel tags of a CPython that is not PY's version.
OTHER_CP = "cp310" if sys.version_info[:2] == (3, 11) else "cp311"
OTHER_TAG = f"{OTHER_CP}-{OTHER_CP}-manylinux_2_17_x86_64"
MODES = ["initContainers", "imageVolume"]
SERVER_IMAGE = "docker.io/llamastack/distribution-starter:latest"
RUN_YAML = "version: 2\nimage_name: test\napis:\n- inference\nproviders:\n  inference: []\n"

pytestmark = pytest.mark.skipif(not unshare_works(), reason="needs root and unshare -m (mount namespaces)")


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheels")
    out = root / "dist"
    out.mkdir()

    def make(name, version, deps=(), extras=None):
        module = name.replace("-", "_").lower()
        return build_wheel(PY, root / "src", name, version,
                           {f"{module}/__init__.py": f"VERSION = {version!r}\n"}, deps, out, extras)

    w = {
        "a": make("a-prov", "1.0", ["shared==1.0"]),
        "b": make("b-prov", "1.0", ["shared>=1.0"]),
        "c": make("c-prov", "1.0", ["shared>=3.0"]),
        "y": make("y-prov", "1.0", ["pyyaml>=99"]),
        "shared1": make("shared", "1.0"),
        "shared2": make("shared", "2.0"),
        "m": make("m-prov", "1.0", ['winonly>=1; sys_platform == "win32"', 'mdep==1.0; python_version >= "3.8"',
                                    'olddep; python_version < "3.0"']),
        "mdep": make("mdep", "1.0"),
        "x": make("x-prov", "1.0", ["xlib[fast]>=1"]),
        "xlib": make("xlib", "1.0", [], {"fast": ["xfast==1.0"], "slow": ["xslow"]}),
        "xfast": make("xfast", "1.0"),
        "s": make("s-prov", "1.0", ["srvlib>=2"]),
        "srvlib2": make("srvlib", "2.0"),
        "k": make("k-prov", "1.0", ["strictlib>=2"]),
        "strictlib2": make("strictlib", "2.0"),
        # the server image's own distributions
        "srv-pyyaml": make("PyYAML", "6.0.3"),
        "srv-srvlib": make("srvlib", "1.0"),
        "srv-strictlib": make("strictlib", "1.0"),
        "srv-app": make("srvapp", "1.0", ["srvlib<3", "strictlib<2"]),
    }
    # A distribution of another name shipping the server's PyYAML module.
    w["sh"] = build_wheel(PY, root / "src", "sh-prov", "1.0",
                          {"sh_prov/__init__.py": "", "pyyaml/__init__.py": "VERSION = 'provider'\n"}, [], out)
    # Two distributions that both ship common/__init__.py.
    for key, name in [("o1", "o1-prov"), ("o2", "o2-prov")]:
        w[key] = build_wheel(PY, root / "src", name, "1.0",
                             {f"{name.replace('-', '_')}/__init__.py": "", "common/__init__.py": f"OWNER = {name!r}\n"},
                             [], out)
    # A wheel for another Python than the server's (which is PY): the same
    # files, tagged for one other CPython version only.
    other = out / f"t_prov-1.0-{OTHER_TAG}.whl"
    shutil.copy(make("t-prov", "1.0"), other)
    w["t"] = other
    return w


@pytest.fixture(scope="module")
def server(tmp_path_factory, wheels):
    """The server image: a venv with its own PyYAML 6.0.3, srvlib 1.0,
    strictlib 1.0 and srvapp 1.0 (srvlib<3, strictlib<2)."""
    venv = tmp_path_factory.mktemp("server") / "venv"
    subprocess.run([PY, "-m", "venv", str(venv)], check=True)
    py = venv / "bin/python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                    "--disable-pip-version-check",
                    *[str(wheels[k]) for k in ("srv-pyyaml", "srv-srvlib", "srv-strictlib", "srv-app")]],
                   check=True)
    return venv


@pytest.fixture(scope="module")
def merge_image(tmp_path_factory):
    """The merge image's root: the native binary at its installBinary path."""
    root = tmp_path_factory.mktemp("merge-image")
    (root / "usr/local/bin").mkdir(parents=True)
    shutil.copy(BIN, root / "usr/local/bin/llsd-providers")
    return root


def provider_image(root, key, wheels, main, deps=()):
    """A data-only provider image's root: /lls-provider/{spec, packages/*.whl}."""
    image_root = root / f"image-{key}"
    tree = image_root / "lls-provider"
    (tree / "packages").mkdir(parents=True)
    spec = provider_spec(key, main.name.split("-")[0], f"remote::{key}", "inference", main,
                         [wheels[d] for d in deps])
    import yaml
    (tree / "lls-provider-spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    for wheel in [main, *[wheels[d] for d in deps]]:
        shutil.copy(wheel, tree / "packages" / wheel.name)
    return image_root


def run_pod(tmp_path, mode, providers, wheels, server, merge_image):
    """providers: [(id, main wheel key, [dependency wheel keys])] in CRD order."""
    images = {MERGE_IMAGE: merge_image}
    entries = []
    for pid, main, deps in providers:
        ref = f"r.io/{pid}:1"
        images[ref] = provider_image(tmp_path, pid, wheels, wheels[main], deps)
        entries.append({"providerId": pid, "image": ref})
    out = inject(tmp_path, llsd({"inference": entries}), {"installMode": mode})
    assert out.returncode == 0, out.stderr
    pod = Pod(tmp_path / "pod", out.stdout, images, server / "bin", RUN_YAML)
    return pod, pod.run_init_containers()


def pip_resolution(server, images, requirements):
    """pip's own resolution in the server's environment over every provider's
    wheels: {name: version} it would install, or its error text."""
    links = []
    for image in images:
        links += ["--find-links", str(image / "lls-provider/packages")]
    run = subprocess.run([str(server / "bin/python"), "-m", "pip", "install", "--dry-run", "--quiet",
                          "--disable-pip-version-check", "--no-index", *links, "--report", "-",
                          *requirements], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        return run.stderr
    report = json.loads(run.stdout)
    return {norm(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}


def installed(packages):
    """{name: version} of the distributions in the packages directory."""
    found = {}
    for info in packages.glob("*.dist-info"):
        meta = (info / "METADATA").read_text()
        name = re.search(r"^Name: (.+)$", meta, re.M).group(1).strip()
        version = re.search(r"^Version: (.+)$", meta, re.M).group(1).strip()
        found[norm(name)] = version
    return found


IGNORED = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def tree(directory):
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.name not in IGNORED
            and p.relative_to(directory).parts[0] != "bin"}


def assert_same_tree_as_pip(tmp_path, packages, chosen_wheels):
    target = tmp_path / "pip-target"
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
                    "--no-deps", "--no-compile", "--target", str(target), *map(str, chosen_wheels)], check=True)
    ours, pips = tree(packages), tree(target)
    assert sorted(ours) == sorted(pips)
    assert ours == pips
    # Our RECORD lists every file we wrote, with its hash.
    for record in packages.glob("*.dist-info/RECORD"):
        listed = {line.split(",")[0] for line in record.read_text().splitlines()}
        info = record.parent.name
        assert f"{info}/METADATA" in listed and f"{info}/INSTALLER" in listed and f"{info}/RECORD" in listed


def merged(pod):
    return (pod.volume("llsd-merged-config") / "config.yaml").read_text()


def assert_succeeded(results, mode):
    names = [name for name, _, _ in results]
    if mode == "imageVolume":
        assert names == ["merge-config"]
    else:
        assert names[0] == "stage-installer" and names[-1] == "merge-config"
    for name, run, _ in results:
        assert run.returncode == 0, f"{name}:\n{run.stdout}\n{run.stderr}"
    # The merge result in the termination message (docs/contracts.md, "Termination message").
    first, second = merge_result_lines(results[-1][2])
    assert first.startswith("merge-config: merged "), first
    assert json.loads(second)["outcome"] == "merged", second
    return results[-1][1]


def merge_result_lines(term):
    """The termination message of merge-config: a first line, then the JSON line."""
    assert len(term.encode()) <= 4096, len(term.encode())
    lines = term.splitlines()
    assert len(lines) == 2, term
    assert json.loads(lines[1])["schema"] == "llsd-providers.merge-result/v1", term
    return lines


def assert_refused(results, title):
    name, run, term = results[-1]
    assert name == "merge-config"
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.startswith(f"ERROR: {title}"), run.stderr
    first, second = merge_result_lines(term)
    assert first.startswith("merge-config failed: ") and title in first, term
    failure = json.loads(second)["failure"]
    assert failure["kind"] in ("resolutionFailed", "installFailed"), failure
    # The provider the resolution stopped at is named, and the summary is about it.
    assert "providerId" not in failure or f"'{failure['providerId']}'" in first, failure
    return run.stderr


def imports(server, pod, code):
    """Runs `code` as the server would import: packages first on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=str(pod.volume("llsd-external-providers") / "python-packages"))
    return subprocess.run([str(server / "bin/python"), "-c", code], env=env, capture_output=True, text=True)


# ----------------------------------------------------------------- the table

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [["a", "b"], ["b", "a"]])
def test_a_pinned_dependency_satisfies_the_other_provider_in_any_order(tmp_path, mode, order, wheels, server,
                                                                       merge_image):
    deps = {"a": ["shared1"], "b": ["shared2"]}
    pod, results = run_pod(tmp_path, mode, [(p, p, deps[p]) for p in order], wheels, server, merge_image)
    merge = assert_succeeded(results, mode)
    packages = pod.volume("llsd-external-providers") / "python-packages"
    assert installed(packages) == {"a-prov": "1.0", "b-prov": "1.0", "shared": "1.0"}
    oracle = pip_resolution(server, [tmp_path / f"image-{p}" for p in order], ["a-prov", "b-prov"])
    assert oracle == installed(packages)
    assert_same_tree_as_pip(tmp_path, packages, [wheels["a"], wheels["b"], wheels["shared1"]])
    assert "dependency conflict" not in merge.stderr
    text = merged(pod)
    assert "provider_id: a" in text and "provider_id: b" in text
    listed = (pod.volume("llsd-external-providers") / "installed-packages.txt").read_text()
    assert "shared==1.0  # provider: a, image r.io/a:1" in listed
    assert "PyYAML==6.0.3  # server image" in listed
    run = imports(server, pod, "import a_prov, b_prov, shared; print(shared.VERSION)")
    assert run.stdout.strip() == "'1.0'" or run.stdout.strip() == "1.0", run.stderr


@pytest.mark.parametrize("mode", MODES)
def test_a_requirement_no_wheel_satisfies_is_refused_naming_who_installed_what(tmp_path, mode, wheels, server,
                                                                              merge_image):
    pod, results = run_pod(tmp_path, mode, [("a", "a", ["shared1"]), ("c", "c", [])], wheels, server,
                           merge_image)
    err = assert_refused(results, "Cannot install provider 'c': requirement shared>=3.0 does not hold")
    assert "Provider: c\nImage: r.io/c:1\nInit Container: merge-config\n" in err
    assert "Requirement: shared>=3.0, required by c-prov 1.0 (provider 'c', image r.io/c:1)" in err
    assert "Installed instead: shared 1.0, installed by provider 'a', image r.io/a:1" in err
    assert "Resolver output:\n  a: install a_prov-1.0-py3-none-any.whl" in err
    assert "Installed packages are listed in: /opt/llama-stack/external-providers/installed-packages.txt" in err
    assert "reorder" not in err
    assert not (pod.volume("llsd-merged-config") / "config.yaml").exists()
    oracle = pip_resolution(server, [tmp_path / "image-a", tmp_path / "image-c"], ["a-prov", "c-prov"])
    assert isinstance(oracle, str) and "conflicting dependencies" in oracle  # pip cannot resolve it either


@pytest.mark.parametrize("mode", MODES)
def test_a_requirement_the_server_image_does_not_meet_is_refused_with_its_version(tmp_path, mode, wheels, server,
                                                                                 merge_image):
    pod, results = run_pod(tmp_path, mode, [("y", "y", [])], wheels, server, merge_image)
    err = assert_refused(results, "Cannot install provider 'y': requirement pyyaml>=99 does not hold")
    assert "Installed instead: pyyaml 6.0.3 from the server image" in err
    assert "The server image has pyyaml 6.0.3, which does not satisfy pyyaml>=99" in err
    oracle = pip_resolution(server, [tmp_path / "image-y"], ["y-prov"])
    assert isinstance(oracle, str) and "pyyaml" in oracle.lower()


# ----------------------------------------------------------------- the new cases

@pytest.mark.parametrize("mode", MODES)
def test_a_wheel_for_another_python_is_refused_with_its_tags(tmp_path, mode, wheels, server, merge_image):
    pod, results = run_pod(tmp_path, mode, [("t", "t", [])], wheels, server, merge_image)
    err = assert_refused(
        results,
        f"Cannot install provider 't': its main wheel t_prov-1.0-{OTHER_TAG}.whl is built for "
        f"{OTHER_TAG}, which the server's Python")
    assert "Build the wheel for the server image's Python version and platform" in err
    run = subprocess.run([str(server / "bin/python"), "-m", "pip", "install", "--dry-run", "--no-index", "--no-deps",
                          str(wheels["t"])], capture_output=True, text=True)
    assert run.returncode != 0 and "is not a supported wheel" in run.stderr  # pip agrees


@pytest.mark.parametrize("mode", MODES)
def test_markers_are_evaluated_for_the_server_python(tmp_path, mode, wheels, server, merge_image):
    pod, results = run_pod(tmp_path, mode, [("m", "m", ["mdep"])], wheels, server, merge_image)
    assert_succeeded(results, mode)
    packages = pod.volume("llsd-external-providers") / "python-packages"
    assert installed(packages) == {"m-prov": "1.0", "mdep": "1.0"}
    assert pip_resolution(server, [tmp_path / "image-m"], ["m-prov"]) == installed(packages)
    assert_same_tree_as_pip(tmp_path, packages, [wheels["m"], wheels["mdep"]])


@pytest.mark.parametrize("mode", MODES)
def test_extras_install_their_requirements(tmp_path, mode, wheels, server, merge_image):
    pod, results = run_pod(tmp_path, mode, [("x", "x", ["xlib", "xfast"])], wheels, server, merge_image)
    assert_succeeded(results, mode)
    packages = pod.volume("llsd-external-providers") / "python-packages"
    assert installed(packages) == {"x-prov": "1.0", "xlib": "1.0", "xfast": "1.0"}
    assert pip_resolution(server, [tmp_path / "image-x"], ["x-prov"]) == installed(packages)
    assert_same_tree_as_pip(tmp_path, packages, [wheels["x"], wheels["xlib"], wheels["xfast"]])


@pytest.mark.parametrize("mode", MODES)
def test_compatible_shadowing_of_a_server_package_is_a_warning(tmp_path, mode, wheels, server, merge_image):
    pod, results = run_pod(tmp_path, mode, [("s", "s", ["srvlib2"])], wheels, server, merge_image)
    merge = assert_succeeded(results, mode)
    assert ("WARNING: Provider 's' installs srvlib-2.0-py3-none-any.whl (provider 's', image r.io/s:1), which "
            "shadows the server image's srvlib 1.0 on PYTHONPATH; every requirement still holds") in merge.stderr
    packages = pod.volume("llsd-external-providers") / "python-packages"
    assert installed(packages) == {"s-prov": "1.0", "srvlib": "2.0"}
    assert pip_resolution(server, [tmp_path / "image-s"], ["s-prov"]) == installed(packages)
    run = imports(server, pod, "import srvlib; print(srvlib.VERSION)")
    assert "2.0" in run.stdout, run.stderr


@pytest.mark.parametrize("mode", MODES)
def test_incompatible_shadowing_of_a_server_package_is_an_error(tmp_path, mode, wheels, server, merge_image):
    pod, results = run_pod(tmp_path, mode, [("k", "k", ["strictlib2"])], wheels, server, merge_image)
    err = assert_refused(results, "Cannot install provider 'k': requirement strictlib>=2 does not hold")
    assert "Installed instead: strictlib 1.0 from the server image" in err
    assert ("strictlib-2.0-py3-none-any.whl (provider 'k', image r.io/k:1): would break the requirement "
            "strictlib<2 of srvapp 1.0 (the server image)") in err
    assert "would replace the server image's strictlib with a version the server's own packages do not accept" in err
    # pip would install it and break srvapp: its check reports exactly that.
    target = tmp_path / "pip-env"
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--target", str(target),
                    str(wheels["strictlib2"])], check=True)
    check = subprocess.run([str(server / "bin/python"), "-m", "pip", "check"], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(target)))
    assert "srvapp 1.0 has requirement strictlib<2, but you have strictlib 2.0" in check.stdout


@pytest.mark.parametrize("mode", MODES)
def test_a_module_of_a_server_distribution_shadowed_by_another_distribution_is_a_warning(
        tmp_path, mode, wheels, server, merge_image):
    """Issue #24 item 8: a provider wheel shipping a top-level module the
    server's PyYAML provides replaced it silently."""
    pod, results = run_pod(tmp_path, mode, [("sh", "sh", [])], wheels, server, merge_image)
    merge = assert_succeeded(results, mode)
    assert ("WARNING: Provider 'sh' installs module pyyaml (sh_prov-1.0-py3-none-any.whl, image r.io/sh:1), "
            "which shadows module pyyaml of the server image's PyYAML 6.0.3 on PYTHONPATH") in merge.stderr
    run = imports(server, pod, "import pyyaml; print(pyyaml.VERSION)")
    assert "provider" in run.stdout, run.stderr


@pytest.mark.parametrize("mode", MODES)
def test_a_wheel_that_overwrites_another_wheels_file_is_refused(tmp_path, mode, wheels, server, merge_image):
    """Issue #24 item 8: which provider's common/__init__.py the server
    imported depended on the install order, and nothing said so."""
    pod, results = run_pod(tmp_path, mode, [("o1", "o1", []), ("o2", "o2", [])], wheels, server, merge_image)
    err = assert_refused(results, "Wheel o2_prov-1.0-py3-none-any.whl overwrites common/__init__.py, which wheel "
                                  "o1_prov-1.0-py3-none-any.whl of provider 'o1' (image r.io/o1:1) installed")
    assert "Two distributions cannot own one file" in err
    assert not (pod.volume("llsd-merged-config") / "config.yaml").exists()


def test_injecting_ten_providers_yields_one_init_container_with_image_volumes(tmp_path):
    entries = [{"providerId": f"p{i}", "image": f"r.io/p{i}:1"} for i in range(10)]
    out = inject(tmp_path, llsd({"inference": entries}), {"installMode": "imageVolume"})
    assert out.returncode == 0, out.stderr
    import yaml
    spec = yaml.safe_load(out.stdout)["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["merge-config"]
    images = [v for v in spec["volumes"] if "image" in v]
    assert len(images) == 11 and all(v["image"]["reference"] for v in images)
    out = inject(tmp_path, llsd({"inference": entries}), {"installMode": "initContainers"})
    spec = yaml.safe_load(out.stdout)["spec"]["template"]["spec"]
    assert len(spec["initContainers"]) == 12
