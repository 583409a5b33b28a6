//! Tells an LLSD whose providers were removed from one whose providers the
//! API server no longer returns.
//!
//! The operator ships the LLSD CRD; installing or upgrading the operator
//! replaces the CRD with one that lacks the `externalProviders` patch, and
//! the API server then prunes `spec.server.externalProviders` from every
//! stored LLSD it reads. The LLSD the policy looks up then shows no
//! providers, exactly like one whose providers a user removed. Before it
//! strips the wiring of a wired Deployment, the policy therefore reads the
//! CRD and refuses when its schema has no `externalProviders`
//! (docs/crd.md, "Operator upgrades").

use super::{GetResourceRequest, Lookup};
use llsd_providers::llsd::KIND;
use serde_json::Value;

/// The LLSD CustomResourceDefinition's name.
pub const CRD_NAME: &str = "llamastackdistributions.llamastack.io";

/// The CRD lookup: cluster-scoped and uncached. It is made only before a
/// wired Deployment loses its providers, and a copy from the policy-server's
/// cache (up to 5 s old) taken before an operator upgrade would let the
/// strip through (seen in the cluster layer).
pub fn crd_request() -> GetResourceRequest {
    GetResourceRequest {
        api_version: "apiextensions.k8s.io/v1".to_string(),
        kind: "CustomResourceDefinition".to_string(),
        name: CRD_NAME.to_string(),
        namespace: None,
        disable_cache: true,
        field_masks: None,
    }
}

/// Where the patch puts the field in a version's schema.
const FIELD_POINTER: &str =
    "/schema/openAPIV3Schema/properties/spec/properties/server/properties/externalProviders";

/// `Ok(())` when the CRD's `version` (`v1alpha1`) has
/// `spec.server.externalProviders`; otherwise the rejection's message.
pub fn check_crd_serves_providers(lookup: Lookup, version: &str) -> Result<(), String> {
    let crd = lookup(&crd_request()).map_err(|err| {
        format!(
            "cannot read CustomResourceDefinition '{CRD_NAME}' to tell whether the API server still \
             serves spec.server.externalProviders: {err}\n  fix: give the policy access to it \
             (contextAwareResources: apiextensions.k8s.io/v1 CustomResourceDefinition, and a \
             ClusterRole allowing get on customresourcedefinitions '{CRD_NAME}', as docs/kubewarden.md shows)"
        )
    })?;
    let served = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
        .is_some_and(|v| v.pointer(FIELD_POINTER).is_some());
    if served {
        return Ok(());
    }
    Err(format!(
        "CustomResourceDefinition '{CRD_NAME}' (version {version}) has no \
         spec.server.externalProviders: the operator's CRD was installed or upgraded without the \
         llsd-providers patch, so the API server drops the external providers of every {KIND} it \
         returns. The Deployment keeps its providers until the patch is back.\n  fix: re-apply the \
         patch: kubectl patch crd {CRD_NAME} --type=json --patch-file \
         config/crd/external-providers-patch.yaml (docs/crd.md, \"Operator upgrades\")"
    ))
}
