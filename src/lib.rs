//! llsd-providers: deploy-time external providers for Llama Stack on Kubernetes.
//!
//! The core is pure (no I/O): it validates `LlamaStackDistribution`s and
//! provider metadata, and later merges providers into run.yaml and wires the
//! operator's Deployment. Hosts (the CLI, the Kubewarden policy, the web
//! playground) only read input and print results.

pub mod api;
pub mod assemble;
pub mod crd;
pub mod diagnostic;
pub mod inject;
#[cfg(not(target_arch = "wasm32"))]
pub mod install;
pub mod llsd;
pub mod locate;
pub mod merge;
pub mod merge_step;
#[cfg(feature = "policy")]
pub mod policy;
pub mod provider_package;
pub mod status;
pub mod validate;
#[cfg(feature = "web")]
pub mod web;
pub mod yaml_input;
