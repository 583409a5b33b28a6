from llama_stack_api import Api, InlineProviderSpec


def get_provider_spec():
    return InlineProviderSpec(
        api=Api.safety,
        provider_type="inline::example-blocklist",
        module="llsd_example_blocklist",
        config_class="llsd_example_blocklist.config.BlocklistConfig",
        pip_packages=[],
        description="Flags text that contains a blocked word (llsd-providers example).",
    )
