//! `crd-config.yaml`: what the install init container records of the LLSD
//! entry (`providerId`, `api` as the CRD section name, `image`, `config`).

use crate::api;
use crate::diagnostic::Diagnostic;
use crate::yaml_input;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `crd-config.yaml`: the LLSD entry as the install step recorded it; unknown
/// fields are refused (docs/contracts.md, "crd-config.yaml").
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

/// A [`CrdConfig`] borrowed from the LLSD: the same JSON (a test holds them
/// equal), written by the injection for every provider on every admission
/// without copying each provider's `config`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrdConfigRef<'a> {
    /// See [`CrdConfig::provider_id`].
    pub provider_id: &'a str,
    /// See [`CrdConfig::api`].
    pub api: &'a str,
    /// See [`CrdConfig::image`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<&'a str>,
    /// See [`CrdConfig::config`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<&'a Map<String, Value>>,
}

/// Parses crd-config.yaml (YAML or JSON). JSON, as the install step
/// writes it, is read by a JSON parser: it carries every string exactly
/// (DEL, C1 controls, NEL and line separators, which a YAML reader refuses
/// or folds), and keys of any length.
pub fn parse_crd_config(text: &str) -> Result<CrdConfig, Vec<Diagnostic>> {
    if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        yaml_input::check_size(text.len()).map_err(|d| vec![d])?;
        let value: Value = serde_json::from_str(text).map_err(|err| {
            vec![
                Diagnostic::error(
                    "",
                    format!("invalid JSON: {err}"),
                    "crd-config.yaml is written by the install init container; do not edit it by hand",
                )
                .at(crate::diagnostic::Location {
                    line: err.line(),
                    column: err.column(),
                }),
            ]
        })?;
        return convert(&value).map_err(|mut diagnostics| {
            crate::locate::Locations::fill(text, 1, &mut diagnostics);
            diagnostics
        });
    }
    yaml_input::read_text(text, convert)
}

fn convert(value: &Value) -> Result<CrdConfig, Vec<Diagnostic>> {
    {
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
        if let Some(map) = &config.config {
            let found =
                crate::validate::rules::config_value(&Value::Object(map.clone()), "config", 10);
            if !found.is_empty() {
                return Err(found
                    .into_iter()
                    .map(|(at, p)| Diagnostic::error(at, p.problem, p.fix))
                    .collect());
            }
        }
        Ok(config)
    }
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
    fn the_borrowed_record_writes_the_same_json() {
        for text in [
            r#"{"providerId":"a","api":"vectorIo","image":"r.io/a:1","config":{"on":"yes","n":[1]}}"#,
            r#"{"providerId":"b","api":"inference"}"#,
        ] {
            let owned = parse_crd_config(text).unwrap();
            let borrowed = CrdConfigRef {
                provider_id: &owned.provider_id,
                api: &owned.api,
                image: owned.image.as_deref(),
                config: owned.config.as_ref(),
            };
            assert_eq!(serde_json::to_string(&borrowed).unwrap(), text);
            assert_eq!(serde_json::to_string(&owned).unwrap(), text);
        }
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
