//! Installing the providers' wheels: one resolution against the server's
//! own distributions (docs/external-providers.md "Dependencies").
//!
//! The core (wheel names and metadata, PEP 508 requirements with markers and
//! extras, the resolution and its verification, the messages) is pure: its
//! inputs are metadata, the server's distributions, a marker environment and
//! the supported wheel tags. Writing a chosen wheel into the packages
//! directory (what `pip install --no-deps --target` does) is the host's
//! (`crates/fs/src/unpack.rs`); [`sequence`] is the whole step, composed
//! once over what a pod does ([`sequence::PodIo`]).

pub mod inputs;
pub mod report;
pub mod resolve;
pub mod sequence;
pub mod step;
pub use crate::wheel;

pub use inputs::{Provider, ServerDist, Target, Wheel};
pub use report::{Context, Failure, Origin, Refusal, Rendered, Shadow};
pub use resolve::{Chosen, Plan, resolve};

#[cfg(test)]
mod tests;
