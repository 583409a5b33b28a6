//! A waPC host for the built `policy.wasm`, shaped like Kubewarden's
//! policy-server: `wapc` + `wasmtime-provider` with WASI, the guest's
//! `kubewarden`/`kubernetes`/`get_resource` host calls answered from a
//! fixture cluster, `validate_settings` called with the settings JSON and
//! `validate` with `{"request": <AdmissionRequest>, "settings": <settings>}`.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use wapc::WapcHost;
use wasmtime_provider::{WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

pub use llsd_providers_policy::GetResourceRequest;

/// The repository root (this crate lives in `tests/policy-host`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/data/policy` of the repository.
pub fn data_dir() -> PathBuf {
    repo_root().join("tests/data/policy")
}

pub fn read_json(path: impl AsRef<Path>) -> Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A fixture of `tests/data/policy` by name (`deployment-create-providers`).
pub fn fixture(name: &str) -> Value {
    read_json(data_dir().join(format!("{name}.json")))
}

/// The module under test: `$POLICY_WASM`, else `policy.wasm` at the
/// repository root (what `make policy.wasm` writes).
pub fn policy_wasm_path() -> PathBuf {
    std::env::var_os("POLICY_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("policy.wasm"))
}

pub fn policy_wasm() -> Vec<u8> {
    let path = policy_wasm_path();
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; build it with `make policy.wasm` (or set POLICY_WASM)",
            path.display()
        )
    })
}

/// The compiled module, shared by every host of the process (compiling it
/// is the slow part; instantiating is cheap).
fn pre() -> &'static WasmtimeEngineProviderPre {
    static PRE: OnceLock<WasmtimeEngineProviderPre> = OnceLock::new();
    PRE.get_or_init(|| {
        let bytes = policy_wasm();
        WasmtimeEngineProviderBuilder::new()
            .module_bytes(&bytes)
            .build_pre()
            .expect("policy.wasm compiles under wasmtime")
    })
}

/// The cluster the host answers `get_resource` from: `resources` by
/// `namespace/name` (cluster-scoped ones by `/name`), `errors` as host
/// errors, anything else not found.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub resources: serde_json::Map<String, Value>,
    pub errors: serde_json::Map<String, Value>,
}

/// The resources the policy's metadata lists in `contextAwareResources`.
const CONTEXT_AWARE: &[(&str, &str)] = &[
    ("llamastack.io/v1alpha1", "LlamaStackDistribution"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
];

impl Cluster {
    /// `tests/data/policy/cluster.json`.
    pub fn fixture() -> Cluster {
        Cluster::from_value(&read_json(data_dir().join("cluster.json")))
    }

    /// `cluster.json` with an overlay file of `tests/data/policy` merged
    /// over it (`resources` and `errors` replaced or added by key), e.g.
    /// `cluster-crd-unpatched.json`.
    pub fn fixture_with(overlay: &str) -> Cluster {
        let mut cluster = Cluster::fixture();
        let overlay = Cluster::from_value(&read_json(data_dir().join(overlay)));
        cluster.resources.extend(overlay.resources);
        cluster.errors.extend(overlay.errors);
        cluster
    }

    pub fn from_value(value: &Value) -> Cluster {
        Cluster {
            resources: value["resources"].as_object().cloned().unwrap_or_default(),
            errors: value["errors"].as_object().cloned().unwrap_or_default(),
        }
    }

    pub fn with(mut self, namespace: &str, name: &str, object: Value) -> Cluster {
        self.resources.insert(format!("{namespace}/{name}"), object);
        self
    }

    /// What the policy-server would answer (its not-found message shape).
    pub fn get(&self, request: &GetResourceRequest) -> Result<Value, String> {
        let namespace = request.namespace.as_deref().unwrap_or_default();
        let key = format!("{namespace}/{}", request.name);
        if let Some(error) = self.errors.get(&key) {
            return Err(error.as_str().unwrap_or("error").to_string());
        }
        if !CONTEXT_AWARE.contains(&(request.api_version.as_str(), request.kind.as_str())) {
            return Err(format!(
                "{}/{} is not in the policy's contextAwareResources",
                request.api_version, request.kind
            ));
        }
        self.resources.get(&key).cloned().ok_or_else(|| {
            format!(
                "Cannot find {}/{} named '{}' inside of namespace '{namespace}'",
                request.api_version, request.kind, request.name
            )
        })
    }
}

/// Host calls the guest made: `(binding, namespace, operation, payload)`.
pub type Calls = Arc<Mutex<Vec<(String, String, String, Value)>>>;

/// One instance of the policy in a waPC host.
pub struct PolicyHost {
    host: WapcHost,
    calls: Calls,
}

impl PolicyHost {
    /// An instance of `policy.wasm` (compiled once per process).
    pub fn new(cluster: Cluster) -> PolicyHost {
        PolicyHost::from_pre(pre(), cluster)
    }

    /// An instance of another build of the module (e.g. a previous one, for
    /// a side-by-side benchmark), compiled for this host.
    pub fn with_module(module: &[u8], cluster: Cluster) -> PolicyHost {
        let pre = WasmtimeEngineProviderBuilder::new()
            .module_bytes(module)
            .build_pre()
            .expect("the module compiles under wasmtime");
        PolicyHost::from_pre(&pre, cluster)
    }

    fn from_pre(pre: &WasmtimeEngineProviderPre, cluster: Cluster) -> PolicyHost {
        let calls: Calls = Arc::default();
        let recorded = calls.clone();
        let callback = move |_id: u64,
                             binding: &str,
                             namespace: &str,
                             operation: &str,
                             payload: &[u8]|
              -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
            let request: Value = serde_json::from_slice(payload)?;
            recorded.lock().unwrap().push((
                binding.to_string(),
                namespace.to_string(),
                operation.to_string(),
                request.clone(),
            ));
            match (binding, namespace, operation) {
                ("kubewarden", "kubernetes", "get_resource") => {
                    let request: GetResourceRequest = serde_json::from_value(request)?;
                    let object = cluster.get(&request)?;
                    Ok(serde_json::to_vec(&object)?)
                }
                _ => {
                    Err(format!("unknown host capability {binding}/{namespace}/{operation}").into())
                }
            }
        };
        let provider = pre.rehydrate(None).expect("instantiate the policy");
        let host = WapcHost::new(Box::new(provider), Some(Box::new(callback)))
            .expect("wapc_init succeeds");
        PolicyHost { host, calls }
    }

    /// Calls a waPC function; `Err` is a trap or a guest error.
    pub fn call(&self, operation: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        self.host
            .call(operation, payload)
            .map_err(|e| e.to_string())
    }

    /// `validate` as the policy-server calls it.
    pub fn validate(&self, request: &Value, settings: &Value) -> Value {
        let payload = json!({"request": request, "settings": settings}).to_string();
        let response = self
            .call("validate", payload.as_bytes())
            .unwrap_or_else(|e| panic!("validate failed: {e}"));
        serde_json::from_slice(&response).expect("validate answers JSON")
    }

    pub fn validate_settings(&self, settings: &Value) -> Value {
        let response = self
            .call("validate_settings", settings.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("validate_settings failed: {e}"));
        serde_json::from_slice(&response).expect("validate_settings answers JSON")
    }

    pub fn protocol_version(&self) -> Value {
        let response = self
            .call("protocol_version", b"")
            .expect("protocol_version");
        serde_json::from_slice(&response).expect("JSON")
    }

    /// The host calls made so far (and forgets them).
    pub fn take_calls(&self) -> Vec<(String, String, String, Value)> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

/// The same evaluation natively (the policy's own `evaluate`, same bytes in,
/// same JSON out). Lookup errors are worded as the guest sees them through
/// the SDK and waPC (`error invoking host capability …: Host error: …`),
/// cut to their first line as the guest's lookup cuts them.
pub fn native_validate(cluster: &Cluster, payload: &[u8]) -> Vec<u8> {
    let response = llsd_providers_policy::evaluate(payload, &|request| {
        cluster.get(request).map_err(|e| {
            let e =
                format!("error invoking host capability kubernetes.get_resource: Host error: {e}");
            llsd_providers_policy::host_error_line(&e)
        })
    });
    serde_json::to_vec(&response).expect("serializable")
}

/// The JSON patch the policy-server sends the API server: original → mutated.
pub fn patch_of(response: &Value, original: &Value) -> Option<json_patch::Patch> {
    response
        .get("mutated_object")
        .filter(|m| !m.is_null())
        .map(|mutated| json_patch::diff(original, mutated))
}

/// `llsd-providers inject` on the same inputs: `$LLSD_PROVIDERS_BIN`, else
/// the repository's `target/debug/llsd-providers`.
pub fn cli_inject(
    llsd: &Value,
    deployment: &Value,
    options: Option<&Value>,
) -> Result<Value, String> {
    let bin = std::env::var_os("LLSD_PROVIDERS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/llsd-providers"));
    if !bin.exists() {
        panic!(
            "{} is missing: build the CLI (`cargo build` at the repository root) or set LLSD_PROVIDERS_BIN",
            bin.display()
        );
    }
    let dir = std::env::temp_dir().join(format!(
        "llsd-policy-host-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, value: &Value| {
        let path = dir.join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path
    };
    let mut command = std::process::Command::new(&bin);
    command
        .arg("inject")
        .arg("--llsd")
        .arg(write("llsd.json", llsd))
        .arg("--deployment")
        .arg(write("deployment.json", deployment));
    if let Some(options) = options {
        command.arg("--options").arg(write("options.json", options));
    }
    let output = command.output().expect("run llsd-providers");
    let _ = std::fs::remove_dir_all(&dir);
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let yaml: serde_yaml::Value =
        serde_yaml::from_slice(&output.stdout).expect("inject prints YAML");
    Ok(serde_json::to_value(yaml).expect("YAML as JSON"))
}

/// A small deterministic RNG (SplitMix64) for the request generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// An LLSD with `count` providers spread over a few sections (benchmarks).
pub fn llsd_with_providers(name: &str, namespace: &str, count: usize) -> Value {
    let sections = ["inference", "safety", "vectorIo", "toolRuntime"];
    let mut providers = serde_json::Map::new();
    for i in 0..count {
        let section = sections[i % sections.len()];
        let entry = json!({
            "providerId": format!("provider-{i}"),
            "image": format!("registry.example.com/llama-providers/provider-{i}:1.{i}.0"),
            "imagePullPolicy": if i % 2 == 0 { "IfNotPresent" } else { "Always" },
            "config": {"url": format!("http://provider-{i}.ai.svc:8000/v1"), "timeout": 30, "tls": "on"}
        });
        providers
            .entry(section)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .unwrap()
            .push(entry);
    }
    json!({
        "apiVersion": "llamastack.io/v1alpha1",
        "kind": "LlamaStackDistribution",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"server": {
            "distribution": {"name": "starter"},
            "userConfig": {"configMapName": "llama-stack-config"},
            "externalProviders": providers
        }}
    })
}

/// An AdmissionRequest for `object` (kind from the object's apiVersion/kind).
pub fn admission_request(operation: &str, object: &Value, old: Option<&Value>) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or_default();
    json!({
        "uid": "bench",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
        "name": object["metadata"]["name"],
        "namespace": object["metadata"]["namespace"],
        "operation": operation,
        "userInfo": {"username": "bench"},
        "object": object,
        "oldObject": old.cloned().unwrap_or(Value::Null),
    })
}
