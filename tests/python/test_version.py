"""One version, everywhere (issue #25 item 2): every reference to this
project's own released artifacts — the merge-config image, the policy
modules, the policy metadata's `io.kubewarden.policy.version`, Artifact
Hub's `version` and release links — names the version in Cargo.toml
(`[workspace.package] version`). The code derives it at build time
(`env!("CARGO_PKG_VERSION")`, mk/images.mk's labels, `make release`'s
Artifact Hub file); this test fails on any text that drifted, naming the
file, the line and what to change. `scripts/set-version.sh NEW` rewrites
them all."""

import pathlib
import re
import subprocess

import pytest

from project_version import ROOT, VERSION

# (what, pattern with one group: the version as written, the expected text)
REFERENCES = [
    ("the merge-config image", re.compile(r"quay\.io/llsd-providers/merge-config:([0-9][0-9A-Za-z.+-]*)"), VERSION),
    ("a policy module", re.compile(r"quay\.io/llsd-providers/kubewarden-policy[a-z-]*:(v[0-9][0-9A-Za-z.+-]*)"),
     f"v{VERSION}"),
    ("the policy metadata's version", re.compile(r"io\.kubewarden\.policy\.version:\s*\"?([0-9][0-9A-Za-z.+-]*)"),
     VERSION),
    ("a release download link", re.compile(r"/releases/download/(v[0-9][0-9A-Za-z.+-]*)/"), f"v{VERSION}"),
    ("the policy's version in prose", re.compile(r"\bVERSION=(v[0-9][0-9A-Za-z.+-]*)"), f"v{VERSION}"),
]
TEXT_SUFFIXES = {".md", ".yml", ".yaml", ".rs", ".py", ".js", ".json", ".toml", ".mk", ".sh", ".bats", ".txt", ""}


def tracked_files():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        path = ROOT / name
        if name and path.suffix in TEXT_SUFFIXES and path.is_file() and "node_modules" not in name:
            yield path


def drift():
    found = []
    for path in tracked_files():
        try:
            lines = path.read_text().splitlines()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(lines, 1):
            for what, pattern, expected in REFERENCES:
                for match in pattern.finditer(line):
                    if match.group(1) != expected:
                        found.append(f"{path.relative_to(ROOT)}:{number}: {what} names {match.group(1)}, "
                                     f"Cargo.toml says {expected}")
    return found


def test_every_reference_names_the_cargo_version():
    problems = drift()
    assert not problems, (
        f"{len(problems)} reference(s) differ from Cargo.toml's version {VERSION}; run "
        f"scripts/set-version.sh {VERSION} (or fix them by hand):\n" + "\n".join(problems))


def test_the_artifacthub_files_name_the_cargo_version():
    for path in sorted((ROOT / "artifacthub").glob("*pkg*.yml")):
        (version,) = re.findall(r"^version:\s*(\S+)", path.read_text(), flags=re.M)
        assert version == VERSION, f"{path.relative_to(ROOT)}: version {version}, Cargo.toml {VERSION}"


def test_the_check_finds_a_drifted_reference(tmp_path, monkeypatch):
    """The scan is not vacuous: a file naming another version is reported
    with its line."""
    stale = tmp_path / "stale.md"
    # spelled in two pieces, so that the scan of this file does not find it
    stale.write_text("ok\nimage: quay.io/llsd-providers/merge-config" + ":0.0.9\n")
    monkeypatch.setattr(__import__(__name__), "tracked_files", lambda: iter([stale]))
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert drift() == [f"stale.md:2: the merge-config image names 0.0.9, Cargo.toml says {VERSION}"]


@pytest.mark.parametrize("reference", ["quay.io/llsd-providers/merge-config:", "io.kubewarden.policy.version: "])
def test_the_references_exist(reference):
    """The patterns match what the repository writes (a renamed image would
    otherwise make the check pass on nothing)."""
    assert any(reference in path.read_text(errors="replace") for path in tracked_files())
