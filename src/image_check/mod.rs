//! `llsd-providers check-image`: a provider image against the contract
//! (docs/contracts.md, "Provider image layout" and "check-image"),
//! before it is pushed.
//!
//! Pure: the hosts turn their input into a [`Tree`] (an OCI archive's bytes
//! through [`read_archive`], an OCI layout's files through [`read_layout`],
//! or an unpacked root directory they walk themselves) and render the
//! [`ImageReport`]. The checks, in order: the spec file ([`spec`]), the
//! wheels ([`wheels`]), the module in the main wheel ([`package_name`]),
//! the wheels' requirements ([`requirements`]), the permissions
//! ([`permissions`]).

pub mod finding;
pub mod links;
pub mod oci;
pub mod package_name;
pub mod permissions;
pub mod python;
pub mod requirements;
pub mod spec;
pub mod tree;
pub mod wheels;

pub use finding::{Finding, ImageReport};
pub use oci::{read_archive, read_layout};
pub use python::{Platform, Target, TargetPython};
pub use tree::{Entry, Kind, Tree};

/// Checks the image `tree`, named `image` in the report, against the
/// provider image contract for `target`: its platform's wheel tags, and
/// its CPython's tags and markers when given.
pub fn check_tree(image: &str, tree: &Tree, target: &Target) -> ImageReport {
    let link_findings = links::check_links(tree);
    if links::provider_dir_is_not_a_dir(tree) {
        // /lls-provider itself is a link or a file: nothing under it to check
        return ImageReport::new(image, target, link_findings);
    }
    let (package, mut findings) = spec::check_spec(tree);
    findings.extend(link_findings);
    let wheels = wheels::check_wheels(tree, package.as_ref(), target, &mut findings);
    if let Some(package) = &package {
        let main = wheels::image_path(&package.spec.wheel_path);
        if let Some(wheel) = wheels.iter().find(|w| w.path == main) {
            findings.extend(package_name::check_package_name(
                wheel,
                &package.spec.package_name,
            ));
        }
    }
    findings.extend(requirements::check_requirements(&wheels, target));
    findings.extend(permissions::check_permissions(tree));
    ImageReport::new(image, target, findings)
}

/// Reads an OCI archive (of an image index, the target platform's image)
/// and checks it; an unreadable archive is one finding.
pub fn check_archive(image: &str, bytes: &[u8], target: &Target) -> ImageReport {
    match read_archive(bytes, target.platform) {
        Ok(tree) => check_tree(image, &tree, target),
        Err(finding) => ImageReport::new(image, target, vec![finding]),
    }
}

#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod tests;
