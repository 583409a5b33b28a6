//! Browser host (feature `web`, `wasm-pack build --target web`): thin
//! wasm-bindgen exports over the core for the playground.
//!
//! Every export takes one JSON request string and returns one JSON response
//! string (see [`ops`] for the shapes); bad input comes back as data with
//! line/column and field paths, never as a JavaScript exception. The core
//! does not panic on any input it is given; should it ever, `wasm32`
//! aborts (no unwinding on stable), the call throws a `RuntimeError` in
//! JavaScript, and [`last_panic`] returns the message: the page turns that
//! into an error object too and loads a fresh instance.

mod k8s_diff;
pub mod ops;
mod prefill;

pub use k8s_diff::{Change, deployment_changes};
pub use prefill::{ProviderEntry, default_spec, provider_entries};

use std::sync::Mutex;
use wasm_bindgen::prelude::wasm_bindgen;

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Records panic messages for [`last_panic`] (runs when the module starts).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
    }));
}

/// The message of the panic that aborted the last call, if any.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.lock().ok().and_then(|mut last| last.take())
}

/// The crate version, for the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// `{text, file?, source?}` → `{ok, report, diagnostics}`.
#[wasm_bindgen]
pub fn validate(request: &str) -> String {
    ops::validate(request).to_string()
}

/// `{llsd}` → `{ok, providers: [{providerId, image, section, api, defaultSpec}]}`.
#[wasm_bindgen]
pub fn providers(request: &str) -> String {
    ops::providers(request).to_string()
}

/// `{providerId, image, section}` → `{ok, text}`.
#[wasm_bindgen(js_name = defaultSpec)]
pub fn default_spec_export(request: &str) -> String {
    ops::default_spec_json(request).to_string()
}

/// `{llsd, deployment, options?}` → `{ok, deployment, input, changes, summary}`.
#[wasm_bindgen]
pub fn inject(request: &str) -> String {
    ops::inject_json(request).to_string()
}

/// `{llsd, specs}` → `{ok, text}`.
#[wasm_bindgen(js_name = extraProviders)]
pub fn extra_providers(request: &str) -> String {
    ops::extra_providers(request).to_string()
}

/// `{llsd, specs, runYaml?, runYamlName?}` → `{ok, config, extraProviders, log, warnings}`.
#[wasm_bindgen]
pub fn merge(request: &str) -> String {
    ops::merge(request).to_string()
}

/// `{pod, llsd?}` → `{ok, report, table}`.
#[wasm_bindgen]
pub fn status(request: &str) -> String {
    ops::status(request).to_string()
}
