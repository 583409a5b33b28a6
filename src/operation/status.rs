//! Status: a pod (and optionally its LLSD), as texts, to the per-provider
//! answer.

use super::{read_llsd, tagged};
use crate::diagnostic::{Input, InputDiagnostic};
use crate::status::{StatusReport, diagnose, read_pod};
use crate::yaml_input::read_text;

/// The per-provider answer and how the LLSD was used.
#[derive(Debug)]
pub struct StatusAnswer {
    /// The per-provider status.
    pub report: StatusReport,
    /// Whether the LLSD was used.
    pub used_llsd: bool,
    /// Notes on how the LLSD was used.
    pub notes: Vec<&'static str>,
}

/// Diagnoses the pod `pod` (JSON or YAML); `llsd` blank: the providers are
/// taken from the pod's init containers.
pub fn status_texts(pod: &str, llsd: &str) -> Result<StatusAnswer, Vec<InputDiagnostic>> {
    let pod = read_text(pod, read_pod).map_err(|errors| tagged(Input::Pod, errors))?;
    let mut notes = Vec::new();
    let llsd = if llsd.trim().is_empty() {
        None
    } else {
        let read = read_llsd(llsd);
        if !read.valid {
            notes.push(if read.llsd.is_some() {
                "The LLSD has validation errors; it is used as far as it could be read."
            } else {
                "The LLSD cannot be read; providers are taken from the pod's init containers."
            });
        }
        read.llsd
    };
    Ok(StatusAnswer {
        report: diagnose(&pod, llsd.as_ref()),
        used_llsd: llsd.is_some(),
        notes,
    })
}
