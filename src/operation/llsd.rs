//! An LLSD read as far as it can be.

use super::tagged;
use crate::diagnostic::{Input, InputDiagnostic};
use crate::llsd::LlamaStackDistribution;
use crate::locate::Locations;
use crate::validate::check_llsd;
use crate::yaml_input::read_text;

/// An LLSD as far as it can be read: typed even when validation fails (so
/// that a merge can still show what the install step would say), with every
/// diagnostic located.
#[derive(Debug)]
pub struct LlsdRead {
    /// The typed LLSD, when its fields have their types.
    pub llsd: Option<LlamaStackDistribution>,
    /// Whether it validated.
    pub valid: bool,
    /// Its errors and warnings, located in its text.
    pub diagnostics: Vec<InputDiagnostic>,
}

impl LlsdRead {
    /// The LLSD when it is valid.
    pub fn valid_llsd(self) -> Option<LlamaStackDistribution> {
        self.llsd.filter(|_| self.valid)
    }
}

/// Reads and validates the LLSD `text`.
pub fn read_llsd(text: &str) -> LlsdRead {
    // Validation findings come back as data (read_text locates only an
    // Err): located here, once.
    let read = read_text(text, |value| {
        Ok(match check_llsd(value) {
            Ok((llsd, warnings)) => (Some(llsd), true, warnings),
            // The same deserializer as check_llsd's (one copy of the code in wasm).
            Err(errors) => (serde_path_to_error::deserialize(value).ok(), false, errors),
        })
    });
    let (llsd, valid, diagnostics) = match read {
        Ok((llsd, valid, mut diagnostics)) => {
            Locations::fill(text, 1, &mut diagnostics);
            (llsd, valid, diagnostics)
        }
        // unreadable YAML: its diagnostic carries its position
        Err(errors) => (None, false, errors),
    };
    LlsdRead {
        llsd,
        valid,
        diagnostics: tagged(Input::Llsd, diagnostics),
    }
}
