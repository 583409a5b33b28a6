//! Validation of `lls-provider-spec.yaml` (kind `ProviderPackage`).

use super::fields::Collector;
use super::rules::{self, Problem};
use super::{Checked, typed};
use crate::diagnostic::index;
use crate::provider_package::{API_VERSION, KIND, ProviderPackage};
use serde_json::Value;

const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const METADATA_FIELDS: &[&str] = &["name", "version", "vendor", "description", "maintainer"];
const SPEC_FIELDS: &[&str] = &[
    "packageName",
    "providerType",
    "api",
    "wheelPath",
    "dependencyWheels",
];

/// Validates provider metadata, reporting every violation with its field path.
pub fn check_provider_package(document: &Value) -> Checked<ProviderPackage> {
    let mut c = Collector::default();
    if let Some(root) = c.mapping(document, "") {
        c.unknown_fields(root, TOP_FIELDS, "");
        c.header(root, API_VERSION, KIND);
        match root.get("metadata") {
            None => c.error(
                "metadata",
                "is required",
                "add metadata with name, version and vendor",
            ),
            Some(value) => check_metadata(&mut c, value),
        }
        match root.get("spec") {
            None => c.error(
                "spec",
                "is required",
                "add spec with packageName, providerType, api and wheelPath",
            ),
            Some(value) => check_spec(&mut c, value),
        }
    }
    typed(document, c)
}

fn check_metadata(c: &mut Collector, value: &Value) {
    let Some(metadata) = c.mapping(value, "metadata") else {
        return;
    };
    c.unknown_fields(metadata, METADATA_FIELDS, "metadata");
    c.required_string(metadata, "name", "metadata", "the provider package's name");
    c.required_string(
        metadata,
        "version",
        "metadata",
        "the package version, e.g. 1.0.0",
    );
    c.required_string(metadata, "vendor", "metadata", "who publishes the provider");
    c.optional_string(
        metadata,
        "description",
        "metadata",
        "a one-line description",
    );
    c.optional_string(
        metadata,
        "maintainer",
        "metadata",
        "a contact, e.g. team@example.com",
    );
}

fn check_spec(c: &mut Collector, value: &Value) {
    let Some(spec) = c.mapping(value, "spec") else {
        return;
    };
    c.unknown_fields(spec, SPEC_FIELDS, "spec");
    let report = |c: &mut Collector, path: &str, result: Result<(), Problem>| {
        if let Err(p) = result {
            c.error(path, p.problem, p.fix);
        }
    };
    if let Some(name) = c.required_string(
        spec,
        "packageName",
        "spec",
        "the provider's Python module path",
    ) {
        report(c, "spec.packageName", rules::python_module(name));
    }
    if let Some(kind) = c.required_string(
        spec,
        "providerType",
        "spec",
        "remote::<name> or inline::<name>",
    ) {
        report(c, "spec.providerType", rules::provider_type(kind));
    }
    if let Some(key) =
        c.required_string(spec, "api", "spec", "the run.yaml API key, e.g. inference")
    {
        check_api(c, key);
    }
    let main_wheel = c.required_string(
        spec,
        "wheelPath",
        "spec",
        "the main wheel, packages/<file>.whl",
    );
    if let Some(path) = main_wheel {
        report(c, "spec.wheelPath", rules::wheel_path(path));
    }
    if let Some(value) = spec.get("dependencyWheels") {
        check_dependency_wheels(c, value, main_wheel);
    }
}

fn check_api(c: &mut Collector, key: &str) {
    if let Err(p) = rules::run_yaml_api(key) {
        c.error("spec.api", p.problem, p.fix);
    }
}

fn check_dependency_wheels(c: &mut Collector, value: &Value, main_wheel: Option<&str>) {
    let Some(items) = c.list(value, "spec.dependencyWheels") else {
        return;
    };
    let mut seen: Vec<&str> = main_wheel.into_iter().collect();
    for (i, item) in items.iter().enumerate() {
        let path = index("spec.dependencyWheels", i);
        let Value::String(wheel) = item else {
            c.mistyped(
                &path,
                "a string",
                item,
                "list wheel paths such as packages/httpx-0.27.0-py3-none-any.whl",
            );
            continue;
        };
        if let Err(p) = rules::wheel_path(wheel) {
            c.error(&path, p.problem, p.fix);
        } else if seen.contains(&wheel.as_str()) {
            c.error(
                &path,
                format!("'{wheel}' is listed twice"),
                "list each wheel once",
            );
        }
        seen.push(wheel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "apiVersion": "llamastack.io/v1alpha1",
            "kind": "ProviderPackage",
            "metadata": {"name": "custom-vllm", "version": "1.0.0", "vendor": "Example"},
            "spec": {
                "packageName": "my_org.custom_vllm",
                "providerType": "remote::custom-vllm",
                "api": "inference",
                "wheelPath": "packages/custom_vllm-1.0.0-py3-none-any.whl",
                "dependencyWheels": ["packages/httpx-0.27.0-py3-none-any.whl"]
            }
        })
    }

    fn errors(value: &Value) -> Vec<(String, String)> {
        match check_provider_package(value) {
            Ok(_) => vec![],
            Err(diags) => diags.into_iter().map(|d| (d.path, d.problem)).collect(),
        }
    }

    #[test]
    fn valid_metadata_parses_into_types() {
        let (package, warnings) = check_provider_package(&valid()).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(package.spec.api, "inference");
        assert_eq!(package.wheels().count(), 2);
    }

    #[test]
    fn every_violation_is_reported_with_its_path() {
        let mut doc = valid();
        doc["kind"] = json!("Provider");
        doc["metadata"].as_object_mut().unwrap().remove("vendor");
        doc["spec"]["providerType"] = json!("vllm");
        doc["spec"]["api"] = json!("vectorIo");
        doc["spec"]["wheelPath"] = json!("/abs/x.whl");
        doc["spec"]["dependencyWheels"] = json!([3, "packages/custom_vllm-1.0.0-py3-none-any.whl"]);
        doc["spec"]["extra"] = json!(true);
        let paths: Vec<String> = errors(&doc).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "kind",
                "metadata.vendor",
                "spec.extra",
                "spec.providerType",
                "spec.api",
                "spec.wheelPath",
                "spec.dependencyWheels[0]",
            ]
        );
    }

    #[test]
    fn crd_section_name_as_api_gets_the_run_yaml_key_as_fix() {
        let mut doc = valid();
        doc["spec"]["api"] = json!("vectorIo");
        let diags = check_provider_package(&doc).unwrap_err();
        assert!(diags[0].fix.contains("`vector_io`"), "{}", diags[0].fix);
    }

    #[test]
    fn duplicate_wheels_are_reported() {
        let mut doc = valid();
        doc["spec"]["dependencyWheels"] = json!(["packages/custom_vllm-1.0.0-py3-none-any.whl"]);
        assert_eq!(
            errors(&doc)[0].1,
            "'packages/custom_vllm-1.0.0-py3-none-any.whl' is listed twice"
        );
    }

    #[test]
    fn missing_sections_and_wrong_root() {
        assert_eq!(
            errors(&json!("text"))[0].1,
            "must be a mapping, found a string"
        );
        let doc = json!({"apiVersion": "llamastack.io/v1alpha1", "kind": "ProviderPackage"});
        let paths: Vec<String> = errors(&doc).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["metadata", "spec"]);
    }
}
