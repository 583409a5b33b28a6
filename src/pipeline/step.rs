//! The `merge-config` step as one pure function: the checked providers and
//! the user's base config in, the merged config, `extra-providers.yaml`,
//! the log and the warnings out.

use super::{MergeFailure, ProviderSource, assemble};
use crate::limits::MAX_BASE_BYTES;
use crate::merge::{self, ExternalProvider, MergeEvent};
use crate::yaml_input;

/// The user's run.yaml, with the name to show in messages.
#[derive(Debug, Clone, Copy)]
pub struct BaseConfig<'a> {
    /// Name shown in messages and the log: the `--base` path, or the
    /// playground's label.
    pub name: &'a str,
    /// The base config's content.
    pub text: &'a str,
}

/// Everything the merge step writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeStepOutput {
    /// The merged config (or the minimal config when there is no base).
    pub config: String,
    /// `extra-providers.yaml` (docs/contracts.md, "extra-providers.yaml").
    pub extra_providers: String,
    /// merge-log.txt: what was added, replaced and created, and the warnings.
    pub log: String,
    /// Warnings, each a `WARNING: …` block, also in the log.
    pub warnings: Vec<String>,
    /// What the merge did and noticed, in order (the termination message's
    /// source, [`super::MergeResult::merged`]).
    pub events: Vec<MergeEvent>,
}

/// Merges `providers` (checked, in CRD order) into `base`.
pub fn run_merge_step(
    base: Option<BaseConfig<'_>>,
    providers: &[ExternalProvider],
) -> Result<MergeStepOutput, MergeFailure> {
    let (config, events) = match base {
        Some(base) => {
            let merged =
                merge::merge(base.text, providers).map_err(|err| MergeFailure::InvalidBase {
                    file: base.name.to_string(),
                    message: err.to_string(),
                    location: err.location(),
                })?;
            (merged.text, merged.events)
        }
        None => (merge::render_minimal_config(providers), Vec::new()),
    };
    let warnings: Vec<String> = events
        .iter()
        .filter_map(MergeEvent::warning_text)
        .map(|text| format!("WARNING: {text}"))
        .collect();
    let log = render_log(base.map(|b| b.name), providers, &events, &warnings);
    Ok(MergeStepOutput {
        config,
        extra_providers: merge::render_extra_providers(providers),
        log,
        warnings,
        events,
    })
}

/// The whole merge step as the pod runs it, on the providers' checked
/// metadata (read from the metadata directory, or held in memory by the
/// install step) and the base file as read (its name and bytes, read to at
/// most one byte over [`MAX_BASE_BYTES`]): assemble, decode the base within
/// its bound, merge. Gives the providers merged with the output (the
/// termination message's source).
pub fn merge_step(
    sources: Result<Vec<ProviderSource>, MergeFailure>,
    base: Option<(&str, &[u8])>,
) -> Result<(Vec<ExternalProvider>, MergeStepOutput), MergeFailure> {
    let providers = sources.and_then(|sources| assemble(&sources))?;
    let text = base
        .map(|(name, bytes)| decode_base(name, bytes).map(|text| (name, text)))
        .transpose()?;
    let base = text.as_ref().map(|(name, text)| BaseConfig { name, text });
    let output = run_merge_step(base, &providers)?;
    Ok((providers, output))
}

/// The base file's text: within [`MAX_BASE_BYTES`] and valid UTF-8.
fn decode_base<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, MergeFailure> {
    if bytes.len() > MAX_BASE_BYTES {
        return Err(MergeFailure::InvalidBase {
            file: name.to_string(),
            message: format!(
                "the file is larger than {MAX_BASE_BYTES} bytes; a run.yaml is a few KB"
            ),
            location: None,
        });
    }
    yaml_input::decode_utf8(bytes).map_err(|d| MergeFailure::InvalidBase {
        file: name.to_string(),
        message: format!(
            "{} at {}",
            d.problem,
            d.location.map(|l| l.to_string()).unwrap_or_default()
        ),
        location: d.location,
    })
}

fn render_log(
    base: Option<&str>,
    providers: &[ExternalProvider],
    events: &[MergeEvent],
    warnings: &[String],
) -> String {
    let mut log = String::new();
    match base {
        Some(name) => log.push_str(&format!(
            "merge-config: merging {} external provider(s) into {name}\n",
            providers.len()
        )),
        None => log.push_str(&format!(
            "merge-config: no base config; writing a minimal config with {} external provider(s)\n",
            providers.len()
        )),
    }
    log.push_str("providers in CRD order:\n");
    for p in providers {
        log.push_str(&format!(
            "  {} api={} type={} module={} image={}\n",
            p.provider_id, p.api, p.provider_type, p.module, p.image
        ));
    }
    if !events.is_empty() {
        log.push_str("changes:\n");
        for event in events {
            log.push_str(&format!("  {}\n", event.log_line()));
        }
    }
    for warning in warnings {
        log.push_str(warning);
        log.push('\n');
    }
    log.push_str(&format!(
        "merge-config: done, {} warning(s)\n",
        warnings.len()
    ));
    log
}

/// The log of a failed merge: what was attempted and the error.
pub fn failure_log(base: Option<&str>, failure: &MergeFailure) -> String {
    let target = base.unwrap_or("a minimal config");
    format!("merge-config: merge into {target} failed\n{failure}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str, api: &str) -> ExternalProvider {
        ExternalProvider {
            provider_id: id.into(),
            provider_type: format!("remote::{id}"),
            module: format!("{id}_mod"),
            api: api.into(),
            config: None,
            image: format!("r.io/{id}:1"),
        }
    }

    #[test]
    fn override_warning_is_in_the_documented_format_and_logged() {
        let base = "providers:\n  inference:\n  - provider_id: ollama\n    provider_type: remote::ollama\n";
        let out = run_merge_step(
            Some(BaseConfig {
                name: "run.yaml",
                text: base,
            }),
            &[provider("ollama", "inference")],
        )
        .unwrap();
        assert_eq!(
            out.warnings,
            [
                "WARNING: External provider 'ollama' overrides base provider in API 'inference'\n  \
              Base type: remote::ollama\n  External type: remote::ollama"
            ]
        );
        assert!(out.log.contains(&out.warnings[0]), "{}", out.log);
        assert!(out.log.contains(
            "  ollama api=inference type=remote::ollama module=ollama_mod image=r.io/ollama:1\n"
        ));
        assert!(out.config.contains("module: ollama_mod"), "{}", out.config);
        assert!(
            out.extra_providers
                .starts_with("apiVersion: llamastack.io/v1alpha1\nkind: ExternalProviders\n")
        );
    }

    #[test]
    fn no_base_gives_the_minimal_config() {
        let out = run_merge_step(None, &[provider("a", "safety")]).unwrap();
        assert!(
            out.config.contains("distro_name: external-providers"),
            "{}",
            out.config
        );
        assert!(
            out.log.starts_with("merge-config: no base config"),
            "{}",
            out.log
        );
    }

    #[test]
    fn broken_bases_name_file_line_and_column() {
        let err = run_merge_step(
            Some(BaseConfig {
                name: "/cfg/run.yaml",
                text: "providers: [\n",
            }),
            &[provider("a", "safety")],
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("File: /cfg/run.yaml\ninvalid YAML at line 2, column 1"),
            "{text}"
        );
        assert!(failure_log(Some("/cfg/run.yaml"), &err).contains("failed\nERROR: Cannot merge"));
    }
}
