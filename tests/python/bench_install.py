"""Pod-start work of the install step, both install modes side by side:
for 1, 3 and 10 providers, the injected init containers run as in
test_install.py (their own commands, env and mounts, real paths, unshare -m)
on real wheels, interleaved, N rounds; prints the median wall time from the
first init container's start to the merged config, the number of init
containers and the size of the injected Deployment (YAML and JSON bytes).

    .venv/bin/python tests/python/bench_install.py [ROUNDS]

The times are the containers' own work; a kubelet adds its per-container
start cost (create, start, and in initContainers mode an image pull per
provider image) on top, which is where fewer init containers pay most.
"""

import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from pod_sim import BIN, Pod, build_wheel, default_python, inject, llsd, provider_spec  # noqa: E402
from project_version import DEFAULT_MERGE_IMAGE as MERGE_IMAGE  # noqa: E402

PY = default_python()
RUN_YAML = "version: 2\nimage_name: bench\napis:\n- inference\nproviders:\n  inference: []\n"


def main(rounds):
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-install-"))
    dist = work / "dist"
    dist.mkdir()
    server = work / "server"
    subprocess.run([PY, "-m", "venv", str(server)], check=True)
    merge_root = work / "merge-image"
    (merge_root / "usr/local/bin").mkdir(parents=True)
    shutil.copy(BIN, merge_root / "usr/local/bin/llsd-providers")
    shared = build_wheel(PY, work / "src", "bench-shared", "1.0",
                         {"bench_shared/__init__.py": "X = 1\n" * 2000}, (), dist)
    images = {MERGE_IMAGE: merge_root}
    entries = []
    for i in range(10):
        main_wheel = build_wheel(PY, work / "src", f"bench-p{i}", "1.0",
                                 {f"bench_p{i}/__init__.py": "Y = 1\n" * 2000,
                                  f"bench_p{i}/provider.py": "def get_provider_spec():\n    return None\n"},
                                 ["bench-shared>=1.0"], dist)
        root = work / f"image-p{i}"
        tree = root / "lls-provider"
        (tree / "packages").mkdir(parents=True)
        spec = provider_spec(f"p{i}", f"bench_p{i}", f"remote::p{i}", "inference", main_wheel, [shared])
        (tree / "lls-provider-spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
        shutil.copy(main_wheel, tree / "packages")
        shutil.copy(shared, tree / "packages")
        images[f"r.io/p{i}:1"] = root
        entries.append({"providerId": f"p{i}", "image": f"r.io/p{i}:1"})

    times = {}
    sizes = {}
    for r in range(rounds):
        for n in (1, 3, 10):
            for mode in ("initContainers", "imageVolume"):
                case = work / f"run-{r}-{n}-{mode}"
                case.mkdir()
                out = inject(case, llsd({"inference": entries[:n]}), {"installMode": mode})
                assert out.returncode == 0, out.stderr
                doc = yaml.safe_load(out.stdout)
                sizes[(n, mode)] = (len(out.stdout.encode()), len(json.dumps(doc, separators=(",", ":")).encode()),
                                    len(doc["spec"]["template"]["spec"]["initContainers"]))
                pod = Pod(case / "pod", out.stdout, images, server / "bin", RUN_YAML)
                start = time.monotonic()
                results = pod.run_init_containers()
                elapsed = time.monotonic() - start
                assert all(run.returncode == 0 for _, run, _ in results), results[-1][1].stderr
                assert (pod.volume("llsd-merged-config") / "config.yaml").exists()
                times.setdefault((n, mode), []).append(elapsed)
                shutil.rmtree(case)
    print(f"{rounds} interleaved rounds; median (min-max) seconds from the first init container to the merged config")
    print("| providers | mode | init containers | pod-start work (s) | Deployment YAML (bytes) | JSON (bytes) |")
    print("|---|---|---|---|---|---|")
    for n in (1, 3, 10):
        for mode in ("initContainers", "imageVolume"):
            t = times[(n, mode)]
            yaml_bytes, json_bytes, count = sizes[(n, mode)]
            print(f"| {n} | {mode} | {count} | {statistics.median(t):.3f} ({min(t):.3f}-{max(t):.3f})"
                  f" | {yaml_bytes} | {json_bytes} |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
