//! Status: a pod (and optionally its LLSD), as texts or as files, to the
//! per-provider answer.

use super::{NamedInput, read_llsd, tagged};
use crate::diagnostic::{Input, InputDiagnostic};
use crate::llsd::LlamaStackDistribution;
use crate::status::{StatusReport, diagnose, read_pod};
use crate::validate::{FileReport, check_llsd};
use crate::yaml_input::{read_document, read_text};

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

/// The status of a pod file (the CLI's `status --pod`), with its LLSD
/// when one is given.
#[derive(Debug)]
pub struct StatusOfFiles {
    /// The per-provider status.
    pub report: StatusReport,
    /// The LLSD, valid.
    pub llsd: Option<LlamaStackDistribution>,
}

/// [`status_texts`] for files, strictly: a pod that is not a readable Pod
/// or an LLSD that is not valid is refused with its file's report (a
/// script waiting for a verdict must tell "not yet" from "wrong input"),
/// where the playground uses what it can read.
pub fn status_files(
    pod: NamedInput<'_>,
    llsd: Option<NamedInput<'_>>,
) -> Result<StatusOfFiles, Vec<FileReport>> {
    let mut invalid = Vec::new();
    let pod_value = read_document(pod.bytes, read_pod)
        .map_err(|d| invalid.push(FileReport::invalid(pod.name, d)))
        .ok();
    let llsd = llsd
        .map(|input| {
            read_document(input.bytes, |value| check_llsd(value).map(|(llsd, _)| llsd))
                .map_err(|d| invalid.push(FileReport::invalid(input.name, d)))
        })
        .transpose();
    match (pod_value, llsd) {
        (Some(pod), Ok(llsd)) if invalid.is_empty() => Ok(StatusOfFiles {
            report: diagnose(&pod, llsd.as_ref()),
            llsd,
        }),
        _ => Err(invalid),
    }
}
