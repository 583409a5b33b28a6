"""One tool call through a server's own Stack, in-process: run with the
server's python (the server family's venv) and the server container's env
(PYTHONPATH with the installed provider packages first), like the server.

    python invoke_inproc.py CORE CONFIG TOOL CALLS_JSON

CORE is the server's package (`llama_stack` or `ogx`), CONFIG the merged
config. It builds the Stack from CONFIG as the server does
(parse_and_maybe_upgrade_config, Stack.initialize: providers instantiated,
tool groups auto-registered), lists the tools through the tool_groups
routing table and calls TOOL through the tool_runtime router once per
kwargs mapping in CALLS_JSON (a JSON list), the path the Responses API's tool
calls take: neither server has an HTTP route that invokes a tool. Prints one
line `INVOKE-RESULT {json}`: router, api_package, tools (name ->
toolgroup_id), results (the ToolInvocationResults, in order).
"""

import asyncio
import importlib
import json
import sys

import yaml


async def main(core, config_path, tool, calls):
    api = importlib.import_module({"llama_stack": "llama_stack_api", "ogx": "ogx_api"}[core])
    configure = importlib.import_module(f"{core}.core.configure")
    stack_module = importlib.import_module(f"{core}.core.stack")
    with open(config_path) as f:
        config = configure.parse_and_maybe_upgrade_config(yaml.safe_load(f))
    stack = stack_module.Stack(config)
    await stack.initialize()
    try:
        router = stack.impls[api.Api.tool_runtime]
        listed = await stack.impls[api.Api.tool_groups].list_tools(api.ListToolsRequest())
        results = [await router.invoke_tool(tool_name=tool, kwargs=kwargs) for kwargs in calls]
    finally:
        await stack.shutdown()
    return {
        "router": f"{type(router).__module__}.{type(router).__name__}",
        "api_package": api.__name__,
        "tools": {t.name: t.toolgroup_id for t in listed.data},
        "results": [result.model_dump(mode="json") for result in results],
    }


if __name__ == "__main__":
    core, config_path, tool, calls = sys.argv[1:]
    out = asyncio.run(main(core, config_path, tool, json.loads(calls)))
    print("INVOKE-RESULT " + json.dumps(out))
