"""Writes the pod fixtures whose merge-config termination message carries the
merge result (docs/contracts.md, "Termination message"), from the
fixtures generate.py writes: pod-merge-warnings.json (merged, one provider
replaced a base provider) and pod-merge-result-failure.json (the merge
failed and names the provider). Run from the repository root:
python tests/data/status/generate_merge_result.py"""

import json
import pathlib

HERE = pathlib.Path(__file__).parent
SCHEMA = "llsd-providers.merge-result/v1"


def message(first, result):
    return first + "\n" + json.dumps({"schema": SCHEMA, **result}, separators=(",", ":")) + "\n"


def merge_status(doc):
    return next(s for s in doc["status"]["initContainerStatuses"] if s["name"] == "merge-config")


WARNING = ("External provider 'custom-vllm' overrides base provider in API 'inference'\n"
           "  Base type: remote::vllm\n  External type: remote::custom-vllm")
warnings = json.loads((HERE / "pod-all-ready.json").read_text())
warnings["metadata"]["name"] = "llamastack-with-userconfig-5f7d9c8b6-warn1"
merge_status(warnings)["state"]["terminated"]["message"] = message(
    "merge-config: merged 3 external provider(s) (2 added, 1 replaced a base provider), 2 warning(s); "
    "merge-log.txt has the details.",
    {"outcome": "merged", "providers": [
        {"id": "custom-vllm", "api": "inference", "result": "replaced", "baseType": "remote::vllm",
         "warnings": [WARNING]},
        {"id": "pgvector-ext", "api": "vector_io", "result": "added"},
        {"id": "lmeval", "api": "eval", "result": "added"}],
     "warnings": ["Base provider id '${env.EXTRA_ID}' in API 'eval' (line 31) depends on an environment "
                  "variable without a default; it is kept and may collide with an external provider at run time"]})
(HERE / "pod-merge-warnings.json").write_text(json.dumps(warnings, indent=2) + "\n")

SUMMARY = ("ERROR: Provider API type mismatch Provider 'lmeval' (image: quay.io/trustyai/llama-stack-provider-"
           "lmeval:0.3.1) declares api=inference in lls-provider-spec.yaml but is placed under "
           "externalProviders.eval Resolution: Move the provider to externalProviders.inference section in the "
           "LLSD spec.")
failure = json.loads((HERE / "pod-merge-failure.json").read_text())
failure["metadata"]["name"] = "llamastack-with-userconfig-5f7d9c8b6-merg2"
merge_status(failure)["lastState"]["terminated"]["message"] = message(
    "merge-config failed: " + SUMMARY,
    {"outcome": "failed", "failure": {"kind": "apiMismatch", "providerId": "lmeval", "message": SUMMARY}})
(HERE / "pod-merge-result-failure.json").write_text(json.dumps(failure, indent=2) + "\n")
print("wrote pod-merge-warnings.json, pod-merge-result-failure.json")
