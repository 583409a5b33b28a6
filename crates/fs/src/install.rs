//! Executing the core's install plan (`llsd_providers::install::Plan`) on
//! the pod's volumes: the packages and metadata directories cleaned, the
//! chosen wheels unpacked (two wheels writing one file refused), each
//! provider's metadata written for `status` and people; the
//! distribution's own config found in the server image; and the running
//! binary staged for a step in the server's image. Every refusal is
//! the core's `Stop`, worded by the core.

use crate::unpack;
use llsd_providers::install::step::{Step, Stop, crd_config_text, distribution_config_candidates};
use llsd_providers::install::{Plan, Provider};
use llsd_providers::pipeline::{CRD_CONFIG_FILE, CrdConfig, SPEC_FILE};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The step's refusal when `path` cannot be written.
pub fn write_failed(step: &Step, path: &Path, err: &str) -> Stop {
    step.write_failed(&path.display().to_string(), err)
}

/// Empties (or creates) each directory: a restarted pod keeps its emptyDir.
pub fn clean_dirs(step: &Step, dirs: &[&Path]) -> Result<(), Stop> {
    for dir in dirs {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|err| write_failed(step, dir, &err.to_string()))?;
    }
    Ok(())
}

/// Unpacks the plan's chosen wheels from the provider trees under
/// `sources` into `target`, in the plan's order. Gives the files each
/// wheel wrote (relative, with `/`), for the core's shadowing check; two
/// distributions writing one file would leave whichever came last, so that
/// is refused.
pub fn unpack_chosen(
    step: &Step,
    sources: &Path,
    target: &Path,
    (providers, crds): (&[Provider], &[CrdConfig]),
    plan: &Plan,
) -> Result<Vec<Vec<String>>, Stop> {
    // Which chosen wheel wrote each file.
    let mut owners: HashMap<PathBuf, usize> = HashMap::new();
    let mut written_by_wheel: Vec<Vec<String>> = Vec::new();
    for (index, chosen) in plan.install.iter().enumerate() {
        let provider = &providers[chosen.provider];
        let crd = &crds[chosen.provider];
        let wheel = &provider.wheels[chosen.wheel];
        let path = sources
            .join(&provider.id)
            .join("lls-provider/packages")
            .join(&wheel.file.file_name);
        let written = unpack::install_wheel(&path, target)
            .map_err(|problem| step.unpack_failed(crd, &wheel.file.file_name, &problem))?;
        written_by_wheel.push(
            written
                .iter()
                .map(|file| file.to_string_lossy().replace('\\', "/"))
                .collect(),
        );
        for file in written {
            if let Some(&first) = owners.get(&file) {
                let earlier = &plan.install[first];
                let earlier_provider = &providers[earlier.provider];
                let earlier_wheel = &earlier_provider.wheels[earlier.wheel].file.file_name;
                return Err(step.overwrite(
                    crd,
                    &wheel.file.file_name,
                    &file.display().to_string(),
                    (earlier_provider, earlier_wheel),
                ));
            }
            owners.insert(file, index);
        }
    }
    Ok(written_by_wheel)
}

/// Writes `{metadata_dir}/{providerId}/` with the provider's spec and its
/// crd-config, for every provider.
pub fn write_metadata(
    step: &Step,
    metadata_dir: &Path,
    crds: &[CrdConfig],
    specs: &[Vec<u8>],
) -> Result<(), Stop> {
    for (crd, spec) in crds.iter().zip(specs) {
        let dir = metadata_dir.join(&crd.provider_id);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(SPEC_FILE), spec))
            .and_then(|()| std::fs::write(dir.join(CRD_CONFIG_FILE), crd_config_text(crd)))
            .map_err(|err| write_failed(step, &dir, &err.to_string()))?;
    }
    Ok(())
}

/// The distribution's config, found where the server image keeps it
/// (`install::step::distribution_config_candidates`): the first regular
/// file; else every path tried. `env` reads the step's environment.
pub fn distribution_config(
    name: &str,
    server_packages: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Result<PathBuf, Vec<String>> {
    // the entrypoint runs $DISTRO_NAME when it is set; the LLSD's name only
    // stands in for an image that sets none
    let distro_name = env("DISTRO_NAME");
    let names = [distro_name.as_deref().unwrap_or(name)];
    let tried =
        distribution_config_candidates(env("RUN_CONFIG_PATH").as_deref(), &names, server_packages);
    tried
        .iter()
        .map(PathBuf::from)
        // the server image's own files: a link there is the image's choice
        .find(|path| std::fs::metadata(path).is_ok_and(|m| m.is_file()))
        .ok_or(tried)
}

/// Copies the running binary to `to` (its directory created): the
/// stage-installer init container stages it for the step that runs in the
/// server's image. The error is the sentence to print.
pub fn copy_running_binary(to: &Path) -> Result<(), String> {
    std::env::current_exe()
        .and_then(|exe| {
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::copy(exe, to)
        })
        .map(drop)
        .map_err(|err| format!("cannot copy llsd-providers to {}: {err}", to.display()))
}
