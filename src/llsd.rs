//! The subset of the `LlamaStackDistribution` custom resource
//! (`llamastack.io/v1alpha1`) this project reads and writes.
//!
//! Fields this project does not own are kept in `rest` maps so that a
//! round trip through these types loses nothing.

use crate::api::{self, Api};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The operator's API group.
pub const GROUP: &str = "llamastack.io";
/// The LLSD's version in [`GROUP`].
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of the operator's LLSD ([`GROUP`]/[`VERSION`]); validation requires it.
pub const API_VERSION: &str = "llamastack.io/v1alpha1";
/// The LLSD's resource name (`kubectl get llamastackdistributions`).
pub const PLURAL: &str = "llamastackdistributions";
/// `kind` of an LLSD; `validate` picks the LLSD rules by it.
pub const KIND: &str = "LlamaStackDistribution";

/// Field path of the external providers in an LLSD.
pub const EXTERNAL_PROVIDERS_PATH: &str = "spec.server.externalProviders";
/// [`EXTERNAL_PROVIDERS_PATH`] as a JSON pointer.
pub const EXTERNAL_PROVIDERS_POINTER: &str = "/spec/server/externalProviders";

/// DNS-1123 label, as Kubernetes spells it.
pub const PROVIDER_ID_PATTERN: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

/// An operator `LlamaStackDistribution`: the fields this project owns or reads,
/// everything else kept in `rest` maps (docs/contracts.md, "LLSD fields
/// (`externalProviders`)").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlamaStackDistribution {
    /// [`API_VERSION`] in a valid LLSD.
    pub api_version: String,
    /// [`KIND`] in a valid LLSD.
    pub kind: String,
    /// Kubernetes object metadata; validation requires `name`.
    #[serde(default)]
    pub metadata: LlsdMetadata,
    /// The desired state; this project reads only `spec.server`.
    #[serde(default)]
    pub spec: LlsdSpec,
    /// The observed state, as the operator writes it; kept as read. Nothing in
    /// this project writes it (docs/contracts.md, "Status").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LlsdStatus>,
}

impl LlamaStackDistribution {
    /// The external providers with their APIs, in CRD order (none when the
    /// LLSD lists none).
    pub fn providers_in_crd_order(&self) -> Vec<ListedProvider<'_>> {
        self.spec
            .server
            .external_providers
            .as_ref()
            .map(ExternalProviders::in_crd_order)
            .unwrap_or_default()
    }
}

/// `metadata` of an LLSD: the fields this project reads, every other one
/// (labels, `managedFields`, timestamps, …) kept verbatim in `rest` — the
/// typed `ObjectMeta` would bring every Kubernetes metadata type, and a time
/// parser, into the policy and the playground for three strings and a number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlsdMetadata {
    /// The distribution's name; validation requires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The namespace the LLSD lives in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The spec generation the API server counts (`status-patch` records it
    /// as `observedGeneration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Every other metadata field, kept verbatim.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `spec` of an LLSD.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlsdSpec {
    /// `spec.server`, where the distribution and the external providers are set.
    #[serde(default)]
    pub server: ServerSpec,
    /// Every other `spec` field (`replicas`, …), kept verbatim.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `spec.server`: the server's distribution, container, config and providers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerSpec {
    /// Which distribution the server runs; validation requires exactly one of
    /// `name` and `image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    /// The server container's settings; the injection reads only its `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_spec: Option<ContainerSpec>,
    /// The ConfigMap with the user's run.yaml; required when any external provider
    /// is listed, since the providers are merged into that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_config: Option<UserConfig>,
    /// The provider images to install at pod start, by API section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_providers: Option<ExternalProviders>,
    /// Every other `spec.server` field (`podOverrides`, …), kept verbatim.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `spec.server.distribution`: a named distribution or an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    /// A distribution the operator knows by name (`starter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A server image to run instead of a named distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// `spec.server.containerSpec`, the server container's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSpec {
    /// Name of the server container in the Deployment; the injection looks for
    /// this container, [`crate::contract::DEFAULT_SERVER_CONTAINER`] when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Port the server listens on (the operator's field; not used here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// Overrides the server container's command (the operator's field; not used here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Overrides the server container's args (the operator's field; not used here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Every other `containerSpec` field (`env`, `resources`, …), kept
    /// verbatim: the operator reads them, this project does not.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `spec.server.userConfig`: the ConfigMap holding the user's run.yaml.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserConfig {
    /// Name of the ConfigMap; the injection finds the pod volume of this ConfigMap
    /// and mounts the merged config in its place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_name: Option<String>,
    /// Namespace of the ConfigMap (the operator's field; the injection matches
    /// the volume by name only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_namespace: Option<String>,
}

/// `spec.server.externalProviders`: CRD field name → providers of that API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExternalProviders {
    /// CRD field (`vectorIo`) → that section's entries, in list order. Iteration
    /// order is alphabetical, not CRD order: use [`ExternalProviders::in_crd_order`].
    pub sections: BTreeMap<String, Vec<ExternalProviderRef>>,
}

impl ExternalProviders {
    /// Every provider with its API, in CRD order (section order of the API
    /// table, then list order). Sections unknown to the table are skipped;
    /// validation reports them.
    pub fn in_crd_order(&self) -> Vec<ListedProvider<'_>> {
        api::APIS
            .iter()
            .flat_map(|api| {
                self.sections
                    .get(api.crd_field)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(move |(index, provider)| ListedProvider {
                        api,
                        index,
                        provider,
                    })
            })
            .collect()
    }

    /// Whether no section lists a provider (empty sections count as none).
    pub fn is_empty(&self) -> bool {
        self.sections.values().all(Vec::is_empty)
    }
}

/// One provider where the LLSD lists it: its API section and its index in
/// that section's list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListedProvider<'a> {
    /// The API of the section the provider is listed in.
    pub api: &'static Api,
    /// Position in that section's list.
    pub index: usize,
    /// The entry itself.
    pub provider: &'a ExternalProviderRef,
}

impl ListedProvider<'_> {
    /// The entry's field path (`spec.server.externalProviders.vectorIo[1]`).
    pub fn path(&self) -> String {
        format!(
            "{EXTERNAL_PROVIDERS_PATH}.{}[{}]",
            self.api.crd_field, self.index
        )
    }
}

/// The rule that provider ids are unique across all sections (each becomes
/// a run.yaml `provider_id` and names an init container), for one entry:
/// the first entry before `later` that already uses its id, if any. Every
/// host checks ids through this function ([`repeated_ids`] for a list).
pub fn earlier_use(ids: &[&str], later: usize) -> Option<usize> {
    ids[..later].iter().position(|id| *id == ids[later])
}

/// [`earlier_use`] over a whole list: for every id an earlier entry already
/// uses, the indexes of the first user and of the repeat, in order.
pub fn repeated_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<(usize, usize)> {
    let ids: Vec<&str> = ids.into_iter().collect();
    (0..ids.len())
        .filter_map(|later| Some((earlier_use(&ids, later)?, later)))
        .collect()
}

/// One entry of an `externalProviders` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    description = "An external provider: a container image holding Python wheels and /lls-provider/lls-provider-spec.yaml."
)]
pub struct ExternalProviderRef {
    /// Unique id of this provider across all sections; becomes the run.yaml provider_id
    /// and names the init container install-provider-{providerId}.
    #[schemars(
        length(min = 1, max = crate::limits::MAX_PROVIDER_ID_LEN),
        regex(pattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub provider_id: String,
    /// Provider image reference, tag and/or digest (registry.example.com/org/provider@sha256:…).
    #[schemars(length(min = 1))]
    pub image: String,
    /// Pull policy of the install init container; IfNotPresent when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<ImagePullPolicy>,
    /// Provider configuration, written as the provider's `config` in run.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
    pub config: Option<Map<String, Value>>,
}

impl ExternalProviderRef {
    /// The pull policy for the install init container: the one set, else `IfNotPresent`.
    pub fn pull_policy(&self) -> ImagePullPolicy {
        self.image_pull_policy.unwrap_or_default()
    }
}

/// `imagePullPolicy` of an entry, as Kubernetes defines it for containers:
/// `Always` pulls at every pod start, `Never` uses only an image already on
/// the node, `IfNotPresent` (the default) pulls only when the node lacks it.
// The variants carry no `///`: schemars would turn the CRD's plain `enum`
// into a `oneOf`, which Kubernetes' structural schemas do not allow.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ImagePullPolicy {
    Always,
    Never,
    #[default]
    IfNotPresent,
}

impl ImagePullPolicy {
    /// Every policy as written in YAML, for validation and typo suggestions.
    pub const ALL: [&'static str; 3] = ["Always", "Never", "IfNotPresent"];

    /// The policy as written in YAML (`IfNotPresent`).
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::Never => "Never",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
        }
    }
}

/// `status` of an LLSD.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlsdStatus {
    /// One entry per provider, keyed by providerId, in CRD order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_providers: Option<Vec<ExternalProviderStatus>>,
    /// Every other `status` field (the operator's), kept verbatim.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `status.externalProviders[]`: what became of one provider in the pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(description = "Install state of one external provider.")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ExternalProviderStatus {
    /// The provider's `providerId` (the list-map key).
    pub provider_id: String,
    /// The provider image.
    pub image: String,
    /// Where the install stands.
    pub phase: ProviderPhase,
    /// What happened, and how to fix it when it failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The init container that installs this provider.
    pub init_container_name: String,
    /// When the phase last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub last_transition_time: Option<String>,
}

/// Phase of one injected init container (docs/contracts.md, "Status"):
/// `Pending` (not started: waiting for an earlier init container, for
/// scheduling or for the container to be created), `Installing` (running),
/// `Ready` (terminated with exit code 0), `Failed` (terminated non-zero,
/// crash-looping, or unable to start, e.g. an image pull failure).
// The variants carry no `///`: schemars would turn the CRD's plain `enum`
// into a `oneOf`, which Kubernetes' structural schemas do not allow.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum ProviderPhase {
    Pending,
    Installing,
    Ready,
    Failed,
}

impl ProviderPhase {
    /// The phase as the CRD writes it (`Installing`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderPhase::Pending => "Pending",
            ProviderPhase::Installing => "Installing",
            ProviderPhase::Ready => "Ready",
            ProviderPhase::Failed => "Failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_and_the_pointer_agree_with_their_parts() {
        assert_eq!(API_VERSION, format!("{GROUP}/{VERSION}"));
        let pointer = format!("/{}", EXTERNAL_PROVIDERS_PATH.replace('.', "/"));
        assert_eq!(EXTERNAL_PROVIDERS_POINTER, pointer);
    }

    const SAMPLE: &str = r#"
apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata: {name: demo, namespace: ai}
spec:
  replicas: 1
  server:
    distribution: {name: starter}
    containerSpec:
      port: 8321
      env: [{name: A, value: b}]
    userConfig: {configMapName: run-config}
    podOverrides: {volumes: []}
    externalProviders:
      vectorIo:
      - {providerId: vec, image: "r.io/v:1"}
      inference:
      - {providerId: inf-a, image: "r.io/a:1", imagePullPolicy: Always, config: {url: "http://x"}}
      - {providerId: inf-b, image: "r.io/b:1"}
"#;

    fn sample() -> LlamaStackDistribution {
        serde_yaml::from_str(SAMPLE).unwrap()
    }

    #[test]
    fn crd_order_is_section_order_then_list_order() {
        let llsd = sample();
        let order: Vec<_> = llsd
            .spec
            .server
            .external_providers
            .as_ref()
            .unwrap()
            .in_crd_order()
            .into_iter()
            .map(|listed| (listed.api.crd_field, listed.provider.provider_id.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("inference", "inf-a"),
                ("inference", "inf-b"),
                ("vectorIo", "vec")
            ]
        );
    }

    #[test]
    fn round_trip_keeps_fields_this_project_does_not_own() {
        let llsd = sample();
        let value = serde_json::to_value(&llsd).unwrap();
        assert_eq!(value["spec"]["replicas"], 1);
        assert_eq!(
            value["spec"]["server"]["podOverrides"]["volumes"],
            Value::Array(vec![])
        );
        assert_eq!(
            value["spec"]["server"]["containerSpec"]["env"][0]["value"],
            "b"
        );
        let again: LlamaStackDistribution = serde_json::from_value(value).unwrap();
        assert_eq!(again, llsd);
    }

    #[test]
    fn pull_policy_defaults_to_if_not_present() {
        let llsd = sample();
        let providers = llsd.spec.server.external_providers.unwrap();
        let order = providers.in_crd_order();
        assert_eq!(order[0].provider.pull_policy(), ImagePullPolicy::Always);
        assert_eq!(
            order[1].provider.pull_policy(),
            ImagePullPolicy::IfNotPresent
        );
        assert_eq!(
            order[1].path(),
            "spec.server.externalProviders.inference[1]"
        );
    }

    #[test]
    fn repeated_ids_name_the_first_user_and_each_repeat() {
        assert_eq!(repeated_ids(["a", "b", "a", "c", "a"]), [(0, 2), (0, 4)]);
        assert!(repeated_ids(["a", "b"]).is_empty());
    }
}
