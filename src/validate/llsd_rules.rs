//! Validation of a `LlamaStackDistribution`: the fields this project owns,
//! and the operator fields they depend on.

use super::fields::{Collector, closest};
use super::rules;
use super::{Checked, typed};
use crate::api::{self, Api, Family, Server};
use crate::contract::SERVER_ANNOTATION;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::{field, index};
use crate::json::type_name;
use crate::limits::MAX_PROVIDERS_PER_SECTION;
use crate::llsd::{
    API_VERSION, EXTERNAL_PROVIDERS_PATH, ImagePullPolicy, KIND, LlamaStackDistribution,
    earlier_use,
};
use serde_json::{Map, Value};

const REF_FIELDS: &[&str] = &["providerId", "image", "imagePullPolicy", "config"];
const STATUS_FIELDS: &[&str] = &[
    "providerId",
    "image",
    "phase",
    "message",
    "initContainerName",
    "lastTransitionTime",
];
const PHASES: &[&str] = &["Pending", "Installing", "Ready", "Failed"];

/// Validates an LLSD, reporting every violation with its field path.
pub fn check_llsd(document: &Value) -> Checked<LlamaStackDistribution> {
    let mut c = Collector::default();
    if let Some(root) = c.mapping(document, "") {
        c.header(root, API_VERSION, KIND);
        let named = check_metadata(&mut c, root);
        match root.get("spec") {
            None => c.error("spec", "is required", "add spec.server.distribution"),
            Some(spec) => check_spec(&mut c, spec, named),
        }
        if let Some(status) = root.get("status") {
            check_status(&mut c, status);
        }
    }
    typed(document, c)
}

/// Checks `metadata`; returns the server its annotation names, if any.
fn check_metadata(c: &mut Collector, root: &Map<String, Value>) -> Option<Server> {
    let Some(value) = root.get("metadata") else {
        c.error("metadata", "is required", "add metadata.name");
        return None;
    };
    let metadata = c.mapping(value, "metadata")?;
    c.required_string(metadata, "name", "metadata", "the distribution's name");
    let annotations = c.mapping(metadata.get("annotations")?, "metadata.annotations")?;
    let text = c.optional_string(
        annotations,
        SERVER_ANNOTATION,
        "metadata.annotations",
        "the server the distribution runs, e.g. ogx-1.5.0",
    )?;
    match Server::parse(text) {
        Ok(server) => Some(server),
        Err(problem) => {
            c.error(
                &field("metadata.annotations", SERVER_ANNOTATION),
                problem,
                "e.g. ogx-1.5.0, ogx, llama-stack-0.7.3 or llama-stack",
            );
            None
        }
    }
}

fn check_spec(c: &mut Collector, value: &Value, named: Option<Server>) {
    let Some(spec) = c.mapping(value, "spec") else {
        return;
    };
    let Some(value) = spec.get("server") else {
        c.error(
            "spec.server",
            "is required",
            "add spec.server.distribution (name or image)",
        );
        return;
    };
    let Some(server) = c.mapping(value, "spec.server") else {
        return;
    };
    let image = check_distribution(c, server);
    let server_runs = named.map(|server| (server, "the annotation")).or_else(|| {
        image
            .and_then(Server::of_image)
            .map(|server| (server, "the distribution image"))
    });
    // Without a userConfig ConfigMap the providers are merged into the
    // distribution's own config, which the install step finds in the server
    // image (docs/contracts.md, "No userConfig").
    if let Some(value) = server.get("userConfig")
        && let Some(user_config) = c.mapping(value, "spec.server.userConfig")
    {
        c.optional_string(
            user_config,
            "configMapName",
            "spec.server.userConfig",
            "the ConfigMap's name",
        );
    }
    let Some(value) = server.get("externalProviders") else {
        return;
    };
    check_external_providers(c, value, server_runs);
}

/// Checks `spec.server.distribution`; returns its image, if one is named.
fn check_distribution<'v>(c: &mut Collector, server: &'v Map<String, Value>) -> Option<&'v str> {
    let path = "spec.server.distribution";
    let Some(value) = server.get("distribution") else {
        c.error(
            path,
            "is required",
            "set spec.server.distribution.name (e.g. starter) or .image",
        );
        return None;
    };
    let distribution = c.mapping(value, path)?;
    let name = c.optional_string(
        distribution,
        "name",
        path,
        "a distribution name such as starter",
    );
    let image = c.optional_string(distribution, "image", path, "a distribution image");
    match (name, image) {
        (None, None)
            if !distribution.contains_key("name") && !distribution.contains_key("image") =>
        {
            c.error(
                path,
                "names neither a distribution nor an image",
                "set `name: starter` or `image: …`",
            )
        }
        (Some(_), Some(_)) => c.error(
            path,
            "sets both name and image",
            "keep only one of name and image",
        ),
        _ => {}
    }
    if let Some(image) = image
        && let Err(p) = rules::image_reference(image)
    {
        c.error(&field(path, "image"), p.problem, p.fix);
    }
    image
}

/// Checks every section and entry; returns how many entries there are.
/// `server` is the server the LLSD runs, with what says so, when known.
fn check_external_providers(
    c: &mut Collector,
    value: &Value,
    server: Option<(Server, &str)>,
) -> usize {
    let Some(sections) = c.mapping(value, EXTERNAL_PROVIDERS_PATH) else {
        return 0;
    };
    let mut seen: Vec<SeenId> = Vec::new();
    let mut count = 0;
    for (section, items) in sections {
        let section_path = field(EXTERNAL_PROVIDERS_PATH, section);
        let Some(api) = api::by_crd_field(section) else {
            c.error(
                &section_path,
                format!("'{section}' is not a known API section"),
                unknown_section_fix(section),
            );
            continue;
        };
        let Some(items) = c.list(items, &section_path) else {
            continue;
        };
        if items.len() > MAX_PROVIDERS_PER_SECTION {
            c.error(
                &section_path,
                format!("lists {} providers; at most {MAX_PROVIDERS_PER_SECTION} are allowed per section", items.len()),
                "split the providers into fewer images or drop unused ones",
            );
        }
        if !items.is_empty() {
            check_served(c, &section_path, api, server);
        }
        for (i, item) in items.iter().enumerate() {
            count += 1;
            check_ref(c, item, &index(&section_path, i), api, &mut seen);
        }
    }
    count
}

/// Whether the server serves `api`: refused when the server is known and
/// does not, a warning naming the family or releases that lack it when the
/// server is not known (the union of both families is accepted).
fn check_served(c: &mut Collector, path: &str, api: &Api, server: Option<(Server, &str)>) {
    let key = api.run_yaml_key;
    let serving = |family: Family| match api.releases(family) {
        Some(releases) => format!("{family} serves `{key}` in releases {releases}"),
        None => format!("{family} does not serve `{key}`"),
    };
    let served_list = |server: Server| {
        api::APIS
            .iter()
            .filter(|other| other.served_by(server))
            .map(|other| other.crd_field)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match server {
        Some((server, source)) if !api.served_by(server) => c.error(
            path,
            match api.releases(server.family) {
                Some(releases) => format!(
                    "{server} (named by {source}) does not serve `{key}`: {} serves it in releases {releases}",
                    server.family
                ),
                None => format!("{server} (named by {source}) does not serve `{key}`"),
            },
            format!(
                "move the provider to a section {server} serves ({}), or run a server that serves `{key}` ({})",
                served_list(server),
                serving(server.family.other())
            ),
        ),
        Some((server, source)) => {
            let releases = api.releases(server.family).filter(|r| r.until.is_some());
            if let (Some(releases), None) = (releases, server.release) {
                c.push(Diagnostic::warning(
                    path,
                    format!(
                        "{} serves `{key}` only in releases {releases}, and {source} does not say which release runs",
                        server.family
                    ),
                    format!("make sure the server runs one of those releases, or name it in the annotation {SERVER_ANNOTATION} (e.g. {}-0.6.0)", server.family),
                ));
            }
        }
        None => {
            let lacking: Vec<String> = Family::ALL
                .into_iter()
                .filter(|family| api.releases(*family).is_none_or(|r| r.until.is_some()))
                .map(serving)
                .collect();
            if !lacking.is_empty() {
                let mut all = lacking;
                all.extend(
                    Family::ALL
                        .into_iter()
                        .filter(|family| api.releases(*family).is_some_and(|r| r.until.is_none()))
                        .map(serving),
                );
                let all = all.join("; ");
                c.push(Diagnostic::warning(
                    path,
                    format!("not every server serves `{key}`: {all}"),
                    format!(
                        "make sure the distribution runs a server that serves it; to have it checked, use a distribution image whose name and tag say the server (docker.io/ogxai/distribution-starter:1.5.0) or set the annotation {SERVER_ANNOTATION} (ogx-1.5.0, llama-stack-0.7.3)"
                    ),
                ));
            }
        }
    }
}

fn unknown_section_fix(section: &str) -> String {
    if let Some(api) = api::by_run_yaml_key(section) {
        return format!(
            "LLSD sections use camelCase: rename `{section}` to `{}`",
            api.crd_field
        );
    }
    let fields: Vec<&str> = api::APIS.iter().map(|api| api.crd_field).collect();
    match closest(section, &fields) {
        Some(suggestion) => format!(
            "did you mean `{suggestion}`? Sections: {}",
            api::crd_field_list()
        ),
        None => format!("use one of: {}", api::crd_field_list()),
    }
}

struct SeenId {
    id: String,
    path: String,
    image: String,
}

fn check_ref(c: &mut Collector, value: &Value, path: &str, _api: &Api, seen: &mut Vec<SeenId>) {
    let Some(entry) = c.mapping(value, path) else {
        return;
    };
    c.unknown_fields(entry, REF_FIELDS, path);
    let id = c.required_string(
        entry,
        "providerId",
        path,
        "a unique DNS-1123 label such as custom-vllm",
    );
    let image = c.required_string(
        entry,
        "image",
        path,
        "the provider image, e.g. registry.example.com/org/provider:1.0",
    );
    if let Some(id) = id
        && let Err(p) = rules::provider_id(id)
    {
        c.error(&field(path, "providerId"), p.problem, p.fix);
    }
    if let Some(image) = image
        && let Err(p) = rules::image_reference(image)
    {
        c.error(&field(path, "image"), p.problem, p.fix);
    }
    if let Some(policy) = entry.get("imagePullPolicy") {
        let valid = policy
            .as_str()
            .is_some_and(|p| ImagePullPolicy::ALL.contains(&p));
        if !valid {
            let shown = policy
                .as_str()
                .map_or_else(|| type_name(policy).to_string(), |p| format!("'{p}'"));
            let fix = match policy
                .as_str()
                .and_then(|p| closest(p, &ImagePullPolicy::ALL))
            {
                Some(suggestion) => {
                    format!("did you mean `{suggestion}`? Use Always, Never or IfNotPresent")
                }
                None => "use Always, Never or IfNotPresent (default IfNotPresent)".to_string(),
            };
            c.error(
                &field(path, "imagePullPolicy"),
                format!("is {shown}, not a pull policy"),
                fix,
            );
        }
    }
    rules::check_config(
        c,
        entry,
        path,
        "it becomes the provider's config in run.yaml",
    );
    if let Some(id) = id {
        let image = image.unwrap_or("<no image>");
        seen.push(SeenId {
            id: id.to_string(),
            path: path.to_string(),
            image: image.to_string(),
        });
        // Reported where the repeat is, as the walk reaches it.
        let ids: Vec<&str> = seen.iter().map(|s| s.id.as_str()).collect();
        if let Some(first) = earlier_use(&ids, ids.len() - 1) {
            let first = &seen[first];
            c.error(
                &field(path, "providerId"),
                format!(
                    "'{id}' is used twice: by {} (image {}) and by {path} (image {image})",
                    first.path, first.image
                ),
                "give each provider a unique providerId; ids are unique across all sections because \
                 each becomes a run.yaml provider_id and an init container name",
            );
        }
    }
}

fn check_status(c: &mut Collector, value: &Value) {
    let Some(status) = c.mapping(value, "status") else {
        return;
    };
    let Some(value) = status.get("externalProviders") else {
        return;
    };
    let path = "status.externalProviders";
    let Some(items) = c.list(value, path) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let path = index(path, i);
        let Some(entry) = c.mapping(item, &path) else {
            continue;
        };
        c.unknown_fields(entry, STATUS_FIELDS, &path);
        c.required_string(entry, "providerId", &path, "the provider's id");
        if let Some(phase) = c.required_string(
            entry,
            "phase",
            &path,
            "Pending, Installing, Ready or Failed",
        ) && !PHASES.contains(&phase)
        {
            c.error(
                &field(&path, "phase"),
                format!("'{phase}' is not a phase"),
                "use Pending, Installing, Ready or Failed",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "apiVersion": "llamastack.io/v1alpha1",
            "kind": "LlamaStackDistribution",
            "metadata": {"name": "demo"},
            "spec": {"server": {
                "distribution": {"name": "starter"},
                "userConfig": {"configMapName": "run-config"},
                "externalProviders": {
                    "inference": [
                        {"providerId": "custom-vllm", "image": "registry.example.com/org/vllm:1.0",
                         "config": {"url": "http://vllm:8000"}}
                    ],
                    "vectorIo": [
                        {"providerId": "vec", "image": "registry.example.com/org/vec:1.0", "imagePullPolicy": "Always"}
                    ]
                }
            }}
        })
    }

    fn diagnostics(value: &Value) -> Vec<Diagnostic> {
        match check_llsd(value) {
            Ok((_, warnings)) => warnings,
            Err(diags) => diags,
        }
    }

    fn paths(value: &Value) -> Vec<String> {
        diagnostics(value)
            .into_iter()
            .filter(Diagnostic::is_error)
            .map(|d| d.path)
            .collect()
    }

    #[test]
    fn valid_llsd_parses_into_types() {
        let (llsd, warnings) = check_llsd(&valid()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let providers = llsd.spec.server.external_providers.unwrap();
        assert_eq!(providers.in_crd_order().len(), 2);
    }

    #[test]
    fn bad_entries_report_all_violations_at_once() {
        let mut doc = valid();
        doc["spec"]["server"]["externalProviders"]["inference"] = json!([
            {"providerId": "ok", "image": "r.io/a:1"},
            {"providerId": "Bad_Id", "image": "NOT AN IMAGE", "imagePullPolicy": "always", "config": "url"},
            {"image": "r.io/b:1", "extra": 1}
        ]);
        let p = paths(&doc);
        let base = "spec.server.externalProviders.inference";
        assert_eq!(
            p,
            [
                format!("{base}[1].providerId"),
                format!("{base}[1].image"),
                format!("{base}[1].imagePullPolicy"),
                format!("{base}[1].config"),
                format!("{base}[2].extra"),
                format!("{base}[2].providerId"),
            ]
        );
        let diags = diagnostics(&doc);
        assert!(
            diags[2].fix.contains("did you mean `Always`"),
            "{}",
            diags[2].fix
        );
    }

    #[test]
    fn duplicate_ids_across_sections_name_both_places_and_images() {
        let mut doc = valid();
        doc["spec"]["server"]["externalProviders"]["vectorIo"][0]["providerId"] =
            json!("custom-vllm");
        let diags = diagnostics(&doc);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].path,
            "spec.server.externalProviders.vectorIo[0].providerId"
        );
        assert_eq!(
            diags[0].problem,
            "'custom-vllm' is used twice: by spec.server.externalProviders.inference[0] \
             (image registry.example.com/org/vllm:1.0) and by spec.server.externalProviders.vectorIo[0] \
             (image registry.example.com/org/vec:1.0)"
        );
    }

    #[test]
    fn unknown_sections_suggest_the_crd_name() {
        let mut doc = valid();
        doc["spec"]["server"]["externalProviders"]["vector_io"] = json!([]);
        doc["spec"]["server"]["externalProviders"]["inferance"] = json!([]);
        doc["spec"]["server"]["externalProviders"]["weather"] = json!([]);
        let diags = diagnostics(&doc);
        let fixes: Vec<&str> = diags.iter().map(|d| d.fix.as_str()).collect();
        assert!(
            fixes
                .iter()
                .any(|f| f.contains("rename `vector_io` to `vectorIo`")),
            "{fixes:?}"
        );
        assert!(
            fixes
                .iter()
                .any(|f| f.starts_with("did you mean `inference`")),
            "{fixes:?}"
        );
        assert!(
            fixes
                .iter()
                .any(|f| f.starts_with("use one of: inference, safety")),
            "{fixes:?}"
        );
    }

    /// Issue #22: an LLSD naming only its distribution can have providers;
    /// they are merged into the distribution's own config.
    #[test]
    fn providers_need_no_user_config_map() {
        let mut doc = valid();
        doc["spec"]["server"]
            .as_object_mut()
            .unwrap()
            .remove("userConfig");
        let diags = diagnostics(&doc);
        assert!(
            diags.iter().all(|d| d.severity != Severity::Error),
            "{diags:?}"
        );
    }

    #[test]
    fn retired_apis_warn_but_pass() {
        let mut doc = valid();
        doc["spec"]["server"]["externalProviders"]["agents"] =
            json!([{"providerId": "ag", "image": "r.io/ag:1"}]);
        let (_, warnings) = check_llsd(&doc).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].problem.contains("0.7.0"),
            "{}",
            warnings[0].problem
        );
    }

    #[test]
    fn header_and_structure_errors() {
        let doc = json!({"apiVersion": "v1", "kind": "LlamaStackDistribution", "metadata": {}, "spec": {"server": []}});
        assert_eq!(paths(&doc), ["apiVersion", "metadata.name", "spec.server"]);
        let doc = json!({"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "x"},
            "spec": {"server": {"distribution": {"name": "a", "image": "b"}, "externalProviders": []}}});
        assert_eq!(
            paths(&doc),
            ["spec.server.distribution", "spec.server.externalProviders"]
        );
    }

    #[test]
    fn sections_are_bounded() {
        let mut doc = valid();
        let many: Vec<Value> = (0..17)
            .map(|i| json!({"providerId": format!("p{i}"), "image": "r.io/p:1"}))
            .collect();
        doc["spec"]["server"]["externalProviders"]["inference"] = Value::Array(many);
        assert_eq!(paths(&doc), ["spec.server.externalProviders.inference"]);
    }

    #[test]
    fn status_phases_are_checked() {
        let mut doc = valid();
        doc["status"] = json!({"externalProviders": [{"providerId": "a", "phase": "Done"}]});
        assert_eq!(paths(&doc), ["status.externalProviders[0].phase"]);
    }

    #[test]
    fn wrong_types_in_operator_fields_are_reported_with_path() {
        let mut doc = valid();
        doc["spec"]["server"]["containerSpec"] = json!({"port": "http"});
        let diags = diagnostics(&doc);
        assert_eq!(diags[0].path, "spec.server.containerSpec.port");
    }
}
