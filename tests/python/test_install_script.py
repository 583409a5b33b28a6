"""The copy script of the install-provider-{id} init containers
(installMode: initContainers), run for real: its text and env come from the
Deployment `llsd-providers inject` prints, /bin/sh runs it on real wheels.
Failure paths assert the documented messages; hostile values prove the
script only ever treats them as data. The resolution and installation
themselves are tested in test_install.py."""

import json
import pathlib

import pytest

from pod_sim import (container_env, build_wheel, default_python, init_containers, inject, llsd, provider_image,
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


def test_copy_puts_the_tree_on_the_shared_volume(tmp_path, wheels):
    tree = image(tmp_path, "alpha", wheels["alpha"], [wheels["shared1"]])
    (tree / "unrelated.txt").write_text("not copied")
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1"}])
    shared = tmp_path / "shared"
    run = run_install_container(containers["install-provider-alpha"], tree, shared, tmp_path / "term", PY)
    assert run.returncode == 0, run.stderr + run.stdout
    copy = shared / "sources/alpha/lls-provider"
    assert sorted(p.name for p in (copy / "packages").iterdir()) == sorted(
        [wheels["alpha"].name, wheels["shared1"].name])
    assert (copy / "lls-provider-spec.yaml").read_text() == (tree / "lls-provider-spec.yaml").read_text()
    assert not (copy / "unrelated.txt").exists()
    assert "Copied provider 'alpha' from r.io/alpha:1: 2 wheel(s)" in run.stdout
    # A restarted pod copies again over what is there.
    again = run_install_container(containers["install-provider-alpha"], tree, shared, tmp_path / "term", PY)
    assert again.returncode == 0, again.stderr


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
    # The config reaches the install step as JSON in one env value, never as shell text.
    merge = containers["merge-config"]
    # Kubernetes expands $(…) and $$ in env values: the injection escapes
    # every $, so the value the container sees is the LLSD's config exactly.
    providers = container_env(merge)["LLSD_PROVIDERS"]
    assert json.loads(providers)[0]["config"] == config
    raw = next(e["value"] for e in merge["env"] if e["name"] == "LLSD_PROVIDERS")
    assert "$$(touch CANARY)" in raw


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
        if var["name"] in ("PROVIDER_IMAGE", "INIT_CONTAINER_NAME"):
            var["value"] = hostile
        if var["name"] == "PROVIDER_ID":
            var["value"] = hostile.replace("/", "_").replace("\n", "_")
    (tree / "lls-provider-spec.yaml").unlink()  # the failure path prints every value
    run = run_install_container(container, tree, tmp_path / "shared", tmp_path / "term", PY)
    assert run.returncode == 1
    assert hostile in run.stderr
    assert not list(tmp_path.rglob("CANARY"))


@pytest.mark.parametrize("provider_id", ["../escape", "a/b", "..", "a\nb", "A", "-a", "a-", "a b", "a" * 64])
def test_provider_ids_that_are_not_labels_are_refused_by_the_script(tmp_path, wheels, provider_id):
    """Issue #14 item 8 (defence in depth): the script refuses an id that
    could leave the sources directory or add lines, before writing anything,
    even though the injection only passes validated ids."""
    tree = image(tmp_path, "alpha", wheels["alpha"])
    containers = containers_for(tmp_path, [{"providerId": "alpha", "image": "r.io/alpha:1"}])
    container = containers["install-provider-alpha"]
    for var in container["env"]:
        if var["name"] == "PROVIDER_ID":
            var["value"] = provider_id
    shared = tmp_path / "shared"
    run = run_install_container(container, tree, shared, tmp_path / "term", PY)
    assert run.returncode == 1, run.stdout
    assert "ERROR: PROVIDER_ID is not a DNS-1123 label" in run.stderr
    assert "install-provider-alpha (image: r.io/alpha:1)" in run.stderr
    assert (tmp_path / "term").read_text().startswith("PROVIDER_ID is not a DNS-1123 label")
    assert not (shared / "sources").exists() and not (tmp_path / "escape").exists()
    # the longest label is fine
    for var in container["env"]:
        if var["name"] == "PROVIDER_ID":
            var["value"] = "a" * 63
    assert run_install_container(container, tree, shared, tmp_path / "term", PY).returncode == 0
