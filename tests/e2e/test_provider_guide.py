"""docs/provider-development.md's commands are the ones that work.

Every ```sh block of the guide is preceded by a marker: `<!-- tested -->`
(run here, in order, in a temporary copy of examples/provider-image/) or
`<!-- not run: REASON -->` (needs a registry or a cluster); `check-image`
runs after the build block, on the archive that block wrote, and must pass
(exit 0). The image build block must equal the recipe of
`make image-provider-example` in mk/images.mk line for line (`$(VPY)` stands
for python3), and the snippets the guide quotes must be what the example
files hold (server_api.py, the import fallback, then provider.py).
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from e2e_pod import pod_sim
from oci_image import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs/provider-development.md"
EXAMPLE = ROOT / "examples/provider-image"
BLOCK = re.compile(r"(?:<!-- (tested|not run: [^>]+) -->\n)?```(\w*)\n(.*?)```", re.DOTALL)
RECIPE_TARGET = "image-provider-example"


def blocks(language=None):
    """[(marker or None, language, text)] of the guide's fenced blocks."""
    found = [(m.group(1), m.group(2), m.group(3)) for m in BLOCK.finditer(GUIDE.read_text())]
    return [b for b in found if language is None or b[1] == language]


def commands(text):
    """A shell block's commands, continuation lines joined."""
    return [line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip()]


def recipe(target):
    """The recipe lines of `target` in mk/images.mk, as the shell gets them."""
    lines = (ROOT / "mk/images.mk").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        body.append(line[1:])
    return commands("\n".join(body))


def test_every_shell_block_is_marked():
    unmarked = [text for marker, _, text in blocks("sh") if marker is None]
    assert not unmarked, f"shell blocks without <!-- tested --> or <!-- not run: REASON -->: {unmarked}"
    assert [text for marker, _, text in blocks("sh") if marker == "tested"], "no tested block"


def test_the_build_block_is_the_make_recipe():
    (build,) = [text for marker, _, text in blocks("sh") if marker == "tested" and "buildah build" in text]
    make = [line.replace("$(VPY)", "python3").replace("$(IMAGES_DIR)", "target/images")
            for line in recipe(RECIPE_TARGET) if not line.startswith("buildah rmi")]
    assert commands(build) == make


def test_the_quoted_snippets_are_the_example_files():
    python = [text for _, language, text in blocks("python")]
    package = EXAMPLE / "src/llsd_example_blocklist"
    assert python == [(package / "server_api.py").read_text(), (package / "provider.py").read_text()]
    spec_snippet, llsd_snippet = [text for _, language, text in blocks("yaml")]
    assert yaml.safe_load(spec_snippet)["spec"] == yaml.safe_load((EXAMPLE / "lls-provider-spec.yaml").read_text())["spec"]
    assert llsd_snippet in (EXAMPLE / "llsd.yaml").read_text()


def test_the_tested_commands_run(tmp_path):
    if shutil.which("buildah") is None:
        message = "buildah is missing: make setup-images"
        if os.environ.get("LLSD_TEST_ALL"):
            pytest.fail(f"{message} (LLSD_TEST_ALL is set: nothing may be skipped)", pytrace=False)
        pytest.skip(message)
    work = tmp_path / "checkout"
    shutil.copytree(EXAMPLE, work / "examples/provider-image",
                    ignore=shutil.ignore_patterns("build", "*.egg-info"))
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "llsd-providers").symlink_to(pod_sim.BIN)
    venv = pathlib.Path(sys.executable).parent  # its python3 has setuptools and wheel (tests/e2e/requirements.txt)
    env = {**os.environ, "PATH": f"{tools}:{venv}:{os.environ['PATH']}",
           "BUILDAH_ISOLATION": "chroot", "STORAGE_DRIVER": "vfs"}
    try:
        for marker, _, text in blocks("sh"):
            if marker != "tested":
                continue
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=work, env=env,
                                 capture_output=True, text=True, check=False)
            assert run.returncode == 0, f"{text}\nexited {run.returncode}:\n{run.stdout}{run.stderr}"
    finally:
        subprocess.run(["buildah", "rmi", "provider-example"], env=env, capture_output=True, check=False)
    image = Image(work / "target/images/provider-example.oci.tar")
    spec = yaml.safe_load((EXAMPLE / "lls-provider-spec.yaml").read_text())["spec"]
    assert sorted(image.files()) == ["lls-provider/lls-provider-spec.yaml", f"lls-provider/{spec['wheelPath']}"]
