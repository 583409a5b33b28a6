"""What `make release` wrote, checked as a cluster and a user meet it
(`make verify-release`, docs/release.md, "Checked as users meet it").

The release directory is LLSD_RELEASE_DIR (by default
target/release-artifacts/<version>). `scripts/publish_release.py check`
covers the set (every kind present, the checksums, both platforms listed by
each image index, the CLIs' ELF machines, an SBOM per pushed artifact); the
tests here open what is inside: each platform's image of each index, the
binaries they carry, the provider image under `check-image`, the WASI module
under wasmtime, the policy modules' metadata under kwctl, and the SBOMs
against what they describe. `make verify-release` then runs the cluster
layer on the release's install.yaml, role modules and amd64 CLI, and the
images' end-to-end tests on its linux/amd64 archives.

Without a release directory the tests fail under LLSD_TEST_ALL=1 and are
skipped elsewhere, saying how to make one: `make release`."""

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests/e2e"))

import publish_release  # noqa: E402
from elf import is_static_elf  # noqa: E402
from oci_image import Image  # noqa: E402

VERSION = publish_release.cargo_version()
RELEASE = pathlib.Path(os.environ.get("LLSD_RELEASE_DIR", ROOT / f"target/release-artifacts/{VERSION}"))
ARCHES = ["amd64", "arm64"]
INSTALL_BINARY = "usr/local/bin/llsd-providers"  # installBinary's default, relative to the image root
ROLES = ["validate-llsd", "inject-deployments"]
REGISTRY = "quay.io/llsd-providers"
KWCTL = subprocess.run([ROOT / "scripts/find-kwctl.sh"], capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module", autouse=True)
def release():
    if not (RELEASE / "SHA256SUMS").is_file():
        message = f"{RELEASE} holds no release: run `make release` first"
        if os.environ.get("LLSD_TEST_ALL"):
            pytest.fail(f"{message} (LLSD_TEST_ALL is set: nothing may be skipped)", pytrace=False)
        pytest.skip(message)
    return RELEASE


def cli(arch="amd64"):
    return RELEASE / f"llsd-providers-linux-{arch}"


def run(*args, **kwargs):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, **kwargs)


def test_the_publishing_check_accepts_the_directory():
    done = run(sys.executable, ROOT / "scripts/publish_release.py", "check", RELEASE, "--tag", f"v{VERSION}")
    assert done.returncode == 0, done.stderr + done.stdout


# -- the native CLIs ----------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHES)
def test_each_native_cli_is_a_static_elf_of_its_architecture(arch):
    head = cli(arch).read_bytes()[:64]
    assert publish_release.elf_arch(head) == arch
    assert is_static_elf(cli(arch)), f"{cli(arch).name} asks for a dynamic loader"


def test_the_amd64_cli_runs_here():
    done = run(cli("amd64"), "--version")
    assert done.returncode == 0 and done.stdout == f"llsd-providers {VERSION}\n", done.stderr


# -- the images -----------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHES)
def test_the_merge_image_of_each_platform_carries_that_platforms_cli(arch, tmp_path):
    image = Image(RELEASE / "merge-config.oci.tar", f"linux/{arch}")
    assert image.config["architecture"] == arch and image.config["os"] == "linux"
    assert image.files() == {INSTALL_BINARY: (0o555, 0, 0)}
    assert image.config["config"]["Labels"]["org.opencontainers.image.version"] == VERSION
    root = image.unpack(tmp_path / "root")
    assert (root / INSTALL_BINARY).read_bytes() == cli(arch).read_bytes()


@pytest.mark.parametrize("arch", ARCHES)
def test_the_provider_image_of_each_platform_passes_check_image(arch):
    """The release's own check-image on each platform's image of the index.
    The image is data-only: both platforms carry the same layers."""
    archive = RELEASE / "provider-example.oci.tar"
    image = Image(archive, f"linux/{arch}")
    assert image.config["architecture"] == arch
    assert image.layers == Image(archive, "linux/amd64").layers
    done = run(cli(), "check-image", "--platform", f"linux/{arch}", "--python", "3.12", "--output", "json", archive)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] and report["findings"] == [] and report["platform"] == f"linux/{arch}", report


# -- the WASI module and the policy modules ---------------------------------------------


def test_the_wasi_module_runs_under_wasmtime():
    wasmtime = os.environ.get("WASMTIME", ROOT / ".tools/bin/wasmtime")
    spec = ROOT / "examples/provider-image/lls-provider-spec.yaml"
    done = run(wasmtime, "run", "--dir", f"{spec.parent}::/in", RELEASE / "llsd-providers.wasm",
               "validate", "/in/lls-provider-spec.yaml")
    assert done.returncode == 0, done.stderr + done.stdout
    version = run(wasmtime, "run", RELEASE / "llsd-providers.wasm", "--version")
    assert version.stdout == f"llsd-providers {VERSION}\n", version.stderr


def inspect(module):
    done = run(KWCTL, "inspect", "-o", "yaml", f"file://{module}")
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_module_carries_its_roles_metadata_and_artifact_hub_file(role):
    """Published at kubewarden-policy-<role>, scoped to its role: the
    validating role is neither mutating nor context-aware."""
    metadata = inspect(RELEASE / f"{role}.wasm")
    source = yaml.safe_load((ROOT / f"policy-metadata/roles/{role}/metadata.yml").read_text())
    assert metadata["rules"] == source["rules"]
    assert metadata["mutating"] == source["mutating"] == (role == "inject-deployments")
    assert bool(metadata.get("contextAwareResources")) == (role == "inject-deployments")
    oci = f"{REGISTRY}/kubewarden-policy-{role}"
    assert metadata["annotations"]["io.kubewarden.policy.ociUrl"] == oci
    assert metadata["annotations"]["io.kubewarden.policy.version"] == VERSION
    package = yaml.safe_load((RELEASE / f"artifacthub-pkg-{role}.yml").read_text())
    assert package["version"] == VERSION
    assert [i["image"] for i in package["containersImages"]] == [f"{oci}:v{VERSION}"]
    assert f"registry://{oci}:v{VERSION}" in package["install"]


def test_the_artifact_hub_files_carry_the_releases_time_not_the_builds():
    """kwctl stamps createdAt with the time of its run; the release writes
    its commit's time there, the time its SBOMs carry, so that two builds
    of one commit are byte-identical."""
    sbom_time = json.loads((RELEASE / "llsd-providers-cli.cdx.json").read_text())["metadata"]["timestamp"]
    for name in ["artifacthub-pkg.yml"] + [f"artifacthub-pkg-{role}.yml" for role in ROLES]:
        created = yaml.load((RELEASE / name).read_text(), Loader=yaml.BaseLoader)["createdAt"]
        assert created == sbom_time, name


def test_install_yaml_runs_each_instance_on_its_roles_module():
    policies = [doc for doc in yaml.safe_load_all((RELEASE / "install.yaml").read_text())
                if doc and doc["kind"] == "ClusterAdmissionPolicy"]
    modules = {p["metadata"]["name"]: p["spec"]["module"] for p in policies}
    assert modules == {
        "llsd-providers-validate": f"registry://{REGISTRY}/kubewarden-policy-validate-llsd:v{VERSION}",
        "llsd-providers-inject": f"registry://{REGISTRY}/kubewarden-policy-inject-deployments:v{VERSION}",
        "llsd-providers-inject-wired": f"registry://{REGISTRY}/kubewarden-policy-inject-deployments:v{VERSION}",
    }


# -- the SBOMs and the playground -------------------------------------------------------


def sbom(name):
    document = json.loads((RELEASE / name).read_text())
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.5", name
    assert document["serialNumber"].startswith("urn:uuid:") and document["metadata"]["timestamp"], name
    return document


def test_the_provider_images_sbom_names_the_wheel_the_image_carries(tmp_path):
    document = sbom("provider-example.cdx.json")
    assert document["metadata"]["component"]["name"] == "provider-example"
    (component,) = document["components"]
    root = Image(RELEASE / "provider-example.oci.tar").unpack(tmp_path / "root")
    (wheel,) = (root / "lls-provider/packages").glob("*.whl")
    assert (component["name"], component["version"]) == ("llsd-example-blocklist", "0.1.0")
    (reference,) = component["externalReferences"]
    assert reference["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(wheel.read_bytes()).hexdigest()}]


@pytest.mark.parametrize("arch", ARCHES)
def test_the_cli_sboms_list_the_controllers_crates(arch):
    document = sbom(f"llsd-providers-linux-{arch}.cdx.json")
    names = {c["name"] for c in document["components"]}
    assert {"llsd-providers", "clap", "kube-runtime", "rustls"} <= names, sorted(names)
    assert "openssl" not in names


def test_the_playground_site_archive_is_the_page_and_its_modules():
    with tarfile.open(RELEASE / "playground-site.tar.gz") as archive:
        names = set(archive.getnames())
        assert {"index.html", "sw.js", "style.css"} <= names
        assert any(n.startswith("pkg/") and n.endswith(".wasm") for n in names), sorted(names)
        assert all(m.mtime == 0 and m.uid == 0 for m in archive.getmembers())
