//! Browser host (`wasm-pack build --target web`, see playground/build.mjs): thin
//! wasm-bindgen exports over the core for the playground.
//!
//! Two wasm modules come from here: feature `page` exports everything but
//! `checkImage` (the module the page loads), feature `image-check`
//! exports `checkImage` alone (a second module the page fetches when an
//! archive is dropped, so that its archive readers and PEP 508 parser do
//! not weigh on every page load). Both export [`start`] and [`last_panic`].
//!
//! Every export takes one JSON request string and returns one JSON response
//! string (the shapes are [`responses`]); bad input comes back as data with
//! line/column and field paths, never as a JavaScript exception. The core
//! does not panic on any input it is given; should it ever, `wasm32`
//! aborts (no unwinding on stable), the call throws a `RuntimeError` in
//! JavaScript, and [`last_panic`] returns the message: the page turns that
//! into an error object too and loads a fresh instance.

pub mod ops;
pub mod responses;
#[cfg(test)]
mod typescript;

pub use llsd_providers::operation::{ProviderEntry, default_spec, provider_entries};

use serde::Serialize;

use std::sync::Mutex;
use wasm_bindgen::prelude::wasm_bindgen;

/// The JSON text of a response: the success or the failure.
fn respond<T: Serialize>(result: Result<T, responses::Failed>) -> String {
    let text = match &result {
        Ok(value) => serde_json::to_string(value),
        Err(failed) => serde_json::to_string(failed),
    };
    // Serializing these types cannot fail (string keys, no non-finite floats).
    text.unwrap_or_else(|err| {
        serde_json::json!({"ok": false, "errors": [], "internal": err.to_string()}).to_string()
    })
}

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

#[cfg(feature = "page")]
/// The crate version, for the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(feature = "page")]
/// [`responses::ValidateRequest`] → [`responses::ValidateResponse`].
#[wasm_bindgen]
pub fn validate(request: &str) -> String {
    respond(ops::validate(request))
}

#[cfg(feature = "page")]
/// [`responses::ProvidersRequest`] → [`responses::ProvidersResponse`].
#[wasm_bindgen]
pub fn providers(request: &str) -> String {
    respond(ops::providers(request))
}

#[cfg(feature = "page")]
/// [`responses::DefaultSpecRequest`] → [`responses::TextResponse`].
#[wasm_bindgen(js_name = defaultSpec)]
pub fn default_spec_export(request: &str) -> String {
    respond(ops::default_spec_json(request))
}

#[cfg(feature = "page")]
/// [`responses::InjectRequest`] → [`responses::InjectResponse`].
#[wasm_bindgen]
pub fn inject(request: &str) -> String {
    respond(ops::inject_json(request))
}

#[cfg(feature = "page")]
/// [`responses::ExtraProvidersRequest`] → [`responses::TextResponse`].
#[wasm_bindgen(js_name = extraProviders)]
pub fn extra_providers(request: &str) -> String {
    respond(ops::extra_providers(request))
}

#[cfg(feature = "page")]
/// [`responses::MergeRequest`] → [`responses::MergeResponse`].
#[wasm_bindgen]
pub fn merge(request: &str) -> String {
    respond(ops::merge(request))
}

#[cfg(feature = "image-check")]
/// An OCI archive's bytes and a [`responses::CheckImageRequest`] →
/// [`responses::CheckImageResponse`].
#[wasm_bindgen(js_name = checkImage)]
pub fn check_image(archive: &[u8], request: &str) -> String {
    respond(ops::check_image(archive, request))
}

#[cfg(feature = "page")]
/// [`responses::StatusRequest`] → [`responses::StatusResponse`].
#[wasm_bindgen]
pub fn status(request: &str) -> String {
    respond(ops::status(request))
}
