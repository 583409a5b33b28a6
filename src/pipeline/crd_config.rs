//! `crd-config.yaml`: what the install init container records of the LLSD
//! entry (`providerId`, `api` as the CRD section name, `image`, `config`).

use crate::api;
use crate::diagnostic::Diagnostic;
use crate::yaml_input;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `crd-config.yaml`: the LLSD entry as the install step recorded it; unknown
/// fields are refused (docs/architecture.md, "crd-config.yaml").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CrdConfig {
    /// The entry's `providerId`; must equal the name of its metadata directory.
    pub provider_id: String,
    /// The LLSD section (CRD field, e.g. `vectorIo`).
    pub api: String,
    /// The provider image, for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The entry's `config`; becomes the provider's run.yaml `config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
}

/// Parses crd-config.yaml (YAML or JSON).
pub fn parse_crd_config(text: &str) -> Result<CrdConfig, Vec<Diagnostic>> {
    yaml_input::read_text(text, |value| {
        let config: CrdConfig = yaml_input::typed(
            "crd-config.yaml holds providerId, api (the LLSD section, e.g. vectorIo), image and an optional config mapping",
        )(value)?;
        if api::by_crd_field(&config.api).is_none() {
            return Err(vec![Diagnostic::error(
                "api",
                format!("'{}' is not an LLSD externalProviders section", config.api),
                format!("use one of: {}", api::crd_field_list()),
            )]);
        }
        Ok(config)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_both_parse() {
        let json = parse_crd_config(
            r#"{"providerId":"a","api":"vectorIo","image":"r.io/a:1","config":{"on":"yes"}}"#,
        )
        .unwrap();
        let yaml = parse_crd_config(
            "providerId: a\napi: vectorIo\nimage: r.io/a:1\nconfig:\n  \"on\": \"yes\"\n",
        )
        .unwrap();
        assert_eq!(json, yaml);
        assert_eq!(json.config.unwrap()["on"], "yes");
    }

    #[test]
    fn problems_are_reported_with_paths() {
        let err = parse_crd_config("providerId: a\napi: vector_io\n").unwrap_err();
        assert_eq!(err[0].path, "api");
        let err = parse_crd_config("providerId: a\napi: inference\nconfig: [1]\n").unwrap_err();
        assert_eq!(err[0].path, "config");
        let err = parse_crd_config("providerId: a\napi: [\n").unwrap_err();
        assert!(err[0].location.is_some());
    }
}
