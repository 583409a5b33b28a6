"""An inline Llama Stack safety provider that flags blocked words.

Llama Stack loads it from a run.yaml entry with `module: llsd_example_blocklist`:
it imports `llsd_example_blocklist.provider` and calls `get_provider_spec()`;
the spec's `module` (this package) holds `get_provider_impl`, called with the
entry's `config` parsed into `config_class`.
"""


async def get_provider_impl(config, _deps):
    from .impl import BlocklistSafetyImpl

    impl = BlocklistSafetyImpl(config)
    await impl.initialize()
    return impl
