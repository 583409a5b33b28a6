from .server_api import api

TOOL = "check_blocklist"


class BlocklistToolRuntime(api.ToolGroupsProtocolPrivate, api.ToolRuntime):
    """Every method of the ToolRuntime protocol and of the tool groups
    routing table (the same in llama-stack 0.7.x and ogx 1.x). The server
    registers the spec's `toolgroup_id` at startup and lists its tools
    through list_runtime_tools; the Responses API's tool calls (and anything
    else holding the server's tool_runtime router) reach invoke_tool."""

    def __init__(self, config):
        self.blocked = [word.lower() for word in config.blocked_words]

    async def initialize(self):
        pass

    async def shutdown(self):
        pass

    async def register_toolgroup(self, toolgroup):
        pass

    async def unregister_toolgroup(self, toolgroup_id):
        pass

    async def list_runtime_tools(self, tool_group_id=None, mcp_endpoint=None, authorization=None):
        return api.ListToolDefsResponse(data=[api.ToolDef(
            name=TOOL,
            description="Flags text that contains a blocked word (case-insensitive).",
            input_schema={
                "type": "object",
                "properties": {"text": {"type": "string", "description": "The text to check"}},
                "required": ["text"],
            },
            output_schema={
                "type": "object",
                "properties": {"flagged": {"type": "boolean"},
                               "blocked_words": {"type": "array", "items": {"type": "string"}}},
            },
        )])

    def found(self, text):
        text = text.lower()
        return [word for word in self.blocked if word in text]

    async def invoke_tool(self, tool_name, kwargs, authorization=None):
        if tool_name != TOOL:
            return api.ToolInvocationResult(error_message=f"unknown tool {tool_name!r}: this provider has {TOOL}",
                                            error_code=404)
        text = kwargs.get("text")
        if not isinstance(text, str):
            return api.ToolInvocationResult(error_message=f"{TOOL} needs a string argument `text`", error_code=400)
        found = self.found(text)
        verdict = f"flagged: contains {', '.join(found)}" if found else "not flagged"
        return api.ToolInvocationResult(content=verdict, metadata={"flagged": bool(found), "blocked_words": found})
