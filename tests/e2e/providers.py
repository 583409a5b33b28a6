"""Sources of the small, real provider packages the end-to-end test builds
into wheels. They follow what llama-stack 0.7.3 and ogx 1.5.0 do with a
provider entry that has `module: X` (core/distribution.py and resolver.py,
the same in both):

- imports `X.provider` and calls `get_provider_spec()`;
- the spec's own `module` names where `get_adapter_impl(config, deps)` lives,
  its `config_class` the pydantic model the entry's `config` must satisfy;
- the implementation must define every method of the API's protocol (the
  resolver rejects protocol stubs) plus the routing-table protocol
  (ModelsProtocolPrivate for inference, ShieldsProtocolPrivate for safety,
  ToolGroupsProtocolPrivate for tool_runtime);
- the spec and the implementation must come from the running server's API
  package (isinstance checks): each package takes it from its
  `server_api.py` (SERVER_API), the import fallback of
  docs/provider-development.md, so one wheel serves both servers.

`acme-echo-inference` (remote inference, both servers) imports
`acme_echo_core`, shipped as its own dependency wheel; `acme-guard-safety`
(remote safety: llama-stack only, ogx has no safety API) and
`acme-guard-tools` (remote tool_runtime, both) stand alone.
"""

SERVER_API = '''\
    """The running server's provider API package: ogx_api (ogx) or llama_stack_api (llama-stack)."""
    import sys

    if "llama_stack" in sys.modules and "ogx" not in sys.modules:
        import llama_stack_api as api
    else:
        try:
            import ogx_api as api
        except ImportError:
            import llama_stack_api as api
    '''


def with_server_api(package, files):
    """`files` plus `package/server_api.py`."""
    return {f"{package}/server_api.py": SERVER_API, **files}

ECHO_CORE = {
    "acme_echo_core/__init__.py": '''\
        """The echo provider's dependency, shipped as a separate wheel."""

        MODEL = "echo-1"


        def echo(greeting, text):
            return f"{greeting}: {text}"
        ''',
}


def echo_core_files(version):
    files = dict(ECHO_CORE)
    files["acme_echo_core/__init__.py"] += f"\n        VERSION = {version!r}\n"  # dedented with the rest
    return files


ECHO_INFERENCE = with_server_api("acme_echo_inference", {
    "acme_echo_inference/__init__.py": '''\
        async def get_adapter_impl(config, _deps):
            from .adapter import AcmeEchoInferenceAdapter

            impl = AcmeEchoInferenceAdapter(config)
            await impl.initialize()
            return impl
        ''',
    "acme_echo_inference/config.py": '''\
        from pydantic import BaseModel, Field


        class AcmeEchoConfig(BaseModel):
            url: str = Field(description="Where a real adapter would send requests")
            greeting: str = "echo"
        ''',
    "acme_echo_inference/provider.py": '''\
        from .server_api import api


        def get_provider_spec():
            return api.RemoteProviderSpec(
                api=api.Api.inference,
                adapter_type="acme-echo",
                provider_type="remote::acme-echo",
                module="acme_echo_inference",
                config_class="acme_echo_inference.config.AcmeEchoConfig",
                pip_packages=[],
                description="Echoes the last user message (end-to-end test provider).",
            )
        ''',
    "acme_echo_inference/adapter.py": '''\
        import time

        from acme_echo_core import MODEL, echo  # the dependency wheel

        from .server_api import api


        class AcmeEchoInferenceAdapter(api.InferenceProvider, api.ModelsProtocolPrivate):
            def __init__(self, config):
                self.config = config

            async def initialize(self):
                pass

            async def shutdown(self):
                pass

            async def should_refresh_models(self):
                return False

            async def list_models(self):
                return [api.Model(identifier=MODEL, provider_resource_id=MODEL,
                                  provider_id=self.__provider_id__, model_type=api.ModelType.llm)]

            async def register_model(self, model):
                return model

            async def unregister_model(self, model_id):
                pass

            async def openai_chat_completion(self, params):
                last = params.messages[-1]
                text = last.get("content") if isinstance(last, dict) else last.content
                return api.OpenAIChatCompletion(
                    id="echo-0",
                    created=int(time.time()),
                    model=params.model,
                    choices=[api.OpenAIChoice(
                        index=0,
                        finish_reason="stop",
                        message={"role": "assistant", "content": echo(self.config.greeting, text)},
                    )],
                )

            async def openai_completion(self, params):
                raise NotImplementedError("acme-echo serves chat completions only")

            async def openai_embeddings(self, params):
                raise NotImplementedError("acme-echo serves chat completions only")
        ''',
})

# llama-stack only: ogx has no safety API (so no safety classes in ogx_api).
GUARD_SAFETY = {
    "acme_guard_safety/__init__.py": '''\
        async def get_adapter_impl(config, _deps):
            from .adapter import AcmeGuardSafetyAdapter

            impl = AcmeGuardSafetyAdapter(config)
            await impl.initialize()
            return impl
        ''',
    "acme_guard_safety/config.py": '''\
        from pydantic import BaseModel


        class AcmeGuardConfig(BaseModel):
            blocked_words: list[str] = []
        ''',
    "acme_guard_safety/provider.py": '''\
        from llama_stack_api import Api, RemoteProviderSpec


        def get_provider_spec():
            return RemoteProviderSpec(
                api=Api.safety,
                adapter_type="acme-guard",
                provider_type="remote::acme-guard",
                module="acme_guard_safety",
                config_class="acme_guard_safety.config.AcmeGuardConfig",
                pip_packages=[],
                description="Flags blocked words (end-to-end test provider).",
            )
        ''',
    "acme_guard_safety/adapter.py": '''\
        from llama_stack_api import (
            ModerationObject,
            ModerationObjectResults,
            RunShieldResponse,
            Safety,
            SafetyViolation,
            ShieldsProtocolPrivate,
            ViolationLevel,
        )


        class AcmeGuardSafetyAdapter(Safety, ShieldsProtocolPrivate):
            def __init__(self, config):
                self.config = config

            async def initialize(self):
                pass

            async def shutdown(self):
                pass

            async def register_shield(self, shield):
                pass

            async def unregister_shield(self, identifier):
                pass

            def _blocked(self, text):
                return any(word in text for word in self.config.blocked_words)

            async def run_shield(self, request):
                texts = [m.get("content") if isinstance(m, dict) else m.content for m in request.messages]
                if any(isinstance(t, str) and self._blocked(t) for t in texts):
                    return RunShieldResponse(violation=SafetyViolation(
                        violation_level=ViolationLevel.ERROR, user_message="blocked", metadata={}))
                return RunShieldResponse(violation=None)

            async def run_moderation(self, request):
                inputs = [request.input] if isinstance(request.input, str) else request.input
                return ModerationObject(
                    id="guard-0",
                    model=request.model or "acme-guard",
                    results=[ModerationObjectResults(flagged=self._blocked(text)) for text in inputs],
                )
        ''',
}

GUARD_TOOLS = with_server_api("acme_guard_tools", {
    "acme_guard_tools/__init__.py": '''\
        async def get_adapter_impl(config, _deps):
            from .adapter import AcmeGuardToolsAdapter

            impl = AcmeGuardToolsAdapter(config)
            await impl.initialize()
            return impl
        ''',
    "acme_guard_tools/config.py": '''\
        from pydantic import BaseModel


        class AcmeGuardConfig(BaseModel):
            blocked_words: list[str] = []
        ''',
    "acme_guard_tools/provider.py": '''\
        from .server_api import api


        def get_provider_spec():
            return api.RemoteProviderSpec(
                api=api.Api.tool_runtime,
                adapter_type="acme-guard",
                provider_type="remote::acme-guard",
                module="acme_guard_tools",
                config_class="acme_guard_tools.config.AcmeGuardConfig",
                toolgroup_id="acme::guard",
                pip_packages=[],
                description="A tool that flags blocked words (end-to-end test provider).",
            )
        ''',
    "acme_guard_tools/adapter.py": '''\
        from .server_api import api


        class AcmeGuardToolsAdapter(api.ToolGroupsProtocolPrivate, api.ToolRuntime):
            def __init__(self, config):
                self.config = config

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
                    name="guard_check", description="Flags blocked words",
                    input_schema={"type": "object", "properties": {"text": {"type": "string"}}})])

            async def invoke_tool(self, tool_name, kwargs, authorization=None):
                flagged = any(word in kwargs["text"] for word in self.config.blocked_words)
                return api.ToolInvocationResult(content="blocked" if flagged else "ok",
                                                metadata={"flagged": flagged, "api_package": api.__name__})
        ''',
})
