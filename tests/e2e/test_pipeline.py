"""Pipeline end-to-end: the proof of the MVP.

Two small real provider packages are built into wheels (the inference one
with a separate dependency wheel) and laid out as provider images'
images (`/lls-provider` trees). `llsd-providers inject` turns an LLSD and the
operator's Deployment into the pod, in both install modes; from that
Deployment (never hand-copied) come every init container's command, args,
env and volume mounts (run at their real paths in a mount namespace, see
tests/python/pod_sim.Pod; merge-config runs in "the server's image": the
server venv's python3), and the server container's PYTHONPATH and
LLAMA_STACK_CONFIG. A real server then starts from the merged config, must
list the external providers and run their code: llama-stack 0.7.3 (PyPI,
tests/e2e/requirements.txt) and ogx 1.5.0, its successor under a new name
(tests/e2e/requirements-ogx.txt), with the same provider wheels. The second
provider is a safety provider on llama-stack and a tool_runtime one on ogx,
which has no safety API (ServerFamily.guard_api). The failure paths do not
depend on the server and run on llama-stack only.

The failure paths assert the documented messages (docs/contracts.md "Error
formats", docs/troubleshooting.md) and that no merged config was written.

Run from the repository root:
    .venv-e2e/bin/python -m pytest -q tests/e2e        (-s prints the timings)
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from e2e_pod import LLAMA_STACK, Pod, pod_sim, record
from project_version import DEFAULT_MERGE_IMAGE as MERGE_IMAGE
from providers import ECHO_INFERENCE, GUARD_SAFETY, GUARD_TOOLS, echo_core_files

PY = sys.executable
MODES = ["initContainers", "imageVolume"]

ECHO_IMAGE = "registry.example.com/acme/echo-inference:1.0.0"
GUARD_IMAGE = "registry.example.com/acme/guard-safety:1.0.0"
ECHO_CONFIG = {"url": "http://echo.invalid:8000/v1", "greeting": "yes"}  # "yes" must stay a string
GUARD_CONFIG = {"blocked_words": ["forbidden", "0777"]}
# The guard provider by API: its LLSD section, wheel (`wheels` key) and package.
GUARDS = {
    "safety": {"section": "safety", "wheel": "guard", "dist": "acme-guard-safety", "package": "acme_guard_safety"},
    "tool_runtime": {"section": "toolRuntime", "wheel": "guard-tools", "dist": "acme-guard-tools",
                     "package": "acme_guard_tools"},
}

# The user's run.yaml, as the ConfigMap holds it. Without `storage:` the
# server keeps its sqlite files under $SQLITE_STORE_DIR.
BASE_CONFIG = """\
# run.yaml from ConfigMap llama-stack-config
version: 2
distro_name: e2e-base
apis:
- tool_runtime
providers:
  tool_runtime:
  - provider_id: mcp        # built in; needs no network to start
    provider_type: remote::model-context-protocol
    config: {}
"""


# -- provider images -------------------------------------------------------------


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheels")
    out = root / "dist"
    out.mkdir()
    start = time.monotonic()

    def build(name, version, files, deps=()):
        return pod_sim.build_wheel(PY, root / "src", name, version, files, deps, out)

    built = {
        "core1": build("acme-echo-core", "1.0.0", echo_core_files("1.0.0")),
        "core2": build("acme-echo-core", "2.0.0", echo_core_files("2.0.0")),
        "echo": build("acme-echo-inference", "1.0.0", ECHO_INFERENCE, ["acme-echo-core==1.0.0"]),
        "guard": build("acme-guard-safety", "1.0.0", GUARD_SAFETY),
        "guard-core2": build("acme-guard-safety", "1.1.0", GUARD_SAFETY, ["acme-echo-core>=2.0"]),
        "guard-tools": build("acme-guard-tools", "1.0.0", GUARD_TOOLS),
    }
    record(f"build {len(built)} wheels (pip wheel)", time.monotonic() - start)
    return built


def echo_image(tmp_path, wheels, name="echo", api="inference"):
    spec = pod_sim.provider_spec("acme-echo", "acme_echo_inference", "remote::acme-echo", api,
                                 wheels["echo"], [wheels["core1"]])
    return pod_sim.provider_image(tmp_path / "images" / name / "lls-provider", spec, [wheels["echo"], wheels["core1"]])


def guard_image(tmp_path, wheels, name="guard", core=None, main=None, api="safety"):
    """The guard provider of `api` (safety or tool_runtime); with `core`, it
    also ships that acme-echo-core wheel."""
    guard = GUARDS[api]
    main = main or guard["wheel"]
    deps = [core] if core else []
    spec = pod_sim.provider_spec("acme-guard", guard["package"], "remote::acme-guard", api, wheels[main], deps)
    return pod_sim.provider_image(tmp_path / "images" / name / "lls-provider", spec, [wheels[main], *deps])


ECHO_REF = {"providerId": "acme-echo", "image": ECHO_IMAGE, "config": ECHO_CONFIG}
GUARD_REF = {"providerId": "acme-guard", "image": GUARD_IMAGE, "config": GUARD_CONFIG}


# -- the pipeline ------------------------------------------------------------------


def make_pod(tmp_path, sections, trees, base=BASE_CONFIG, mode="initContainers", family=LLAMA_STACK,
             user_config=True, env=None, distribution="starter"):
    """inject -> the pod of the printed Deployment, the user's run.yaml in
    the ConfigMap volume where merge-config's --base reads it. `trees` maps
    an image to its /lls-provider tree; the server image is `family`'s venv.
    `user_config=False`: an LLSD without userConfig and the operator's
    Deployment for it (no ConfigMap, no command; `env` is containerSpec.env),
    the base is the distribution's config in the server image."""
    start = time.monotonic()
    doc = pod_sim.llsd(sections, config_map="llama-stack-config" if user_config else None,
                       distribution=distribution, env=env)
    out = pod_sim.inject(tmp_path, doc, {"installMode": mode})
    inject_time = time.monotonic() - start
    assert out.returncode == 0, out.stderr
    images = {ref: tree.parent for ref, tree in trees.items()}
    images[MERGE_IMAGE] = merge_image(tmp_path)
    pod = Pod(tmp_path / "pod", out.stdout, images, family.bin)
    if user_config:
        merge = pod.merge_container
        pod.host(merge, pod.arg(merge, "--base")).write_text(base)
    return pod, inject_time


def merge_image(tmp_path):
    """The merge image's root: the native binary at its installBinary path
    (hard-linked where the file system allows: the image is read-only)."""
    root = tmp_path / "merge-image"
    if not root.exists():
        (root / "usr/local/bin").mkdir(parents=True)
        target = root / "usr/local/bin/llsd-providers"
        try:
            os.link(pod_sim.BIN, target)
        except OSError:
            shutil.copy(pod_sim.BIN, target)
    return root


def shared_volume(pod):
    """Host dir of the shared volume (where merge-config installs the packages)."""
    return pod.host(pod.merge_container, "/opt/llama-stack/external-providers")


def termination_message(pod, container):
    """What `kubectl describe pod` would show: one line naming image and container
    (merge-config adds the JSON line `llsd-providers status` reads, schema
    llsd-providers.merge-result/v1, docs/contracts.md "Termination message")."""
    text = (pod.root / "termination-log" / container).read_text()
    assert len(text.encode()) <= 4096, len(text.encode())
    if container == "merge-config":
        first, second = text.splitlines()
        result = json.loads(second)
        assert result["schema"] == "llsd-providers.merge-result/v1", result
        assert result["outcome"] == "failed", result
        return first + "\n"
    assert text.count("\n") == 1, text
    return text


def merged_volume_outputs(pod):
    merge = pod.merge_container
    return {flag: pod.host(merge, pod.arg(merge, flag)) for flag in ("--output", "--extra-providers-output")}


def assert_no_merged_config(pod):
    for flag, path in merged_volume_outputs(pod).items():
        assert not path.exists(), f"{flag} {path} was written although the pipeline failed"
    assert not pod.merged_config().exists()


def failing(results, name):
    """The pod stopped at init container `name`, which exited 1."""
    assert [n for n, _ in results][-1] == name, [(n, r.returncode, r.stderr) for n, r in results]
    for earlier, run in results[:-1]:
        assert run.returncode == 0, f"{earlier}: {run.stderr}{run.stdout}"
    run = results[-1][1]
    assert run.returncode == 1, (run.returncode, run.stderr, run.stdout)
    return run


def test_the_server_is_the_pinned_release(family):
    version = f"import importlib.metadata as m; print(m.version({family.distribution!r}))"
    run = subprocess.run([family.python, "-c", version], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == family.version


@pytest.mark.parametrize("mode", MODES)
def test_pipeline_serves_both_external_providers(tmp_path, wheels, servers, family, mode):
    guard_api = family.guard_api
    guard = GUARDS[guard_api]
    images = {ECHO_IMAGE: echo_image(tmp_path, wheels), GUARD_IMAGE: guard_image(tmp_path, wheels, api=guard_api)}
    pod, inject_time = make_pod(tmp_path, {"inference": [ECHO_REF], guard["section"]: [GUARD_REF]}, images,
                                mode=mode, family=family)
    tag = f"[{family.name} {family.version}][{mode}]"
    record(f"{tag} inject (native CLI)", inject_time)
    expected = ["merge-config"] if mode == "imageVolume" else [
        "stage-installer", "install-provider-acme-echo", "install-provider-acme-guard", "merge-config"]
    assert [c["name"] for c in pod.init_containers] == expected

    stages = {}
    results = pod.run_init_containers(stages)
    for name, run in results:
        assert run.returncode == 0, f"{name} exited {run.returncode}:\n{run.stderr}{run.stdout}"
    assert [name for name, _ in results] == list(stages) == [c["name"] for c in pod.init_containers]
    for name, seconds in stages.items():
        record(f"{tag} {name}", seconds)
    record(f"{tag} init containers (the install step), total", sum(stages.values()))

    # The installs: both providers and the dependency wheel, in CRD order,
    # then what the server image has.
    shared = shared_volume(pod)
    listed = (shared / "installed-packages.txt").read_text().splitlines()
    assert listed[1:4] == [
        f"acme-echo-inference==1.0.0  # provider: acme-echo, image {ECHO_IMAGE}",
        f"acme-echo-core==1.0.0  # provider: acme-echo, image {ECHO_IMAGE}",
        f"{guard['dist']}==1.0.0  # provider: acme-guard, image {GUARD_IMAGE}",
    ], listed[:6]
    server_names = {family.distribution, family.distribution.replace("_", "-")}
    assert any(f"{name}=={family.version}  # server image" in listed for name in server_names), listed

    # The merge wrote where the server reads, and kept the user's file as written.
    merge = pod.merge_container
    assert pod.merged_config() == pod.host(merge, pod.arg(merge, "--output"))
    assert pod.host(merge, pod.arg(merge, "--base")).read_text() == BASE_CONFIG
    merged_text = pod.merged_config().read_text()
    assert merged_text.startswith("# run.yaml from ConfigMap llama-stack-config\n")
    assert "  - provider_id: mcp        # built in; needs no network to start\n" in merged_text
    merged = yaml.safe_load(merged_text)
    echo_entry = {"provider_id": "acme-echo", "provider_type": "remote::acme-echo",
                  "module": "acme_echo_inference", "config": ECHO_CONFIG}
    guard_entry = {"provider_id": "acme-guard", "provider_type": "remote::acme-guard",
                   "module": guard["package"], "config": GUARD_CONFIG}
    assert merged["apis"] == list(dict.fromkeys(["tool_runtime", "inference", guard_api]))
    assert merged["providers"]["inference"] == [echo_entry]
    # after the user's own providers of that API (the mcp one for tool_runtime)
    assert merged["providers"][guard_api][-1] == guard_entry
    extra = yaml.safe_load(pod.host(merge, pod.arg(merge, "--extra-providers-output")).read_text())
    assert extra["providers"] == {"inference": [echo_entry], guard_api: [guard_entry]}

    # The server: the server container's env (PYTHONPATH, the config) mapped to the host.
    start = time.monotonic()
    server = servers(pod, family)
    env = server.env
    assert env[family.config_env] == str(pod.merged_config(family)) == str(pod.merged_config())
    assert env["PYTHONPATH"].split(":")[0] == str(shared / "python-packages")
    server.wait_healthy(timeout=60)
    record(f"{tag} server start -> /v1/health 200", time.monotonic() - start)

    status, body = server.get("/v1/providers")
    assert status == 200
    providers = {p["provider_id"]: p for p in json.loads(body)["data"]}
    assert providers["acme-echo"]["api"] == "inference"
    assert providers["acme-echo"]["provider_type"] == "remote::acme-echo"
    assert providers["acme-echo"]["config"] == ECHO_CONFIG
    assert providers["acme-guard"]["api"] == guard_api
    assert providers["acme-guard"]["provider_type"] == "remote::acme-guard"
    assert providers["acme-guard"]["config"] == GUARD_CONFIG
    # the user's own provider survived the merge
    assert providers["mcp"]["api"] == "tool_runtime"
    assert providers["mcp"]["provider_type"] == "remote::model-context-protocol"

    # The providers' code runs: the echo adapter lists a model named by its
    # dependency wheel and answers a chat completion; the guard moderates
    # (safety) or flags through its tool (tool_runtime).
    status, body = server.get("/v1/models")
    models = {m["id"] for m in json.loads(body)["data"]}
    assert "acme-echo/echo-1" in models, models
    status, body = server.post("/v1/chat/completions", json.dumps({
        "model": "acme-echo/echo-1", "messages": [{"role": "user", "content": "ping"}]}).encode())
    assert json.loads(body)["choices"][0]["message"]["content"] == "yes: ping"
    texts = ["hello", "chmod 0777", "forbidden"]
    if guard_api == "safety":
        server.post("/v1/shields", json.dumps({
            "shield_id": "guard", "provider_id": "acme-guard", "provider_shield_id": "guard"}).encode())
        status, body = server.post("/v1/moderations", json.dumps({"model": "guard", "input": texts}).encode())
        assert [r["flagged"] for r in json.loads(body)["results"]] == [False, True, True]
    else:  # no HTTP route invokes a tool: through the server's own Stack, in-process
        start = time.monotonic()
        out = pod.invoke_tool(tmp_path / "invoke", family, "guard_check", [{"text": text} for text in texts])
        record(f"{tag} in-process Stack + 3 tool calls", time.monotonic() - start)
        assert out["tools"]["guard_check"] == "acme::guard", out
        assert [r["metadata"] for r in out["results"]] == [
            {"flagged": flagged, "api_package": family.api_package} for flagged in (False, True, True)], out


# -- failure paths -------------------------------------------------------------------


def test_missing_metadata_file(tmp_path, wheels):
    tree = echo_image(tmp_path, wheels)
    (tree / "lls-provider-spec.yaml").unlink()
    pod, _ = make_pod(tmp_path, {"inference": [ECHO_REF]}, {ECHO_IMAGE: tree})
    run = failing(pod.run_init_containers(), "install-provider-acme-echo")
    # In the pod the tree is /lls-provider: the Deployment does not move it.
    assert "LLS_PROVIDER_DIR" not in pod.env(pod.install_containers[0])
    err = run.stderr.replace(str(tree), "/lls-provider")
    assert err.startswith(
        f"ERROR: Missing /lls-provider/lls-provider-spec.yaml in image {ECHO_IMAGE}\n\n"
        f"Provider: acme-echo\nImage: {ECHO_IMAGE}\nInit Container: install-provider-acme-echo\n"), err
    summary = termination_message(pod, "install-provider-acme-echo")
    assert "lls-provider-spec.yaml" in summary and ECHO_IMAGE in summary and "install-provider-acme-echo" in summary
    assert_no_merged_config(pod)


def test_missing_packages_directory(tmp_path, wheels):
    tree = echo_image(tmp_path, wheels)
    for wheel in (tree / "packages").iterdir():
        wheel.unlink()
    (tree / "packages").rmdir()
    pod, _ = make_pod(tmp_path, {"inference": [ECHO_REF]}, {ECHO_IMAGE: tree})
    run = failing(pod.run_init_containers(), "install-provider-acme-echo")
    err = run.stderr.replace(str(tree), "/lls-provider")
    assert err.startswith(
        f"ERROR: Missing /lls-provider/packages directory in image {ECHO_IMAGE}\n\n"
        f"Provider: acme-echo\nImage: {ECHO_IMAGE}\nInit Container: install-provider-acme-echo\n"), err
    assert_no_merged_config(pod)


def test_invalid_yaml_in_metadata_names_the_line(tmp_path, wheels):
    tree = echo_image(tmp_path, wheels)
    spec_file = tree / "lls-provider-spec.yaml"
    lines = spec_file.read_text().splitlines(keepends=True)
    (bad,) = [i for i, line in enumerate(lines) if line.startswith("  providerType:")]
    lines[bad] = "  providerType: remote::acme-echo: oops\n"
    spec_file.write_text("".join(lines))
    with pytest.raises(yaml.YAMLError) as oracle:  # PyYAML agrees on where it breaks
        yaml.safe_load(spec_file.read_text())
    line = oracle.value.problem_mark.line + 1
    assert line == bad + 1

    pod, _ = make_pod(tmp_path, {"inference": [ECHO_REF]}, {ECHO_IMAGE: tree})
    results = pod.run_init_containers()
    run = failing(results, "merge-config")  # the install only copies the file
    assert "acme-echo" in results[1][1].stdout
    err = run.stderr
    assert err.startswith(f"ERROR: Invalid provider file\n\nProvider 'acme-echo' (image: {ECHO_IMAGE})\n"
                          "File: /opt/llama-stack/external-providers/metadata/acme-echo/lls-provider-spec.yaml\n"), err
    assert f"(line {line}, column " in err
    assert "mapping values are not allowed" in err
    log = pod.host(pod.merge_container, pod.arg(pod.merge_container, "--log"))
    assert f"(line {line}, column " in log.read_text()
    assert_no_merged_config(pod)


@pytest.mark.parametrize("mode", MODES)
def test_a_dependency_an_earlier_provider_satisfies_is_not_a_conflict(tmp_path, wheels, mode):
    # acme-guard ships acme-echo-core 2.0.0 but does not require it: the
    # 1.0.0 acme-echo needs is installed, the 2.0.0 wheel is not.
    images = {ECHO_IMAGE: echo_image(tmp_path, wheels),
              GUARD_IMAGE: guard_image(tmp_path, wheels, core=wheels["core2"])}
    pod, _ = make_pod(tmp_path, {"inference": [ECHO_REF], "safety": [GUARD_REF]}, images, mode=mode)
    results = pod.run_init_containers()
    assert all(run.returncode == 0 for _, run in results), results[-1][1].stderr
    packages = shared_volume(pod) / "python-packages"
    assert sorted(p.name for p in packages.glob("*.dist-info")) == [
        "acme_echo_core-1.0.0.dist-info", "acme_echo_inference-1.0.0.dist-info", "acme_guard_safety-1.0.0.dist-info"]


@pytest.mark.parametrize("mode", MODES)
def test_conflicting_requirements_of_two_providers_are_refused_before_the_server_starts(tmp_path, wheels, mode):
    images = {ECHO_IMAGE: echo_image(tmp_path, wheels),
              GUARD_IMAGE: guard_image(tmp_path, wheels, core=wheels["core2"], main="guard-core2")}
    pod, _ = make_pod(tmp_path, {"inference": [ECHO_REF], "safety": [GUARD_REF]}, images, mode=mode)
    run = failing(pod.run_init_containers(), "merge-config")
    err = run.stderr
    assert err.startswith(
        "ERROR: Cannot install provider 'acme-guard': requirement acme-echo-core>=2.0 does not hold\n\n"
        f"Provider: acme-guard\nImage: {GUARD_IMAGE}\nInit Container: merge-config\n\n"), err
    assert f"Installed instead: acme-echo-core 1.0.0, installed by provider 'acme-echo', image {ECHO_IMAGE}" in err
    assert ("would break the requirement acme-echo-core==1.0.0 of acme-echo-inference 1.0.0 "
            f"(provider 'acme-echo', image {ECHO_IMAGE})") in err
    assert "Installed packages are listed in: /opt/llama-stack/external-providers/installed-packages.txt" in err
    assert "the order of the providers does not change the outcome" in err
    summary = termination_message(pod, "merge-config")
    assert "acme-guard" in summary and GUARD_IMAGE in summary
    assert_no_merged_config(pod)


def test_api_placement_mismatch(tmp_path, wheels):
    # The inference provider placed under safety.
    tree = echo_image(tmp_path, wheels)
    pod, _ = make_pod(tmp_path, {"safety": [ECHO_REF]}, {ECHO_IMAGE: tree})
    run = failing(pod.run_init_containers(), "merge-config")
    assert (
        "ERROR: Provider API type mismatch\n"
        "\n"
        f"Provider 'acme-echo' (image: {ECHO_IMAGE})\n"
        "declares api=inference in lls-provider-spec.yaml\n"
        "but is placed under externalProviders.safety\n"
        "\n"
        "Resolution: Move the provider to externalProviders.inference section in the LLSD spec.\n"
    ) in run.stderr, run.stderr
    assert_no_merged_config(pod)


def test_duplicate_ids_are_refused_by_inject(tmp_path):
    doc = pod_sim.llsd({"inference": [ECHO_REF], "safety": [{**GUARD_REF, "providerId": "acme-echo"}]})
    out = pod_sim.inject(tmp_path, doc)
    assert out.returncode == 1, out.stdout
    assert out.stdout == ""  # no Deployment, so no pod
    assert "ERROR spec.server.externalProviders.safety[0].providerId (line " in out.stderr, out.stderr
    assert ("): 'acme-echo' is used twice: "
            f"by spec.server.externalProviders.inference[0] (image {ECHO_IMAGE}) "
            f"and by spec.server.externalProviders.safety[0] (image {GUARD_IMAGE})") in out.stderr, out.stderr
    assert "fix: give each provider a unique providerId" in out.stderr


# -- no userConfig (issue #22) -------------------------------------------------------
#
# An LLSD naming only its distribution: the operator's Deployment has no
# ConfigMap and no command, the server runs its image's entrypoint, and the
# install step merges the providers into the config that entrypoint would
# run. The packaged `starter` configs of both servers need packages and keys
# this machine lacks (the server stops on a missing `together` module), so
# the servers that start run the config a user names with RUN_CONFIG_PATH in
# containerSpec.env, a file in "the server image" (the host, here); the
# packaged starter lookup is checked up to the merge and the server's own
# config loader.

IMAGE_CONFIG = BASE_CONFIG.replace("# run.yaml from ConfigMap llama-stack-config",
                                   "# the distribution's config, shipped in the server image")
ECHO_ENTRY = {"provider_id": "acme-echo", "provider_type": "remote::acme-echo",
              "module": "acme_echo_inference", "config": ECHO_CONFIG}


def load_config(family, path, scratch):
    """The provider ids by API of `path`, as `family`'s server loads it."""
    scratch.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([family.python, pathlib.Path(__file__).with_name("load_config.py"), family.core, path],
                         env={"PATH": os.environ["PATH"], "HOME": str(scratch)}, cwd=scratch,
                         capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout.splitlines()[-1])


def packaged_config(family, name):
    """<site-packages>/{ogx,llama_stack}/distributions/NAME/config.yaml of the server image."""
    where = subprocess.run([family.python, "-c", f"import {family.core}; print({family.core}.__path__[0])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    return pathlib.Path(where) / "distributions" / name / "config.yaml"


def assert_wired_without_user_config(pod):
    """The operator's Deployment had no ConfigMap and no command; the
    injection added none, mounts the merged config and points the
    entrypoint's RUN_CONFIG_PATH at it."""
    server = pod.server_container
    assert pod.runs_the_entrypoint
    assert not any("configMap" in v for v in pod.spec["volumes"]), pod.spec["volumes"]
    assert {m["mountPath"]: m.get("readOnly") for m in server["volumeMounts"]}["/opt/llama-stack/config"] is True
    assert pod.env(server)["RUN_CONFIG_PATH"] == "/opt/llama-stack/config/config.yaml"
    merge = pod.merge_container
    assert "--base" not in merge["args"] and "--copy-base-siblings" not in merge["args"], merge["args"]
    assert all(m["mountPath"] != pod_sim.BASE_CONFIG for m in merge["volumeMounts"])


def run_install_step(pod, tag):
    stages = {}
    results = pod.run_init_containers(stages)
    for name, run in results:
        assert run.returncode == 0, f"{name} exited {run.returncode}:\n{run.stderr}{run.stdout}"
    assert [name for name, _ in results] == [c["name"] for c in pod.init_containers]
    for name, seconds in stages.items():
        record(f"{tag} {name}", seconds)
    record(f"{tag} init containers (the install step), total", sum(stages.values()))
    return results


@pytest.mark.parametrize("mode", MODES)
def test_without_user_config_the_provider_joins_the_config_the_server_image_runs(tmp_path, wheels, servers, family,
                                                                                   mode):
    shipped = tmp_path / "server-image/app/config.yaml"  # a path in the server image
    shipped.parent.mkdir(parents=True)
    shipped.write_text(IMAGE_CONFIG)
    pod, inject_time = make_pod(tmp_path, {"inference": [ECHO_REF]}, {ECHO_IMAGE: echo_image(tmp_path, wheels)},
                                mode=mode, family=family, user_config=False, env={"RUN_CONFIG_PATH": str(shipped)})
    tag = f"[{family.name} {family.version}][{mode}][no userConfig, RUN_CONFIG_PATH]"
    record(f"{tag} inject (native CLI)", inject_time)
    assert_wired_without_user_config(pod)
    merge = pod.merge_container
    assert pod.arg(merge, "--base-from-distribution") == "starter"
    assert pod.env(merge)["RUN_CONFIG_PATH"] == str(shipped)  # where the entrypoint would have looked

    results = run_install_step(pod, tag)
    assert f"Base: {shipped} (the distribution's config in the server image)\n" in results[-1][1].stdout

    # The entrypoint now runs the merged copy; the image's file is as shipped.
    assert pod.entrypoint_config(family) == "/opt/llama-stack/config/config.yaml"
    assert pod.merged_config(family) == pod.host(merge, pod.arg(merge, "--output"))
    assert shipped.read_text() == IMAGE_CONFIG
    merged_text = pod.merged_config(family).read_text()
    assert merged_text.startswith("# the distribution's config, shipped in the server image\n")
    merged = yaml.safe_load(merged_text)
    assert merged["apis"] == ["tool_runtime", "inference"]
    assert merged["providers"]["inference"] == [ECHO_ENTRY]
    assert [p["provider_id"] for p in merged["providers"]["tool_runtime"]] == ["mcp"]

    start = time.monotonic()
    server = servers(pod, family)
    assert server.env[family.config_env] == str(pod.merged_config(family))
    server.wait_healthy(timeout=60)
    record(f"{tag} server start -> /v1/health 200", time.monotonic() - start)
    status, body = server.get("/v1/providers")
    assert status == 200
    providers = {p["provider_id"]: p for p in json.loads(body)["data"]}
    assert providers["acme-echo"]["api"] == "inference"
    assert providers["acme-echo"]["provider_type"] == "remote::acme-echo"
    assert providers["acme-echo"]["config"] == ECHO_CONFIG
    assert providers["mcp"]["provider_type"] == "remote::model-context-protocol"
    status, body = server.post("/v1/chat/completions", json.dumps({
        "model": "acme-echo/echo-1", "messages": [{"role": "user", "content": "ping"}]}).encode())
    assert json.loads(body)["choices"][0]["message"]["content"] == "yes: ping"


@pytest.mark.parametrize("mode", MODES)
def test_without_user_config_the_packaged_starter_config_is_the_base(tmp_path, wheels, family, mode):
    # No RUN_CONFIG_PATH, no DISTRO_NAME: the LLSD's distribution.name names
    # the config in the server package, which the probe found.
    packaged = packaged_config(family, "starter")
    shipped = packaged.read_bytes()
    pod, inject_time = make_pod(tmp_path, {"inference": [ECHO_REF]}, {ECHO_IMAGE: echo_image(tmp_path, wheels)},
                                mode=mode, family=family, user_config=False)
    tag = f"[{family.name} {family.version}][{mode}][no userConfig, packaged starter]"
    record(f"{tag} inject (native CLI)", inject_time)
    assert_wired_without_user_config(pod)
    merge = pod.merge_container
    assert pod.arg(merge, "--base-from-distribution") == "starter"
    assert not {"RUN_CONFIG_PATH", "DISTRO_NAME"} & set(pod.env(merge))

    results = run_install_step(pod, tag)
    assert f"Base: {packaged} (the distribution's config in the server image)\n" in results[-1][1].stdout
    assert packaged.read_bytes() == shipped
    merged_path = pod.merged_config(family)
    assert merged_path == pod.host(merge, pod.arg(merge, "--output"))
    merged = yaml.safe_load(merged_path.read_text())
    starter = yaml.safe_load(shipped)
    assert merged["providers"]["inference"][-1] == ECHO_ENTRY
    for api, entries in starter["providers"].items():
        assert merged["providers"][api][:len(entries)] == entries, api

    # The server's own loader takes the merged config: the starter's
    # providers plus the external one (the server itself is not started:
    # starter's providers need packages and keys this machine lacks).
    base_ids = load_config(family, packaged, tmp_path / "load-base")
    merged_ids = load_config(family, merged_path, tmp_path / "load-merged")
    assert merged_ids["inference"] == base_ids["inference"] + ["acme-echo"]
    assert {api: ids for api, ids in merged_ids.items() if api != "inference"} == \
        {api: ids for api, ids in base_ids.items() if api != "inference"}


def test_without_user_config_and_no_config_in_the_server_image(tmp_path, wheels):
    # DISTRO_NAME and distribution.name name a distribution the server
    # package does not ship, and no RUN_CONFIG_PATH: merge-config stops
    # before installing anything, naming every path it tried.
    pod, _ = make_pod(tmp_path, {"inference": [ECHO_REF]}, {ECHO_IMAGE: echo_image(tmp_path, wheels)},
                      user_config=False, env={"DISTRO_NAME": "nope"}, distribution="nope")
    assert_wired_without_user_config(pod)
    assert pod.env(pod.merge_container)["DISTRO_NAME"] == "nope"
    results = pod.run_init_containers()
    run = failing(results, "merge-config")
    where = packaged_config(LLAMA_STACK, "nope").parents[2]  # site-packages/llama_stack
    tried = [f"{where}/distributions/nope/config.yaml", f"{where}/distributions/nope/run.yaml",
             f"{where}/templates/nope/run.yaml"]
    title = f"Cannot find the distribution's config in the server image; tried {', '.join(tried)}"
    assert run.stderr.startswith(f"ERROR: {title}\n"), run.stderr
    summary = termination_message(pod, "merge-config")
    assert title in summary, summary
    result = json.loads((pod.root / "termination-log/merge-config").read_text().splitlines()[1])
    assert result["failure"]["kind"] == "invalidBase", result
    for flag, path in merged_volume_outputs(pod).items():
        assert not path.exists(), f"{flag} {path} was written although the pipeline failed"
    assert not (shared_volume(pod) / "python-packages").exists() or \
        not any((shared_volume(pod) / "python-packages").iterdir())

    # `llsd-providers status` on the pod as the API server reports it.
    (tmp_path / "pod.json").write_text(json.dumps(pod.kubelet_pod({name: r.returncode for name, r in results})))
    status = subprocess.run([pod_sim.BIN, "status", "--pod", tmp_path / "pod.json", "--llsd", tmp_path / "llsd.yaml",
                             "--output", "json"], capture_output=True, text=True, check=False)
    assert status.returncode == 1, status.stderr
    report = json.loads(status.stdout)
    assert report["mergeConfig"]["phase"] == "Failed", report
    assert title in report["mergeConfig"]["message"], report["mergeConfig"]
    assert report["mergeResult"]["failure"]["kind"] == "invalidBase", report["mergeResult"]
    assert report["condition"]["status"] == "False", report["condition"]
    assert title in report["condition"]["message"], report["condition"]
