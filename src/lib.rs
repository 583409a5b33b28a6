//! llsd-providers: deploy-time external providers for Llama Stack on Kubernetes.
//!
//! The core of the workspace: pure functions (no I/O, no clock, no
//! printing), the same in every host (docs/architecture.md maps every
//! module):
//!
//! | step | entry point |
//! |---|---|
//! | validate an LLSD or provider metadata | [`validate::validate_text`], [`validate::validate_files`], [`validate::check_llsd`] |
//! | wire the operator's Deployment | [`operation::inject_texts`], or [`inject()`] on values |
//! | merge providers into run.yaml | [`operation::merge_texts`]; the pipeline: sources → [`pipeline::assemble`] → [`pipeline::run_merge_step`] |
//! | install providers' wheels | [`install::sequence::install`], [`install::resolve()`], [`install::step`] |
//! | diagnose a pod, an LLSD's pods | [`operation::status_texts`], [`operation::status_files`], [`operation::rollout_status`], [`status::diagnose`], [`status::distribution_status`] |
//! | keep an LLSD's conditions current | [`operation::llsd_status_update`], [`status::conditions`] |
//! | check a provider image | [`image_check::check_archive`] |
//! | the CRD patch | [`crd`] |
//!
//! The model: [`api`] (the API table), [`llsd`] (the custom resource),
//! [`provider_package`] (lls-provider-spec.yaml). Reading and reporting:
//! [`yaml_input`] (documents → typed values), [`locate`] (field path →
//! line and column), [`diagnostic`] (errors and warnings as data). The
//! run.yaml engine is [`merge`]; the pod's names and paths are
//! [`contract`]. The hosts are crates of their own: `crates/cli` (the
//! `llsd-providers` binary, native and WASI, and the kubectl plugin),
//! `crates/controller` (the status controller the binary runs),
//! `crates/policy` (the Kubewarden policy) and `crates/web` (the
//! playground's two wasm modules); `crates/fs` does the file-system work
//! the core describes.
#![warn(missing_docs)]

pub mod api;
pub mod contract;
pub mod crd;
pub mod diagnostic;
pub mod extra_providers;
pub mod image_check;
pub mod inject;
pub mod install;
pub mod json;
pub mod limits;
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
