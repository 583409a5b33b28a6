// The Rust core (src/web/ in the crate) as plain functions: object in,
// object out. Nothing here throws on bad input: the core answers problems
// as data, and should it ever abort (a panic traps the wasm instance),
// call() turns that into the same error shape and loads a fresh instance.

const GLUE = new URL('../pkg/llsd_providers.js', import.meta.url);
const WASM = new URL('../pkg/llsd_providers_bg.wasm', import.meta.url);

let compiled; // WebAssembly.Module, compiled once
let glue; // the wasm-bindgen glue module bound to the live instance
let generation = 0;

async function instantiate() {
  if (!compiled) {
    const response = await fetch(WASM);
    if (!response.ok) throw new Error(`cannot load ${WASM}: HTTP ${response.status}`);
    compiled = await WebAssembly.compileStreaming(response).catch(async () =>
      // A server without application/wasm: compile from bytes.
      WebAssembly.compile(await (await fetch(WASM)).arrayBuffer()),
    );
  }
  // A fresh copy of the glue module gets a fresh instance (its init runs
  // once per module copy); the first load uses the plain URL so that the
  // service worker and the HTTP cache see one file.
  const url = generation === 0 ? GLUE.href : `${GLUE.href}?instance=${generation}`;
  generation += 1;
  const module = await import(url); // not bundled: a URL known at run time
  await module.default({ module_or_path: compiled });
  glue = module;
}

export async function loadCore() {
  await instantiate();
  return { version: glue.version() };
}

let reloading = null;

/** Recent [export, milliseconds] pairs, for perf.mjs and curious users. */
export const timings = [];

/**
 * The exports with their request and response types. The types are
 * generated from the Rust ones (src/web/responses.rs) into core-types.d.ts.
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
  if (!glue || reloading) {
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
    reloading = instantiate()
      .catch((e) => console.warn('reloading the core failed', e))
      .finally(() => {
        reloading = null;
      });
    return { ok: false, errors: [internal(`internal error in ${name}: ${message}`)] };
  }
}

/** Resolves once a reload after an internal error is done. */
export function settled() {
  return reloading ?? Promise.resolve();
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
