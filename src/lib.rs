//! llsd-providers: deploy-time external providers for Llama Stack on Kubernetes.
//!
//! The core is pure (no I/O) and every host calls the same functions
//! (docs/architecture.md, "Pure core, thin hosts"):
//!
//! | step | entry point |
//! |---|---|
//! | validate an LLSD or provider metadata | [`validate::validate_text`], [`validate::check_llsd`] |
//! | wire the operator's Deployment | [`inject()`] with [`InjectOptions`] |
//! | merge providers into run.yaml | [`pipeline`]: sources → [`pipeline::assemble`] → [`pipeline::run_merge_step`] |
//! | diagnose a pod | [`status::diagnose`] |
//! | the CRD patch | [`crd`] |
//!
//! The model: [`api`] (the API table), [`llsd`] (the custom resource),
//! [`provider_package`] (lls-provider-spec.yaml). Reading and reporting:
//! [`yaml_input`] (documents → typed values), [`locate`] (field path →
//! line and column), [`diagnostic`] (errors and warnings as data). The
//! run.yaml engine is [`merge`]. The hosts are the CLI (`src/cli/`, the
//! `llsd-providers` binary, native and WASI), the Kubewarden policy
//! (`policy`, feature `policy`) and the playground (`web`, features `web`
//! and `web-image-check`, two wasm modules).
#![warn(missing_docs)]

pub mod api;
pub mod contract;
pub mod crd;
pub mod diagnostic;
pub mod extra_providers;
pub mod image_check;
pub mod inject;
pub mod install;
pub mod llsd;
pub mod locate;
pub mod merge;
pub mod operation;
pub mod pipeline;
pub mod provider_package;
pub mod status;
pub mod validate;
pub mod wheel;
pub mod yaml_input;
mod yaml_tree;

pub use diagnostic::{Diagnostic, Input, InputDiagnostic, Location, Severity};
pub use inject::{InjectError, InjectOptions, inject};
pub use llsd::LlamaStackDistribution;
pub use pipeline::MergeFailure;
pub use provider_package::ProviderPackage;
