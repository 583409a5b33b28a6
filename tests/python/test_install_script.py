"""The install script, run for real: its text and env come from the
Deployment `llsd-providers inject` prints, /bin/sh runs it, real pip
installs real wheels. Failure paths assert the documented messages;
hostile values prove the script only ever treats them as data."""

import json
import pathlib

import pytest

from pod_sim import (build_wheel, default_python, init_containers, inject, llsd, provider_image,
                     provider_spec, run_install_container)

PY = default_python()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheels")
    out = root / "dist"
    out.mkdir()
    make = lambda name, version, deps=(): build_wheel(  # noqa: E731
        PY, root / "src", name, version,
        {f"{name.replace('-', '_')}/__init__.py": f"VERSION = {version!r}\n"}, deps, out)
    return {
        "alpha": make("alpha-provider", "1.0.0", ["shareddep==1.0"]),
        "beta": make("beta-provider", "2.0.0", ["shareddep>=2.0"]),
        "shared1": make("shareddep", "1.0"),
        "shared2": make("shareddep", "2.0"),
    }


def image(tmp_path, name, main, deps=(), api="inference"):
    spec = provider_spec(name, main.name.split("-")[0], f"remote::{name}", api, main, deps)
    return provider_image(tmp_path / f"image-{name}", spec, [main, *deps])


def containers_for(tmp_path, entries):
    out = inject(tmp_path, llsd({"inference": entries}))
    assert out.returncode == 0, out.stderr
    return {c["name"]: c for c in init_containers(out.stdout)}


def test_install_records_packages_and_metadata(tmp_path, wheels):
    tree = image(tmp_path, "alpha", wheels["alpha"], [wheels["shared1"]])
    config = {"url": "http://alpha:8000", "tls": "yes"}
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1", "config": config}])
    shared = tmp_path / "shared"
    run = run_install_container(containers["install-provider-alpha"], tree, shared, tmp_path / "term", PY)
    assert run.returncode == 0, run.stderr + run.stdout
    assert (shared / "python-packages/alpha_provider/__init__.py").exists()
    assert (shared / "python-packages/shareddep/__init__.py").exists()
    assert (shared / "installed-packages.txt").read_text().splitlines() == [
        "alpha_provider==1.0.0  # provider: alpha",
        "shareddep==1.0  # provider: alpha",
    ]
    assert (shared / "metadata/alpha/lls-provider-spec.yaml").read_text() == (tree / "lls-provider-spec.yaml").read_text()
    crd = json.loads((shared / "metadata/alpha/crd-config.yaml").read_text())
    assert crd == {"providerId": "alpha", "api": "inference", "image": "r.io/alpha:1", "config": config}


def test_missing_metadata_file(tmp_path, wheels):
    tree = image(tmp_path, "alpha", wheels["alpha"])
    (tree / "lls-provider-spec.yaml").unlink()
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1"}])
    run = run_install_container(containers["install-provider-alpha"], tree, tmp_path / "shared", tmp_path / "term", PY)
    assert run.returncode == 1
    assert f"ERROR: Missing {tree}/lls-provider-spec.yaml in image r.io/alpha:1" in run.stderr
    assert "Init Container: install-provider-alpha" in run.stderr
    summary = (tmp_path / "term").read_text()
    assert summary.count("\n") == 1 and "r.io/alpha:1" in summary and "install-provider-alpha" in summary


def test_missing_packages_directory(tmp_path, wheels):
    tree = image(tmp_path, "alpha", wheels["alpha"])
    for wheel in (tree / "packages").iterdir():
        wheel.unlink()
    (tree / "packages").rmdir()
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1"}])
    run = run_install_container(containers["install-provider-alpha"], tree, tmp_path / "shared", tmp_path / "term", PY)
    assert run.returncode == 1
    assert f"ERROR: Missing {tree}/packages directory in image r.io/alpha:1" in run.stderr
    assert "Missing" in (tmp_path / "term").read_text()


def test_dependency_conflict_with_an_earlier_provider_is_detected_by_pip(tmp_path, wheels):
    alpha = image(tmp_path, "alpha", wheels["alpha"], [wheels["shared1"]])
    beta = image(tmp_path, "beta", wheels["beta"], [wheels["shared2"]])
    containers = containers_for(tmp_path, [
        {"providerId": "alpha", "image": "r.io/alpha:1"},
        {"providerId": "beta", "image": "r.io/beta:2"},
    ])
    shared = tmp_path / "shared"
    first = run_install_container(containers["install-provider-alpha"], alpha, shared, tmp_path / "term-a", PY)
    assert first.returncode == 0, first.stderr
    second = run_install_container(containers["install-provider-beta"], beta, shared, tmp_path / "term-b", PY)
    assert second.returncode == 1
    err = second.stderr
    assert err.startswith("ERROR: Cannot install provider 'beta' due to dependency conflict\n\n"
                          "Provider: beta\nImage: r.io/beta:2\nInit Container: install-provider-beta\n\n"
                          "Pip installation failed with:\n"), err
    assert "shareddep" in err and "conflict" in err  # pip's own explanation
    assert ("Previously installed packages can be found in: "
            "/opt/llama-stack/external-providers/installed-packages.txt") in err
    assert err.rstrip().endswith(
        "Resolution: Update provider images to use compatible dependency versions, or reorder providers "
        "in the CRD if one provider's dependencies are a superset of another's.")
    summary = (tmp_path / "term-b").read_text()
    assert summary.count("\n") == 1 and "dependency conflict" in summary
    # nothing of beta was recorded
    assert "beta" not in (shared / "installed-packages.txt").read_text()


def test_same_dependency_version_from_two_providers_is_fine(tmp_path, wheels):
    alpha = image(tmp_path, "alpha", wheels["alpha"], [wheels["shared1"]])
    again = image(tmp_path, "alpha2", wheels["alpha"], [wheels["shared1"]])
    containers = containers_for(tmp_path, [
        {"providerId": "alpha", "image": "r.io/alpha:1"},
        {"providerId": "alpha2", "image": "r.io/alpha:1"},
    ])
    shared = tmp_path / "shared"
    for name, tree in [("alpha", alpha), ("alpha2", again)]:
        run = run_install_container(containers[f"install-provider-{name}"], tree, shared, tmp_path / "t", PY)
        assert run.returncode == 0, run.stderr


HOSTILE = [
    "$(touch CANARY)", "`touch CANARY`", "'; touch CANARY; '", "\"; touch CANARY; \"",
    "a\nb; touch CANARY", "${IFS}touch${IFS}CANARY", "|| touch CANARY", "ünï©ødé ✓ \\ \\n",
]


def test_hostile_config_values_are_data(tmp_path, wheels):
    tree = image(tmp_path, "alpha", wheels["alpha"])
    config = {f"k{i}": value for i, value in enumerate(HOSTILE)}
    config["$(touch CANARY)"] = "key"
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1", "config": config}])
    container = containers["install-provider-alpha"]
    run = run_install_container(container, tree, tmp_path / "shared", tmp_path / "term", PY)
    assert run.returncode == 0, run.stderr
    assert not list(tmp_path.rglob("CANARY")) and not pathlib.Path("CANARY").exists()
    crd = json.loads((tmp_path / "shared/metadata/alpha/crd-config.yaml").read_text())
    assert crd["config"] == config


def test_the_script_text_is_the_same_for_every_provider(tmp_path):
    entries = [
        {"providerId": "plain", "image": "r.io/plain:1"},
        {"providerId": "hostile", "image": "r.io/hostile:1", "config": {f"x{i}": v for i, v in enumerate(HOSTILE)}},
    ]
    containers = containers_for(tmp_path, entries)
    scripts = {c["command"][2] for name, c in containers.items() if name.startswith("install-provider-")}
    assert len(scripts) == 1
    (script,) = scripts
    for value in HOSTILE:
        assert value not in script


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_env_values_bypassing_validation_are_data(tmp_path, wheels, hostile):
    """Even values the LLSD validation would refuse never execute."""
    tree = image(tmp_path, "alpha", wheels["alpha"])
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1"}])
    container = containers["install-provider-alpha"]
    for var in container["env"]:
        if var["name"] in ("PROVIDER_IMAGE", "INIT_CONTAINER_NAME", "PROVIDER_CRD_CONFIG"):
            var["value"] = hostile
        if var["name"] == "PROVIDER_ID":
            var["value"] = hostile.replace("/", "_").replace("\n", "_")
    (tree / "lls-provider-spec.yaml").unlink()  # the failure path prints every value
    run = run_install_container(container, tree, tmp_path / "shared", tmp_path / "term", PY)
    assert run.returncode == 1
    assert hostile in run.stderr
    assert not list(tmp_path.rglob("CANARY"))
