//! The install step's pod (`llsd_providers::install::sequence::PodIo`) on
//! real volumes: provider trees read as regular files only, the server's
//! Python asked with `probe.py`, the packages and metadata directories
//! cleaned, the chosen wheels unpacked (two wheels writing one file
//! refused), each provider's metadata and the installed list written; and
//! the running binary staged for a step in the server's image. Every
//! refusal is the core's `Stop`, worded by the core.

use crate::{provider_tree, unpack};
use llsd_providers::install::Provider;
use llsd_providers::install::sequence::{MetadataFiles, PodIo};
use llsd_providers::install::step::{Step, Stop};
use llsd_providers::pipeline::{CrdConfig, MergeResult};
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

    fn unpack_wheel(
        &mut self,
        step: &Step,
        crd: &CrdConfig,
        file: &str,
    ) -> Result<Vec<String>, Stop> {
        let tree = provider_tree::tree_dir(&self.sources, &crd.provider_id);
        let path = provider_tree::packages_dir(&tree).join(file);
        let written = unpack::install_wheel(&path, &self.target)
            .map_err(|problem| step.unpack_failed(crd, file, &problem))?;
        let relative = written
            .iter()
            .map(|f| f.to_string_lossy().replace('\\', "/"));
        Ok(relative.collect())
    }

    fn write_metadata(&mut self, step: &Step, id: &str, files: MetadataFiles) -> Result<(), Stop> {
        let dir = self.metadata_dir.join(id);
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

/// Where the step's result goes: a summary line and a JSON line, within
/// the pod's budget for them (`kubectl describe pod` shows it, `status`
/// reads it).
#[derive(Debug, Clone)]
pub struct TerminationLog {
    /// The file (`/dev/termination-log` in a pod).
    pub path: PathBuf,
    /// This message's share of the pod's 12 KiB.
    pub budget: usize,
    /// The step's init container, for a crash's message.
    pub init_container: String,
}

impl TerminationLog {
    /// Writes `result`; a log that cannot be written is not the step's
    /// failure (its stderr says what happened).
    pub fn write(&self, result: &MergeResult) {
        let _ = std::fs::write(&self.path, result.termination_message(self.budget));
    }

    /// The last line of defence: should the step panic anyway (the bounds
    /// on its inputs are the fix for every crash known), it still ends
    /// with a termination message, so that `status` can tell the user what
    /// stopped the pod's start. The previous hook still prints the panic.
    pub fn write_on_panic(&self) {
        let log = self.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let step = Step {
                init_container: &log.init_container,
            };
            log.write(&step.internal_error(&info.to_string()).result());
            previous(info);
        }));
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

#[cfg(test)]
mod tests {
    use super::TerminationLog;

    /// The hook writes the termination message a crash would otherwise
    /// leave empty (issue #24 item 3), and hands the panic on.
    #[test]
    fn a_panic_still_ends_in_a_termination_message() {
        let dir = tempfile::tempdir().unwrap();
        let log = TerminationLog {
            path: dir.path().join("termination-log"),
            budget: 4096,
            init_container: "merge-config".to_string(),
        };
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        log.write_on_panic();
        let caught = std::panic::catch_unwind(|| panic!("boom \u{1b}[2J"));
        let _ = std::panic::take_hook();
        std::panic::set_hook(before);
        assert!(caught.is_err());
        let message = std::fs::read_to_string(&log.path).unwrap();
        assert!(
            message.starts_with(
                "merge-config failed: The install step stopped on an internal error (init container merge-config): "
            ),
            "{message}"
        );
        assert!(
            message.contains("boom \\u{1b}[2J") && message.contains("\"stepFailed\""),
            "{message}"
        );
    }
}
