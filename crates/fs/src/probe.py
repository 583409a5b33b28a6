# Run by the server's Python with -I (no PYTHONPATH, no user site) from
# `llsd-providers install`: prints, as JSON, the distributions it imports
# from (first on sys.path wins) with the top-level names of their files,
# its PEP 508 marker environment and the
# wheel tags it accepts (packaging's, or pip's vendored copy, else a
# fallback for CPython on glibc), and where its server package is (ogx,
# llama_stack: their distributions' configs live there; found without
# importing them). LLSD_EXCLUDE_PATH: the packages directory being
# installed, never read as part of the server.
import json, os, platform, sys, sysconfig, importlib.util, importlib.metadata as md
try:
    from packaging import tags as t
except ImportError:
    try:
        from pip._vendor.packaging import tags as t
    except ImportError:
        t = None
if t is not None:
    tags = [str(x) for x in t.sys_tags()]
else:
    v = "%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    plats = [plat]
    libc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else None
    if plat.startswith("linux_") and libc and libc.startswith("glibc "):
        arch = plat[6:]
        minor = int(libc.split()[1].split(".")[1])
        plats = ["manylinux_2_%d_%s" % (m, arch) for m in range(minor, 4, -1)]
        plats += ["manylinux2014_" + arch, "manylinux2010_" + arch, "manylinux1_" + arch, plat]
    abi = "cp" + v + getattr(sys, "abiflags", "")
    tags = ["cp%s-%s-%s" % (v, a, p) for a in (abi, "abi3", "none") for p in plats]
    tags += ["py%s-none-%s" % (x, p) for x in (v, v[0]) for p in plats]
    tags += ["cp%s-none-any" % v, "py%s-none-any" % v, "py%s-none-any" % v[0]]
def full(info):
    s = "%d.%d.%d" % info[:3]
    if info.releaselevel != "final":
        s += info.releaselevel[0] + str(info.serial)
    return s
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": full(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
exclude = os.environ.get("LLSD_EXCLUDE_PATH", "")
paths = [p for p in sys.path if p and os.path.isdir(p) and os.path.realpath(p) != os.path.realpath(exclude or "/nonexistent")]
dists, seen = [], set()
for d in md.distributions(path=paths):
    name = d.metadata["Name"]
    if not name:
        continue
    key = name.lower().replace("_", "-").replace(".", "-")
    if key in seen:
        continue
    seen.add(key)
    # the top-level names of its files (RECORD), for the module-shadowing warning
    top = sorted({str(f).replace("\\", "/").split("/")[0] + ("/" if "/" in str(f).replace("\\", "/") else "")
                  for f in (d.files or [])})
    dists.append({"name": name, "version": d.version, "requires": d.requires or [], "top_level": top})
sys.path[:] = paths
server_packages = {}
for name in ("ogx", "llama_stack"):
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        server_packages[name] = list(spec.submodule_search_locations)[0]
print(json.dumps({"markers": markers, "tags": tags, "dists": dists, "server_packages": server_packages}))
