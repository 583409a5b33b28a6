// Builds the playground into playground/pkg (the core, wasm) and
// playground/dist (the page's JavaScript, CodeMirror included):
//
//   node build.mjs              wasm-pack + wasm-opt (both modules) + esbuild
//   node build.mjs --skip-wasm  esbuild only (pkg/ already built)
//
// Needs wasm-pack and wasm-bindgen (the version Cargo.toml pins) on PATH;
// wasm-opt comes from the `binaryen` npm package (package-lock.json), so
// every machine runs the same optimizer.

import { build, transform } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The browser host crate (crates/web).
const crate = join(here, '..', 'crates', 'web');
const args = new Set(process.argv.slice(2));

function run(command, commandArgs, options = {}) {
  console.log(`$ ${command} ${commandArgs.join(' ')}`);
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
}

// wasm32 features rustc enables by default; wasm-opt must accept them.
const WASM_FEATURES = [
  '--enable-bulk-memory',
  '--enable-bulk-memory-opt',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
  '--enable-call-indirect-overlong',
];

// The page module (feature `page`, loaded with the page) and check-image
// (feature `image-check`, pkg/image-check/, fetched by the page when the
// first archive is dropped: its tar/zip/inflate and PEP 508 code would
// double the page module's size). Same profile and optimizer for both.
// The browsers the page's JavaScript is written for (esbuild's target).
const TARGET = ['chrome111', 'firefox113', 'safari16.4'];

const MODULES = [
  { feature: 'page', outDir: join(here, 'pkg'), outName: 'llsd_providers' },
  { feature: 'image-check', outDir: join(here, 'pkg', 'image-check'), outName: 'image_check' },
];

if (!args.has('--skip-wasm')) {
  rmSync(join(here, 'pkg'), { recursive: true, force: true });
  for (const { feature, outDir, outName } of MODULES) {
    run(
      'wasm-pack',
      [
        'build',
        crate,
        '--target', 'web',
        '--out-dir', outDir,
        '--out-name', outName,
        '--no-typescript',
        '--no-pack',
        '--no-opt',
        '--profile', 'web',
        '--',
        '--locked',
        '--no-default-features',
        '--features', feature,
      ],
      // sha2's compact SHA-256 rounds (the provider hashes are a few short
      // strings): its unrolled ones were 2.5 KB of the gzipped page module.
      { env: { ...process.env, CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: '--cfg sha2_backend_soft="compact"' } },
    );
    // -O2 without inlining functions into their one caller, to a fixed
    // point, and strip names/debug sections. Measured on the page module
    // (gzip -9, zlib): -O1 257,710 B; -O2 287,952 B (one-caller inlining
    // shrinks the raw file and grows the gzipped one); -O2 -ocimfs=0
    // 254,644 B, with --converge 254,459 B; -Os/-Oz the same way 255-256 KB.
    const wasm = join(outDir, `${outName}_bg.wasm`);
    run(join(here, 'node_modules', '.bin', 'wasm-opt'), [...WASM_FEATURES, '-O2', '--one-caller-inline-max-function-size=0', '--converge', '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
    // wasm-bindgen's JavaScript, minified (the page loads it with the
    // module: 2,385 -> 1,608 B gzipped); its exports keep their names.
    const glue = join(outDir, `${outName}.js`);
    const { code } = await transform(readFileSync(glue, 'utf8'), { format: 'esm', minify: true, legalComments: 'none', target: TARGET });
    writeFileSync(glue, code);
  }
}

rmSync(join(here, 'dist'), { recursive: true, force: true });
mkdirSync(join(here, 'dist'));
// `import(...)` of dist/search.js, built below, left as it is.
const searchIsItsOwnBundle = {
  name: 'search-is-its-own-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/search\.js$/ }, () => ({ path: './search.js', external: true }));
  },
};
// What both bundles are built with.
const bundled = {
  bundle: true,
  format: 'esm',
  target: TARGET,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'info',
};
const app = await build({
  ...bundled,
  entryPoints: [join(here, 'src', 'app.js'), join(here, 'src', 'status-pod.js')],
  // dist/app.js and the chunks it imports when needed (dist/status-pod.js).
  splitting: true,
  outdir: join(here, 'dist'),
  // The examples are the repository's own files, inlined as text.
  loader: { '.yaml': 'text', '.json': 'text' },
  plugins: [searchIsItsOwnBundle],
  metafile: true,
});
// dist/search.js: @codemirror/search, fetched once the page is ready. Its
// CodeMirror state and view are dist/app.js's (src/search-imports.js): in
// the splitting build above, a dynamic import of it made esbuild move
// CodeMirror into a chunk of its own, one more file before the first result.
const codemirrorFromApp = {
  name: 'codemirror-from-app',
  setup(b) {
    b.onResolve({ filter: /^@codemirror\/(state|view)$/ }, () => ({ path: './app.js', external: true }));
  },
};
await build({
  ...bundled,
  entryPoints: [join(here, 'src', 'search.js')],
  outfile: join(here, 'dist', 'search.js'),
  plugins: [codemirrorFromApp],
});
const appExports = new Set(app.metafile.outputs[Object.keys(app.metafile.outputs).find((out) => out.endsWith('dist/app.js'))].exports);
const searchCode = readFileSync(join(here, 'dist', 'search.js'), 'utf8');
const missing = [...searchCode.matchAll(/import\s*\{([^}]*)\}\s*from\s*"\.\/app\.js"/g)]
  .flatMap(([, names]) => names.split(',').map((name) => name.trim().split(/\s+as\s+/)[0]))
  .filter((name) => name && !appExports.has(name));
if (!searchCode.includes('"./app.js"') || missing.length) {
  throw new Error(`dist/search.js imports from dist/app.js what it does not export: ${missing.join(', ') || 'no import found'} (src/search-imports.js)`);
}

const sizes = {};
for (const file of ['index.html', 'style.css', 'favicon.svg', 'sw.js', 'dist/app.js', 'dist/status-pod.js', 'dist/search.js', 'pkg/llsd_providers.js', 'pkg/llsd_providers_bg.wasm', 'pkg/image-check/image_check.js', 'pkg/image-check/image_check_bg.wasm']) {
  const bytes = readFileSync(join(here, file));
  sizes[file] = { bytes: statSync(join(here, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
}
writeFileSync(join(here, 'dist', 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
for (const [file, { bytes, gzip }] of Object.entries(sizes)) {
  console.log(`${file.padEnd(36)} ${String(bytes).padStart(9)} B  ${String(gzip).padStart(8)} B gzip`);
}
