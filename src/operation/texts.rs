//! The texts of one call, by input, for locating diagnostics.

use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::locate::Locations;
use std::collections::BTreeMap;

/// The texts a call was given, by input (empty where it had none).
#[derive(Debug, Clone, Copy, Default)]
pub struct InputTexts<'a> {
    /// The LLSD.
    pub llsd: &'a str,
    /// The operator's Deployment.
    pub deployment: &'a str,
    /// The injection options.
    pub options: &'a str,
    /// The base run.yaml.
    pub run_yaml: &'a str,
    /// The pod.
    pub pod: &'a str,
    /// lls-provider-spec.yaml per provider id.
    pub specs: Option<&'a BTreeMap<String, String>>,
}

impl<'a> InputTexts<'a> {
    fn of(&self, input: &Input) -> Option<&'a str> {
        match input {
            Input::Llsd => Some(self.llsd),
            Input::Deployment => Some(self.deployment),
            Input::Options => Some(self.options),
            Input::RunYaml => Some(self.run_yaml),
            Input::Pod => Some(self.pod),
            Input::Spec(id) => self.specs?.get(id).map(String::as_str),
            Input::Request | Input::CrdConfig(_) => None,
        }
    }

    /// Gives each diagnostic without a location the position of its path in
    /// the text of its input.
    pub fn locate(&self, mut diagnostics: Vec<InputDiagnostic>) -> Vec<InputDiagnostic> {
        // Each input's text is parsed once, when one of its diagnostics needs it.
        let mut parsed: Vec<(Input, Locations)> = Vec::new();
        for d in diagnostics
            .iter_mut()
            .filter(|d| d.diagnostic.location.is_none())
        {
            let Some(text) = self.of(&d.source) else {
                continue;
            };
            let at = match parsed.iter().position(|(input, _)| *input == d.source) {
                Some(at) => at,
                None => {
                    parsed.push((d.source.clone(), Locations::of(text)));
                    parsed.len() - 1
                }
            };
            d.diagnostic.location = parsed[at].1.find(1, &d.diagnostic.path);
        }
        diagnostics
    }
}

/// Diagnostics of one input.
pub fn tagged(input: Input, diagnostics: Vec<Diagnostic>) -> Vec<InputDiagnostic> {
    diagnostics
        .into_iter()
        .map(|d| input.clone().with(d))
        .collect()
}
