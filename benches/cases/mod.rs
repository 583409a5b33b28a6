//! The two benchmark cases, generated deterministically (no randomness, no
//! clock), shared by the criterion bench and by `benches/run.sh` (which asks
//! the bench binary to write them out with `LLSD_BENCH_WRITE_CASES=DIR`).
//!
//! * `starter`: llama-stack 0.7.1's starter config (10.7 KB, read from
//!   `../shared/fixtures/runyamls/`) with 3 external providers: one that
//!   overrides the templated inference id `${env.OLLAMA_URL:+ollama}`, one
//!   new `vector_io` provider and one new `eval` provider.
//! * `large`: a generated config of about 1 MB (768 providers in 12 API
//!   sections, 96 of them with `${env.X:+id}` ids, comments, env templates,
//!   3,508 registered models) with 200 external providers in all 13 LLSD
//!   sections: 36 replace base entries (24 literal ids, 12 env-template
//!   ids), the rest are appended, and one section (`post_training`) is
//!   created and its API added to `apis:`.

use llsd_providers::api;
use llsd_providers::pipeline::{CRD_CONFIG_FILE, ProviderDir, SPEC_FILE};
use std::fmt::Write as _;
use std::path::Path;

/// The starter fixture, relative to the crate root.
pub const STARTER_BASE: &str = "../shared/fixtures/runyamls/llamastack_llama-stack__v0.7.1__src-llama_stack-distributions-starter-config.yaml";

/// One provider's two metadata files, as the install init container writes them.
pub struct ProviderFiles {
    pub id: String,
    pub spec: String,
    pub crd_config: String,
}

/// A merge input: the base config and the providers in CRD order.
pub struct Case {
    pub name: &'static str,
    pub base: String,
    pub providers: Vec<ProviderFiles>,
}

impl Case {
    /// The `--providers` argument: ids in CRD order.
    pub fn provider_list(&self) -> String {
        self.providers
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The provider directories as the CLI reads them (sorted by name).
    pub fn dirs(&self) -> Vec<ProviderDir> {
        let mut dirs: Vec<ProviderDir> = self
            .providers
            .iter()
            .map(|p| ProviderDir {
                name: p.id.clone(),
                spec: Some(p.spec.clone().into_bytes()),
                crd_config: Some(p.crd_config.clone().into_bytes()),
            })
            .collect();
        dirs.sort_by(|a, b| a.name.cmp(&b.name));
        dirs
    }

    /// Writes `dir/base.yaml`, `dir/providers.txt` and
    /// `dir/metadata/{id}/{lls-provider-spec.yaml,crd-config.yaml}`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("base.yaml"), &self.base)?;
        std::fs::write(dir.join("providers.txt"), self.provider_list() + "\n")?;
        for p in &self.providers {
            let pdir = dir.join("metadata").join(&p.id);
            std::fs::create_dir_all(&pdir)?;
            std::fs::write(pdir.join(SPEC_FILE), &p.spec)?;
            std::fs::write(pdir.join(CRD_CONFIG_FILE), &p.crd_config)?;
        }
        Ok(())
    }
}

fn spec_text(name: &str, version: &str, module: &str, provider_type: &str, api: &str) -> String {
    format!(
        "apiVersion: llamastack.io/v1alpha1\n\
         kind: ProviderPackage\n\
         metadata:\n  name: {name}\n  version: {version}\n  vendor: Example Org\n  \
         description: {name} packaged as an external provider\n  \
         maintainer: providers@example.com\n\
         spec:\n  packageName: {module}\n  providerType: {provider_type}\n  api: {api}\n  \
         wheelPath: packages/{module}-{version}-py3-none-any.whl\n  \
         dependencyWheels:\n  - packages/httpx-0.28.1-py3-none-any.whl\n  \
         - packages/tenacity-9.1.2-py3-none-any.whl\n"
    )
}

fn crd_config_text(id: &str, crd_field: &str, image: &str, config: &str) -> String {
    format!(
        "# Written by the install-provider-{id} init container from the LLSD entry.\n\
         providerId: {id}\napi: {crd_field}\nimage: {image}\nconfig:\n{config}"
    )
}

/// The starter case; reads the fixture relative to `CARGO_MANIFEST_DIR`.
pub fn starter() -> Case {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(STARTER_BASE);
    let base = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let providers = vec![
        ProviderFiles {
            id: "ollama".into(),
            spec: spec_text(
                "ollama-patched",
                "0.9.2",
                "ollama_patched",
                "remote::ollama-patched",
                "inference",
            ),
            crd_config: crd_config_text(
                "ollama",
                "inference",
                "registry.example.com/llama-providers/ollama-patched:0.9.2",
                "  base_url: http://ollama.default.svc:11434/v1\n  refresh_models: true\n",
            ),
        },
        ProviderFiles {
            id: "pgvector-ext".into(),
            spec: spec_text(
                "pgvector-ext",
                "2.1.0",
                "example_providers.pgvector_ext",
                "remote::pgvector-ext",
                "vector_io",
            ),
            crd_config: crd_config_text(
                "pgvector-ext",
                "vectorIo",
                "registry.example.com/llama-providers/pgvector-ext:2.1.0",
                "  host: postgres.default.svc\n  port: 5432\n  db: llamastack\n  \
                 user: llamastack\n  password: ${env.PGVECTOR_PASSWORD:=}\n  \
                 persistence:\n    namespace: vector_io::pgvector_ext\n    backend: kv_default\n",
            ),
        },
        ProviderFiles {
            id: "trustyai-lmeval".into(),
            spec: spec_text(
                "llama-stack-provider-lmeval",
                "0.3.1",
                "llama_stack_provider_lmeval",
                "remote::trustyai_lmeval",
                "eval",
            ),
            crd_config: crd_config_text(
                "trustyai-lmeval",
                "eval",
                "quay.io/trustyai/llama-stack-provider-lmeval:0.3.1",
                "  use_k8s: true\n  base_url: ${env.VLLM_URL:=http://vllm.default.svc:8000/v1}\n  \
                 namespace: default\n",
            ),
        },
    ];
    Case {
        name: "starter",
        base,
        providers,
    }
}

/// run.yaml keys of the base's provider sections (every LLSD API but
/// `post_training`, which the merge has to create).
const LARGE_BASE_APIS: [&str; 12] = [
    "inference",
    "safety",
    "agents",
    "vector_io",
    "datasetio",
    "scoring",
    "eval",
    "tool_runtime",
    "files",
    "batches",
    "responses",
    "file_processors",
];
const LARGE_ENTRIES_PER_API: usize = 64;
const LARGE_EXTERNAL: usize = 200;
const LARGE_TARGET_BYTES: usize = 1_000_000;

fn base_id(api: &str, i: usize) -> String {
    format!("{}-p{i:02}", api.replace('_', "-"))
}

fn env_name(api: &str, i: usize) -> String {
    format!("{}_P{i:02}", api.to_ascii_uppercase())
}

/// The large case: about 1 MB of base config and 200 providers.
pub fn large() -> Case {
    let mut base = String::with_capacity(LARGE_TARGET_BYTES + 4096);
    base.push_str(
        "# Generated by benches/cases/mod.rs: a large llama-stack config for benchmarks.\n\
         version: 2\ndistro_name: bench-large\napis:\n",
    );
    for api in LARGE_BASE_APIS {
        let _ = writeln!(base, "- {api}");
    }
    base.push_str("providers:\n");
    for api in LARGE_BASE_APIS {
        let _ = writeln!(base, "  {api}:");
        for i in 0..LARGE_ENTRIES_PER_API {
            let id = base_id(api, i);
            let env = env_name(api, i);
            if i % 8 == 3 {
                let _ = writeln!(
                    base,
                    "  - provider_id: ${{env.{env}_URL:+{id}}}   # only when {env}_URL is set"
                );
            } else {
                let _ = writeln!(base, "  - provider_id: {id}");
            }
            let _ = write!(
                base,
                "    provider_type: {kind}::{api}-impl-{i}\n    config:\n      \
                 # endpoint of {id}\n      \
                 base_url: ${{env.{env}_URL:=https://{id}.example.internal:8443/v1}}\n      \
                 api_key: ${{env.{env}_API_KEY:=}}\n      timeout: {timeout}\n      \
                 max_retries: 3\n      verify_tls: {tls}\n      \
                 labels: {{team: team-{team}, tier: 'gold'}}\n      persistence:\n        \
                 namespace: {api}::{id}\n        backend: kv_default\n",
                kind = if i % 3 == 0 { "inline" } else { "remote" },
                timeout = 30 + i % 5,
                tls = i % 4 != 0,
                team = i % 7,
            );
        }
    }
    base.push_str(
        "storage:\n  backends:\n    kv_default:\n      type: kv_sqlite\n      \
         db_path: ${env.SQLITE_STORE_DIR:=~/.llama/distributions/bench}/kvstore.db\n    \
         sql_default:\n      type: sql_sqlite\n      \
         db_path: ${env.SQLITE_STORE_DIR:=~/.llama/distributions/bench}/sql_store.db\n\
         registered_resources:\n  models:\n",
    );
    let mut m = 0usize;
    let tail = "server:\n  port: 8321   # default port\n";
    while base.len() + tail.len() < LARGE_TARGET_BYTES {
        let _ = write!(
            base,
            "  - model_id: model-{m:05}\n    provider_id: {provider}\n    \
             provider_model_id: org-{org}/model-{m:05}-instruct\n    model_type: llm\n    \
             metadata: {{context_length: 131072, quantization: fp8}}\n",
            provider = base_id("inference", m % LARGE_ENTRIES_PER_API),
            org = m % 17,
        );
        m += 1;
    }
    base.push_str(tail);

    let mut providers = Vec::with_capacity(LARGE_EXTERNAL);
    let sections = api::APIS.len();
    let mut per_section = vec![0usize; sections];
    for k in 0..LARGE_EXTERNAL {
        // Grouped by section in CRD section order, as the LLSD lists them.
        let s = k * sections / LARGE_EXTERNAL;
        let j = per_section[s];
        per_section[s] += 1;
        let section = &api::APIS[s];
        let key = section.run_yaml_key;
        let id = match j {
            0 => base_id(key, 5),  // a literal base id
            1 => base_id(key, 3),  // a `${env.X:+id}` base id
            2 => base_id(key, 40), // another literal one
            _ => format!("ext-{}-{j:02}", key.replace('_', "-")),
        };
        let module = format!("ext_providers.{}", id.replace('-', "_"));
        let env = env_name(key, 100 + j);
        let config = format!(
            "  base_url: http://{id}.providers.svc:8080/v1\n  api_key: ${{env.{env}_KEY:=}}\n  \
             timeout: {timeout}\n  mode: '0755'\n  enabled: 'yes'\n  \
             options:\n    retries: 3\n    backoff: 1.5\n    tags: [bench, {key}]\n",
            timeout = 10 + k % 50,
        );
        providers.push(ProviderFiles {
            spec: spec_text(&id, "1.0.0", &module, &format!("remote::{id}"), key),
            crd_config: crd_config_text(
                &id,
                section.crd_field,
                &format!("registry.example.com/providers/{id}:1.0.0"),
                &config,
            ),
            id,
        });
    }
    Case {
        name: "large",
        base,
        providers,
    }
}
