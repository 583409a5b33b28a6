"""PyYAML oracle for the run.yaml merge (llama-stack reads with yaml.safe_load).

plan BASE          -> JSON list of provider sets to merge into BASE
check MANIFEST     -> for each case {base, merged, providers}: the merged file
                      must load (safe_load) to the base with the expected
                      provider changes applied, and every base line the merge
                      deleted or rewrote must lie in a region the rules allow.
"""
import copy
import json
import re
import sys
from pathlib import Path

import yaml

TRICKY = {
    "on": "yes", "yes": "on", "Off": "off", "y": "n", "mode": "0777", "time": "1:30",
    "date": "2001-01-01", "nul": "null", "empty": "", "tilde": "~", "eq": "=", "merge": "<<",
    "inf": ".inf", "nan": ".NaN", "sci": "1e3", "us": "1_000", "hex": "0x1F", "oct": "0o17",
    "f": 1.5, "big": 1e20, "small": 1.5e-7, "int": 42, "neg": -3, "huge": 12345678901234567890,
    "bool": True, "none": None, "list": [1, "two", [3, {"four": 4}], {}, []],
    "nested": {"a": {"b": {"c": [], "d": {}}}}, "uni": "h\u00e9llo \u2713 \U0001F600",
    "nl": "line1\nline2\n", "tab": "a\tb", "cr": "a\rb", "quote": "say \"hi\" 'x'",
    "hash": "a #b", "colon": "a: b", "trail_colon": "a:", "nel": "\u0085", "ls": "\u2028",
    "ps": "\u2029", "ctrl": "\u0001\u007f\u009f", "bom": "\ufeff", "nbsp": "\u00a0",
    "url": "http://vllm:8000/v1", "env": "${env.X:=y}", "lead": " lead", "trail": "trail ",
    "dash": "- x", "star": "*x", "amp": "&x", "bang": "!x", "pct": "%x", "at": "@x",
    "bq": "`x", "q": "?x", "brace": "{x}", "doc": "---", "dots": "...", "back": "a\\b",
    "k:ey": 1, "-k": 2, "": "empty key", "1": "digit key", "true": "bool key",
}

# The env-template resolution is the benchmark reference's (one definition).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benches"))
from reference_merge import candidates  # noqa: E402


def same_id(raw, ext_id):
    c = candidates(raw)
    return c is not None and ext_id in c


def entry(p):
    e = {"provider_id": p["provider_id"], "provider_type": p["provider_type"], "module": p["module"]}
    if p.get("config") is not None:
        e["config"] = p["config"]
    return e


def expected(base, providers):
    d = copy.deepcopy(base)
    if not providers:
        return d
    provs = d.get("providers")
    if provs is None:
        provs = {}
        d["providers"] = provs
    for p in providers:
        if provs.get(p["api"]) is None:
            provs[p["api"]] = []
    for p in providers:
        sec = provs[p["api"]]
        sec[:] = [e for e in sec if not (isinstance(e, dict) and isinstance(e.get("provider_id"), str)
                                         and same_id(e["provider_id"], p["provider_id"]))]
    for p in providers:
        provs[p["api"]].append(entry(p))
    apis = d.get("apis")
    if isinstance(apis, list) and apis:
        for p in providers:
            if p["api"] not in apis:
                apis.append(p["api"])
    return d


def provider(pid, api, config=None):
    return {"provider_id": pid, "provider_type": "remote::" + pid, "module": "ext_" + pid.replace("-", "_"),
            "api": api, "config": config, "image": "img/" + pid}


def plan(base_text):
    base = yaml.safe_load(base_text)
    provs = base.get("providers") or {}
    sets = [
        [provider("ext-new", "external_api", TRICKY)],
        [provider("ext-inf", "inference", {"on": "yes", "nested": [{"a": "0777"}]})],
    ]
    literal = template = last_literal = None
    templates = []
    for api, sec in provs.items():
        for e in sec or []:
            pid = e.get("provider_id") if isinstance(e, dict) else None
            if not isinstance(pid, str):
                continue
            c = candidates(pid)
            if c == {pid}:
                last_literal = (pid, api)
                if literal is None:
                    literal = (pid, api)
            if c is not None and c != {pid}:
                vals = sorted(v for v in c if v)
                if vals:
                    templates.append(provider(vals[-1], api))
                    if template is None:
                        template = (vals[0], api)
    if literal:
        sets.append([provider(literal[0], literal[1], {"replaced": True})])
    if last_literal and last_literal != literal:
        sets.append([provider(last_literal[0], last_literal[1])])
    if template:
        sets.append([provider(template[0], template[1])])
    if len(templates) > 1:
        seen = set()
        sets.append([t for t in templates if not (t["provider_id"] in seen or seen.add(t["provider_id"]))])
    combo = [p for s in sets for p in s]
    ids = set()
    uniq = []
    for p in combo:
        if p["provider_id"] not in ids:
            ids.add(p["provider_id"])
            uniq.append(p)
    sets.append(uniq)
    sets.append([])
    return sets


def node_lines(node):
    return set(range(node.start_mark.line, node.end_mark.line + 1))


def allowed_lines(text, providers):
    """Base lines the merge may delete or rewrite."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    allowed = set()
    by_api = {}
    for p in providers:
        by_api.setdefault(p["api"], []).append(p["provider_id"])
    removed_anchor_nodes = []
    prov_node = None
    for k, v in root.value:
        if k.value == "apis" and isinstance(v, yaml.SequenceNode) and v.flow_style:
            allowed |= node_lines(v)
        if k.value == "providers":
            prov_node = v
    if root.flow_style:
        allowed |= node_lines(root)
    if prov_node is None:
        return allowed, removed_anchor_nodes
    if not isinstance(prov_node, yaml.MappingNode) or prov_node.flow_style:
        allowed |= node_lines(prov_node)
        return allowed, removed_anchor_nodes
    for k, v in prov_node.value:
        ids = by_api.get(k.value)
        if not ids:
            continue
        if not isinstance(v, yaml.SequenceNode) or v.flow_style:
            allowed |= node_lines(v)
            continue
        for e in v.value:
            if not isinstance(e, yaml.MappingNode):
                continue
            pid = next((val.value for kk, val in e.value if kk.value == "provider_id"), None)
            if pid is not None and any(same_id(pid, i) for i in ids):
                allowed |= node_lines(e)
                removed_anchor_nodes.append(e)
    return allowed, removed_anchor_nodes


def alias_lines(text, anchors):
    out = set()
    for i, line in enumerate(text.splitlines()):
        if any("*" + a in line for a in anchors):
            out.add(i)
    return out


def check_case(case):
    base_text = open(case["base"], encoding="utf-8", newline="").read()
    merged_text = open(case["merged"], encoding="utf-8", newline="").read()
    providers = case["providers"]
    base = yaml.safe_load(base_text)
    merged = yaml.safe_load(merged_text)
    want = expected(base, providers)
    if merged != want:
        return "meaning differs:\n  got  %r\n  want %r" % (merged, want)
    for p in providers:
        got = [e for e in merged["providers"][p["api"]] if isinstance(e, dict) and e.get("provider_id") == p["provider_id"]]
        if got != [entry(p)]:
            return "entry %s differs: %r" % (p["provider_id"], got)
    if not providers:
        return None if merged_text == base_text else "empty provider list changed the text"
    allowed, nodes = allowed_lines(base_text, providers)
    anchors = set(re.findall(r"&([A-Za-z0-9_-]+)", "".join(base_text.splitlines(True)[min(n.start_mark.line for n in nodes):max(n.end_mark.line for n in nodes) + 1]))) if nodes else set()
    allowed |= alias_lines(base_text, anchors)
    # Every base line outside the allowed regions must survive, in order.
    a = base_text.splitlines()
    b = merged_text.splitlines()
    j = 0
    for i, line in enumerate(a):
        if i in allowed:
            continue
        while j < len(b) and b[j] != line:
            j += 1
        if j == len(b):
            return "base line %d lost or reordered: %r" % (i + 1, line)
        j += 1
    if base_text.startswith("\ufeff") != merged_text.startswith("\ufeff"):
        return "BOM changed"
    if ("\r\n" in base_text) and merged_text.count("\n") != merged_text.count("\r\n"):
        return "mixed line endings after merge of a CRLF file"
    if base_text.endswith("\n") != merged_text.endswith("\n"):
        return "final newline changed"
    return None


def main():
    if sys.argv[1] == "plan":
        print(json.dumps(plan(open(sys.argv[2], encoding="utf-8", newline="").read())))
        return 0
    cases = json.load(open(sys.argv[2]))
    failures = 0
    for case in cases:
        err = check_case(case)
        if err:
            failures += 1
            print("FAIL %s [%s]: %s" % (case["base"], ",".join(p["provider_id"] for p in case["providers"]), err))
    print("%d passed, %d failed" % (len(cases) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
