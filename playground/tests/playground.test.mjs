// Browser tests: the built playground (make playground) in Debian's
// chromium through playwright-core. Run: make test-playground, or
// `node --test tests/` in playground/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openPage } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, '..', 'test-results');
mkdirSync(RESULTS, { recursive: true });

if (!existsSync(join(here, '..', 'pkg', 'llsd_providers_bg.wasm')) || !existsSync(join(here, '..', 'dist', 'app.js'))) {
  throw new Error('the playground is not built: run `make playground` first');
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function withPage(fn, url = browser.url) {
  const { page, problems } = await openPage(browser.context, url);
  try {
    await fn(page);
    assert.deepEqual(problems, [], 'no console errors or page errors');
  } finally {
    await page.close();
  }
}

const shot = (page, name) => page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });

/** Lines carrying a lint marker in the visible editor inside `selector`, read from the gutters. */
function gutterMarkerLines(page, selector) {
  return page.evaluate((sel) => {
    const host = document.querySelector(sel);
    const editor = host?.querySelector('.cm-editor');
    if (!editor) return null;
    const lineAt = (top) => {
      for (const el of editor.querySelectorAll('.cm-lineNumbers .cm-gutterElement')) {
        if (Math.abs(el.getBoundingClientRect().top - top) < 2 && /^\d+$/.test(el.textContent)) return Number(el.textContent);
      }
      return null;
    };
    return [...editor.querySelectorAll('.cm-gutter-lint .cm-gutterElement')]
      .filter((el) => el.querySelector('.cm-lint-marker'))
      .map((el) => ({
        line: lineAt(el.getBoundingClientRect().top),
        severity: el.querySelector('.cm-lint-marker-error') ? 'error' : 'warning',
      }));
  }, selector);
}

async function loadExample(page, id) {
  await page.click(`#examples button[data-example="${id}"]`);
  assert.equal(await page.getAttribute(`#examples button[data-example="${id}"]`, 'aria-pressed'), 'true');
}

async function selectTab(page, id) {
  await page.click(`#${id}`);
  assert.equal(await page.getAttribute(`#${id}`, 'aria-selected'), 'true');
}

const text = (page, selector) => page.locator(selector).innerText();
/** The full text of an output editor, after checking that it shows its first line. */
async function editorText(page, selector) {
  const full = await page.evaluate((id) => window.__playground.output(id), selector.slice(1));
  const shown = await page.evaluate((sel) => document.querySelector(`${sel} .cm-content`)?.innerText ?? '', selector);
  assert.equal(shown.split('\n')[0], full.split('\n')[0], `${selector} shows its text`);
  return full;
}
const results = (page) => page.evaluate(() => window.__playground.results);
const specTabIds = (page) => page.$$eval('#spec-tabs [role="tab"]', (tabs) => tabs.map((t) => t.dataset.provider));

/** Clicks the first listed problem of `source` and checks the gutter marker and the cursor line. */
async function assertMarkerAt(page, source, line, severity = 'error') {
  const item = page.locator(`#problems-all li[data-source="${source}"][data-line="${line}"] button`).first();
  await item.click();
  const host = source.startsWith('spec:') ? `#spec-panels [data-provider="${source.slice(5)}"]` : `#editor-${source}`;
  // Let CodeMirror measure and draw the newly shown editor.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const markers = await gutterMarkerLines(page, host);
  assert.ok(
    markers.some((m) => m.line === line && m.severity === severity),
    `a ${severity} marker on line ${line} of ${source}: ${JSON.stringify(markers)}`,
  );
  const api = await page.evaluate((s) => window.__playground.markers(s), source);
  assert.ok(api.some((m) => m.line === line), JSON.stringify(api));
  const cursorLine = await page.evaluate((sel) => {
    const active = document.querySelector(`${sel} .cm-activeLineGutter`);
    return active ? Number(active.textContent) : null;
  }, host);
  assert.equal(cursorLine, line, 'the problem list moves the cursor to the marker');
}

test('the page loads the core and shows the default example', async () => {
  await withPage(async (page) => {
    assert.match(await text(page, '#version'), /^llsd-providers \d+\.\d+\.\d+ \(wasm\)$/);
    assert.match(await text(page, '#validation-summary'), /All inputs are valid/);
    assert.deepEqual(await specTabIds(page), ['custom-vllm']);
    assert.equal(await page.getAttribute('#examples button[data-example="single"]', 'aria-pressed'), 'true');
    // Every editor and control has an accessible name.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('.cm-content, button, input')]
        .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() || el.labels?.length))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
    await shot(page, 'default');
  });
});

const EXAMPLES = {
  single: async (page) => {
    const r = await results(page);
    assert.equal(r.diagnostics.length, 0);
    await selectTab(page, 'tab-out-deployment');
    const rows = await page.$$eval('#deployment-changes tbody tr', (trs) => trs.map((tr) => `${tr.dataset.op} ${tr.dataset.kind} ${tr.dataset.name}`));
    for (const expected of [
      'added initContainer install-provider-custom-vllm',
      'added initContainer merge-config',
      'added volume llsd-external-providers',
      'added volume llsd-merged-config',
      'added env PYTHONPATH',
      'changed volumeMount /etc/llama-stack/',
    ]) {
      assert.ok(rows.includes(expected), `${expected} in ${JSON.stringify(rows)}`);
    }
    assert.match(await editorText(page, '#output-deployment'), /name: install-provider-custom-vllm/);
    await selectTab(page, 'tab-out-extra');
    assert.match(await editorText(page, '#output-extra'), /provider_id: custom-vllm[\s\S]*module: custom_vllm/);
    await selectTab(page, 'tab-out-merged');
    const diff = await text(page, '#merged-diff');
    assert.match(diff, /\+ +- provider_id: custom-vllm/);
    assert.match(diff, /\+ +module: custom_vllm/);
    assert.equal(await page.locator('#merge-warnings li').count(), 0);
    await selectTab(page, 'tab-out-log');
    assert.match(await text(page, '#merge-log'), /merge-config: done, 0 warning\(s\)/);
  },
  multi: async (page) => {
    assert.deepEqual(await specTabIds(page), ['custom-vllm', 'ramalama', 'pgvector-ext', 'lmeval']);
    const r = await results(page);
    assert.equal(r.diagnostics.filter((d) => d.severity === 'error').length, 0);
    await selectTab(page, 'tab-out-extra');
    const extra = await editorText(page, '#output-extra');
    const order = ['custom-vllm', 'ramalama', 'pgvector-ext', 'lmeval'].map((id) => extra.indexOf(`provider_id: ${id}`));
    assert.ok(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1])), `CRD order in ${extra}`);
    await selectTab(page, 'tab-out-merged');
    const merged = await editorText(page, '#output-merged');
    assert.match(merged, /vector_io:/);
    assert.match(merged, /eval:/);
  },
  override: async (page) => {
    await selectTab(page, 'tab-out-merged');
    const warnings = await page.locator('#merge-warnings li').allInnerTexts();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^WARNING: External provider 'ollama' overrides base provider in API 'inference'\n +Base type: remote::ollama\n +External type: remote::ollama-patched/);
    assert.equal(await page.getAttribute('[data-badge="out-merged"]', 'class'), 'badge warning');
    const diff = await text(page, '#merged-diff');
    assert.match(diff, /- +- provider_id: \$\{env\.ENABLE_OLLAMA:\+ollama\}/);
    assert.match(diff, /\+ +module: ollama_patched/);
  },
  'api-mismatch': async (page) => {
    await selectTab(page, 'tab-out-merged');
    assert.match(await text(page, '#merged-failure'), /ERROR: Provider API type mismatch\n\nProvider 'pgvector-ext' \(image: registry\.example\.com\/llama-providers\/pgvector-ext:2\.1\.0\)\ndeclares api=vector_io in lls-provider-spec\.yaml\nbut is placed under externalProviders\.inference/);
    await selectTab(page, 'tab-out-validation');
    await assertMarkerAt(page, 'llsd', 16);
    await assertMarkerAt(page, 'spec:pgvector-ext', 7);
  },
  'duplicate-ids': async (page) => {
    assert.deepEqual(await specTabIds(page), ['shared']);
    await assertMarkerAt(page, 'llsd', 15);
    assert.match(await text(page, '#problems-all'), /'shared' is used twice/);
    await selectTab(page, 'tab-out-merged');
    assert.match(await text(page, '#merged-failure'), /ERROR: Duplicate external provider id[\s\S]*image registry\.example\.com\/llama-providers\/custom-vllm:1\.0\.0 \(externalProviders\.inference\)[\s\S]*image registry\.example\.com\/llama-providers\/pgvector-ext:2\.1\.0 \(externalProviders\.vectorIo\)/);
  },
  'no-user-config': async (page) => {
    const r = await results(page);
    assert.ok(!r.diagnostics.some((x) => x.severity === 'error'), JSON.stringify(r.diagnostics));
    await selectTab(page, 'tab-out-deployment');
    const rows = await page.$$eval('#deployment-changes tbody tr', (trs) => trs.map((tr) => `${tr.dataset.op} ${tr.dataset.kind} ${tr.dataset.name}`));
    for (const expected of [
      'added initContainer merge-config',
      'added volume llsd-merged-config',
      'added env RUN_CONFIG_PATH',
      'added volumeMount /opt/llama-stack/config',
    ]) {
      assert.ok(rows.includes(expected), `${expected} in ${JSON.stringify(rows)}`);
    }
  },
  'image-pull-failure': async (page) => {
    assert.equal(await page.getAttribute('#tab-out-status', 'aria-selected'), 'true');
    const rows = await page.$$eval('#status-table tbody tr', (trs) => trs.map((tr) => ({ provider: tr.dataset.provider, phase: tr.dataset.phase, message: tr.querySelector('.message').textContent })));
    const failed = rows.filter((r) => r.phase === 'Failed');
    assert.equal(failed.length, 1, JSON.stringify(rows));
    assert.match(failed[0].message, /^Failed to pull provider image /);
    assert.match(await text(page, '#status-condition'), /^ExternalProvidersReady=False \(ImagePullFailed\)/);
    assert.match(await page.locator('#status-text').textContent(), /PROVIDER +INIT CONTAINER +PHASE/);
  },
};

test('every example gives its documented outcome', async (t) => {
  await withPage(async (page) => {
    const ids = await page.evaluate(() => window.__playground.examples);
    assert.deepEqual(ids.sort(), Object.keys(EXAMPLES).sort(), 'each example has a check');
    for (const id of Object.keys(EXAMPLES)) {
      await t.test(id, async () => {
        await loadExample(page, id);
        await EXAMPLES[id](page);
        await shot(page, `example-${id}`);
      });
    }
  });
});

test('editing an input updates the outputs, and a share link restores the state', async () => {
  let link;
  let state;
  let merged;
  await withPage(async (page) => {
    await loadExample(page, 'single');
    const before = Number(await page.evaluate(() => document.body.dataset.computed));
    // Type a second provider at the end of the LLSD, as a user would.
    await page.click('#editor-llsd .cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n      - providerId: extra-one\n        image: registry.example.com/x/extra-one:1.0.0');
    await page.waitForFunction((n) => Number(document.body.dataset.computed) > n, before);
    assert.equal(await page.getAttribute('#examples button[data-example="single"]', 'aria-pressed'), 'false');
    assert.deepEqual(await specTabIds(page), ['custom-vllm', 'extra-one']);
    await selectTab(page, 'tab-out-merged');
    merged = await editorText(page, '#output-merged');
    assert.match(merged, /provider_id: extra-one/);
    await selectTab(page, 'tab-out-deployment');
    assert.ok(await page.locator('#deployment-changes tr[data-name="install-provider-extra-one"]').count());
    // Break the run.yaml: the merge fails with a marker on the line.
    await selectTab(page, 'tab-runYaml');
    const runYaml = await page.evaluate(() => window.__playground.state().runYaml);
    await page.evaluate((t) => window.__playground.setInput('runYaml', t), `${runYaml}providers: [\n`);
    assert.match(await text(page, '#merged-failure'), /ERROR: Cannot merge into the base config/);
    await page.evaluate((t) => window.__playground.setInput('runYaml', t), runYaml);
    await page.click('#share');
    await page.waitForFunction(() => /^Share link (copied|selected)/.test(document.getElementById('live').textContent));
    link = await page.inputValue('#share-url');
    state = await page.evaluate(() => window.__playground.state());
    await shot(page, 'edited');
  });
  assert.match(link, /#s=[A-Za-z0-9_-]+$/);
  await withPage(async (page) => {
    assert.deepEqual(await page.evaluate(() => window.__playground.state()), state);
    await selectTab(page, 'tab-out-merged');
    assert.equal(await editorText(page, '#output-merged'), merged);
  }, link);
});

test('broken inputs come back as markers, never as exceptions', async () => {
  await withPage(async (page) => {
    for (const [source, broken] of [
      ['llsd', 'a: ['],
      ['llsd', ''],
      ['llsd', '- just\n- a list'],
      ['deployment', 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers: many\n'],
      ['options', 'runAsUser: root'],
      ['runYaml', 'providers: 3\n'],
      ['pod', '{"spec": ['],
    ]) {
      await loadExample(page, 'single');
      await page.evaluate(([s, t]) => window.__playground.setInput(s, t), [source, broken]);
      const r = await results(page);
      assert.ok(r.diagnostics.some((d) => d.source === source), `${source}: ${JSON.stringify(r.diagnostics)}`);
      assert.ok(!r.diagnostics.some((d) => d.source === 'internal'), JSON.stringify(r.diagnostics));
    }
    await loadExample(page, 'single');
    // a field the injection reads, with the wrong type: marked on its line
    await page.evaluate(() => window.__playground.setInput('deployment', 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers: many\n'));
    const lines = await page.evaluate(() => window.__playground.markers('deployment'));
    assert.deepEqual(lines.map((l) => l.line), [5]);
  });
});

test('the installMode option switches the injection to image volumes', async () => {
  await withPage(async (page) => {
    await loadExample(page, 'multi');
    const added = async (kind) => (await results(page)).inject.changes
      .filter((c) => c.op === 'added' && c.kind === kind)
      .map((c) => c.name);
    assert.deepEqual(await added('initContainer'), [
      'stage-installer', 'install-provider-custom-vllm', 'install-provider-ramalama',
      'install-provider-pgvector-ext', 'install-provider-lmeval', 'merge-config',
    ]);
    await page.evaluate(() => window.__playground.setInput('options', 'installMode: imageVolume\n'));
    await page.waitForFunction(() => window.__playground.results.inject?.changes?.some((c) => c.name === 'llsd-tools'));
    assert.deepEqual(await added('initContainer'), ['merge-config']);
    const volumes = await added('volume');
    for (const id of ['custom-vllm', 'ramalama', 'pgvector-ext', 'lmeval']) {
      assert.ok(volumes.includes(`llsd-provider-${id}`), JSON.stringify(volumes));
    }
    const deployment = (await results(page)).inject.deployment;
    assert.match(deployment, /- image:\n\s+pullPolicy: \w+\n\s+reference: registry\.example\.com\/llama-providers\/custom-vllm:1\.0\.0\n\s+name: llsd-provider-custom-vllm\n/);
    await page.evaluate(() => window.__playground.setInput('options', 'installMode: sideways\n'));
    await page.waitForFunction(() => window.__playground.results.diagnostics?.some((d) => d.source === 'options'));
  });
});

test('downloads carry the outputs', async () => {
  await withPage(async (page) => {
    await loadExample(page, 'override');
    await selectTab(page, 'tab-out-merged');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="merged"]')]);
    assert.equal(download.suggestedFilename(), 'run.yaml');
    const body = readFileSync(await download.path(), 'utf8');
    const r = await results(page);
    assert.equal(body, r.merge.config);
    await selectTab(page, 'tab-out-extra');
    const [extra] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="extra"]')]);
    assert.equal(extra.suggestedFilename(), 'extra-providers.yaml');
  });
});

test('tabs work from the keyboard', async () => {
  await withPage(async (page) => {
    await page.focus('#tab-llsd');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-specs', 'aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-specs');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#tab-pod', 'aria-selected'), 'true');
    assert.equal(await page.isHidden('#panel-llsd'), true);
    // Tab leaves an editor (CodeMirror does not trap it).
    await page.click('#tab-llsd');
    await page.click('#editor-llsd .cm-content');
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement.classList.contains('cm-content')), true);
  });
});

test('search: Ctrl+F opens the panel, also pressed before dist/search.js has arrived; selections mark their matches', async () => {
  // dist/search.js is held back until the key has been pressed.
  let release;
  const arrived = new Promise((resolve) => {
    release = resolve;
  });
  const held = (route) => arrived.then(() => route.continue());
  await browser.context.route('**/dist/search.js', held);
  try {
    await withPage(async (page) => {
      await page.click('#editor-llsd .cm-content');
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Control+f');
      assert.equal(await page.locator('#editor-llsd .cm-search').count(), 0, 'the search is not there yet');
      release();
      await page.waitForSelector('#editor-llsd .cm-search input[name="search"]');
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('name')), 'search');
      await page.keyboard.type('vllm');
      await page.keyboard.press('Enter');
      assert.equal(await text(page, '#editor-llsd .cm-searchMatch-selected'), 'vllm');
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('#editor-llsd .cm-search').count(), 0, 'Escape closes the panel');
      // The selected `vllm` marks the other ones.
      const matches = await page.locator('#editor-llsd .cm-selectionMatch').allInnerTexts();
      assert.ok(matches.length >= 3, `${matches.length} selection matches`);
      assert.ok(matches.every((m) => m === 'vllm'), matches.join(', '));
    });
  } finally {
    release();
    await browser.context.unroute('**/dist/search.js', held);
  }
});

test('dark mode follows the system', async () => {
  await withPage(async (page) => {
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(light, dark);
    await loadExample(page, 'override');
    await selectTab(page, 'tab-out-merged');
    await shot(page, 'dark');
  });
});

test('the page works offline once loaded', async () => {
  await withPage(async (page) => {
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await browser.context.setOffline(true);
    try {
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      assert.match(await text(page, '#version'), /\(wasm\)$/);
      await loadExample(page, 'multi');
      assert.deepEqual(await specTabIds(page), ['custom-vllm', 'ramalama', 'pgvector-ext', 'lmeval']);
    } finally {
      await browser.context.setOffline(false);
    }
  });
});

test('README screenshot (UPDATE_SCREENSHOT=1 rewrites playground/screenshot.png)', { skip: !process.env.UPDATE_SCREENSHOT }, async () => {
  await withPage(async (page) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await loadExample(page, 'override');
    await selectTab(page, 'tab-out-merged');
    await page.screenshot({ path: join(here, '..', 'screenshot.png') });
  });
});

/** A small OCI archive made with Python's tarfile and zipfile: a provider
 * image whose helper wheel is root-only (mode 0600). */
function providerArchive() {
  const script = String.raw`
import hashlib, io, json, sys, tarfile, zipfile
def wheel(name, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files: z.writestr(f, "# module\n")
        z.writestr(name + "-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name)
    return buf.getvalue()
spec = b"""apiVersion: llamastack.io/v1alpha1
kind: ProviderPackage
metadata: {name: acme, version: 1.0.0, vendor: Acme}
spec:
  packageName: acme
  providerType: remote::acme
  api: inference
  wheelPath: packages/acme-1.0-py3-none-any.whl
  dependencyWheels: [packages/helper-1.0-py3-none-any.whl]
"""
def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name); info.mode = mode
            if data is None: info.type = tarfile.DIRTYPE; t.addfile(info)
            else: info.size = len(data); t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
layer = tar([("lls-provider", None, 0o755), ("lls-provider/packages", None, 0o755),
             ("lls-provider/lls-provider-spec.yaml", spec, 0o644),
             ("lls-provider/packages/acme-1.0-py3-none-any.whl", wheel("acme", ["acme/__init__.py"]), 0o644),
             ("lls-provider/packages/helper-1.0-py3-none-any.whl", wheel("helper", ["helper.py"]), 0o600)])
sha = lambda b: hashlib.sha256(b).hexdigest()
config = b'{"architecture":"amd64","os":"linux"}'
manifest = json.dumps({"schemaVersion": 2, "config": {"digest": "sha256:" + sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + sha(layer), "size": len(layer)}]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": "sha256:" + sha(manifest), "size": len(manifest)}]}).encode()
out = io.BytesIO()
with tarfile.open(fileobj=out, mode="w") as t:
    for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)] + \
            [("blobs/sha256/" + sha(b), b) for b in (config, manifest, layer)]:
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
sys.stdout.buffer.write(out.getvalue())
`;
  const result = spawnSync(process.env.PYTHON ?? 'python3', ['-c', script], { maxBuffer: 1 << 24 });
  assert.equal(result.status, 0, String(result.stderr));
  return result.stdout;
}

test('an OCI archive dropped on the page is checked, each finding with its file and fix', async () => {
  const archive = [...providerArchive()];
  await withPage(async (page) => {
    // check-image is a wasm module of its own, fetched on the first drop only.
    const imageCheckFetches = () =>
      page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.includes('/pkg/image-check/')));
    assert.deepEqual(await imageCheckFetches(), [], 'the page loads without the check-image module');
    await page.evaluate((bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'provider.oci.tar'));
      document.getElementById('image-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, archive);
    await page.waitForFunction(() => document.getElementById('image-summary').textContent !== '');
    assert.equal(
      await text(page, '#image-summary'),
      'provider.oci.tar: does not pass the provider image contract; 1 error(s), 0 warning(s)',
    );
    assert.deepEqual((await imageCheckFetches()).sort(), ['/pkg/image-check/image_check.js', '/pkg/image-check/image_check_bg.wasm']);
    const findings = await page.$$eval('#image-findings li', (items) => items.map((li) => li.textContent));
    assert.equal(findings.length, 1);
    assert.match(
      findings[0],
      /^ERROR \/lls-provider\/packages\/helper-1\.0-py3-none-any\.whl: has mode 0600 and is owned by 0:0, so a non-root UID that does not own it .*fix: make it world-readable/,
    );
    // A Python the wheels do not fit: the same archive is checked again.
    await page.fill('#image-python', '2.7');
    await page.dispatchEvent('#image-python', 'change');
    await page.waitForFunction(() => document.getElementById('image-summary').textContent.includes('--python'));
    await shot(page, 'image-check');
  });
});
