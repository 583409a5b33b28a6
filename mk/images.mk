# Container images, built offline with buildah into OCI archives
# (target/images/*.oci.tar). Included by the root Makefile.
#
#   merge-config.oci.tar      the static (musl) llsd-providers, FROM scratch:
#                             the injection's default `mergeImage`
#   provider-example.oci.tar  examples/provider-image/, data-only (imageVolume mode)
#
# No base image is pulled and no container is started: both images are
# FROM scratch + COPY. buildah reads its isolation and storage driver from
# the environment; chroot isolation and vfs storage work on any machine,
# unprivileged container runtimes or not.

IMAGES_DIR := target/images
MUSL_TARGET := x86_64-unknown-linux-musl
MUSL_BIN := target/$(MUSL_TARGET)/release/llsd-providers
# Cargo.toml's package version: the merge image's version label.
CRATE_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# The org.opencontainers.image.source label.
IMAGE_SOURCE ?= https://github.com/llsd-providers/llsd-providers
IMAGE_REVISION := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

export BUILDAH_ISOLATION := chroot
export STORAGE_DRIVER := vfs

.PHONY: images setup-images image-merge-config image-provider-example bench-images

## setup-images: Debian's buildah and musl-tools, the musl rustup target (skips what is there)
setup-images: setup-rust
	@missing=; for tool in buildah musl-gcc; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y buildah musl-tools; fi
	@rustup target list --installed | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)

## images: the merge-config image and the example provider image as OCI archives in target/images/
images: image-merge-config image-provider-example
	@ls -l $(IMAGES_DIR)/*.oci.tar

## image-merge-config: target/images/merge-config.oci.tar (static llsd-providers FROM scratch)
image-merge-config: setup-images
	$(CARGO) build --release --locked --target $(MUSL_TARGET) --bin llsd-providers
	rm -rf $(IMAGES_DIR)/merge-config && mkdir -p $(IMAGES_DIR)/merge-config
	cp $(MUSL_BIN) $(IMAGES_DIR)/merge-config/llsd-providers
	buildah build --quiet --format oci --timestamp 0 -f images/merge-config/Containerfile \
	  --build-arg VERSION=$(CRATE_VERSION) --build-arg SOURCE=$(IMAGE_SOURCE) --build-arg REVISION=$(IMAGE_REVISION) \
	  -t llsd-merge-config $(IMAGES_DIR)/merge-config
	rm -f $(IMAGES_DIR)/merge-config.oci.tar
	buildah push --quiet llsd-merge-config oci-archive:$(IMAGES_DIR)/merge-config.oci.tar
	buildah rmi llsd-merge-config >/dev/null

## image-provider-example: target/images/provider-example.oci.tar (examples/provider-image/, data-only)
# The commands after the first are those of docs/provider-development.md, with
# $(VPY) for python3 (tests/e2e/test_provider_guide.py checks they match).
image-provider-example: setup-images setup-python
	rm -rf $(IMAGES_DIR)/provider-example $(IMAGES_DIR)/provider-example.oci.tar
	$(VPY) -m pip wheel --no-deps --no-build-isolation --no-index -w target/images/provider-example/packages examples/provider-image
	cp examples/provider-image/lls-provider-spec.yaml target/images/provider-example/
	buildah build --format oci --timestamp 0 -f examples/provider-image/Containerfile -t provider-example target/images/provider-example
	buildah push provider-example oci-archive:target/images/provider-example.oci.tar
	buildah rmi provider-example >/dev/null

## bench-images: image sizes and the pod's install step run from the unpacked images, musl vs glibc (docs/benchmarks.md)
bench-images: images setup-e2e
	$(CARGO) build --release --locked --bin llsd-providers
	LLSD_BIN=$(abspath $(MUSL_BIN)) $(E2E_PY) benches/images.py
