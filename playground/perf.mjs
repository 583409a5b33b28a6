// Playground performance: wasm size gzipped, page weight gzipped (every
// file the page fetches), and time from navigation to the first result in
// headless chromium (median of 5 cold loads, each with a fresh profile, and
// of 5 warm reloads). Prints a table; `--json` prints JSON.
//
//   node perf.mjs [--runs 5] [--json]      (after make playground)

import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer } from './serve.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from './tests/browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const GOALS = { wasmGzip: 300 * 1024, pageGzip: 600 * 1024, firstResultMs: 500 };

const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const server = await startServer({ root: here });
const cold = [];
const warm = [];
let fetched = new Map();
try {
  for (let run = 0; run < runs; run += 1) {
    const profile = mkdtempSync(join(tmpdir(), 'llsd-perf-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await context.newPage();
      const files = new Map();
      page.on('response', async (response) => {
        const url = new URL(response.url());
        if (url.origin !== new URL(server.url).origin || response.request().method() !== 'GET') return;
        try {
          files.set(url.pathname, await response.body());
        } catch {
          // redirects and aborted requests have no body
        }
      });
      const firstResult = async () => {
        await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
        return page.evaluate(() => performance.getEntriesByName('llsd-playground:first-result')[0].startTime);
      };
      await page.goto(server.url);
      cold.push(await firstResult());
      await page.evaluate(() => navigator.serviceWorker.ready);
      if (run === 0) fetched = files;
      await page.reload();
      warm.push(await firstResult());
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
} finally {
  await server.close();
}

const wasm = readFileSync(join(here, 'pkg', 'llsd_providers_bg.wasm'));
// check-image's module, fetched only when an archive is dropped: not part
// of the page weight, reported beside it.
const imageCheckWasm = readFileSync(join(here, 'pkg', 'image-check', 'image_check_bg.wasm'));
const page = [...fetched].map(([path, body]) => ({ path, bytes: body.length, gzip: gzipSize(body) }));
const result = {
  wasmBytes: wasm.length,
  wasmGzip: gzipSize(wasm),
  imageCheckWasmBytes: imageCheckWasm.length,
  imageCheckWasmGzip: gzipSize(imageCheckWasm),
  pageBytes: page.reduce((sum, f) => sum + f.bytes, 0),
  pageGzip: page.reduce((sum, f) => sum + f.gzip, 0),
  files: page,
  firstResultMs: Math.round(median(cold)),
  firstResultWarmMs: Math.round(median(warm)),
  coldRunsMs: cold.map(Math.round),
  warmRunsMs: warm.map(Math.round),
  goals: GOALS,
};

if (args.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const verdict = (value, goal) => (value <= goal ? 'meets' : 'OVER');
  console.log('file                               bytes        gzip');
  for (const f of page) console.log(`${f.path.padEnd(30)} ${String(f.bytes).padStart(10)}  ${String(f.gzip).padStart(10)}`);
  console.log('');
  console.log(`wasm, gzipped:                ${kb(result.wasmGzip)} (${kb(result.wasmBytes)} raw)  goal ${kb(GOALS.wasmGzip)}: ${verdict(result.wasmGzip, GOALS.wasmGzip)}`);
  console.log(`check-image wasm, gzipped:    ${kb(result.imageCheckWasmGzip)} (${kb(result.imageCheckWasmBytes)} raw), fetched when an archive is dropped`);
  console.log(`whole page, gzipped:          ${kb(result.pageGzip)} (${kb(result.pageBytes)} raw)  goal ${kb(GOALS.pageGzip)}: ${verdict(result.pageGzip, GOALS.pageGzip)}`);
  console.log(`navigation → first result:    ${result.firstResultMs} ms median of ${runs} cold loads ${JSON.stringify(result.coldRunsMs)}  goal ${GOALS.firstResultMs} ms: ${verdict(result.firstResultMs, GOALS.firstResultMs)}`);
  console.log(`  warm (cached) reloads:      ${result.firstResultWarmMs} ms median ${JSON.stringify(result.warmRunsMs)}`);
}
