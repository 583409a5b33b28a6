# llsd-providers — build and test entry points.
#
#   make demo   install what is missing, build, run the bundled example
#   make test   install what is missing, run every test (what CI runs)
#
# Every setup step is skipped when its tool is already present.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BIN := target/release/llsd-providers

.PHONY: all demo test setup setup-rust setup-python build lint crd clean

all: build

## setup: rustup targets, Rust components and the Python test oracles (skips what is there)
setup: setup-rust setup-python

setup-rust:
	@for target in wasm32-wasip1 wasm32-unknown-unknown; do \
	  rustup target list --installed | grep -qx "$$target" || rustup target add "$$target"; \
	done
	@for component in rustfmt clippy; do \
	  rustup component list --installed | grep -q "^$$component" || rustup component add "$$component"; \
	done

$(VPY): tests/python/requirements.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
	touch $(VPY)

setup-python: $(VPY)

## build: the native CLI (release)
build: setup-rust
	$(CARGO) build --release --locked

## demo: validate the bundled examples with the CLI
demo: build
	@echo "== llsd-providers validate examples/llsd/multi-provider.yaml examples/provider-spec/custom-vllm.yaml"
	$(BIN) validate examples/llsd/multi-provider.yaml examples/provider-spec/custom-vllm.yaml
	@echo
	@echo "== an invalid LLSD: every violation, with its path and fix (exit code 1 expected)"
	$(BIN) validate examples/llsd/invalid/duplicate-ids.yaml examples/llsd/invalid/bad-image.yaml || test $$? -eq 1

## lint: formatting and clippy, warnings are errors
lint: setup-rust
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## test: everything CI runs
test: setup lint
	$(CARGO) test --locked
	$(VPY) -m pytest -q tests/python

## crd: regenerate config/crd/ from the Rust types
crd:
	$(CARGO) run --quiet -- crd > config/crd/external-providers-patch.yaml

clean:
	$(CARGO) clean
	rm -rf $(VENV)
