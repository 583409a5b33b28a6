"""The images `make images` builds, end to end.

- target/images/merge-config.oci.tar: the static llsd-providers alone, at
  `installBinary`'s default path, non-root, labelled; unpacked, it is the
  merge image of the pod: in initContainers mode `stage-installer` runs its
  binary (`install --copy-binary-to`), in imageVolume mode `merge-config` runs
  it from the read-only `llsd-tools` volume inside the server's image.
- target/images/provider-example.oci.tar: examples/provider-image/, data-only.
  Its unpacked root is the provider image (in imageVolume mode the volume
  /opt/llama-stack/provider-images/{id}; in initContainers mode the tree the
  copy script reads). One wheel for both servers: a real llama-stack 0.7.3
  server and a real ogx 1.5.0 server must each list the provider, and its
  tool must run through each server's own Stack (in-process: neither has an
  HTTP route that invokes a tool; llama-stack 0.7.3 also lists the tool at
  GET /v1/tools).

Without the archives the tests fail under LLSD_TEST_ALL=1 (`make test`) and
are skipped elsewhere, saying how to build them: `make images`.
`make verify-release` runs them on a release directory's archives
(LLSD_IMAGES_DIR, the linux/amd64 image of each index) with its amd64 CLI.
"""

import json
import os
import pathlib
import re
import subprocess
import tempfile

import pytest
import yaml

from e2e_pod import Pod, pod_sim, record
from elf import is_static_elf
from oci_image import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
# `make verify-release` points these at a release directory (its image
# indexes are read for linux/amd64) and its amd64 binary (LLSD_BIN).
IMAGES = pathlib.Path(os.environ.get("LLSD_IMAGES_DIR", ROOT / "target/images"))
INSTALL_BINARY = "usr/local/bin/llsd-providers"  # installBinary's default, relative to the root
MERGE_IMAGE = "registry.example.com/platform/merge-config:0.1.0"
PROVIDER_IMAGE = "registry.example.com/acme/example-blocklist:0.1.0"
PROVIDER_CONFIG = {"blocked_words": ["forbidden", "Secret"]}
TOOL_GROUP = "example::blocklist"  # the spec's toolgroup_id
MODES = ["initContainers", "imageVolume"]
BASE_CONFIG = """\
version: 2
distro_name: images-e2e
apis:
- tool_runtime
providers:
  tool_runtime:
  - provider_id: mcp
    provider_type: remote::model-context-protocol
    config: {}
"""


def archive(name):
    path = IMAGES / f"{name}.oci.tar"
    if not path.is_file():
        message = f"{path} is missing: build it with `make images`"
        if os.environ.get("LLSD_TEST_ALL"):
            pytest.fail(f"{message} (LLSD_TEST_ALL is set: nothing may be skipped)", pytrace=False)
        pytest.skip(message)
    return Image(path)


@pytest.fixture(scope="module")
def merge_image():
    return archive("merge-config")


@pytest.fixture(scope="module")
def provider_image():
    return archive("provider-example")


def crate_version():
    cargo = (ROOT / "Cargo.toml").read_text()
    return re.search(r'^version = "([^"]+)"', cargo, re.MULTILINE).group(1)


# -- what is in the images -----------------------------------------------------


def test_merge_image_holds_only_the_static_binary(merge_image, tmp_path):
    assert merge_image.files() == {INSTALL_BINARY: (0o555, 0, 0)}
    config = merge_image.config["config"]
    assert config["User"] == "1001:1001"
    assert config["Entrypoint"] == [f"/{INSTALL_BINARY}"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == crate_version()
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert labels["org.opencontainers.image.source"].startswith("https://")
    assert labels["org.opencontainers.image.description"]
    binary = merge_image.unpack(tmp_path / "root") / INSTALL_BINARY
    assert is_static_elf(binary)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"llsd-providers {crate_version()}"


def test_the_merge_image_binary_stages_itself_as_the_pod_user(merge_image):
    """stage-installer's command, run as UID 1001 from the root-owned image root."""
    # pytest's tmp_path sits under a directory only root may enter
    with tempfile.TemporaryDirectory(prefix="llsd-stage-") as work:
        work = pathlib.Path(work)
        work.chmod(0o755)
        root = merge_image.unpack(work / "root")
        shared = work / "shared"
        shared.mkdir()
        shared.chmod(0o777)  # an emptyDir is world-writable
        staged = shared / "bin/llsd-providers"
        run = subprocess.run(["setpriv", "--reuid", "1001", "--regid", "1001", "--clear-groups",
                              root / INSTALL_BINARY, "install", "--copy-binary-to", staged],
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        assert run.stdout == f"Copied llsd-providers to {staged}\n"
        assert staged.read_bytes() == (root / INSTALL_BINARY).read_bytes()
        assert staged.stat().st_uid == 1001 and os.access(staged, os.X_OK)



def test_provider_image_is_the_example_data_only(provider_image):
    spec = yaml.safe_load((ROOT / "examples/provider-image/lls-provider-spec.yaml").read_text())
    wheel = spec["spec"]["wheelPath"]
    files = provider_image.files()
    assert sorted(files) == ["lls-provider/lls-provider-spec.yaml", f"lls-provider/{wheel}"]
    for path, (mode, _, _) in files.items():
        assert mode & 0o004, f"{path} is not readable by a non-root user (mode {mode:o})"
    labels = provider_image.config["config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == spec["metadata"]["version"]


def test_the_example_spec_validates():
    run = subprocess.run([pod_sim.BIN, "validate", ROOT / "examples/provider-image/lls-provider-spec.yaml"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_default_merge_image_is_this_version(tmp_path):
    """The default mergeImage names the release built from this tree (docs/external-providers.md)."""
    doc = pod_sim.llsd({"toolRuntime": [{"providerId": "example-blocklist", "image": PROVIDER_IMAGE}]})
    out = pod_sim.inject(tmp_path, doc)
    assert out.returncode == 0, out.stderr
    deployment = yaml.safe_load(out.stdout)
    (stage,) = [c for c in deployment["spec"]["template"]["spec"]["initContainers"] if c["name"] == "stage-installer"]
    assert stage["image"] == f"quay.io/llsd-providers/merge-config:{crate_version()}"


# -- the pod ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_the_server_lists_and_runs_the_example_provider(merge_image, provider_image, tmp_path, servers, family,
                                                         mode):
    images = {MERGE_IMAGE: merge_image.unpack(tmp_path / "merge-image"),
              PROVIDER_IMAGE: provider_image.unpack(tmp_path / "provider-image")}
    doc = pod_sim.llsd({"toolRuntime": [{"providerId": "example-blocklist", "image": PROVIDER_IMAGE,
                                         "config": PROVIDER_CONFIG}]})
    out = pod_sim.inject(tmp_path, doc, {"installMode": mode, "mergeImage": MERGE_IMAGE})
    assert out.returncode == 0, out.stderr
    pod = Pod(tmp_path / "pod", out.stdout, images, family.bin)
    merge = pod.merge_container
    pod.host(merge, pod.arg(merge, "--base")).write_text(BASE_CONFIG)
    if mode == "imageVolume":
        # the unpacked images are the pod's image volumes
        volumes = {v["name"]: v["image"]["reference"] for v in pod.spec["volumes"] if "image" in v}
        assert volumes == {"llsd-tools": MERGE_IMAGE, "llsd-provider-example-blocklist": PROVIDER_IMAGE}
        assert merge["command"][0] == f"/opt/llama-stack/llsd-tools/{INSTALL_BINARY}"
    else:
        (stage,) = [c for c in pod.init_containers if c["name"] == "stage-installer"]
        assert stage["image"] == MERGE_IMAGE and stage["command"][0] == f"/{INSTALL_BINARY}"

    stages = {}
    results = pod.run_init_containers(stages)
    tag = f"[{family.name} {family.version}][{mode}] example image:"
    record(f"{tag} init containers (the install step), total", sum(stages.values()))
    for name, run in results:
        assert run.returncode == 0, f"{name} exited {run.returncode}:\n{run.stderr}{run.stdout}"
    assert [name for name, _ in results] == [c["name"] for c in pod.init_containers]
    if mode == "initContainers":  # the binary merge-config ran is the one staged from the image
        staged = pod.host(merge, merge["command"][0])
        assert staged.read_bytes() == (images[MERGE_IMAGE] / INSTALL_BINARY).read_bytes()

    server = servers(pod, family)
    assert server.env[family.config_env] == str(pod.merged_config(family))
    server.wait_healthy(timeout=60)
    status, body = server.get("/v1/providers")
    assert status == 200
    providers = {p["provider_id"]: p for p in json.loads(body)["data"]}
    assert providers["example-blocklist"]["api"] == "tool_runtime"
    assert providers["example-blocklist"]["provider_type"] == "inline::example-blocklist"
    assert providers["example-blocklist"]["config"] == PROVIDER_CONFIG
    if family.core == "llama_stack":  # ogx 1.5.0 moved it to /v1/admin/tools, which fails there (a KeyError)
        status, body = server.get(f"/v1/tools?toolgroup_id={TOOL_GROUP}")
        assert status == 200
        assert [t["name"] for t in json.loads(body)["data"]] == ["check_blocklist"], body

    # The tool runs: one call per text through the server's tool_runtime router.
    texts = ["hello", "a FORBIDDEN word", "secret"]
    out = pod.invoke_tool(tmp_path / "invoke", family, "check_blocklist", [{"text": text} for text in texts])
    assert out["api_package"] == family.api_package
    assert out["router"] == f"{family.core}.core.routers.tool_runtime.ToolRuntimeRouter", out
    assert out["tools"] == {"check_blocklist": TOOL_GROUP}, out
    assert [r["metadata"] for r in out["results"]] == [
        {"flagged": False, "blocked_words": []},
        {"flagged": True, "blocked_words": ["forbidden"]},
        {"flagged": True, "blocked_words": ["secret"]},
    ], out
    assert out["results"][1]["content"] == "flagged: contains forbidden"
