// Generated from crates/web/src/responses.rs and the core types they use (ts-rs):
// do not edit; `make ts-types` rewrites it.

export type Location = { 
/**
 * 1-based line.
 */
line: number, 
/**
 * 1-based column, counted in characters, not bytes.
 */
column: number, };

export type Severity = "error" | "warning";

export type Diagnostic = { 
/**
 * Error or warning; printed as the `ERROR` or `WARNING` label.
 */
severity: Severity, 
/**
 * Field path inside the document (`spec.server.externalProviders.inference[1].providerId`);
 * empty for problems with the document as a whole (syntax errors).
 */
path: string, 
/**
 * Where in the text, when known.
 */
location?: Location, 
/**
 * What is wrong.
 */
problem: string, 
/**
 * How to fix it.
 */
fix: string, };

export type InputDiagnostic = { 
/**
 * The input (`llsd`, `spec:{providerId}`, …).
 */
source: string, 
/**
 * Error or warning; printed as the `ERROR` or `WARNING` label.
 */
severity: Severity, 
/**
 * Field path inside the document (`spec.server.externalProviders.inference[1].providerId`);
 * empty for problems with the document as a whole (syntax errors).
 */
path: string, 
/**
 * Where in the text, when known.
 */
location?: Location, 
/**
 * What is wrong.
 */
problem: string, 
/**
 * How to fix it.
 */
fix: string, };

export type DocumentSummary = { 
/**
 * 1-based position in the file.
 */
document: number, 
/**
 * The document's `kind`, when it is a string.
 */
kind: string | null, 
/**
 * The document's `metadata.name`, when it is a string.
 */
name: string | null, 
/**
 * Whether no diagnostic is an error (warnings allowed).
 */
valid: boolean, 
/**
 * Every finding, located where the path can be found in the text.
 */
diagnostics: Array<Diagnostic>, };

export type FileReport = { 
/**
 * The file's name as the caller gave it; reports start with it.
 */
file: string, 
/**
 * Whether the file was read and no document has an error.
 */
valid: boolean, 
/**
 * Problems with the file as a whole (unreadable, not YAML, empty).
 */
diagnostics: Array<Diagnostic>, 
/**
 * One summary per non-empty document, in file order; empty when the file
 * could not be read or parsed.
 */
documents: Array<DocumentSummary>, };

export type ProviderPhase = "Pending" | "Installing" | "Ready" | "Failed";

export type ExternalProviderStatus = { 
/**
 * The provider's `providerId` (the list-map key).
 */
providerId: string, 
/**
 * The provider image.
 */
image: string, 
/**
 * Where the install stands.
 */
phase: ProviderPhase, 
/**
 * What happened, and how to fix it when it failed.
 */
message?: string, 
/**
 * The init container that installs this provider.
 */
initContainerName: string, 
/**
 * When the phase last changed (RFC 3339).
 */
lastTransitionTime?: string, };

export type Condition = { 
/**
 * Always [`CONDITION_TYPE`].
 */
type: string, 
/**
 * `True`, `False` or `Unknown`.
 */
status: string, 
/**
 * Machine-readable cause: `StalePod`, `ImagePullFailed`, `ProviderInstallFailed`,
 * `MergeFailed`, `NoExternalProviders`, `AllProvidersReady`, `Installing` or
 * `Pending` (docs/contracts.md, "Status").
 */
reason: string, 
/**
 * What the state is and, when not ready, what failed and how to fix it.
 */
message: string, };

export type MergeStatus = { 
/**
 * The `merge-config` container's image (empty when the pod spec names none).
 */
image: string, 
/**
 * The init container's phase, by the same rules as a provider's
 * (docs/contracts.md, "Status").
 */
phase: ProviderPhase, 
/**
 * What happened, and how to fix it when it failed.
 */
message: string, 
/**
 * When the current state began (RFC 3339), when the pod says.
 */
lastTransitionTime?: string, };

export type StatusReport = { 
/**
 * The pod's name (`<unnamed pod>` when it has none).
 */
pod: string, 
/**
 * Why this pod does not show the LLSD's current provider list, if so.
 */
stale?: string, 
/**
 * One entry per provider: in CRD order with the LLSD, else in init-container order.
 */
externalProviders: Array<ExternalProviderStatus>, 
/**
 * The `merge-config` init container's state; `None` when the pod has none.
 */
mergeConfig?: MergeStatus, 
/**
 * Restarts per injected init container.
 */
restarts: { [key in string]: number }, 
/**
 * The `ExternalProvidersReady` condition over all of the above.
 */
condition: Condition, };

export type StatusRow = { 
/**
 * The provider's id; `-` for the install step.
 */
provider: string, 
/**
 * The init container.
 */
container: string, 
/**
 * Its phase.
 */
phase: ProviderPhase, 
/**
 * Its restarts.
 */
restarts: number, 
/**
 * Its image.
 */
image: string, 
/**
 * What it is doing or why it failed, with the fix.
 */
message: string, };

export type FailureSummary = { 
/**
 * `apiMismatch`, `duplicateId`, `missingSpec`, `missingProvider`,
 * `unlistedProvider`, `invalidProviderFile` or `invalidBase`.
 */
kind: string, 
/**
 * The provider the failure names, if it names one.
 */
providerId: string | null, 
/**
 * The message in the documented format.
 */
message: string, };

export type ChangeOp = "added" | "removed" | "changed";

export type ChangeKind = "initContainer" | "container" | "volume" | "env" | "volumeMount" | "annotation" | "field";

export type Change = { 
/**
 * What happened.
 */
op: ChangeOp, 
/**
 * To what kind of item.
 */
kind: ChangeKind, 
/**
 * The container an env var or mount belongs to; empty otherwise.
 */
container: string, 
/**
 * The item's key (name, mount path, annotation key, field path).
 */
name: string, 
/**
 * What the item is after the change (or was, when removed).
 */
detail: string, };

export type ProviderEntry = { 
/**
 * The entry's `providerId`.
 */
providerId: string, 
/**
 * The entry's image (empty when the LLSD gives none).
 */
image: string, 
/**
 * LLSD section (CRD field, e.g. `vectorIo`).
 */
section: string, 
/**
 * run.yaml API key of the section (e.g. `vector_io`).
 */
api: string, };

export type ValidateRequest = { 
/**
 * The YAML text.
 */
text: string, 
/**
 * The file name to report.
 */
file: string | null, 
/**
 * The input key the diagnostics are tagged with (default `llsd`).
 */
source: string | null, };

export type ProvidersRequest = { 
/**
 * The LLSD text.
 */
llsd: string, };

export type DefaultSpecRequest = { 
/**
 * The provider's id.
 */
providerId: string, 
/**
 * Its image.
 */
image: string, 
/**
 * Its LLSD section (CRD field).
 */
section: string, };

export type InjectRequest = { 
/**
 * The LLSD text.
 */
llsd: string, 
/**
 * The operator's Deployment.
 */
deployment: string, 
/**
 * Injection options; blank for the defaults.
 */
options: string, };

export type MergeRequest = { 
/**
 * The LLSD text.
 */
llsd: string, 
/**
 * lls-provider-spec.yaml text per providerId.
 */
specs: { [key in string]: string }, 
/**
 * The user's run.yaml; absent or blank: no base (minimal config).
 */
runYaml: string | null, 
/**
 * The name to show for it.
 */
runYamlName: string | null, };

export type ExtraProvidersRequest = { 
/**
 * The LLSD text.
 */
llsd: string, 
/**
 * lls-provider-spec.yaml text per providerId.
 */
specs: { [key in string]: string }, };

export type StatusRequest = { 
/**
 * The pod, as `kubectl get pod -o json` prints it.
 */
pod: string, 
/**
 * The LLSD, optional.
 */
llsd: string, };

export type Failed = { 
/**
 * Always false.
 */
ok: boolean, 
/**
 * The problems, each in its input.
 */
errors: Array<InputDiagnostic>, 
/**
 * The merge pipeline's stage that failed: `llsd`, `assemble` or `merge`.
 */
stage?: string, 
/**
 * The merge step's failure as merge-config reports it.
 */
failure?: FailureSummary, 
/**
 * merge-log.txt of the failed merge.
 */
log?: string, 
/**
 * Whether the LLSD validated (merge failures only).
 */
llsdValid?: boolean, 
/**
 * `status` without a pod: nothing to show, not an error.
 */
empty: boolean, 
/**
 * `providers` on an unreadable LLSD: no tabs.
 */
providers?: Array<ProviderTab>, };

export type DocumentDiagnostic = { 
/**
 * 1-based document number.
 */
document?: number, 
/**
 * The input (`llsd`, `spec:{providerId}`, …).
 */
source: string, 
/**
 * Error or warning; printed as the `ERROR` or `WARNING` label.
 */
severity: Severity, 
/**
 * Field path inside the document (`spec.server.externalProviders.inference[1].providerId`);
 * empty for problems with the document as a whole (syntax errors).
 */
path: string, 
/**
 * Where in the text, when known.
 */
location?: Location, 
/**
 * What is wrong.
 */
problem: string, 
/**
 * How to fix it.
 */
fix: string, };

export type ValidateResponse = { 
/**
 * Whether every document is valid.
 */
ok: boolean, 
/**
 * The report `llsd-providers validate --output json` prints.
 */
report: FileReport, 
/**
 * Every diagnostic of the report, flat.
 */
diagnostics: Array<DocumentDiagnostic>, };

export type ProviderTab = { 
/**
 * A plausible lls-provider-spec.yaml to start from.
 */
defaultSpec: string, 
/**
 * The entry's `providerId`.
 */
providerId: string, 
/**
 * The entry's image (empty when the LLSD gives none).
 */
image: string, 
/**
 * LLSD section (CRD field, e.g. `vectorIo`).
 */
section: string, 
/**
 * run.yaml API key of the section (e.g. `vector_io`).
 */
api: string, };

export type ProvidersResponse = { 
/**
 * Always true.
 */
ok: boolean, 
/**
 * The providers in CRD order.
 */
providers: Array<ProviderTab>, };

export type TextResponse = { 
/**
 * Always true.
 */
ok: boolean, 
/**
 * The text.
 */
text: string, };

export type InjectResponse = { 
/**
 * Always true.
 */
ok: boolean, 
/**
 * The injected Deployment, as YAML.
 */
deployment: string, 
/**
 * The input Deployment printed by the same serializer, for a line diff.
 */
input: string, 
/**
 * Counts of the changes by kind and operation.
 */
summary: { [key in string]: number }, 
/**
 * The changes, keyed as Kubernetes keys its lists.
 */
changes: Array<Change>, };

export type MergeResponse = { 
/**
 * Always true.
 */
ok: boolean, 
/**
 * Whether the LLSD validated (the merge runs on a readable one anyway).
 */
llsdValid: boolean, 
/**
 * The providers merged, in CRD order.
 */
providers: Array<ProviderEntry>, 
/**
 * The base config merged into, if any.
 */
base: string | null, 
/**
 * The merged config.
 */
config: string, 
/**
 * extra-providers.yaml.
 */
extraProviders: string, 
/**
 * merge-log.txt.
 */
log: string, 
/**
 * The merge's warnings.
 */
warnings: Array<string>, };

export type StatusResponse = { 
/**
 * Always true (readiness is in the report).
 */
ok: boolean, 
/**
 * Whether the LLSD was used.
 */
usedLlsd: boolean, 
/**
 * Notes on how the LLSD was used.
 */
notes: Array<string>, 
/**
 * The CLI's table.
 */
table: string, 
/**
 * The table's rows (the page's table).
 */
rows: Array<StatusRow>, 
/**
 * The per-provider status.
 */
report: StatusReport, };

export type Finding = { 
/**
 * The file in the image (`/lls-provider/packages/x.whl`), or the
 * archive itself (empty) when it cannot be read.
 */
file: string, 
/**
 * Error or warning; printed as the `ERROR` or `WARNING` label.
 */
severity: Severity, 
/**
 * Field path inside the document (`spec.server.externalProviders.inference[1].providerId`);
 * empty for problems with the document as a whole (syntax errors).
 */
path: string, 
/**
 * Where in the text, when known.
 */
location?: Location, 
/**
 * What is wrong.
 */
problem: string, 
/**
 * How to fix it.
 */
fix: string, };

export type ImageReport = { 
/**
 * The image as the caller named it (a file or directory name).
 */
image: string, 
/**
 * Whether no finding is an error.
 */
valid: boolean, 
/**
 * The platform the image was checked for (`linux/amd64`): of an image
 * index, the image read; the wheel platform tags that fit.
 */
platform: string, 
/**
 * The Python the tags and markers were checked against (`3.12`), when given.
 */
python?: string, 
/**
 * Every finding, errors and warnings, in check order.
 */
findings: Array<Finding>, };

export type CheckImageRequest = { 
/**
 * The archive's name, for the report (default `image.oci.tar`).
 */
image: string | null, 
/**
 * The server's CPython (`3.12`); empty or absent: not narrowed.
 */
python: string | null, 
/**
 * The nodes' platform (`linux/arm64`); empty or absent: `linux/amd64`.
 */
platform: string | null, };

export type CheckImageResponse = { 
/**
 * Whether the image has no error finding.
 */
ok: boolean, 
/**
 * The report `llsd-providers check-image --output json` prints.
 */
report: ImageReport, 
/**
 * The report as `check-image` prints it.
 */
text: string, };
