# Kubewarden packaging and the tests that run the policy as its users do:
# kwctl annotate / run / scaffold / bench on policy.wasm (built by `make policy.wasm`
# in the root Makefile). Included by the root Makefile.
#
# kwctl is looked up in $KWCTL, then on PATH, then at ../shared/tools/kwctl
# (relative to the repository root); without it these targets fail saying so.

# What `kwctl annotate` reads (metadata per role, usage README, questions-ui)
# and the Artifact Hub files, as Kubewarden's own policies keep them.
KW_META := policy-metadata
ARTIFACTHUB := artifacthub
KW_ROLES := validate-llsd inject-deployments
KW_OUT := target/kubewarden
# The resolved kwctl, or a failure naming where it looked.
KWCTL_RUN = kw="$$(scripts/find-kwctl.sh)" && "$$kw"
RELEASE_DIR := target/release-artifacts
# SBOM generator, pinned (crates.io); installed by `make release` when missing.
CYCLONEDX_VERSION := 0.5.9
SBOM_CHECK := .bomFormat == "CycloneDX" and .metadata.component.name == "llsd-providers-policy" and any(.components[]; .name == "kubewarden-policy-sdk") and all(.components[]; .name != "clap")

.PHONY: kwctl annotated-policy.wasm setup-kwctl-tests e2e-tests kubewarden-manifests artifacthub check-artifacthub bench-kwctl release

## kwctl: print the kwctl the Kubewarden targets use (fails when there is none)
kwctl:
	@scripts/find-kwctl.sh

## annotated-policy.wasm: policy.wasm with its Kubewarden metadata and usage text (kwctl annotate)
annotated-policy.wasm: policy.wasm $(KW_META)/metadata.yml $(KW_META)/README.md
	$(KWCTL_RUN) annotate -m $(KW_META)/metadata.yml -u $(KW_META)/README.md -o $@ policy.wasm
	@echo "wrote $@ ($$(wc -c < $@) bytes)"

## kubewarden-manifests: one ClusterAdmissionPolicy per role, scaffolded by kwctl from the role metadata and the examples' settings (target/kubewarden/)
kubewarden-manifests: policy.wasm
	@mkdir -p $(KW_OUT)
	@for role in $(KW_ROLES); do \
	  meta=$(KW_META)/roles/$$role/metadata.yml; \
	  $(KWCTL_RUN) annotate -m $$meta -u $(KW_META)/README.md -o $(KW_OUT)/$$role.wasm policy.wasm; \
	  aware=; grep -q '^- apiVersion: llamastack.io' $$meta && aware=--allow-context-aware; \
	  $(KWCTL_RUN) scaffold manifest --type ClusterAdmissionPolicy $$aware \
	    --title llsd-providers-$${role%%-*} \
	    --settings-json "$$(yq -c .spec.settings examples/kubewarden/$$role.yaml)" \
	    file://$(abspath $(KW_OUT))/$$role.wasm > $(KW_OUT)/$$role.yaml; \
	  echo "wrote $(KW_OUT)/$$role.yaml"; \
	done

## artifacthub: regenerate artifacthub/artifacthub-pkg.yml with kwctl scaffold artifacthub (createdAt kept when nothing else changed)
artifacthub:
	@mkdir -p $(KW_OUT)
	$(KWCTL_RUN) scaffold artifacthub -m $(KW_META)/metadata.yml -q $(KW_META)/questions-ui.yml -o $(KW_OUT)/artifacthub-pkg.yml
	@if diff -q <(grep -v '^createdAt:' $(KW_OUT)/artifacthub-pkg.yml) <(grep -v '^createdAt:' $(ARTIFACTHUB)/artifacthub-pkg.yml) >/dev/null; then \
	  echo "$(ARTIFACTHUB)/artifacthub-pkg.yml is up to date"; \
	else \
	  cp $(KW_OUT)/artifacthub-pkg.yml $(ARTIFACTHUB)/artifacthub-pkg.yml; echo "wrote $(ARTIFACTHUB)/artifacthub-pkg.yml"; \
	fi

## check-artifacthub: fail when artifacthub/artifacthub-pkg.yml is not what kwctl generates (createdAt aside)
check-artifacthub:
	@mkdir -p $(KW_OUT)
	@$(KWCTL_RUN) scaffold artifacthub -m $(KW_META)/metadata.yml -q $(KW_META)/questions-ui.yml -o $(KW_OUT)/artifacthub-pkg.yml
	@diff -u --label "$(ARTIFACTHUB)/artifacthub-pkg.yml (committed)" --label "kwctl scaffold artifacthub" \
	  <(grep -v '^createdAt:' $(ARTIFACTHUB)/artifacthub-pkg.yml) <(grep -v '^createdAt:' $(KW_OUT)/artifacthub-pkg.yml) \
	  || { echo "$(ARTIFACTHUB)/artifacthub-pkg.yml differs from what kwctl generates: run make artifacthub and commit it"; exit 1; }
	@echo "$(ARTIFACTHUB)/artifacthub-pkg.yml matches kwctl scaffold artifacthub"

## setup-kwctl-tests: Debian's bats, jq and yq for the kwctl end-to-end tests (skips what is there)
setup-kwctl-tests:
	@missing=; for tool in bats jq yq; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y $$missing; fi

## e2e-tests: kwctl end-to-end tests (tests/kubewarden/e2e.bats) on annotated-policy.wasm and the scaffolded manifests
e2e-tests: setup-kwctl-tests setup-python annotated-policy.wasm kubewarden-manifests check-artifacthub
	$(CARGO) build --locked
	bats tests/kubewarden/e2e.bats

## bench-kwctl: kwctl bench next to the waPC-host bench, same requests, 1 and 10 providers (docs/benchmarks.md)
bench-kwctl: annotated-policy.wasm
	tests/kubewarden/bench.sh

## release: annotated policy, its SHA-256 and a CycloneDX SBOM of the policy build, and the install bundle (install.yaml, external-providers-patch.yaml), in target/release-artifacts/ (installs cargo-cyclonedx when missing)
release: annotated-policy.wasm install-bundle
	@if cargo-cyclonedx cyclonedx --version 2>/dev/null | grep -qx ".* $(CYCLONEDX_VERSION)"; then \
	  echo "cargo-cyclonedx $(CYCLONEDX_VERSION) present"; \
	else \
	  $(CARGO) install --locked cargo-cyclonedx --version $(CYCLONEDX_VERSION); \
	fi
	rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	cp annotated-policy.wasm $(RELEASE_DIR)/
	cp target/install-bundle/install.yaml target/install-bundle/external-providers-patch.yaml $(RELEASE_DIR)/
	cd $(RELEASE_DIR) && sha256sum annotated-policy.wasm > annotated-policy.wasm.sha256
	cd crates/policy && $(CARGO) cyclonedx --format json --spec-version 1.5 \
	  --target wasm32-wasip1 --override-filename llsd-providers-policy.cdx --no-build-deps
	mv crates/policy/llsd-providers-policy.cdx.json $(RELEASE_DIR)/
	@# the checksum verifies, the SBOM describes the policy build (SDK in, CLI-only crates out)
	cd $(RELEASE_DIR) && sha256sum -c annotated-policy.wasm.sha256
	jq -e '$(SBOM_CHECK)' $(RELEASE_DIR)/llsd-providers-policy.cdx.json >/dev/null
	@ls -l $(RELEASE_DIR)
