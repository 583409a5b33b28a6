from .server_api import api


def get_provider_spec():
    return api.InlineProviderSpec(
        api=api.Api.tool_runtime,
        provider_type="inline::example-blocklist",
        module="llsd_example_blocklist",
        config_class="llsd_example_blocklist.config.BlocklistConfig",
        toolgroup_id="example::blocklist",  # registered at startup with the tool check_blocklist
        pip_packages=[],
        description="Flags text that contains a blocked word (llsd-providers example).",
    )
