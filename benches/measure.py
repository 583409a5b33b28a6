#!/usr/bin/env python3
"""Timing harness of benches/run.sh (standard library only).

e2e WORK --runs N ...   time every variant end to end (process start to the
                        three files written), interleaved round by round, on
                        WORK/starter and WORK/large; check that all variants
                        computed the same merge; write JSON.
report E2E_JSON CRITERION_DIR
                        print the Markdown results (end-to-end medians and
                        ratios, in-process medians, goals, machine).

Interleaving: each round runs every variant once, the starting variant
rotating from round to round, so that load from other processes on the
machine spreads over all variants instead of landing on one.
"""

import argparse
import gzip
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

OUTPUTS = ("config.yaml", "extra-providers.yaml", "merge-log.txt")
PYTHON_REFERENCE = "python-ref"


def merge_args(case_dir, out):
    with open(os.path.join(case_dir, "providers.txt")) as f:
        providers = f.read().strip()
    return ["--metadata-dir", "metadata", "--providers", providers, "--base", "base.yaml",
            "--output", f"{out}/config.yaml", "--extra-providers-output", f"{out}/extra-providers.yaml",
            "--log", f"{out}/merge-log.txt"]


def variants(a):
    """(key, label, argv prefix, extra args after the merge args). Commands run in the case directory."""
    wasm_run = [a.wasmtime, "run", "--dir", ".::."]
    return [
        ("native", "native CLI (`llsd-providers merge`)", [a.native, "merge"], []),
        ("wasmtime-precompiled", "`wasmtime run` of a precompiled `.cwasm` (`wasmtime compile`)",
         [a.wasmtime, "run", "--allow-precompiled", "--dir", ".::.", a.cwasm, "merge"], []),
        ("wasmtime-default", "`wasmtime run` default (compile cache on, warm)", wasm_run + [a.wasm, "merge"], []),
        ("wasmtime-nocache", "`wasmtime run -C cache=n` (compiles the module on every run)",
         [a.wasmtime, "run", "-C", "cache=n", "--dir", ".::.", a.wasm, "merge"], []),
        (PYTHON_REFERENCE, "Python reference, `yaml.safe_load`/`safe_dump` (what llama-stack uses)",
         [a.python, a.reference], []),
        ("python-ref-libyaml", "Python reference with PyYAML's C loader/dumper (`--libyaml`)",
         [a.python, a.reference], ["--libyaml"]),
    ]


def run_once(argv, case_dir, out):
    out_dir = os.path.join(case_dir, out)
    os.makedirs(out_dir, exist_ok=True)
    for name in OUTPUTS:
        path = os.path.join(out_dir, name)
        if os.path.exists(path):
            os.remove(path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=case_dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr.decode(errors='replace')}")
    for name in OUTPUTS:
        if not os.path.exists(os.path.join(out_dir, name)):
            sys.exit(f"{name} not written by: {' '.join(argv)}")
    return elapsed, cpu


def check_same_merge(a, case_dir, keys):
    """Every variant's config and extra-providers load (yaml.safe_load) to the
    native ones and its log has the same WARNING lines; the wasm variants'
    files are byte-identical to native's."""
    import yaml  # run this script with the reference's Python; imported after the timing

    def read(key, name):
        with open(os.path.join(case_dir, f"out-{key}", name), "rb") as f:
            return f.read()

    result = {}
    for key in keys:
        for name in ("config.yaml", "extra-providers.yaml"):
            ours, theirs = read("native", name), read(key, name)
            if key.startswith("wasmtime") and ours != theirs:
                sys.exit(f"{case_dir}: {key} {name} differs from native byte for byte")
            if yaml.safe_load(ours) != yaml.safe_load(theirs):
                sys.exit(f"{case_dir}: {key} {name} does not load to the same data as native's")
        warnings = [[line for line in read(k, "merge-log.txt").decode().splitlines() if line.startswith("WARNING:")]
                    for k in ("native", key)]
        if warnings[0] != warnings[1]:
            sys.exit(f"{case_dir}: {key} logs other warnings than native")
        result[key] = "byte-identical" if key.startswith("wasmtime") or key == "native" else "same data (safe_load)"
    return result


def python_in_process(a, case_dir, repeat, libyaml):
    argv = [a.python, a.reference] + merge_args(case_dir, "out-inprocess") + ["--repeat", str(repeat)]
    if libyaml:
        argv.append("--libyaml")
    os.makedirs(os.path.join(case_dir, "out-inprocess"), exist_ok=True)
    proc = subprocess.run(argv, cwd=case_dir, stdin=subprocess.DEVNULL, capture_output=True, check=True)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def e2e(a):
    cases = {}
    for case in ("starter", "large"):
        case_dir = os.path.join(a.work, case)
        vs = variants(a)
        args = merge_args(case_dir, "OUT")
        times = {key: [] for key, *_ in vs}
        cpu_times = {key: [] for key, *_ in vs}
        rounds = a.warmup + a.runs
        print(f"[{case}] {len(vs)} variants x {a.runs} runs (+{a.warmup} warm-up), interleaved",
              file=sys.stderr)
        for r in range(rounds):
            order = vs[r % len(vs):] + vs[:r % len(vs)]
            for key, _label, prefix, extra in order:
                out = f"out-{key}"
                argv = prefix + [x.replace("OUT", out) if x.startswith("OUT/") else x for x in args] + extra
                elapsed, cpu = run_once(argv, case_dir, out)
                if r >= a.warmup:
                    times[key].append(elapsed)
                    cpu_times[key].append(cpu)
            print(f"  round {r + 1}/{rounds}", file=sys.stderr, end="\r")
        print(file=sys.stderr)
        same = check_same_merge(a, case_dir, [key for key, *_ in vs])
        repeat = a.runs if case == "starter" else a.large_repeat
        in_process = {
            "python": python_in_process(a, case_dir, repeat, libyaml=False),
            "python-libyaml": python_in_process(a, case_dir, repeat, libyaml=True),
        }
        with open(os.path.join(case_dir, "base.yaml"), "rb") as f:
            base_bytes = len(f.read())
        cases[case] = {
            "base_bytes": base_bytes,
            "providers": len(os.listdir(os.path.join(case_dir, "metadata"))),
            "variants": [{"key": key, "label": label, "times_s": times[key], "cpu_s": cpu_times[key],
                          "check": same[key]}
                         for key, label, *_ in vs],
            "python_in_process": in_process,
        }
    with open(a.wasm, "rb") as f:
        module = f.read()
    info = {
        "runs": a.runs,
        "warmup": a.warmup,
        "wasm_bytes": len(module),
        "wasm_gzip_bytes": len(gzip.compress(module, compresslevel=9)),
        "cwasm_bytes": os.path.getsize(a.cwasm),
        "native_bytes": os.path.getsize(a.native),
        "machine": machine(a),
        "cases": cases,
    }
    with open(a.json, "w") as f:
        json.dump(info, f, indent=1)


def first_line(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def machine(a):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "load_before": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "rustc": first_line(["rustc", "--version"]),
        "wasmtime": first_line([a.wasmtime, "--version"]),
        "python": first_line([a.python, "-c", "import sys, yaml; print(sys.version.split()[0], "
                              "'PyYAML', yaml.__version__, 'libyaml' if yaml.__with_libyaml__ else 'no libyaml')"]),
    }


def criterion_median(directory, group, name):
    path = os.path.join(directory, group, name, "new", "estimates.json")
    with open(path) as f:
        median = json.load(f)["median"]
    return (median["point_estimate"] / 1e9, median["confidence_interval"]["lower_bound"] / 1e9,
            median["confidence_interval"]["upper_bound"] / 1e9)


def ms(seconds):
    if seconds >= 0.1:
        return f"{seconds * 1e3:,.0f} ms"
    if seconds >= 0.001:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:,.0f} µs"


def ratio(x):
    return f"{x:,.1f}×" if x >= 1 else f"{x:.2f}×"


def report(a):
    with open(a.json) as f:
        info = json.load(f)
    out = []
    m = info["machine"]
    out.append("## Results\n")
    out.append(f"Machine: {m['cpu']}, {m['cpus']} CPUs (shared with other builds), Linux {m['kernel']}, "
               f"load average {m['load_before']} before the run and {a.load_after} after it; {m['rustc']}; {m['wasmtime']}; "
               f"Python {m['python']}.\n")
    out.append(f"WASI module `llsd-providers.wasm`: {info['wasm_bytes']:,} bytes, "
               f"{info['wasm_gzip_bytes']:,} bytes gzipped (`gzip -9`); precompiled `.cwasm`: "
               f"{info['cwasm_bytes']:,} bytes; native binary: {info['native_bytes']:,} bytes.\n")
    goals = {}
    inproc = {}
    for case, data in info["cases"].items():
        title = ("starter: llama-stack 0.7.1 starter config" if case == "starter"
                 else "large: generated config") + f" ({data['base_bytes']:,} bytes) + {data['providers']} providers"
        out.append(f"### End to end, {title}\n")
        out.append(f"Process start to the three files written (wall-clock, `time.perf_counter` around "
                   f"`subprocess.run`); median of {info['runs']} interleaved runs after {info['warmup']} "
                   f"warm-up round(s). CPU time: user+sys of the process and its threads (`getrusage`).\n")
        out.append("| variant | median | min | max | Python reference ÷ variant | variant ÷ native CLI "
                   "| CPU time (user+sys) median | output |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---|")
        medians = {v["key"]: statistics.median(v["times_s"]) for v in data["variants"]}
        python = medians[PYTHON_REFERENCE]
        for v in data["variants"]:
            med = medians[v["key"]]
            out.append(f"| {v['label']} | {ms(med)} | {ms(min(v['times_s']))} | {ms(max(v['times_s']))} | "
                       f"{ratio(python / med)} | {ratio(med / medians['native'])} | "
                       f"{ms(statistics.median(v['cpu_s'])) if v.get('cpu_s') else '–'} | {v['check']} |")
        out.append("")
        if case == "starter":
            goals["e2e"] = {v["key"]: (v["label"], python / medians[v["key"]])
                            for v in data["variants"] if v["key"].startswith("wasmtime")}
        inproc[case] = data["python_in_process"]
    out.append("### In process\n")
    out.append("Rust: criterion medians (95% confidence interval of the median) of `cargo bench --bench merge`, "
               "as wall-clock time and as the benchmark thread's CPU time (which leaves out time spent waiting "
               "for a core on this shared machine). Python: medians of `reference_merge.py --repeat N`, the same "
               "work inside an already running interpreter with PyYAML imported (parse the metadata and the "
               "base, merge, dump; no file I/O), wall-clock (`time.perf_counter`) and thread CPU time "
               "(`time.thread_time`).\n")
    out.append("| case | measurement | wall-clock median | CPU-time median | Python (`safe_load`) ÷ this, wall-clock |")
    out.append("|---|---|---:|---:|---:|")
    for case in info["cases"]:
        py = inproc[case]["python"]["median_s"]
        rows = []
        for name, label in (("assemble_and_merge", "Rust: parse metadata + assemble + merge + render (`assemble_and_merge`)"),
                            ("merge_step", "Rust: `pipeline::run_merge_step` only (`merge_step`)")):
            cells = []
            for group in (case, f"{case}-cpu"):
                try:
                    med, lo, hi = criterion_median(a.criterion, group, name)
                    cells.append((f"{ms(med)} ({ms(lo)} – {ms(hi)})", med))
                except OSError:
                    cells.append(("–", None))
            if cells[0][1] is None:
                continue
            rows.append((label, cells[0][0], cells[1][0], cells[0][1]))
            if case == "starter" and name == "assemble_and_merge":
                goals["inproc"] = (cells[0][1], cells[1][1])
        for key, label in (("python", "Python reference, `yaml.safe_load`"), ("python-libyaml", "Python reference, libyaml")):
            d = inproc[case][key]
            cpu = d.get("cpu_median_s")
            rows.append((f"{label} (n={d['runs']})", ms(d["median_s"]), ms(cpu) if cpu else "–", d["median_s"]))
        for label, wall, cpu, med in rows:
            out.append(f"| {case} | {label} | {wall} | {cpu} | {ratio(py / med)} |")
    out.append("")
    out.append("### Goals\n")
    for key, (label, r) in goals.get("e2e", {}).items():
        verdict = "met" if r >= 10 else "not met"
        out.append(f"- `wasmtime run` end to end ≥ 10× faster than the Python reference on the starter case, "
                   f"{label}: {ratio(r)} — **{verdict}**")
    if "inproc" in goals:
        wall, cpu = goals["inproc"]
        if wall < 1e-3:
            verdict = "met"
        elif cpu is not None and cpu < 1e-3:
            verdict = "met in CPU time, not in wall-clock time on this loaded machine"
        else:
            verdict = "not met"
        cpu_text = f", {ms(cpu)} CPU time" if cpu is not None else ""
        out.append(f"- native in-process merge of the starter case < 1 ms (`starter/assemble_and_merge`): "
                   f"{ms(wall)} wall-clock{cpu_text} — **{verdict}**")
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("e2e")
    e.add_argument("work")
    e.add_argument("--runs", type=int, default=21)
    e.add_argument("--warmup", type=int, default=2)
    e.add_argument("--large-repeat", type=int, default=5)
    e.add_argument("--native", required=True)
    e.add_argument("--wasm", required=True)
    e.add_argument("--cwasm", required=True)
    e.add_argument("--wasmtime", default="wasmtime")
    e.add_argument("--python", required=True)
    e.add_argument("--reference", required=True)
    e.add_argument("--json", required=True)
    r = sub.add_parser("report")
    r.add_argument("json")
    r.add_argument("criterion")
    r.add_argument("--load-after", default="unknown")
    a = parser.parse_args()
    if a.command == "e2e":
        e2e(a)
    else:
        report(a)


if __name__ == "__main__":
    main()
