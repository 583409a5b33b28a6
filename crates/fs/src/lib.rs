//! The file-system side of the hosts: the core decides and describes, this
//! crate reads and writes. Bounded reads of input files and directories,
//! provider trees and image trees read as regular files only, wheels
//! unpacked as pip lays them out, the install step's pod (what the core's
//! install sequence asks of it), the merge's files, outputs written
//! all-or-nothing, and the kubectl the plugin reads the cluster through.
//! Every error is the sentence to print (or the core's `Stop`); nothing
//! here parses arguments, and only the pod prints: the log lines the core
//! hands it.

pub mod image;
pub mod input;
#[cfg(not(target_arch = "wasm32"))]
pub mod install;
#[cfg(not(target_arch = "wasm32"))]
pub mod kubectl;
pub mod merge_files;
pub mod merge_inputs;
pub mod output;
#[cfg(not(target_arch = "wasm32"))]
pub mod provider_tree;
#[cfg(not(target_arch = "wasm32"))]
pub mod unpack;
