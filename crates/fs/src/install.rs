//! The install step's pod (`llsd_providers::install::sequence::PodIo`) on
//! real volumes: provider trees read as regular files only, the server's
//! Python asked with `probe.py`, the packages and metadata directories
//! cleaned, the chosen wheels unpacked (two wheels writing one file
//! refused), each provider's metadata and the installed list written; and
//! the running binary staged for a step in the server's image. Every
//! refusal is the core's `Stop`, worded by the core.

use crate::{provider_tree, unpack};
use llsd_providers::install::sequence::PodIo;
use llsd_providers::install::step::{Step, Stop};
use llsd_providers::install::{Plan, Provider};
use llsd_providers::pipeline::CrdConfig;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Run by the server's interpreter with -I (see the file's header).
const PROBE: &str = include_str!("probe.py");

/// The volumes and the interpreter of a pod's install step.
#[derive(Debug, Clone)]
pub struct PodVolumes {
    /// Provider trees: `{sources}/{providerId}/lls-provider/`.
    pub sources: PathBuf,
    /// The packages directory.
    pub target: PathBuf,
    /// Where `{providerId}/` metadata goes.
    pub metadata_dir: PathBuf,
    /// The installed-packages list.
    pub installed_list: PathBuf,
    /// The server's Python.
    pub python: String,
}

fn write_failed(step: &Step, path: &Path, err: &str) -> Stop {
    step.write_failed(&path.display().to_string(), err)
}

impl PodIo for PodVolumes {
    fn read_tree(&mut self, step: &Step, crd: &CrdConfig) -> Result<(Provider, Vec<u8>), Stop> {
        provider_tree::read_tree(&self.sources, crd, step)
    }

    fn probe(&mut self) -> Result<Vec<u8>, String> {
        let output = std::process::Command::new(&self.python)
            .args(["-I", "-c", PROBE])
            .env("LLSD_EXCLUDE_PATH", &self.target)
            .output()
            .map_err(|err| err.to_string())?;
        if !output.status.success() {
            return Err(format!(
                "it exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(output.stdout)
    }

    fn env(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }

    fn first_file(&self, candidates: &[String]) -> Option<String> {
        candidates
            .iter()
            // the server image's own files: a link there is the image's choice
            .find(|path| std::fs::metadata(path).is_ok_and(|m| m.is_file()))
            .cloned()
    }

    fn clean(&mut self, step: &Step) -> Result<(), Stop> {
        for dir in [&self.target, &self.metadata_dir] {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir)
                .map_err(|err| write_failed(step, dir, &err.to_string()))?;
        }
        Ok(())
    }

    fn unpack(
        &mut self,
        step: &Step,
        providers: &[Provider],
        crds: &[CrdConfig],
        plan: &Plan,
    ) -> Result<Vec<Vec<String>>, Stop> {
        // Which chosen wheel wrote each file.
        let mut owners: HashMap<PathBuf, usize> = HashMap::new();
        let mut written_by_wheel: Vec<Vec<String>> = Vec::new();
        for (index, chosen) in plan.install.iter().enumerate() {
            let provider = &providers[chosen.provider];
            let crd = &crds[chosen.provider];
            let wheel = &provider.wheels[chosen.wheel];
            let path = self
                .sources
                .join(&provider.id)
                .join("lls-provider/packages")
                .join(&wheel.file.file_name);
            let written = unpack::install_wheel(&path, &self.target)
                .map_err(|problem| step.unpack_failed(crd, &wheel.file.file_name, &problem))?;
            written_by_wheel.push(
                written
                    .iter()
                    .map(|file| file.to_string_lossy().replace('\\', "/"))
                    .collect(),
            );
            // two distributions writing one file would leave whichever came last
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

    fn write_metadata(
        &mut self,
        step: &Step,
        provider_id: &str,
        files: &[(&str, &[u8])],
    ) -> Result<(), Stop> {
        let dir = self.metadata_dir.join(provider_id);
        std::fs::create_dir_all(&dir)
            .and_then(|()| {
                files
                    .iter()
                    .try_for_each(|(name, bytes)| std::fs::write(dir.join(name), bytes))
            })
            .map_err(|err| write_failed(step, &dir, &err.to_string()))
    }

    fn write_installed_list(&mut self, step: &Step, text: &str) -> Result<(), Stop> {
        std::fs::write(&self.installed_list, text)
            .map_err(|err| write_failed(step, &self.installed_list, &err.to_string()))
    }

    fn say(&mut self, line: &str) {
        println!("{line}");
    }

    fn warn(&mut self, text: &str) {
        eprintln!("{text}");
    }
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
