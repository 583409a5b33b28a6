"""Sources of the small, real provider packages the end-to-end test builds
into wheels. They follow what llama-stack 0.7.3 does with a provider entry
that has `module: X` (llama_stack/core/distribution.py and resolver.py):

- imports `X.provider` and calls `get_provider_spec()`;
- the spec's own `module` names where `get_adapter_impl(config, deps)` lives,
  its `config_class` the pydantic model the entry's `config` must satisfy;
- the implementation must define every method of the API's protocol (the
  resolver rejects protocol stubs) plus the routing-table protocol
  (ModelsProtocolPrivate for inference, ShieldsProtocolPrivate for safety).

`acme-echo-inference` (remote inference) imports `acme_echo_core`, shipped as
its own dependency wheel; `acme-guard-safety` (remote safety) stands alone.
"""

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


ECHO_INFERENCE = {
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
        from llama_stack_api import Api, RemoteProviderSpec


        def get_provider_spec():
            return RemoteProviderSpec(
                api=Api.inference,
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
        from llama_stack_api import (
            InferenceProvider,
            Model,
            ModelsProtocolPrivate,
            ModelType,
            OpenAIChatCompletion,
            OpenAIChoice,
        )


        class AcmeEchoInferenceAdapter(InferenceProvider, ModelsProtocolPrivate):
            def __init__(self, config):
                self.config = config

            async def initialize(self):
                pass

            async def shutdown(self):
                pass

            async def should_refresh_models(self):
                return False

            async def list_models(self):
                return [Model(identifier=MODEL, provider_resource_id=MODEL,
                              provider_id=self.__provider_id__, model_type=ModelType.llm)]

            async def register_model(self, model):
                return model

            async def unregister_model(self, model_id):
                pass

            async def openai_chat_completion(self, params):
                last = params.messages[-1]
                text = last.get("content") if isinstance(last, dict) else last.content
                return OpenAIChatCompletion(
                    id="echo-0",
                    created=int(time.time()),
                    model=params.model,
                    choices=[OpenAIChoice(
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
}

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
