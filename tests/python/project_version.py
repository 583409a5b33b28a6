"""The project's version, read from Cargo.toml as the build reads it
(`[workspace.package] version`), and the references derived from it: what
tests expect where the code derives the same string with
`env!("CARGO_PKG_VERSION")`."""

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]
# the injection's default `mergeImage` (src/inject/options.rs)
DEFAULT_MERGE_IMAGE = f"quay.io/llsd-providers/merge-config:{VERSION}"
