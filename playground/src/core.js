// The Rust core (crates/web/ over the core crate) as plain functions: object in,
// object out. Nothing here throws on bad input: the core answers problems
// as data, and should it ever abort (a panic traps the wasm instance),
// call() turns that into the same error shape and loads a fresh instance.

/**
 * One wasm-bindgen module: its glue and its wasm, compiled once, with a
 * fresh instance after an abort.
 */
class WasmModule {
  constructor(glue, wasm, compiling = null) {
    this.glueUrl = new URL(glue, import.meta.url);
    this.wasmUrl = new URL(wasm, import.meta.url);
    this.compiling = compiling; // a compilation index.html started early, if any
    this.compiled = null; // WebAssembly.Module, compiled once
    this.glue = null; // the wasm-bindgen glue module bound to the live instance
    this.generation = 0;
    this.reloading = null; // the reload after an abort, while it runs
  }

  async instantiate() {
    if (!this.compiled && this.compiling) {
      this.compiled = await this.compiling;
      this.compiling = null;
    }
    if (!this.compiled) {
      const response = await fetch(this.wasmUrl);
      if (!response.ok) throw new Error(`cannot load ${this.wasmUrl}: HTTP ${response.status}`);
      this.compiled = await WebAssembly.compileStreaming(response).catch(async () =>
        // A server without application/wasm: compile from bytes.
        WebAssembly.compile(await (await fetch(this.wasmUrl)).arrayBuffer()),
      );
    }
    // A fresh copy of the glue module gets a fresh instance (its init runs
    // once per module copy); the first load uses the plain URL so that the
    // service worker and the HTTP cache see one file.
    const url = this.generation === 0 ? this.glueUrl.href : `${this.glueUrl.href}?instance=${this.generation}`;
    this.generation += 1;
    const module = await import(url); // not bundled: a URL known at run time
    await module.default({ module_or_path: this.compiled });
    this.glue = module;
  }
}

// The core, loaded with the page (feature `page`).
const core = new WasmModule('../pkg/llsd_providers.js', '../pkg/llsd_providers_bg.wasm', globalThis.llsdCoreCompiling);
// check-image (feature `image-check`): its archive readers and PEP 508
// parser would double the core's size, so it is a module of its own,
// fetched the first time an archive is dropped (loadImageCheck).
const imageCheck = new WasmModule('../pkg/image-check/image_check.js', '../pkg/image-check/image_check_bg.wasm');
/** The module of each export (the core's unless named here). */
const MODULES = { checkImage: imageCheck };

export async function loadCore() {
  await core.instantiate();
  return { version: core.glue.version() };
}

let imageCheckLoading = null;

/**
 * Loads the check-image module on first use; rejects (and a later call
 * tries again) when it cannot be fetched, e.g. offline before any archive
 * was ever checked online.
 */
export function loadImageCheck() {
  if (imageCheck.glue) return Promise.resolve();
  imageCheckLoading ??= imageCheck.instantiate().finally(() => {
    imageCheckLoading = null;
  });
  return imageCheckLoading;
}

/** Recent [export, milliseconds] pairs, for perf.mjs and curious users. */
export const timings = [];

/**
 * The exports with their request and response types. The types are
 * generated from the Rust ones (crates/web/src/responses.rs) into core-types.d.ts.
 * @typedef {import('./core-types')} T
 * @typedef {{
 *   validate: [T.ValidateRequest, T.ValidateResponse],
 *   providers: [T.ProvidersRequest, T.ProvidersResponse],
 *   defaultSpec: [T.DefaultSpecRequest, T.TextResponse],
 *   inject: [T.InjectRequest, T.InjectResponse],
 *   extraProviders: [T.ExtraProvidersRequest, T.TextResponse],
 *   merge: [T.MergeRequest, T.MergeResponse],
 *   status: [T.StatusRequest, T.StatusResponse],
 *   checkImage: [T.CheckImageRequest, T.CheckImageResponse],
 * }} Exports
 */

/**
 * Calls export `name` with `request`; always returns an object with `ok`:
 * the export's response, or a `Failed` (`errors`, each with its `source`).
 * @template {keyof Exports} K
 * @param {K} name
 * @param {Exports[K][0]} request
 * @param {Uint8Array} [bytes] the export's leading byte argument (checkImage: the archive)
 * @returns {Exports[K][1] | T.Failed}
 */
export function call(name, request, bytes) {
  const module = MODULES[name] ?? core;
  const { glue } = module;
  if (!glue || module.reloading) {
    return { ok: false, errors: [internal(`the core is ${glue ? 'reloading' : 'not loaded'}`)] };
  }
  try {
    const started = performance.now();
    const text = bytes ? glue[name](bytes, JSON.stringify(request)) : glue[name](JSON.stringify(request));
    const response = JSON.parse(text);
    timings.push([name, performance.now() - started]);
    if (timings.length > 200) timings.splice(0, 100);
    return response;
  } catch (error) {
    let message = String(error?.message ?? error);
    try {
      message = glue.lastPanic() ?? message;
    } catch {
      // the instance is unusable; the message above is all we have
    }
    module.reloading = module
      .instantiate()
      .catch((e) => console.warn('reloading the core failed', e))
      .finally(() => {
        module.reloading = null;
      });
    return { ok: false, errors: [internal(`internal error in ${name}: ${message}`)] };
  }
}

/** Resolves once a reload after an internal error is done. */
export function settled() {
  return Promise.all([core.reloading, imageCheck.reloading]).then(() => undefined);
}

function internal(problem) {
  return {
    source: 'internal',
    severity: 'error',
    path: '',
    problem,
    fix: 'this is a bug in llsd-providers: please report it with the share link of this state',
  };
}
