"""Loads a config the way the server does before it starts anything
(`{core}.core.configure.parse_and_maybe_upgrade_config`: env substitution,
then the StackConfig model) and prints its provider ids by API as one JSON
line. Run with the server's python: load_config.py CORE CONFIG"""

import importlib
import json
import sys

import yaml

core, path = sys.argv[1:3]
configure = importlib.import_module(f"{core}.core.configure")
with open(path) as f:
    config = configure.parse_and_maybe_upgrade_config(yaml.safe_load(f))
print(json.dumps({api: [p.provider_id for p in providers] for api, providers in config.providers.items()}))
