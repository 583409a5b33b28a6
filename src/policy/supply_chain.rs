//! The settings' supply-chain rules over an LLSD's external providers:
//! `allowedRegistries`, `requireDigest`, `maxProviders`.
//!
//! Walks the untyped document, so that it reports alongside the core's
//! validation even when the core finds the LLSD invalid. Images the core
//! cannot parse are left to the core's report.

use super::settings::{Settings, pinned_by_sha256, reference, registry_allowed};
use crate::diagnostic::Diagnostic;
use crate::llsd::EXTERNAL_PROVIDERS_PATH;
use serde_json::Value;

/// Every supply-chain violation of `llsd`, in document order.
pub fn check(llsd: &Value, settings: &Settings) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let Some(sections) = llsd
        .pointer("/spec/server/externalProviders")
        .and_then(Value::as_object)
    else {
        return problems;
    };
    // Without registry or digest rules no image needs parsing.
    let image_rules = !settings.allowed_registries.is_empty() || settings.require_digest;
    let mut count = 0usize;
    for (section, items) in sections {
        let Some(items) = items.as_array() else {
            continue;
        };
        count += items.len();
        if !image_rules {
            continue;
        }
        for (i, item) in items.iter().enumerate() {
            let Some(image) = item.get("image").and_then(Value::as_str) else {
                continue;
            };
            let path = format!("{EXTERNAL_PROVIDERS_PATH}.{section}[{i}].image");
            let Some(reference) = reference(image) else {
                continue;
            };
            if !settings.allowed_registries.is_empty()
                && !registry_allowed(&reference, &settings.allowed_registries)
            {
                problems.push(Diagnostic::error(
                    &path,
                    format!(
                        "'{image}' comes from registry '{}', which the policy's allowedRegistries ({}) does not list",
                        reference.registry(),
                        settings.allowed_registries.join(", ")
                    ),
                    "push the provider image to an allowed registry and reference it there, \
                     or ask the cluster administrator to add its registry to allowedRegistries",
                ));
            }
            if settings.require_digest && !pinned_by_sha256(&reference) {
                problems.push(Diagnostic::error(
                    &path,
                    format!("'{image}' is not pinned by a sha256 digest, which the policy's requireDigest demands"),
                    format!(
                        "reference the image as {}/{}@sha256:<64 hex digits>; `crane digest {image}` or \
                         `skopeo inspect docker://{image}` prints the digest",
                        reference.registry(),
                        reference.repository()
                    ),
                ));
            }
        }
    }
    if let Some(max) = settings.max_providers {
        if count as u64 > max {
            problems.push(Diagnostic::error(
                EXTERNAL_PROVIDERS_PATH,
                format!("lists {count} providers; the policy's maxProviders allows at most {max}"),
                "remove providers this distribution does not need, or ask the cluster administrator to raise maxProviders",
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn llsd(images: &[&str]) -> Value {
        let items: Vec<Value> = images
            .iter()
            .enumerate()
            .map(|(i, image)| json!({"providerId": format!("p{i}"), "image": image}))
            .collect();
        json!({"spec": {"server": {"externalProviders": {"inference": items}}}})
    }

    #[test]
    fn no_settings_no_problems() {
        assert!(check(&llsd(&["docker.io/x/y:1", "z"]), &Settings::default()).is_empty());
    }

    #[test]
    fn every_rule_reports_with_the_image_path() {
        let settings = Settings {
            allowed_registries: vec!["quay.io".into()],
            require_digest: true,
            max_providers: Some(1),
            ..Settings::default()
        };
        let digest = format!("quay.io/org/b@sha256:{}", "b".repeat(64));
        let problems = check(
            &llsd(&["docker.io/org/a:1", &digest, "NOT VALID"]),
            &settings,
        );
        let paths: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.server.externalProviders.inference[0].image",
                "spec.server.externalProviders.inference[0].image",
                "spec.server.externalProviders",
            ]
        );
        assert!(problems[0].problem.contains("registry 'docker.io'"));
        assert!(problems[1].fix.contains("docker.io/org/a@sha256:"));
        assert!(problems[2].problem.contains("lists 3 providers"));
    }
}
