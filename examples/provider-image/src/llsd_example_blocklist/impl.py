from llama_stack_api import (
    ModerationObject,
    ModerationObjectResults,
    RunShieldResponse,
    Safety,
    SafetyViolation,
    ShieldsProtocolPrivate,
    ViolationLevel,
)


class BlocklistSafetyImpl(Safety, ShieldsProtocolPrivate):
    """Every method of the Safety protocol (the resolver rejects protocol
    stubs) and of the shields routing table."""

    def __init__(self, config):
        self.blocked = [word.lower() for word in config.blocked_words]

    async def initialize(self):
        pass

    async def shutdown(self):
        pass

    async def register_shield(self, shield):
        pass

    async def unregister_shield(self, identifier):
        pass

    def flagged(self, text):
        text = text.lower()
        return any(word in text for word in self.blocked)

    async def run_shield(self, request):
        for message in request.messages:
            content = message.get("content") if isinstance(message, dict) else message.content
            if isinstance(content, str) and self.flagged(content):
                return RunShieldResponse(violation=SafetyViolation(
                    violation_level=ViolationLevel.ERROR,
                    user_message="The message contains a blocked word.",
                    metadata={},
                ))
        return RunShieldResponse(violation=None)

    async def run_moderation(self, request):
        inputs = [request.input] if isinstance(request.input, str) else request.input
        return ModerationObject(
            id="example-blocklist",
            model=request.model or "example-blocklist",
            results=[ModerationObjectResults(flagged=self.flagged(text)) for text in inputs],
        )
