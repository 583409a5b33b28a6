//! The command's file-system layer, a library so that the fuzz targets
//! (`fuzz/`) drive the same code the install step runs: bounded reads of
//! input files, provider trees read as regular files only, and wheels
//! unpacked as pip lays them out. The commands themselves are the binary's
//! (`main.rs`).

pub mod input;
#[cfg(not(target_arch = "wasm32"))]
pub mod provider_tree;
#[cfg(not(target_arch = "wasm32"))]
pub mod unpack;
