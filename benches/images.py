"""The images of `make images`: their sizes, and the pod-start work run from
the merge image's own files (docs/benchmarks.md, "Images").

No container can start on the build machines, so "inside a fresh container"
is simulated as the end-to-end test does: target/images/merge-config.oci.tar
and provider-example.oci.tar are unpacked (layers applied as a runtime
does), and the injected init containers run with their own command, args,
env and volume mounts at the pod's real paths (`unshare -m`, bind mounts; a
fresh set of volumes per run), the server image being this Python's
Llama Stack venv. Each variant of the merge image's binary -- the static
musl build from the image, and the glibc release build
(target/release/llsd-providers) at the same path when it exists -- runs in
both install modes, interleaved round by round; medians of ROUNDS. With
hyperfine on PATH, the two binaries' own start and a small merge side by side.

    make bench-images      (or: LLSD_BIN=... .venv-e2e/bin/python benches/images.py [ROUNDS]; root, for unshare -m)
"""

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/e2e"))
sys.path.insert(0, str(ROOT / "tests/python"))

import pod_sim  # noqa: E402
from e2e_pod import Pod  # noqa: E402
from oci_image import Image  # noqa: E402

IMAGES = ROOT / "target/images"
INSTALL_BINARY = "usr/local/bin/llsd-providers"
PROVIDER = "registry.example.com/acme/example-blocklist:0.1.0"
BASE = "version: 2\ndistro_name: bench\napis:\n- tool_runtime\nproviders:\n  tool_runtime: []\n"
MODES = ["imageVolume", "initContainers"]


def sizes(name):
    path = IMAGES / f"{name}.oci.tar"
    image = Image(path)
    layers = sum(layer["size"] for layer in image.manifest["layers"])
    return path.stat().st_size, layers, sum(len(layer) for layer in image.layers)


def run_pod(work, mode, merge_ref, images):
    doc = pod_sim.llsd({"toolRuntime": [{"providerId": "example-blocklist", "image": PROVIDER,
                                         "config": {"blocked_words": ["x"]}}]})
    out = pod_sim.inject(work, doc, {"installMode": mode, "mergeImage": merge_ref})
    assert out.returncode == 0, out.stderr
    pod = Pod(work / "pod", out.stdout, images, pathlib.Path(sys.executable).parent)
    merge = pod.merge_container
    pod.host(merge, pod.arg(merge, "--base")).write_text(BASE)
    times = {}
    for container in pod.init_containers:
        start = time.monotonic()
        run = pod.run(container)
        times[container["name"]] = time.monotonic() - start
        assert run.returncode == 0, f"{container['name']}: {run.stderr}"
    return sum(times.values()), times["merge-config"]


def main(rounds):
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-images-"))
    try:
        musl_root = Image(IMAGES / "merge-config.oci.tar").unpack(work / "merge-musl")
        images = {PROVIDER: Image(IMAGES / "provider-example.oci.tar").unpack(work / "provider"),
                  "merge:musl": musl_root}
        glibc = ROOT / "target/release/llsd-providers"
        if glibc.is_file():
            (work / "merge-glibc/usr/local/bin").mkdir(parents=True)
            shutil.copy(glibc, work / "merge-glibc" / INSTALL_BINARY)
            images["merge:glibc"] = work / "merge-glibc"
        variants = [ref for ref in images if ref.startswith("merge:")]
        results = {(v, m): ([], []) for v in variants for m in MODES}
        for n in range(rounds):
            for variant in variants:
                for mode in MODES:
                    case = work / f"run-{n}-{variant[6:]}-{mode}"
                    case.mkdir()
                    total, merge = run_pod(case, mode, variant, images)
                    results[(variant, mode)][0].append(total)
                    results[(variant, mode)][1].append(merge)
                    shutil.rmtree(case)

        print(f"load average at the end: {os.getloadavg()[0]:.1f}, {rounds} rounds\n")
        print("| image | archive | layers (gzip) | layers (uncompressed) |")
        print("|---|---:|---:|---:|")
        for name in ("merge-config", "provider-example"):
            archive, gz, raw = sizes(name)
            print(f"| {name}.oci.tar | {archive:,} B | {gz:,} B | {raw:,} B |")
        print(f"\nbinary in the image: {(musl_root / INSTALL_BINARY).stat().st_size:,} B (musl, static)"
              + (f"; glibc release build: {glibc.stat().st_size:,} B" if glibc.is_file() else ""))
        print("\n| binary | mode | init containers, total: median (min-max) | merge-config: median (min-max) |")
        print("|---|---|---:|---:|")
        for (variant, mode), (totals, merges) in results.items():
            print(f"| {variant[6:]} | {mode} | {statistics.median(totals):.3f} s ({min(totals):.3f}-{max(totals):.3f})"
                  f" | {statistics.median(merges):.3f} s ({min(merges):.3f}-{max(merges):.3f}) |")
        if glibc.is_file() and shutil.which("hyperfine"):
            hyperfine(work, {"musl": musl_root / INSTALL_BINARY, "glibc": glibc})
    finally:
        shutil.rmtree(work, ignore_errors=True)


def hyperfine(work, binaries):
    """The binaries' own start and a small merge, without the Python probe (hyperfine -N, medians)."""
    merge = ROOT / "examples/merge"
    out = work / "merge-out"
    out.mkdir()
    cases = {
        "`llsd-providers --version` (process start)": ["--version"],
        "`merge` of `examples/merge/`": [
            "merge", "--metadata-dir", merge / "metadata", "--providers", "ollama,pgvector-ext",
            "--base", merge / "run.yaml", "--output", out / "run.yaml",
            "--extra-providers-output", out / "extra.yaml", "--log", out / "log.txt"],
    }
    print(f"\n| command | {' | '.join(binaries)} |")
    print("|---|" + "---:|" * len(binaries))
    for title, args in cases.items():
        report = work / "hyperfine.json"
        command = ["hyperfine", "-N", "--runs", "60", "--warmup", "5", "--export-json", report]
        for name, binary in binaries.items():
            command += ["-n", name, " ".join(str(a) for a in [binary, *args])]
        subprocess.run(command, check=True, capture_output=True)
        medians = [r["median"] * 1e3 for r in json.loads(report.read_text())["results"]]
        print(f"| {title} | " + " | ".join(f"{m:.2f} ms" for m in medians) + " |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
