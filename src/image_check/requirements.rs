//! The wheels' own requirements (`Requires-Dist`, markers evaluated for the
//! server's Python on linux x86_64, no extras): met by a wheel the image
//! ships, refused when the shipped version does not match, and otherwise
//! noted as expected from the server image (a warning: the install step
//! resolves against the server's packages, which this check cannot see).

use super::finding::Finding;
use super::python::{Target, TargetPython};
use super::wheels::Wheel;
use crate::api::Family;
use pep508_rs::VersionOrUrl;

/// The Python markers are evaluated for when `--python` is not given: the
/// oldest CPython Llama Stack runs on.
pub const DEFAULT_MARKER_PYTHON: u32 = 12;

/// Findings about the requirements of every wheel in `wheels`.
pub fn check_requirements(wheels: &[Wheel], target: &Target) -> Vec<Finding> {
    let default = TargetPython {
        minor: DEFAULT_MARKER_PYTHON,
    };
    let env = target
        .python
        .as_ref()
        .unwrap_or(&default)
        .markers(target.platform);
    let mut findings = Vec::new();
    for wheel in wheels {
        for requirement in &wheel.metadata.requires_dist {
            if !requirement.evaluate_markers(&env, &[]) {
                continue;
            }
            let by = format!("{} {}", wheel.metadata.name, wheel.metadata.version);
            let shipped = wheels.iter().find(|w| w.name.name == requirement.name);
            match (shipped, &requirement.version_or_url) {
                (Some(dep), Some(VersionOrUrl::VersionSpecifier(specifiers)))
                    if !specifiers.contains(&dep.name.version) =>
                {
                    findings.push(Finding::error(
                        dep.path.clone(),
                        format!(
                            "is version {}, but {by} requires {requirement}",
                            dep.name.version
                        ),
                        format!(
                            "ship a {} wheel that satisfies '{requirement}' (pip download '{requirement}' --only-binary :all: -d packages)",
                            requirement.name
                        ),
                    ));
                }
                (Some(_), _) => {}
                (None, _) => match Family::of_package(requirement.name.as_ref()) {
                    Some(family) => findings.push(Finding::warning(
                        wheel.path.clone(),
                        format!(
                            "requires {requirement}, which only {family} servers have: on {} servers the install step refuses the provider",
                            family.other()
                        ),
                        format!(
                            "to serve both llama-stack 0.x and ogx 1.x from one wheel, drop the requirement and import {} with a fallback to {} at run time (docs/provider-development.md, \"One wheel for llama-stack and ogx\"); keep it if the provider is for {family} only",
                            Family::Ogx.api_module(),
                            Family::LlamaStack.api_module()
                        ),
                    )),
                    None => findings.push(Finding::warning(
                        wheel.path.clone(),
                        format!(
                            "requires {requirement}, which no wheel in the image provides: the server image must have it"
                        ),
                        format!(
                            "check that the Llama Stack server image has {} (pip show {} in it), or ship its wheel in /lls-provider/packages/ and list it in spec.dependencyWheels",
                            requirement.name, requirement.name
                        ),
                    )),
                },
            }
        }
    }
    findings
}
