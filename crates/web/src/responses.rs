//! The playground's requests and responses, typed: the one description of
//! the JSON the page sends and reads (`playground/src/core.js`).
//!
//! Every response has `ok`. A failed call is a [`Failed`]: the diagnostics
//! (`errors`), and for the merge step its stage, summary and log.

use llsd_providers::diagnostic::InputDiagnostic;
use llsd_providers::inject::{Change, ChangeSummary};
use llsd_providers::pipeline::FailureSummary;
use llsd_providers::status::{StatusReport, StatusRow};
pub use llsd_providers::validate::DocumentDiagnostic;
use llsd_providers::validate::FileReport;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use llsd_providers::operation::ProviderEntry;

/// `validate` request: one text, validated by its documents' `kind`.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ValidateRequest {
    /// The YAML text.
    pub text: String,
    /// The file name to report.
    #[serde(default)]
    pub file: Option<String>,
    /// The input key the diagnostics are tagged with (default `llsd`).
    #[serde(default)]
    pub source: Option<String>,
}

/// `providers` request.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProvidersRequest {
    /// The LLSD text.
    pub llsd: String,
}

/// `defaultSpec` request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DefaultSpecRequest {
    /// The provider's id.
    pub provider_id: String,
    /// Its image.
    #[serde(default)]
    pub image: String,
    /// Its LLSD section (CRD field).
    #[serde(default)]
    pub section: String,
}

/// `inject` request.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct InjectRequest {
    /// The LLSD text.
    pub llsd: String,
    /// The operator's Deployment.
    pub deployment: String,
    /// Injection options; blank for the defaults.
    #[serde(default)]
    pub options: String,
}

/// `merge` request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MergeRequest {
    /// The LLSD text.
    pub llsd: String,
    /// lls-provider-spec.yaml text per providerId.
    #[serde(default)]
    pub specs: BTreeMap<String, String>,
    /// The user's run.yaml; absent or blank: no base (minimal config).
    #[serde(default)]
    pub run_yaml: Option<String>,
    /// The name to show for it.
    #[serde(default)]
    pub run_yaml_name: Option<String>,
}

/// `extraProviders` request.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ExtraProvidersRequest {
    /// The LLSD text.
    pub llsd: String,
    /// lls-provider-spec.yaml text per providerId.
    #[serde(default)]
    pub specs: BTreeMap<String, String>,
}

/// `status` request.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct StatusRequest {
    /// The pod, as `kubectl get pod -o json` prints it.
    pub pod: String,
    /// The LLSD, optional.
    #[serde(default)]
    pub llsd: String,
}

/// `checkImage` request (the archive's bytes are the export's other argument).
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CheckImageRequest {
    /// The archive's name, for the report (default `image.oci.tar`).
    #[serde(default)]
    pub image: Option<String>,
    /// The server's CPython (`3.12`); empty or absent: not narrowed.
    #[serde(default)]
    pub python: Option<String>,
    /// The nodes' platform (`linux/arm64`); empty or absent: `linux/amd64`.
    #[serde(default)]
    pub platform: Option<String>,
}

/// `checkImage` response.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CheckImageResponse {
    /// Whether the image has no error finding.
    pub ok: bool,
    /// The report `llsd-providers check-image --output json` prints.
    pub report: llsd_providers::image_check::ImageReport,
    /// The report as `check-image` prints it.
    pub text: String,
}

/// Any failed call.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Failed {
    /// Always false.
    pub ok: bool,
    /// The problems, each in its input.
    pub errors: Vec<InputDiagnostic>,
    /// The merge pipeline's stage that failed: `llsd`, `assemble` or `merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub stage: Option<&'static str>,
    /// The merge step's failure as merge-config reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub failure: Option<FailureSummary>,
    /// merge-log.txt of the failed merge.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub log: Option<String>,
    /// Whether the LLSD validated (merge failures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub llsd_valid: Option<bool>,
    /// `status` without a pod: nothing to show, not an error.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
    /// `providers` on an unreadable LLSD: no tabs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub providers: Option<Vec<ProviderTab>>,
}

impl Failed {
    /// A failure with these diagnostics and nothing else.
    pub fn with(errors: Vec<InputDiagnostic>) -> Failed {
        // `ok` is false: the default
        Failed {
            errors,
            ..Failed::default()
        }
    }
}

/// `validate` response.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ValidateResponse {
    /// Whether every document is valid.
    pub ok: bool,
    /// The report `llsd-providers validate --output json` prints.
    pub report: FileReport,
    /// Every diagnostic of the report, flat.
    pub diagnostics: Vec<DocumentDiagnostic>,
}

/// One provider tab of the page.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProviderTab {
    /// Where the LLSD lists it.
    #[serde(flatten)]
    pub entry: ProviderEntry,
    /// A plausible lls-provider-spec.yaml to start from.
    pub default_spec: String,
}

/// `providers` response.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProvidersResponse {
    /// Always true.
    pub ok: bool,
    /// The providers in CRD order.
    pub providers: Vec<ProviderTab>,
}

/// A response that is one text (`defaultSpec`, `extraProviders`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TextResponse {
    /// Always true.
    pub ok: bool,
    /// The text.
    pub text: String,
}

/// `inject` response.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct InjectResponse {
    /// Always true.
    pub ok: bool,
    /// The injected Deployment, as YAML.
    pub deployment: String,
    /// The input Deployment printed by the same serializer, for a line diff.
    pub input: String,
    /// Counts of the changes by kind and operation.
    pub summary: ChangeSummary,
    /// The changes, keyed as Kubernetes keys its lists.
    pub changes: Vec<Change>,
}

/// `merge` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MergeResponse {
    /// Always true.
    pub ok: bool,
    /// Whether the LLSD validated (the merge runs on a readable one anyway).
    pub llsd_valid: bool,
    /// The providers merged, in CRD order.
    pub providers: Vec<ProviderEntry>,
    /// The base config merged into, if any.
    pub base: Option<String>,
    /// The merged config.
    pub config: String,
    /// extra-providers.yaml.
    pub extra_providers: String,
    /// merge-log.txt.
    pub log: String,
    /// The merge's warnings.
    pub warnings: Vec<String>,
}

/// `status` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct StatusResponse {
    /// Always true (readiness is in the report).
    pub ok: bool,
    /// Whether the LLSD was used.
    pub used_llsd: bool,
    /// Notes on how the LLSD was used.
    pub notes: Vec<&'static str>,
    /// The CLI's table.
    pub table: String,
    /// The table's rows (the page's table).
    pub rows: Vec<StatusRow>,
    /// The per-provider status.
    pub report: StatusReport,
}
