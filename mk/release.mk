# `make release`: everything a cluster pulls, for the version in Cargo.toml,
# in one directory (docs/release.md). Offline: the toolchains come from the
# registries this project reaches (rustup targets, cargo-zigbuild and
# cargo-cyclonedx from the Rust registry, zig from the Python one).
# Included by the root Makefile; CRATE_VERSION and the image targets come
# from mk/images.mk, the policy roles from mk/kubewarden.mk.
#
# Reproducible: the Rust builds remap the checkout's and the registry's
# paths, the images are built with --timestamp 0, the archives are written
# with sorted names, fixed owners and the epoch as mtime. `make
# release-reproducible` builds everything a second time from a clean clone
# and compares the SHA-256 sums.

RELEASE_OUT := target/release-artifacts/$(CRATE_VERSION)
# The release's own target directory: the remapping flags would otherwise
# invalidate the everyday builds' caches.
RELEASE_TARGET := $(CURDIR)/target/release-build
RELEASE_RUSTFLAGS := --remap-path-prefix=$(CURDIR)=/llsd-providers --remap-path-prefix=$(HOME)/.cargo=/cargo
RELEASE_CARGO = CARGO_TARGET_DIR=$(RELEASE_TARGET) RUSTFLAGS="$(RELEASE_RUSTFLAGS)" $(CARGO)
# linux/<arch> → the static musl target
TRIPLE_amd64 := x86_64-unknown-linux-musl
TRIPLE_arm64 := aarch64-unknown-linux-musl
RELEASE_ARCHES := amd64 arm64
# zig (PyPI's ziglang) is the C compiler and linker cargo-zigbuild uses for
# both targets (ring's C and assembly included).
RELEASE_VENV := .tools/release-venv
ZIGBUILD_VERSION := 0.24.1
ZIGLANG_VERSION := 0.17.1
# cyclonedx-py, the CycloneDX project's own generator, writes the example
# provider image's SBOM from an environment holding its wheel.
CYCLONEDX_PY_VERSION := 7.5.0
ZIG_PATH = PATH=$(CURDIR)/$(RELEASE_VENV)/bin:$$PATH
# Every timestamp a build writes (the example provider's wheel, the SBOMs)
# is the commit's.
RELEASE_EPOCH = $(shell git log -1 --format=%ct)
# Archives as reproducible as their content.
REPRO_TAR := tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu

.PHONY: release setup-release release-bundle release-cli release-wasi release-policy release-images release-playground release-sboms release-sums release-reproducible verify-release

## setup-release: the musl rustup targets, cargo-zigbuild, zig and cargo-cyclonedx (skips what is there)
setup-release: setup-rust setup-images
	@for triple in $(TRIPLE_amd64) $(TRIPLE_arm64); do \
	  rustup target list --installed | grep -qx $$triple || rustup target add $$triple; done
	@cargo-zigbuild --version 2>/dev/null | grep -q " $(ZIGBUILD_VERSION)$$" || \
	  $(CARGO) install --locked cargo-zigbuild --version $(ZIGBUILD_VERSION)
	@test -x $(RELEASE_VENV)/bin/python || python3 -m venv $(RELEASE_VENV)
	@$(RELEASE_VENV)/bin/python -m ziglang version 2>/dev/null | grep -qx "$(ZIGLANG_VERSION)" || \
	  $(RELEASE_VENV)/bin/pip install --quiet ziglang==$(ZIGLANG_VERSION)
	@$(RELEASE_VENV)/bin/cyclonedx-py --version 2>/dev/null | grep -q " $(CYCLONEDX_PY_VERSION)$$" || \
	  $(RELEASE_VENV)/bin/pip install --quiet cyclonedx-bom==$(CYCLONEDX_PY_VERSION)
	@cargo-cyclonedx cyclonedx --version 2>/dev/null | grep -q " $(CYCLONEDX_VERSION)$$" || \
	  $(CARGO) install --locked cargo-cyclonedx --version $(CYCLONEDX_VERSION)

## release: every artifact of this version into target/release-artifacts/<version>/ (docs/release.md)
release: export SOURCE_DATE_EPOCH = $(RELEASE_EPOCH)
release: setup-release
	rm -rf $(RELEASE_OUT) && mkdir -p $(RELEASE_OUT)
	$(MAKE) --no-print-directory release-cli release-wasi release-policy release-images release-playground release-bundle release-sboms
	$(MAKE) --no-print-directory release-sums
	@ls -l $(RELEASE_OUT)

## release-cli: the static llsd-providers for linux/amd64 and linux/arm64
release-cli:
	@mkdir -p $(RELEASE_OUT)
	@for arch in $(RELEASE_ARCHES); do \
	  triple=$$(case $$arch in amd64) echo $(TRIPLE_amd64);; arm64) echo $(TRIPLE_arm64);; esac); \
	  echo "== llsd-providers linux/$$arch ($$triple)"; \
	  $(ZIG_PATH) $(RELEASE_CARGO) zigbuild --release --locked --target $$triple --bin llsd-providers || exit 1; \
	  cp $(RELEASE_TARGET)/$$triple/release/llsd-providers $(RELEASE_OUT)/llsd-providers-linux-$$arch || exit 1; \
	done

## release-wasi: the WASI command module
release-wasi:
	@mkdir -p $(RELEASE_OUT)
	$(RELEASE_CARGO) build --release --locked --target wasm32-wasip1 --bin llsd-providers
	cp $(RELEASE_TARGET)/wasm32-wasip1/release/llsd-providers.wasm $(RELEASE_OUT)/llsd-providers.wasm

## release-policy: the policy module (policy.wasm, annotated with the combined metadata) and one annotated module per role, each with its Artifact Hub file
release-policy: annotated-policy.wasm kubewarden-manifests
	@mkdir -p $(RELEASE_OUT)
	cp annotated-policy.wasm $(RELEASE_OUT)/policy.wasm
	$(KWCTL_RUN) scaffold artifacthub -m $(KW_META)/metadata.yml -q $(KW_META)/questions-ui.yml -o $(RELEASE_OUT)/artifacthub-pkg.yml
	@for role in $(KW_ROLES); do \
	  cp $(KW_OUT)/$$role.wasm $(RELEASE_OUT)/$$role.wasm && \
	  $(KWCTL_RUN) scaffold artifacthub -m $(KW_META)/roles/$$role/metadata.yml -q $(KW_META)/questions-ui.yml \
	    -o $(RELEASE_OUT)/artifacthub-pkg-$$role.yml || exit 1; \
	done
	@# kwctl stamps createdAt with the time of the run; the release's time is its commit's
	sed -i "s/^createdAt: .*/createdAt: $$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)/" $(RELEASE_OUT)/artifacthub-pkg*.yml

# An image index (linux/amd64 + linux/arm64) as one OCI archive: $(1) the
# name, $(2) the Containerfile, $(3) the build context per arch (with
# ARCH in it), $(4) extra build args. Pushed as an OCI layout and archived
# here: buildah's own oci-archive stamps every entry with the time of the
# push.
define image_index
	if buildah manifest exists $(1)-release; then buildah manifest rm $(1)-release >/dev/null; fi
	buildah manifest create $(1)-release >/dev/null
	for arch in $(RELEASE_ARCHES); do \
	  buildah build --quiet --format oci --timestamp 0 --platform linux/$$arch -f $(2) \
	    --build-arg VERSION=$(CRATE_VERSION) --build-arg SOURCE=$(IMAGE_SOURCE) --build-arg REVISION=$(IMAGE_REVISION) \
	    $(4) --manifest $(1)-release $(subst ARCH,$$arch,$(3)) >/dev/null || exit 1; \
	done
	rm -rf $(RELEASE_TARGET)/oci/$(1) && mkdir -p $(RELEASE_TARGET)/oci
	buildah manifest push --quiet --all $(1)-release oci:$(RELEASE_TARGET)/oci/$(1)
	buildah manifest rm $(1)-release >/dev/null
	cd $(RELEASE_TARGET)/oci/$(1) && $(REPRO_TAR) -cf $(CURDIR)/$(RELEASE_OUT)/$(1).oci.tar oci-layout index.json blobs
endef

## release-images: the merge-config and example provider images, each one OCI archive holding an index for amd64 and arm64
release-images: release-cli image-provider-example
	@for arch in $(RELEASE_ARCHES); do \
	  rm -rf $(RELEASE_TARGET)/images/merge-config-$$arch && mkdir -p $(RELEASE_TARGET)/images/merge-config-$$arch && \
	  cp $(RELEASE_OUT)/llsd-providers-linux-$$arch $(RELEASE_TARGET)/images/merge-config-$$arch/llsd-providers || exit 1; \
	done
	$(call image_index,merge-config,images/merge-config/Containerfile,$(RELEASE_TARGET)/images/merge-config-ARCH,)
	$(call image_index,provider-example,examples/provider-image/Containerfile,$(IMAGES_DIR)/provider-example,)

## release-playground: the playground as a static site archive
release-playground: playground
	cd playground && $(REPRO_TAR) -cf - index.html style.css favicon.svg sw.js dist pkg examples \
	  | gzip -n -9 > $(CURDIR)/$(RELEASE_OUT)/playground-site.tar.gz

## release-bundle: install.yaml and the CRD patch beside it (make install-bundle)
release-bundle: install-bundle
	@mkdir -p $(RELEASE_OUT)
	cp target/install-bundle/install.yaml target/install-bundle/external-providers-patch.yaml $(RELEASE_OUT)/

# An SBOM made reproducible: cargo-cyclonedx writes a random serial number,
# the time of the run and the checkout's absolute path; the time becomes the
# commit's, the path /llsd-providers (as in the binaries), the serial number
# a UUID taken from the SHA-256 of the rest.
define normalize_sbom
	ts=$$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ); \
	sed -i 's#file://$(CURDIR)#file:///llsd-providers#g' $(1) && \
	jq --arg ts "$$ts" '.metadata.timestamp = $$ts | del(.serialNumber)' $(1) > $(1).tmp && \
	h=$$(sha256sum $(1).tmp | cut -c1-32) && \
	jq --arg sn "urn:uuid:$${h:0:8}-$${h:8:4}-$${h:12:4}-$${h:16:4}-$${h:20:12}" '.serialNumber = $$sn' $(1).tmp > $(1) && \
	rm $(1).tmp
endef

# cargo-cyclonedx writes one SBOM per workspace member, each into the
# member's directory (the root package's at the top), whatever directory it
# runs in: one run per target, the wanted members' files moved out, the
# others removed.
SBOM_RUN := release-sbom
# what cargo-cyclonedx $(CYCLONEDX_VERSION) writes for --override-filename: the name and
# the format's extension (no `.cdx`)
SBOM_FILE := $(SBOM_RUN).json
cyclonedx = $(CARGO) cyclonedx --format json --spec-version 1.5 --target $(1) --override-filename $(SBOM_RUN) --no-build-deps
cyclonedx_cleanup = find . -path ./target -prune -o -name '$(SBOM_FILE)' -exec rm -f {} +

## release-sboms: CycloneDX SBOMs of the CLI (per architecture: also the merge-config image's content), the policy, the playground's module and the example provider image
release-sboms:
	@for arch in $(RELEASE_ARCHES); do \
	  triple=$$(case $$arch in amd64) echo $(TRIPLE_amd64);; arm64) echo $(TRIPLE_arm64);; esac); \
	  $(call cyclonedx,$$triple) && \
	  mv crates/cli/$(SBOM_FILE) $(RELEASE_OUT)/llsd-providers-linux-$$arch.cdx.json || exit 1; \
	done
	$(call cyclonedx,wasm32-wasip1)
	mv crates/cli/$(SBOM_FILE) $(RELEASE_OUT)/llsd-providers-wasi.cdx.json
	mv crates/policy/$(SBOM_FILE) $(RELEASE_OUT)/llsd-providers-policy.cdx.json
	$(call cyclonedx,wasm32-unknown-unknown)
	mv crates/web/$(SBOM_FILE) $(RELEASE_OUT)/llsd-providers-playground.cdx.json
	$(call cyclonedx_cleanup)
	@# the merge-config image holds the CLI and nothing else
	cp $(RELEASE_OUT)/llsd-providers-linux-amd64.cdx.json $(RELEASE_OUT)/llsd-providers-cli.cdx.json
	@# the example provider image holds its wheel and its spec: the wheel,
	@# installed alone into an empty environment, is what cyclonedx-py reads
	rm -rf $(RELEASE_TARGET)/provider-example-env && python3 -m venv --without-pip $(RELEASE_TARGET)/provider-example-env
	$(RELEASE_VENV)/bin/pip --python $(RELEASE_TARGET)/provider-example-env/bin/python install --quiet --no-deps --no-index \
	  $(IMAGES_DIR)/provider-example/packages/*.whl
	$(RELEASE_VENV)/bin/cyclonedx-py environment --sv 1.5 --output-reproducible \
	  -o $(RELEASE_OUT)/provider-example.cdx.json $(RELEASE_TARGET)/provider-example-env
	jq --arg v $(CRATE_VERSION) '.metadata.component = {"type": "container", "bom-ref": "provider-example", "name": "provider-example", "version": $$v} | .dependencies += [{"ref": "provider-example", "dependsOn": [.components[]."bom-ref"]}]' \
	  $(RELEASE_OUT)/provider-example.cdx.json > $(RELEASE_OUT)/provider-example.cdx.json.tmp
	mv $(RELEASE_OUT)/provider-example.cdx.json.tmp $(RELEASE_OUT)/provider-example.cdx.json
	@for sbom in $(RELEASE_OUT)/*.cdx.json; do $(call normalize_sbom,$$sbom) || exit 1; done
	@# the policy's SBOM describes the policy build (SDK in, CLI-only crates out)
	jq -e '$(SBOM_CHECK)' $(RELEASE_OUT)/llsd-providers-policy.cdx.json >/dev/null

## release-sums: SHA256SUMS of the release directory (checked right away)
release-sums:
	cd $(RELEASE_OUT) && rm -f SHA256SUMS && sha256sum $$(ls | grep -v '^SHA256SUMS$$' | sort) > SHA256SUMS && sha256sum -c --quiet SHA256SUMS

REPRO_DIR := target/reproducible
## release-reproducible: make release twice, each in a fresh clone of HEAD, and compare every file (docs/release.md)
release-reproducible:
	rm -rf $(REPRO_DIR) && mkdir -p $(REPRO_DIR)
	@# ../shared beside each clone, as beside this checkout
	ln -s $(abspath $(CURDIR)/../shared) $(REPRO_DIR)/shared
	@for n in 1 2; do \
	  git clone --quiet --no-hardlinks $(CURDIR) $(REPRO_DIR)/build-$$n && \
	  $(MAKE) --no-print-directory -C $(REPRO_DIR)/build-$$n release || exit 1; \
	done
	@if cmp -s $(REPRO_DIR)/build-1/$(RELEASE_OUT)/SHA256SUMS $(REPRO_DIR)/build-2/$(RELEASE_OUT)/SHA256SUMS; then \
	  echo "reproducible: the two builds' $$(wc -l < $(REPRO_DIR)/build-1/$(RELEASE_OUT)/SHA256SUMS) files are byte-identical"; \
	else \
	  echo "NOT reproducible: files that differ between the two builds:"; \
	  diff $(REPRO_DIR)/build-1/$(RELEASE_OUT)/SHA256SUMS $(REPRO_DIR)/build-2/$(RELEASE_OUT)/SHA256SUMS; exit 1; \
	fi

RELEASE_DIR ?= $(RELEASE_OUT)
## verify-release: a release directory (RELEASE_DIR, by default this version's) checked as users meet it: its files opened per platform (tests/release), then the cluster layer on its install.yaml, role modules and amd64 CLI, and the images' end-to-end tests on its linux/amd64 archives
verify-release: setup-python setup-e2e setup-wasmtime
	LLSD_RELEASE_DIR=$(abspath $(RELEASE_DIR)) $(VPY) -m pytest -q tests/release
	LLSD_RELEASE_DIR=$(abspath $(RELEASE_DIR)) $(VPY) -m pytest -q tests/cluster
	LLSD_IMAGES_DIR=$(abspath $(RELEASE_DIR)) LLSD_BIN=$(abspath $(RELEASE_DIR))/llsd-providers-linux-amd64 \
	  LLSD_E2E_OGX_PYTHON=$(abspath $(E2E_OGX_PY)) $(E2E_PY) -m pytest -q tests/e2e/test_images.py
