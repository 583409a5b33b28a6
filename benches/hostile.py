#!/usr/bin/env python3
"""Issue #24's worst cases against the release binary: each hostile input is
built in a temporary directory, run once in a fresh process (os.wait4 gives
that process's own peak RSS and nothing else's), and reported as one row of
a markdown table: item, input, command, exit code, the first line of the
error or termination message, peak RSS, wall time.

    cargo build --release -p llsd-providers-cli
    python3 benches/hostile.py [--bin target/release/llsd-providers] [--python PY]

Stdlib only. Each run is spawned by a fresh `python3 -I -S` (RUNNER), as
Linux counts the spawning process's resident set before exec in the
child's peak: the `--version` row is that floor, the same for every row.
For install the peak is also the largest of the children the binary
waited for (the server Python's probe, ~30 MB). Writes up to ~1.3 GB
in the temporary directory at a time (the bounded wheel entry).
"""

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MiB = 1 << 20
ROWS = []

SPEC = """apiVersion: llamastack.io/v1alpha1
kind: ProviderPackage
metadata: {{name: acme, version: 1.0.0, vendor: Acme}}
spec:
  packageName: acme_provider
  providerType: remote::acme
  api: inference
  wheelPath: packages/{wheel}
  dependencyWheels: []
"""
WHEEL = "acme_provider-1.0.0-py3-none-any.whl"
PROVIDERS = json.dumps([{"providerId": "p", "api": "inference", "image": "r.io/p:1"}])


# ---------------------------------------------------------------- running


# Run by a fresh `python3 -I -S` (a few MB, the same for every case): spawns
# the binary, waits for it with os.wait4 (its rusage alone: its peak RSS and
# that of the children it waited for), kills it at the timeout, and prints
# "exit-code maxrss-KiB wall-seconds killed".
RUNNER = """
import os, sys, time
timeout, out, err, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
fds = [os.open(os.devnull, os.O_RDONLY), os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
       os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, fd, i) for i, fd in enumerate(fds)])
killed = False
while True:
    done, status, usage = os.wait4(pid, 0 if killed or timeout <= 0 else os.WNOHANG)
    if done:
        break
    if time.perf_counter() - started > timeout:
        os.kill(pid, 9)
        killed = True
    else:
        time.sleep(0.005)
wall = time.perf_counter() - started
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, wall, int(killed))
"""


def run(item, what, argv, cwd, term_log=None, timeout=None):
    """Runs argv once, in a fresh process, and records a row; returns the exit code."""
    out_path, err_path = os.path.join(cwd, ".stdout"), os.path.join(cwd, ".stderr")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", RUNNER, str(timeout or 0), out_path, err_path, *argv],
                            cwd=cwd, capture_output=True, text=True, check=True)
    code, maxrss, wall, killed = result.stdout.split()
    code, rss, wall = int(code), int(maxrss) / 1024, float(wall)
    message = first_line(out_path, err_path, term_log).replace(cwd + "/", "").replace(cwd, ".")
    if killed == "1":
        message = f"killed after the {timeout} s timeout; " + message
    ROWS.append((item, what, command_text(argv, cwd), str(code), message, rss, wall))
    print(f"  {item}: {what}: exit {code}, {rss:.1f} MB, {wall:.2f} s", file=sys.stderr)
    return code


def command_text(argv, cwd):
    """The command, temp paths relative; install's fixed arguments are INSTALL_ARGS."""
    if argv[1] == "install":
        return "install INSTALL_ARGS"
    return " ".join(["llsd-providers"] + [a.replace(cwd + "/", "") for a in argv[1:]])


INSTALL_ARGS = ("`llsd-providers install --sources sources --target packages --metadata-dir metadata "
                "--installed-list installed.txt --termination-log termination-log --python PY "
                "--providers-json '[{\"providerId\": \"p\", \"api\": \"inference\", \"image\": \"r.io/p:1\"}]'` "
                "(item 10: the providerId the input names) in a fresh temporary directory; "
                "PY: the server's Python, whose probe runs once the tree is read")


def first_line(out_path, err_path, term_log):
    """The termination message's first line, else stderr's, else stdout's first ERROR line."""
    candidates = []
    if term_log and os.path.exists(term_log):
        candidates.append(open(term_log, errors="replace").read())
    candidates.append(open(err_path, errors="replace").read())
    stdout = open(out_path, errors="replace").read()
    candidates.append("\n".join(l for l in stdout.splitlines() if l.startswith("ERROR")))
    candidates.append(stdout.strip().splitlines()[-1] if stdout.strip() else "")
    for text in candidates:
        for line in text.splitlines():
            if line.strip():
                return line.strip()
    return "(no output)"


# ---------------------------------------------------------------- builders


def zeros(n):
    """A file object of n zero bytes, read in chunks (never held whole)."""

    class Zeros(io.RawIOBase):
        left = n

        def readable(self):
            return True

        def readinto(self, buf):
            k = min(len(buf), self.left)
            buf[:k] = bytes(k)
            self.left -= k
            return k

    return io.BufferedReader(Zeros(), MiB)


def write_wheel(path, requires=(), big=None):
    """A wheel of acme_provider (name from the path's file name) with METADATA's
    Requires-Dist lines; big=(name, bytes) adds a deflated entry of zeros,
    streamed."""
    name, version = os.path.basename(path).split("-")[:2]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("acme_provider/__init__.py", "# module\n")
        if big:
            with z.open(big[0], "w") as f:
                left = big[1]
                chunk = bytes(MiB)
                while left:
                    f.write(chunk[: min(MiB, left)])
                    left -= min(MiB, left)
        meta = f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n"
        meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
        z.writestr(f"{name}-{version}.dist-info/METADATA", meta)
        z.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")


def declare_size(path, entry, declared):
    """Rewrites the uncompressed size `entry` declares, in its local and central headers."""
    with open(path, "r+b") as f:
        data = f.read()
        eocd = data.rfind(b"PK\x05\x06")
        count = int.from_bytes(data[eocd + 10 : eocd + 12], "little")
        at = int.from_bytes(data[eocd + 16 : eocd + 20], "little")
        for _ in range(count):
            n, m, k = (int.from_bytes(data[at + o : at + o + 2], "little") for o in (28, 30, 32))
            if data[at + 46 : at + 46 + n].decode() == entry:
                local = int.from_bytes(data[at + 42 : at + 46], "little")
                f.seek(at + 24)
                f.write(declared.to_bytes(4, "little"))
                f.seek(local + 22)
                f.write(declared.to_bytes(4, "little"))
                return
            at += 46 + n + m + k
    raise SystemExit(f"{entry} not in {path}")


def provider_tree(dir, wheel_name=WHEEL, **wheel):
    """sources/p/lls-provider with the spec naming wheel_name and one wheel
    (on disk as WHEEL: a long name is given in the layer only); returns the
    tree's path."""
    tree = os.path.join(dir, "sources/p/lls-provider")
    os.makedirs(os.path.join(tree, "packages"))
    with open(os.path.join(tree, "lls-provider-spec.yaml"), "w") as f:
        f.write(SPEC.format(wheel=wheel_name))
    write_wheel(os.path.join(tree, "packages", WHEEL), **wheel)
    return tree


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def layer_from_dir(dir, out, extra=None, compress=True, rename=None):
    """A layer tar of the files under dir (as lls-provider/…, file names
    mapped by rename), then extra(tar)."""
    with tarfile.open(out, "w:gz" if compress else "w", format=tarfile.PAX_FORMAT) as t:
        for base, dirs, files in os.walk(dir):
            for name in sorted(dirs) + sorted(files):
                full = os.path.join(base, name)
                arc = "lls-provider/" + os.path.relpath(full, dir) if full != dir else "lls-provider"
                if rename and name in rename:
                    arc = os.path.join(os.path.dirname(arc), rename[name])
                info = t.gettarinfo(full, arc)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o755 if info.isdir() else 0o644
                if info.isdir():
                    t.addfile(info)
                else:
                    with open(full, "rb") as f:
                        t.addfile(info, f)
        if extra:
            extra(t)
    return out


def oci_archive(out, layer_files, listed=None):
    """An OCI archive of the layer blobs (files); `listed`: the manifest's
    layer list as indexes into layer_files (default: each once, in order)."""
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
    descs = []
    for path in layer_files:
        media = "tar+gzip" if open(path, "rb").read(2) == b"\x1f\x8b" else "tar"
        descs.append({"mediaType": f"application/vnd.oci.image.layer.v1.{media}",
                      "digest": "sha256:" + sha256_file(path), "size": os.path.getsize(path)})
    listed = range(len(layer_files)) if listed is None else listed
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
                           "layers": [descs[i] for i in listed]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": "sha256:" + hashlib.sha256(manifest).hexdigest(), "size": len(manifest)}]}).encode()
    with tarfile.open(out, "w") as t:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            t.addfile(info, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", index)
        add("blobs/sha256/" + hashlib.sha256(config).hexdigest(), config)
        add("blobs/sha256/" + hashlib.sha256(manifest).hexdigest(), manifest)
        for path, desc in zip(layer_files, descs):
            t.add(path, "blobs/sha256/" + desc["digest"][7:])
    return out


def size(path):
    n = os.path.getsize(path)
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} KB"


# ---------------------------------------------------------------- cases


def install(item, what, dir, args, python, providers=PROVIDERS, timeout=None):
    log = os.path.join(dir, "termination-log")
    argv = [args.bin, "install", "--sources", os.path.join(dir, "sources"),
            "--target", os.path.join(dir, "packages"), "--metadata-dir", os.path.join(dir, "metadata"),
            "--installed-list", os.path.join(dir, "installed.txt"), "--providers-json", providers,
            "--termination-log", log, "--python", python]
    return run(item, what, argv, dir, term_log=log, timeout=timeout)


def check_image(item, what, dir, archive, args):
    return run(item, what, [args.bin, "check-image", archive], dir)


def fresh(work):
    dir = tempfile.mkdtemp(dir=work)
    return dir


def case_floor(work, args):
    dir = fresh(work)
    run("-", "(floor: `--version`)", [args.bin, "--version"], dir)
    shutil.rmtree(dir)


def case_1(work, args):
    # a 1.26 GB entry of zeros whose headers say 1,000 bytes
    dir = fresh(work)
    tree = provider_tree(dir, big=("acme_provider/zeros.bin", 1202 * MiB))
    wheel = os.path.join(tree, "packages", WHEEL)
    declare_size(wheel, "acme_provider/zeros.bin", 1000)
    install("1", f"wheel {size(wheel)}: entry of 1.26 GB declared as 1,000 bytes", dir, args, args.python)
    shutil.rmtree(dir)
    # an honest 600 MB entry
    dir = fresh(work)
    tree = provider_tree(dir, big=("acme_provider/zeros.bin", 600_000_000))
    wheel = os.path.join(tree, "packages", WHEEL)
    install("1", f"wheel {size(wheel)}: honest 600 MB entry", dir, args, args.python)
    shutil.rmtree(dir)


def marker_cases():
    """(label, Requires-Dist) for items 2 and 3."""
    terms = lambda n, sep: sep.join(f'extra == "e{i}"' if sep == " or " else f'extra=="e{i}"' for i in range(n))
    cases = [(f"{n:,} `extra == \"eN\" or …` terms", "helper; " + terms(n, " or ")) for n in (640, 1280, 10_000)]
    cases.append(('200 terms `extra=="e0"or extra=="e1"…`', "helper; " + terms(200, "or ")))
    depth = 5000
    nested = "helper; " + "(" * depth + 'extra == "a"' + ")" * depth
    return cases, (f"marker nested {depth:,} parentheses deep", nested)


def check_image_of_tree(dir, tree, name="image.oci.tar", rename=None):
    layer = layer_from_dir(tree, os.path.join(dir, "layer.tar.gz"), rename=rename)
    archive = oci_archive(os.path.join(dir, name), [layer])
    os.remove(layer)
    return archive


def case_2_3(work, args):
    cases, nested = marker_cases()
    for item, (label, requirement) in [("2", c) for c in cases] + [("3", nested)]:
        what = f"Requires-Dist {len(requirement):,} bytes: {label}"
        dir = fresh(work)
        tree = provider_tree(dir, requires=[requirement])
        install(item, what, dir, args, args.python)
        archive = check_image_of_tree(dir, tree)
        check_image(item, what, dir, archive, args)
        shutil.rmtree(dir)


def case_5(work, args):
    builds = [
        ("spec a FIFO", lambda spec: os.mkfifo(spec)),
        ("spec a symlink to /dev/zero", lambda spec: os.symlink("/dev/zero", spec)),
        ("spec an absolute symlink to /etc/passwd", lambda spec: os.symlink("/etc/passwd", spec)),
    ]
    for label, build in builds:
        dir = fresh(work)
        tree = provider_tree(dir)
        spec = os.path.join(tree, "lls-provider-spec.yaml")
        os.remove(spec)
        build(spec)
        install("5", f"provider tree: {label}", dir, args, args.python, timeout=20)
        shutil.rmtree(dir)


def case_6(work, args):
    # 40 hard links to a 50 MB file in one (gzipped) layer
    dir = fresh(work)
    tree = provider_tree(dir)

    def links(t):
        big = tarfile.TarInfo("lls-provider/big")
        big.size, big.mode = 50_000_000, 0o644
        t.addfile(big, zeros(big.size))
        for i in range(40):
            link = tarfile.TarInfo(f"lls-provider/link{i}")
            link.type, link.linkname, link.mode = tarfile.LNKTYPE, "lls-provider/big", 0o644
            t.addfile(link)

    layer = layer_from_dir(tree, os.path.join(dir, "layer.tar.gz"), extra=links)
    archive = oci_archive(os.path.join(dir, "links.oci.tar"), [layer])
    check_image("6", f"archive {size(archive)}: 40 hard links to a 50 MB file in one layer", dir, archive, args)
    shutil.rmtree(dir)

    # a wheel whose name has 200 dots in each tag part
    dir = fresh(work)
    dots = ".".join(["x"] * 201)
    name = f"acme_provider-1.0.0-{dots}-{dots}-{dots}.whl"
    tree = provider_tree(dir, wheel_name=name)
    archive = check_image_of_tree(dir, tree, rename={WHEEL: name})
    check_image("6", f"archive {size(archive)}: wheel name with 200 dots per tag part ({len(name):,} chars)", dir, archive, args)
    shutil.rmtree(dir)

    # a 52 MB layer listed 200 times in the manifest
    dir = fresh(work)
    tree = provider_tree(dir)
    good = layer_from_dir(tree, os.path.join(dir, "good.tar.gz"))
    data_dir = os.path.join(dir, "data-tree")
    os.makedirs(data_dir)
    with open(os.path.join(data_dir, "data.bin"), "wb") as f:
        for _ in range(52_000_000 // MiB):
            f.write(os.urandom(MiB))
        f.write(os.urandom(52_000_000 % MiB))
    big = layer_from_dir(data_dir, os.path.join(dir, "big.tar"), compress=False)
    shutil.rmtree(data_dir)
    archive = oci_archive(os.path.join(dir, "listed.oci.tar"), [good, big], listed=[0] + [1] * 200)
    check_image("6", f"archive {size(archive)}: {size(big)} layer listed 200 times", dir, archive, args)
    shutil.rmtree(dir)


def case_10(work, args):
    for pid in ["../elsewhere/x", "/abs"]:
        dir = fresh(work)
        provider_tree(dir)
        providers = json.dumps([{"providerId": pid, "api": "inference", "image": "r.io/p:1"}])
        install("10", f"--providers-json providerId `{pid}`", dir, args, args.python, providers=providers)
        shutil.rmtree(dir)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "target/release/llsd-providers"))
    venv = os.path.join(ROOT, ".venv/bin/python3")
    p.add_argument("--python", default=venv if os.path.exists(venv) else "python3",
                   help="the server's Python for install's probe")
    p.add_argument("--work", default=None, help="where inputs are built (default: a temp dir)")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="llsd-hostile-", dir=args.work)
    try:
        for case in (case_floor, case_1, case_2_3, case_5, case_6, case_10):
            case(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    esc = lambda s: re.sub(r"((?:x\.){3})(?:x\.)+x", r"\1…x", s).replace("|", "\\|")
    print("| item | input | command | exit | first line of the message | peak RSS (MB) | wall (s) |")
    print("|---|---|---|---|---|---|---|")
    for item, what, cmd, code, msg, rss, wall in ROWS:
        msg = esc(msg)
        if len(msg) > 240:
            msg = msg[:240] + "…"
        print(f"| {item} | {esc(what)} | `{esc(cmd)}` | {code} | {msg} | {rss:.1f} | {wall:.2f} |")
    print(f"\nINSTALL_ARGS: {INSTALL_ARGS}.")


if __name__ == "__main__":
    main()
