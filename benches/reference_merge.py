#!/usr/bin/env python3
"""Python/PyYAML reference implementation of `llsd-providers merge`, for benchmarks.

What a merge done inside llama-stack itself would cost: the same inputs, the
same rules (docs/contracts.md, "Merge rules"), the same command line:

    reference_merge.py --metadata-dir DIR --providers ID[,ID...] --output FILE
                       --extra-providers-output FILE --log FILE [--base FILE]
                       [--repeat N]

It reads DIR/{id}/lls-provider-spec.yaml and DIR/{id}/crd-config.yaml with
yaml.safe_load (the loader llama-stack reads its config with), checks the API
placement and duplicate ids, loads the base with yaml.safe_load, replaces base
entries with the same id in the same API (an env-template id such as
`${env.X:+id}` or `${env.X:=id}` counts when it can resolve to the id),
appends the external providers in CRD order, creates missing sections, extends
a non-empty `apis:` list, and writes the config with
yaml.safe_dump(sort_keys=False), extra-providers.yaml and a log, each to a
temporary file renamed into place once all are written.

It does NOT preserve the base file's formatting: comments, quoting, key
style, flow collections and anchors are lost and `${env...}` strings are
re-quoted by the dumper. The Rust merge keeps all of that (it splices text at
event positions and checks YAML 1.1 meaning), so it does strictly more work.

--libyaml (benchmark only): use PyYAML's C loader and dumper (CSafeLoader,
CSafeDumper) instead of yaml.safe_load/safe_dump, to show what the pure-Python
parser costs.

--repeat N (benchmark only): after the normal run, time N more in-process
runs of the pure part (parse the metadata texts and the base, merge, dump;
no file I/O) and print {"runs": N, "median_s": wall-clock median,
"cpu_median_s": thread CPU time median} as JSON on stdout.

Exit codes: 0 merged, 1 the input has problems, 2 unreadable input.
"""

import argparse
import functools
import json
import os
import re
import sys
import time

import yaml

# LLSD externalProviders section (CRD field) -> run.yaml key, in CRD order.
APIS = [
    ("inference", "inference"),
    ("safety", "safety"),
    ("agents", "agents"),
    ("vectorIo", "vector_io"),
    ("datasetIo", "datasetio"),
    ("scoring", "scoring"),
    ("eval", "eval"),
    ("toolRuntime", "tool_runtime"),
    ("postTraining", "post_training"),
    ("files", "files"),
    ("batches", "batches"),
    ("responses", "responses"),
    ("fileProcessors", "file_processors"),
]
RUN_YAML_KEY = dict(APIS)
CRD_FIELD = {key: field for field, key in APIS}
SPEC_FILE = "lls-provider-spec.yaml"
CRD_CONFIG_FILE = "crd-config.yaml"

# ${env.NAME}, ${env.NAME:=d}, ${env.NAME=d}, ${env.NAME:-d}, ${env.NAME-d},
# ${env.NAME:d} (0.2 syntax): default d; ${env.NAME:+v}, ${env.NAME+v}: v or "".
ENV_RE = re.compile(r"\$\{env\.([A-Za-z0-9_]+)((?::\+|\+|:=|=|:-|-|:)([^}]*))?\}")


# yaml.safe_load / yaml.safe_dump: the pure-Python loader and dumper, what
# llama-stack uses. --libyaml switches to the C ones (benchmark comparison).
LOAD = yaml.safe_load


def DUMP(data):
    return yaml.safe_dump(data, sort_keys=False)


def use_libyaml():
    global LOAD, DUMP
    LOAD = functools.partial(yaml.load, Loader=yaml.CSafeLoader)
    DUMP = functools.partial(yaml.dump, Dumper=yaml.CSafeDumper, sort_keys=False)


class Failure(Exception):
    """A merge failure: the message is printed and logged, exit code 1."""


@functools.lru_cache(maxsize=None)
def candidates(raw):
    """The strings a (maybe templated) id can resolve to; None if any string."""
    if "${" not in raw:
        return {raw}
    outs = [""]
    pos = 0
    for m in ENV_RE.finditer(raw):
        literal = raw[pos:m.start()]
        op, value = m.group(2), m.group(3)
        if op is None:
            return None
        alternatives = [value, ""] if op.endswith("+") else [value]
        outs = [o + literal + a for o in outs for a in alternatives]
        pos = m.end()
    return {o + raw[pos:] for o in outs}


def api_mismatch(pid, image, declared, placement):
    return Failure(
        "ERROR: Provider API type mismatch\n\n"
        f"Provider '{pid}' (image: {image})\n"
        f"declares api={declared} in lls-provider-spec.yaml\n"
        f"but is placed under externalProviders.{placement}\n\n"
        f"Resolution: Move the provider to externalProviders.{CRD_FIELD.get(declared, declared)} "
        "section in the LLSD spec."
    )


def invalid_file(pid, image, path, problem):
    return Failure(
        "ERROR: Invalid provider file\n\n"
        f"Provider '{pid}' (image: {image})\nFile: {path}\n{problem}\n\n"
        f"Resolution: Fix {os.path.basename(path)} in the provider image."
    )


def load_yaml(text, pid, image, path):
    try:
        return LOAD(text)
    except yaml.YAMLError as err:
        raise invalid_file(pid, image, path, str(err)) from None


def check_package(doc, pid, image, path):
    """The checks of lls-provider-spec.yaml the merge depends on."""
    def need(mapping, key, where):
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if not isinstance(value, str) or not value:
            raise invalid_file(pid, image, path, f"{where}{key}: is required (a non-empty string)")
        return value

    if not isinstance(doc, dict):
        raise invalid_file(pid, image, path, "the document is not a mapping")
    if need(doc, "apiVersion", "") != "llamastack.io/v1alpha1":
        raise invalid_file(pid, image, path, "apiVersion: expected llamastack.io/v1alpha1")
    if need(doc, "kind", "") != "ProviderPackage":
        raise invalid_file(pid, image, path, "kind: expected ProviderPackage")
    meta, spec = doc.get("metadata"), doc.get("spec")
    for key in ("name", "version", "vendor"):
        need(meta, key, "metadata.")
    for key in ("packageName", "providerType", "api", "wheelPath"):
        need(spec, key, "spec.")
    if not re.fullmatch(r"(remote|inline)::[A-Za-z0-9_.:-]+", spec["providerType"]):
        raise invalid_file(pid, image, path, "spec.providerType: expected (remote|inline)::name")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", spec["packageName"]):
        raise invalid_file(pid, image, path, "spec.packageName: expected an importable module path")
    return spec


def read_inputs(args):
    """Every input file as text: (base_text or None, {id: (spec, crd_config)}, root)."""
    root = args.metadata_dir.rstrip("/") or "/"
    listed = [p for p in args.providers.split(",") if p]
    names = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    for name in names:
        if name not in listed:
            raise Failure(
                "ERROR: Unexpected provider metadata directory\n\n"
                f"{root}/{name} is not one of the providers passed with --providers "
                f"({','.join(listed)}).\n\n"
                "Resolution: Pass every provider in --providers, in CRD order, or remove the stale directory."
            )
    files = []
    for pid in listed:
        texts = []
        for name in (SPEC_FILE, CRD_CONFIG_FILE):
            path = f"{root}/{pid}/{name}"
            try:
                with open(path, encoding="utf-8") as f:
                    texts.append(f.read())
            except FileNotFoundError:
                raise Failure(
                    f"ERROR: Missing metadata for provider '{pid}'\n\n{path} does not exist.\n\n"
                    f"Resolution: Check that the init container install-provider-{pid} ran and completed."
                ) from None
        files.append((pid, texts[0], texts[1]))
    base_text = None
    if args.base is not None:
        with open(args.base, encoding="utf-8") as f:
            base_text = f.read()
    return base_text, files, root


def assemble(files, root):
    """Parse and check the metadata; the external providers in CRD order."""
    providers = []
    seen = {}
    for pid, spec_text, crd_text in files:
        crd_path = f"{root}/{pid}/{CRD_CONFIG_FILE}"
        crd = load_yaml(crd_text, pid, "unknown", crd_path)
        if not isinstance(crd, dict):
            raise invalid_file(pid, "unknown", crd_path, "the document is not a mapping")
        image = crd.get("image") or "unknown"
        if crd.get("providerId") != pid:
            raise invalid_file(pid, image, crd_path,
                               f"providerId is '{crd.get('providerId')}' but the directory is '{pid}'")
        section = crd.get("api")
        if section not in RUN_YAML_KEY:
            raise invalid_file(pid, image, crd_path, f"api: '{section}' is not an LLSD externalProviders section")
        config = crd.get("config")
        if config is not None and not isinstance(config, dict):
            raise invalid_file(pid, image, crd_path, "config: expected a mapping")
        spec_path = f"{root}/{pid}/{SPEC_FILE}"
        spec = check_package(load_yaml(spec_text, pid, image, spec_path), pid, image, spec_path)
        if pid in seen:
            first_image, first_section = seen[pid]
            raise Failure(
                "ERROR: Duplicate external provider id\n\n"
                f"Provider id '{pid}' is used by two external providers:\n"
                f"  image {first_image} (externalProviders.{first_section})\n"
                f"  image {image} (externalProviders.{section})\n\n"
                "Resolution: Give each provider a unique providerId in the LLSD spec; "
                "ids are unique across all sections."
            )
        seen[pid] = (image, section)
        if spec["api"] != RUN_YAML_KEY[section]:
            raise api_mismatch(pid, image, spec["api"], section)
        providers.append({
            "provider_id": pid,
            "provider_type": spec["providerType"],
            "module": spec["packageName"],
            "api": RUN_YAML_KEY[section],
            "config": config,
            "image": image,
        })
    return providers


def entry(p):
    e = {"provider_id": p["provider_id"], "provider_type": p["provider_type"], "module": p["module"]}
    if p["config"] is not None:
        e["config"] = p["config"]
    return e


def merge(base, providers, events, warnings):
    """Apply the merge rules to the loaded base (a dict), in place."""
    provs = base.get("providers")
    if provs is None:
        provs = base["providers"] = {}
        events.append("created providers:")
    if not isinstance(provs, dict):
        raise Failure("ERROR: Cannot merge into the base config\n\nproviders: is not a mapping")
    # Every literal id a base entry can resolve to -> the APIs it is in.
    ids_by_api = {}
    for api, section in provs.items():
        for e in section if isinstance(section, list) else ():
            raw = e.get("provider_id") if isinstance(e, dict) else None
            for value in (candidates(raw) or ()) if isinstance(raw, str) else ():
                ids_by_api.setdefault(value, set()).add(api)
    for api in apis_in_order(providers):
        section = provs.get(api)
        if section is None or section == []:
            provs[api] = []
            events.append(f"created section providers.{api}")
        elif not isinstance(section, list):
            raise Failure(f"ERROR: Cannot merge into the base config\n\nproviders.{api}: is not a list")
        else:
            for e in section:
                raw = e.get("provider_id") if isinstance(e, dict) else None
                if isinstance(raw, str) and candidates(raw) is None:
                    warnings.append(
                        f"Base provider id '{raw}' in API '{api}' depends on an environment variable "
                        "without a default; it is kept and may collide with an external provider at run time")
    for p in providers:
        api, pid = p["api"], p["provider_id"]
        kept = []
        for e in provs[api]:
            raw = e.get("provider_id") if isinstance(e, dict) else None
            resolved = candidates(raw) if isinstance(raw, str) else None
            if resolved is None or pid not in resolved:
                kept.append(e)
                continue
            if raw != pid:
                events.append(f"base provider id '{raw}' in API '{api}' can resolve to '{pid}'; "
                              "treated as the same provider")
            events.append(f"replaced base provider '{pid}' ({e.get('provider_type')}) with external "
                          f"({p['provider_type']}) in API '{api}'")
            warnings.append(f"External provider '{pid}' overrides base provider in API '{api}'\n"
                            f"  Base type: {e.get('provider_type')}\n  External type: {p['provider_type']}")
        provs[api][:] = kept
        for other in sorted(ids_by_api.get(pid, set()) - {api}):
            warnings.append(
                f"External provider '{pid}' in API '{api}' shares its id with base provider "
                f"'{pid}' in API '{other}' (allowed by llama-stack; both are kept)")
    for p in providers:
        provs[p["api"]].append(entry(p))
        events.append(f"added provider '{p['provider_id']}' ({p['provider_type']}) to API '{p['api']}'")
    apis = base.get("apis")
    if isinstance(apis, list) and apis:
        for p in providers:
            if p["api"] not in apis:
                apis.append(p["api"])
                events.append(f"added '{p['api']}' to apis")


def apis_in_order(providers):
    return list(dict.fromkeys(p["api"] for p in providers))


def compute(base_text, base_name, files, root):
    """The pure part: metadata and base texts in, the three output texts out."""
    providers = assemble(files, root)
    events, warnings = [], []
    if base_text is None:
        config = {"version": "2", "image_name": "external-providers", "apis": apis_in_order(providers),
                  "providers": {api: [entry(p) for p in providers if p["api"] == api]
                                for api in apis_in_order(providers)}}
    else:
        try:
            config = LOAD(base_text)
        except yaml.YAMLError as err:
            raise Failure(f"ERROR: Cannot merge into the base config\n\nFile: {base_name}\n{err}") from None
        if not isinstance(config, dict):
            raise Failure(f"ERROR: Cannot merge into the base config\n\nFile: {base_name}\nnot a mapping")
        merge(config, providers, events, warnings)
    extra = {"apiVersion": "llamastack.io/v1alpha1", "kind": "ExternalProviders",
             "providers": {api: [entry(p) for p in providers if p["api"] == api]
                           for api in apis_in_order(providers)}}
    warnings = [f"WARNING: {w}" for w in warnings]
    log = [f"merge-config (python reference): merging {len(providers)} external provider(s) into "
           f"{base_name or 'a minimal config'}", "providers in CRD order:"]
    log += [f"  {p['provider_id']} api={p['api']} type={p['provider_type']} module={p['module']} "
            f"image={p['image']}" for p in providers]
    if events:
        log.append("changes:")
        log += [f"  {e}" for e in events]
    log += warnings
    log.append(f"merge-config: done, {len(warnings)} warning(s)")
    return (DUMP(config), DUMP(extra),
            "\n".join(log) + "\n", warnings)


def write_all_or_nothing(files):
    temps = []
    try:
        for path, text in files:
            temp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.reference-tmp")
            with open(temp, "w", encoding="utf-8") as f:
                f.write(text)
            temps.append((temp, path))
        for temp, path in temps:
            os.replace(temp, path)
    except OSError:
        for temp, _ in temps:
            if os.path.exists(temp):
                os.remove(temp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--metadata-dir", required=True)
    parser.add_argument("--providers", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--extra-providers-output", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--base")
    parser.add_argument("--repeat", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--libyaml", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.libyaml:
        use_libyaml()
    try:
        base_text, files, root = read_inputs(args)
    except Failure as failure:
        print(failure, file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 2
    try:
        config, extra, log, warnings = compute(base_text, args.base, files, root)
    except Failure as failure:
        print(failure, file=sys.stderr)
        write_all_or_nothing([(args.log, f"merge-config: merge failed\n{failure}\n")])
        return 1
    for warning in warnings:
        print(warning, file=sys.stderr)
    write_all_or_nothing([(args.output, config), (args.extra_providers_output, extra), (args.log, log)])
    if args.repeat > 0:
        wall, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.thread_time()
            compute(base_text, args.base, files, root)
            wall.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
        wall.sort()
        cpu.sort()
        print(json.dumps({"runs": args.repeat, "median_s": wall[len(wall) // 2],
                          "cpu_median_s": cpu[len(cpu) // 2]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
