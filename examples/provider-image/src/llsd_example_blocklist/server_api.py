"""The provider API package of the server that is importing this provider.

Llama Stack's server was renamed: llama-stack (up to 0.7.x) ships the
provider API as `llama_stack_api`, its successor ogx (1.x) as `ogx_api`:
the same classes under a new package name. The server checks the spec and
the implementation with isinstance() against its *own* package, so they must
be built from the running server's package, not from whichever one happens
to be importable (an image could carry both). The server has imported its
core (`llama_stack` or `ogx`) before it imports a provider, so that tells
which one runs; outside a server (a test, a REPL) ogx is preferred.
"""

import sys

if "llama_stack" in sys.modules and "ogx" not in sys.modules:
    import llama_stack_api as api  # the running server is llama-stack
else:
    try:
        import ogx_api as api
    except ImportError:
        import llama_stack_api as api

__all__ = ["api"]
