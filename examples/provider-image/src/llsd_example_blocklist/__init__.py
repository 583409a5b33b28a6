"""An inline tool_runtime provider with one tool, `check_blocklist`, which
flags text that contains a blocked word.

One wheel serves llama-stack 0.7.x and ogx 1.x. Both load it from a config
entry with `module: llsd_example_blocklist`: they import
`llsd_example_blocklist.provider` and call `get_provider_spec()`; the spec's
`module` (this package) holds `get_provider_impl`, called with the entry's
`config` parsed into `config_class`. Nothing here imports an API package
directly: `server_api.api` is the running server's.
"""


async def get_provider_impl(config, _deps):
    from .impl import BlocklistToolRuntime

    impl = BlocklistToolRuntime(config)
    await impl.initialize()
    return impl
