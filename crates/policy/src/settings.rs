//! The policy's settings: the injection options plus the supply-chain
//! rules, both the core's ([`InjectOptions`], [`SupplyChainRules`]).
//!
//! Settings arrive as JSON from the policy-server (`validate_settings` at
//! load time, and inside every `validate` payload). Every problem is
//! reported at once, each naming its field and saying why.

use llsd_providers::diagnostic::Diagnostic;
use llsd_providers::inject::InjectOptions;
use llsd_providers::validate::supply_chain::SupplyChainRules;
use llsd_providers::validate::type_name;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Settings of the policy. Every field is optional; the defaults are those of
/// [`Settings::default`] (no registry restriction, tags allowed, no provider
/// limit beyond the CRD's per-section one, the default injection options).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Image and command of merge-config, volume size, init-container resources, UID.
    #[serde(flatten)]
    pub inject: InjectOptions,
    /// `allowedRegistries`, `requireDigest`, `maxProviders`.
    #[serde(flatten)]
    pub supply_chain: SupplyChainRules,
}

impl Settings {
    /// Reads settings from the policy-server's JSON (`null` means defaults),
    /// reporting every problem with the field it concerns.
    pub fn parse(value: &Value) -> Result<Settings, Vec<Diagnostic>> {
        if !matches!(value, Value::Null | Value::Object(_)) {
            return Err(vec![Diagnostic::error(
                "",
                format!("settings must be a mapping, found {}", type_name(value)),
                "write the settings as `key: value` pairs (see docs/kubewarden.md), or omit them for the defaults",
            )]);
        }
        let (inject, mut problems) = InjectOptions::read_fields(
            value,
            SupplyChainRules::FIELDS,
            "a setting of this policy",
        )?;
        let supply_chain = SupplyChainRules::read_fields(value, &mut problems);
        if problems.is_empty() {
            Ok(Settings {
                inject,
                supply_chain,
            })
        } else {
            Err(problems)
        }
    }

    /// The settings as the policy-server would pass them (for tests and tools).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(value: Value) -> Vec<String> {
        Settings::parse(&value)
            .unwrap_err()
            .into_iter()
            .map(|d| d.path)
            .collect()
    }

    #[test]
    fn null_and_empty_settings_are_the_defaults() {
        assert_eq!(Settings::parse(&Value::Null).unwrap(), Settings::default());
        assert_eq!(Settings::parse(&json!({})).unwrap(), Settings::default());
        assert_eq!(
            Settings::parse(&json!({"mergeImage": null, "maxProviders": null})).unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn every_setting_is_read() {
        let settings = Settings::parse(&json!({
            "mergeImage": "quay.io/org/merge@sha256:".to_string() + &"a".repeat(64),
            "sharedVolumeSizeLimit": "4Gi",
            "initContainerResources": {"cpuRequest": "50m", "memoryRequest": "128Mi", "memoryLimit": "1Gi"},
            "runAsUser": 2000,
            "allowedRegistries": ["quay.io", "registry.example.com:5000/llama-providers", "docker.io/library"],
            "requireDigest": true,
            "maxProviders": 10
        }))
        .unwrap();
        assert_eq!(settings.inject.shared_volume_size_limit, "4Gi");
        assert_eq!(settings.inject.init_container_resources.memory_limit, "1Gi");
        assert_eq!(settings.inject.run_as_user, 2000);
        assert_eq!(settings.supply_chain.allowed_registries.len(), 3);
        assert!(settings.supply_chain.require_digest);
        assert_eq!(settings.supply_chain.max_providers, Some(10));
        // and the serialized form reads back the same
        assert_eq!(Settings::parse(&settings.to_value()).unwrap(), settings);
    }

    #[test]
    fn every_problem_names_its_field() {
        let p = paths(json!({
            "mergeImage": "Not An Image",
            "allowedRegistries": ["https://quay.io", 7, "quay.io/Org", "quay.io:x", "ok.io/"],
            "requireDigest": "yes",
            "maxProviders": 0,
            "maxProvider": 3,
            "sharedVolumeSizeLimit": "2GB",
        }));
        assert_eq!(
            p,
            // the injection options (and unknown keys) first, then the
            // supply-chain rules
            [
                "maxProvider",
                "mergeImage",
                "sharedVolumeSizeLimit",
                "allowedRegistries[0]",
                "allowedRegistries[1]",
                "allowedRegistries[2]",
                "allowedRegistries[3]",
                "allowedRegistries[4]",
                "requireDigest",
                "maxProviders",
            ]
        );
    }

    #[test]
    fn type_errors_in_injection_options_carry_their_path() {
        let problems =
            Settings::parse(&json!({"initContainerResources": {"cpu": "1"}})).unwrap_err();
        assert_eq!(problems[0].path, "initContainerResources.cpu");
        assert!(
            problems[0].problem.contains("unknown field `cpu`"),
            "{}",
            problems[0].problem
        );
        let problems = Settings::parse(&json!({"mergeCommand": "llsd-providers"})).unwrap_err();
        assert_eq!(problems[0].path, "mergeCommand");
        assert!(
            problems[0]
                .problem
                .starts_with("`mergeCommand` was removed"),
            "{}",
            problems[0].problem
        );
        let problems = Settings::parse(&json!([1, 2])).unwrap_err();
        assert!(problems[0].problem.contains("must be a mapping"));
    }

    #[test]
    fn unknown_settings_suggest_the_closest() {
        let problems = Settings::parse(&json!({"allowedRegistry": ["quay.io"]})).unwrap_err();
        assert!(
            problems[0].fix.contains("did you mean `allowedRegistries`"),
            "{}",
            problems[0].fix
        );
    }
}
