// The playground page: inputs in CodeMirror editors, results from the Rust
// core (pkg/, built from crates/web/ with wasm-pack), recomputed as you type.

import { loadCore, call, timings } from './core.js';
import { createEditor, loadSearch } from './editors.js';
import { diffLines, hunks, unified } from './diff.js';
import { encodeState, decodeState } from './share.js';
import { setupTabs } from './tabs.js';
import { setupImageCheck } from './image-check.js';
import { EXAMPLES, exampleState, DEFAULT_DEPLOYMENT, DEFAULT_RUN_YAML } from './examples.js';

// The page's CodeMirror bindings dist/search.js imports from this module
// (build.mjs builds it against them, and checks that each is exported).
export * from './search-imports.js';

const DEBOUNCE_MS = 200;
const $ = (id) => document.getElementById(id);

const INPUTS = ['llsd', 'runYaml', 'deployment', 'options', 'pod'];
const LABELS = {
  llsd: 'LLSD',
  runYaml: 'run.yaml',
  deployment: 'Deployment',
  options: 'Injection options',
  pod: 'Pod',
  request: 'Request',
  internal: 'Playground',
};

const editors = {}; // input name → editor
const specs = new Map(); // providerId → {editor, tab, panel, guess, image}
const stash = { byId: new Map(), byImage: new Map() }; // spec texts of providers no longer listed
let results = {};
let downloads = {};
let timer = null;
let firstResultMs = null;
let activeExample = null;
let inputTabs;
let outputTabs;
let specTabs;

function sourceLabel(source) {
  if (source?.startsWith('spec:')) return `spec ${source.slice(5)}`;
  return LABELS[source] ?? source;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// ---------------------------------------------------------------- inputs

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(recompute, DEBOUNCE_MS);
}

function edited() {
  if (activeExample) {
    activeExample = null;
    markExample();
  }
  schedule();
}

function createInputEditors() {
  const make = (name, label, language = 'yaml') => {
    editors[name] = lazyInput($(`editor-${name}`), { label, language, onChange: edited });
  };
  make('llsd', 'LLSD (YAML)');
  // The visible one shows its text as plain lines until its editor is built,
  // after the first result has been painted (main); the others are built
  // when first shown.
  editors.llsd.preview();
  make('runYaml', 'run.yaml (YAML)');
  make('deployment', 'Operator Deployment (YAML)');
  make('options', 'Injection options (YAML or JSON)');
  make('pod', 'Pod (JSON or YAML)', 'json');
  editors.outDeployment = lazyEditor($('output-deployment'), 'Injected Deployment (read-only)');
  editors.outExtra = lazyEditor($('output-extra'), 'extra-providers.yaml (read-only)');
  editors.outMerged = lazyEditor($('output-merged'), 'Merged run.yaml (read-only)');
}

/**
 * An input editor built when it is first shown (a faster first result):
 * until then it keeps its text and markers. `setText` does not call
 * onChange before the editor exists; callers recompute themselves.
 */
function lazyInput(host, options) {
  let editor = null;
  let text = '';
  let markers = [];
  let placeholder = null; // the text as plain lines until the editor exists
  const api = {
    get text() {
      return editor ? editor.text : text;
    },
    setText(next) {
      if (editor) editor.setText(next);
      else text = next;
      if (placeholder) placeholder.textContent = next;
    },
    preview() {
      if (editor || placeholder) return;
      placeholder = el('pre', { class: 'editor-placeholder', text });
      host.append(placeholder);
    },
    setMarkers(diagnostics) {
      markers = diagnostics;
      editor?.setMarkers(diagnostics);
    },
    markerLines() {
      return editor
        ? editor.markerLines()
        : markers.map((d) => ({ line: d.location?.line ?? 1, severity: d.severity === 'warning' ? 'warning' : 'error' }));
    },
    show() {
      if (!editor) {
        placeholder?.remove();
        placeholder = null;
        editor = createEditor(host, { ...options, text });
        editor.setMarkers(markers);
      }
      return editor;
    },
    reveal(line, column) {
      api.show().reveal(line, column);
    },
  };
  return api;
}

const INPUT_EDITORS = { 'tab-llsd': ['llsd'], 'tab-runYaml': ['runYaml'], 'tab-deployment': ['deployment'], 'tab-pod': ['pod'] };

function showSelectedSpec() {
  const tab = specTabs.selected();
  if (tab) specs.get(tab.dataset.provider)?.editor.show();
}

/** A read-only output editor, created when its tab is first shown (faster first result). */
function lazyEditor(host, label) {
  let editor = null;
  let text = '';
  return {
    get text() {
      return text;
    },
    get shown() {
      return editor !== null;
    },
    setText(next) {
      text = next;
      editor?.setText(next);
    },
    show() {
      editor ??= createEditor(host, { text, label, readOnly: true });
    },
  };
}

const OUTPUT_EDITORS = { 'tab-out-deployment': 'outDeployment', 'tab-out-extra': 'outExtra', 'tab-out-merged': 'outMerged' };

function specTabId(id) {
  return `spec-tab-${[...id].map((c) => (/[a-z0-9-]/i.test(c) ? c : `_${c.charCodeAt(0)}`)).join('')}`;
}

/** Makes the spec tabs follow the providers the LLSD names (CRD order). */
function syncSpecTabs(entries) {
  const wanted = [];
  for (const entry of entries) {
    if (!wanted.some((w) => w.providerId === entry.providerId)) wanted.push(entry);
  }
  for (const [id, spec] of specs) {
    if (!wanted.some((w) => w.providerId === id)) {
      stash.byId.set(id, spec.editor.text);
      if (spec.image) stash.byImage.set(spec.image, spec.editor.text);
      spec.tab.remove();
      spec.panel.remove();
      specs.delete(id);
    }
  }
  const tablist = $('spec-tabs');
  for (const entry of wanted) {
    let spec = specs.get(entry.providerId);
    if (!spec) {
      const text = stash.byId.get(entry.providerId) ?? stash.byImage.get(entry.image) ?? entry.defaultSpec;
      spec = createSpec(entry, text);
    }
    spec.guess = entry.defaultSpec;
    spec.image = entry.image;
    spec.tab.querySelector('small').textContent = entry.image || '(no image)';
    tablist.append(spec.tab); // keeps CRD order
  }
  $('specs-empty').hidden = wanted.length > 0;
  if (wanted.length && !specTabs.selected()) specTabs.select(specs.get(wanted[0].providerId).tab);
}

function createSpec(entry, text) {
  const id = entry.providerId;
  const tabId = specTabId(id);
  const tab = el(
    'button',
    { role: 'tab', id: tabId, 'aria-controls': `${tabId}-panel`, 'aria-selected': 'false', tabindex: '-1', 'data-provider': id },
    el('span', { class: 'name', text: id }),
    ' ',
    el('span', { class: 'badge', 'data-badge': `spec:${id}` }),
    el('small', { text: entry.image }),
  );
  const editorHost = el('div', { class: 'editor' });
  const problems = el('ul', { class: 'problems', 'aria-label': `Problems in the spec of ${id}` });
  const reset = el('button', {
    type: 'button',
    class: 'link',
    text: 'Replace with the guess from the LLSD entry',
    onclick: () => {
      const spec = specs.get(id);
      spec.editor.setText(spec.guess);
      edited();
    },
  });
  const panel = el(
    'div',
    { role: 'tabpanel', id: `${tabId}-panel`, 'aria-labelledby': tabId, hidden: true, 'data-provider': id },
    el('p', { class: 'hint' }, `lls-provider-spec.yaml of provider ${id}. `, reset),
    editorHost,
    problems,
  );
  $('spec-panels').append(panel);
  const editor = lazyInput(editorHost, { label: `lls-provider-spec.yaml of ${id} (YAML)`, onChange: edited });
  editor.setText(text);
  const spec = { editor, tab, panel, problems, guess: entry.defaultSpec, image: entry.image };
  specs.set(id, spec);
  return spec;
}

function specTexts() {
  return Object.fromEntries([...specs].map(([id, spec]) => [id, spec.editor.text]));
}

function inputEditor(source) {
  if (source?.startsWith('spec:')) return specs.get(source.slice(5))?.editor;
  return editors[source];
}

/** Shows the input a diagnostic is about and puts the cursor on it. */
function reveal(diagnostic) {
  const source = diagnostic.source;
  if (source?.startsWith('spec:')) {
    inputTabs.select('tab-specs');
    const spec = specs.get(source.slice(5));
    if (spec) specTabs.select(spec.tab);
  } else if (source === 'options') {
    inputTabs.select('tab-deployment');
    document.querySelector('details.options').open = true;
  } else if (INPUTS.includes(source)) {
    inputTabs.select(`tab-${source}`);
  }
  inputEditor(source)?.reveal(diagnostic.location?.line ?? 1, diagnostic.location?.column ?? 1);
}

// ---------------------------------------------------------------- compute

function currentState() {
  return {
    llsd: editors.llsd.text,
    specs: specTexts(),
    runYaml: editors.runYaml.text,
    deployment: editors.deployment.text,
    options: editors.options.text,
    pod: editors.pod.text,
  };
}

function recompute() {
  clearTimeout(timer);
  const started = performance.now();
  const state = currentState();
  const listed = call('providers', { llsd: state.llsd });
  syncSpecTabs(listed.providers ?? []);
  state.specs = specTexts();

  const validations = [call('validate', { text: state.llsd, file: 'llsd.yaml', source: 'llsd' })];
  for (const [id, text] of Object.entries(state.specs)) {
    validations.push(call('validate', { text, file: `${id}/lls-provider-spec.yaml`, source: `spec:${id}` }));
  }
  const inject = call('inject', { llsd: state.llsd, deployment: state.deployment, options: state.options });
  const merge = call('merge', { llsd: state.llsd, specs: state.specs, runYaml: state.runYaml, runYamlName: 'run.yaml' });
  const extra = call('extraProviders', { llsd: state.llsd, specs: state.specs });
  const status = call('status', { pod: state.pod, llsd: state.llsd });
  results = { providers: listed, validations, inject, merge, extra, status };

  const diagnostics = collectDiagnostics(results);
  results.diagnostics = diagnostics;
  showMarkers(diagnostics);
  renderValidation(diagnostics, validations);
  renderDeployment(inject);
  renderExtra(extra);
  renderMerge(merge, state.runYaml);
  renderStatus(status);
  announce(diagnostics, merge);
  saveToUrl(state);

  results.computeMs = performance.now() - started;
  if (firstResultMs === null) {
    firstResultMs = performance.now();
    performance.mark('llsd-playground:first-result');
  }
  document.body.dataset.computed = String(Number(document.body.dataset.computed ?? 0) + 1);
}

function collectDiagnostics({ validations, inject, merge, extra, status }) {
  const all = [];
  const seen = new Set();
  const add = (d, origin) => {
    const key = [d.source, d.location?.line, d.location?.column, d.path, d.problem].join('|');
    if (seen.has(key)) return;
    seen.add(key);
    all.push({ ...d, origin });
  };
  for (const v of validations) for (const d of v.diagnostics ?? v.errors ?? []) add(d, 'validation');
  for (const d of inject.errors ?? []) add(d, 'injection');
  for (const d of merge.errors ?? []) add(d, 'merge');
  for (const d of extra.errors ?? []) add(d, 'merge');
  for (const d of status.errors ?? []) add(d, 'status');
  return all;
}

function showMarkers(diagnostics) {
  const bySource = new Map();
  for (const d of diagnostics) {
    if (!bySource.has(d.source)) bySource.set(d.source, []);
    bySource.get(d.source).push(d);
  }
  const sources = [...INPUTS, ...[...specs.keys()].map((id) => `spec:${id}`)];
  for (const source of sources) {
    const list = bySource.get(source) ?? [];
    inputEditor(source)?.setMarkers(list);
    const host = source.startsWith('spec:') ? specs.get(source.slice(5))?.problems : $(`problems-${source}`);
    if (host) host.replaceChildren(...list.map((d) => problemItem(d, false)));
    setBadge(source, list);
  }
  const specProblems = diagnostics.filter((d) => d.source?.startsWith('spec:'));
  setBadge('specs', specProblems);
  setBadge('deployment', [...(bySource.get('deployment') ?? []), ...(bySource.get('options') ?? [])]);
}

function setBadge(name, list) {
  for (const badge of document.querySelectorAll(`[data-badge="${CSS.escape(name)}"]`)) {
    const errors = list.filter((d) => d.severity !== 'warning').length;
    const warnings = list.length - errors;
    badge.className = `badge ${errors ? 'error' : warnings ? 'warning' : ''}`;
    badge.textContent = errors ? String(errors) : warnings ? String(warnings) : '';
    badge.title = errors || warnings ? `${errors} error(s), ${warnings} warning(s)` : '';
  }
}

function problemItem(d, withSource) {
  const where = [
    withSource ? sourceLabel(d.source) : null,
    d.location ? `line ${d.location.line}, column ${d.location.column}` : null,
    d.path || null,
  ]
    .filter(Boolean)
    .join(' · ');
  const severity = d.severity === 'warning' ? 'warning' : 'error';
  return el(
    'li',
    { class: severity, 'data-source': d.source, 'data-line': d.location?.line ?? '' },
    el(
      'button',
      { type: 'button', onclick: () => reveal(d), 'aria-label': `${severity}: ${where}: ${d.problem}. Go to it.` },
      el('span', { class: 'where', text: `${severity.toUpperCase()} ${where}` }),
      el('span', { class: 'problem', text: d.problem }),
      d.fix ? el('span', { class: 'fix', text: `fix: ${d.fix}` }) : null,
    ),
  );
}

// ---------------------------------------------------------------- outputs

function renderValidation(diagnostics, validations) {
  const errors = diagnostics.filter((d) => d.severity !== 'warning').length;
  const warnings = diagnostics.length - errors;
  const summary = $('validation-summary');
  const files = validations.length;
  summary.className = `summary ${errors ? 'bad' : 'ok'}`;
  summary.textContent = errors || warnings
    ? `${errors} error(s), ${warnings} warning(s) across the inputs (${files} file(s) validated, plus injection, merge and status checks).`
    : `All inputs are valid (${files} file(s) validated; injection and merge succeeded).`;
  $('problems-all').replaceChildren(...diagnostics.map((d) => problemItem(d, true)));
  setBadge('out-validation', diagnostics);
  downloads.validation = {
    file: 'validation.json',
    type: 'application/json',
    text: `${JSON.stringify({ diagnostics, reports: validations.map((v) => v.report) }, null, 2)}\n`,
  };
}

function failureText(response) {
  if (response.failure?.message) return response.failure.message;
  const errors = response.errors ?? [];
  if (!errors.length) return 'No result.';
  return errors
    .map((d) => `${sourceLabel(d.source)}${d.location ? ` line ${d.location.line}` : ''}${d.path ? ` ${d.path}` : ''}: ${d.problem}`)
    .join('\n');
}

function showFailure(id, response, prefix = '') {
  const box = $(id);
  if (response.ok) {
    box.hidden = true;
    box.textContent = '';
  } else {
    box.hidden = false;
    box.textContent = prefix + failureText(response);
  }
}

function renderDiffInto(pre, diff, { context = 3 } = {}) {
  const parts = [];
  const groups = hunks(diff, context);
  if (!groups.length) {
    pre.replaceChildren(el('span', { class: 'line skip-lines', text: 'No changes.' }));
    return;
  }
  groups.forEach((hunk, i) => {
    if (i > 0 || hunk.oldStart > 1) parts.push(el('span', { class: 'line hunk', text: `@@ line ${hunk.newStart} @@` }));
    for (const line of hunk.lines) {
      const cls = line.op === '+' ? 'add' : line.op === '-' ? 'del' : 'ctx';
      parts.push(el('span', { class: `line ${cls}`, text: `${line.op} ${line.text}` }));
    }
  });
  pre.replaceChildren(...parts);
}

function renderDeployment(inject) {
  showFailure('deployment-failure', inject, 'The Deployment cannot be wired:\n');
  const tbody = $('deployment-changes').querySelector('tbody');
  if (!inject.ok) {
    tbody.replaceChildren();
    editors.outDeployment.setText('');
    $('deployment-diff').replaceChildren();
    setBadge('out-deployment', [{ severity: 'error' }]);
    delete downloads.deployment;
    delete downloads.deploymentDiff;
    return;
  }
  tbody.replaceChildren(
    ...inject.changes.map((c) =>
      el(
        'tr',
        { 'data-op': c.op, 'data-kind': c.kind, 'data-name': c.name },
        el('td', { class: `op-${c.op}`, text: c.op }),
        el('td', { text: c.kind }),
        el('td', { text: c.container }),
        el('td', { text: c.name }),
        el('td', { class: 'detail', text: c.detail }),
      ),
    ),
  );
  const diff = diffLines(inject.input, inject.deployment);
  renderDiffInto($('deployment-diff'), diff);
  editors.outDeployment.setText(inject.deployment);
  setBadge('out-deployment', []);
  downloads.deployment = { file: 'deployment.yaml', type: 'text/yaml', text: inject.deployment };
  downloads.deploymentDiff = { file: 'deployment.diff', type: 'text/x-diff', text: unified(diff, 'deployment.yaml (input)', 'deployment.yaml (injected)') };
}

function renderExtra(extra) {
  showFailure('extra-failure', extra);
  editors.outExtra.setText(extra.ok ? extra.text : '');
  setBadge('out-extra', extra.ok ? [] : [{ severity: 'error' }]);
  if (extra.ok) downloads.extra = { file: 'extra-providers.yaml', type: 'text/yaml', text: extra.text };
  else delete downloads.extra;
}

function renderMerge(merge, base) {
  const note = merge.llsdValid === false
    ? 'The LLSD has validation errors, so the policy would refuse it; this is what merge-config would do with it.\n\n'
    : '';
  showFailure('merged-failure', merge, note);
  const warnings = $('merge-warnings');
  warnings.replaceChildren(...(merge.warnings ?? []).map((w) => el('li', { text: w })));
  if (merge.ok && note) warnings.prepend(el('li', { text: note.trim() }));
  $('merge-log').textContent = merge.log ?? failureText(merge);
  downloads.log = { file: 'merge-log.txt', type: 'text/plain', text: merge.log ?? `${failureText(merge)}\n` };
  if (!merge.ok) {
    editors.outMerged.setText('');
    $('merged-diff').replaceChildren();
    setBadge('out-merged', [{ severity: 'error' }]);
    delete downloads.merged;
    delete downloads.mergedDiff;
    return;
  }
  const diff = diffLines(merge.base ?? '', merge.config);
  renderDiffInto($('merged-diff'), diff);
  editors.outMerged.setText(merge.config);
  setBadge('out-merged', (merge.warnings ?? []).map(() => ({ severity: 'warning' })));
  downloads.merged = { file: 'run.yaml', type: 'text/yaml', text: merge.config };
  downloads.mergedDiff = { file: 'run.yaml.diff', type: 'text/x-diff', text: unified(diff, 'run.yaml (base)', 'run.yaml (merged)') };
  void base;
}

function renderStatus(status) {
  const empty = status.empty === true;
  $('status-empty').hidden = !empty;
  $('status-result').hidden = empty || !status.ok;
  if (!status.ok) {
    setBadge('out-status', empty ? [] : [{ severity: 'error' }]);
    if (!empty) {
      $('status-empty').hidden = false;
      $('status-empty').textContent = `The pod cannot be read: ${failureText(status)}`;
    } else {
      $('status-empty').innerHTML = 'Paste a pod in the <em>Pod (status)</em> input, or open the <em>Image pull failure</em> example.';
    }
    delete downloads.status;
    return;
  }
  const report = status.report;
  const condition = report.condition;
  const cond = $('status-condition');
  cond.className = `condition ${condition.status === 'True' ? 'ok' : 'bad'}`;
  cond.textContent = `${condition.type}=${condition.status} (${condition.reason}): ${condition.message}`;
  $('status-stale').hidden = !report.stale;
  $('status-stale').textContent = report.stale ? `Stale pod: ${report.stale}` : '';
  // The rows are the core's (the CLI's table has the same ones).
  const rows = status.rows;
  $('status-table').querySelector('tbody').replaceChildren(
    ...rows.map((r) =>
      el(
        'tr',
        { 'data-provider': r.provider, 'data-phase': r.phase },
        el('td', { text: r.provider }),
        el('td', { text: r.container }),
        el('td', {}, el('span', { class: `phase phase-${r.phase}`, text: r.phase })),
        el('td', { text: String(r.restarts) }),
        el('td', { class: 'detail', text: r.image }),
        el('td', { class: 'message', text: r.message }),
      ),
    ),
  );
  $('status-text').textContent = status.table;
  const failed = rows.filter((r) => r.phase === 'Failed').length;
  setBadge('out-status', condition.status === 'True' ? [] : [{ severity: failed ? 'error' : 'warning' }]);
  downloads.status = { file: 'status.json', type: 'application/json', text: `${JSON.stringify(report, null, 2)}\n` };
}

function announce(diagnostics, merge) {
  const errors = diagnostics.filter((d) => d.severity !== 'warning').length;
  const warnings = diagnostics.length - errors + (merge.warnings?.length ?? 0);
  $('live').textContent = `Results updated: ${errors} error(s), ${warnings} warning(s).`;
}

function download(name) {
  const item = downloads[name];
  if (!item) {
    $('live').textContent = 'Nothing to download: this output has no result for the current inputs.';
    return;
  }
  const url = URL.createObjectURL(new Blob([item.text], { type: item.type }));
  const a = el('a', { href: url, download: item.file });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------------------------------------------------------------- state and sharing

function shareableState(state) {
  const out = { v: 1, llsd: state.llsd, specs: {} };
  for (const [id, text] of Object.entries(state.specs)) {
    if (text !== specs.get(id)?.guess) out.specs[id] = text;
  }
  if (state.runYaml !== DEFAULT_RUN_YAML) out.runYaml = state.runYaml;
  if (state.deployment !== DEFAULT_DEPLOYMENT) out.deployment = state.deployment;
  if (state.options) out.options = state.options;
  if (state.pod) out.pod = state.pod;
  return out;
}

let saving = Promise.resolve();
function saveToUrl(state) {
  const shared = shareableState(state);
  saving = saving
    .then(() => encodeState(shared))
    .then((fragment) => {
      const url = new URL(window.location.href);
      url.hash = fragment;
      history.replaceState(null, '', url);
      $('share-url').value = url.href;
    })
    .catch((error) => console.warn('cannot encode the state into the URL', error));
}

function applyState(state) {
  for (const spec of specs.values()) {
    spec.tab.remove();
    spec.panel.remove();
  }
  specs.clear();
  stash.byId = new Map(Object.entries(state.specs ?? {}));
  stash.byImage = new Map();
  editors.llsd.setText(state.llsd ?? '');
  editors.runYaml.setText(state.runYaml ?? DEFAULT_RUN_YAML);
  editors.deployment.setText(state.deployment ?? DEFAULT_DEPLOYMENT);
  editors.options.setText(state.options ?? '');
  editors.pod.setText(state.pod ?? '');
  if (state.options) document.querySelector('details.options').open = true;
  recompute();
}

/** Fetches the examples' parts that are chunks of their own (once). */
function loadExampleParts() {
  return Promise.all(
    EXAMPLES.filter((example) => example.loadPod).map((example) => {
      example.podLoaded ??= example.loadPod().then((pod) => {
        example.pod = pod;
      });
      return example.podLoaded;
    }),
  );
}

function loadExample(id) {
  const example = EXAMPLES.find((e) => e.id === id);
  if (!example) return;
  if (example.pod === null) {
    loadExampleParts().then(() => loadExample(id));
    return;
  }
  applyState(exampleState(example));
  activeExample = id;
  markExample();
  outputTabs.select(example.output === 'status' ? 'tab-out-status' : 'tab-out-validation');
}

function markExample() {
  for (const button of document.querySelectorAll('#examples button')) {
    button.setAttribute('aria-pressed', String(button.dataset.example === activeExample));
  }
}

function buildGallery() {
  $('examples').replaceChildren(
    ...EXAMPLES.map((example) =>
      el(
        'li',
        {},
        el(
          'button',
          { type: 'button', 'data-example': example.id, 'aria-pressed': 'false', onclick: () => loadExample(example.id) },
          el('strong', { text: example.title }),
          el('span', { text: example.description }),
        ),
      ),
    ),
  );
}

async function copyShareLink() {
  recompute();
  await saving;
  const input = $('share-url');
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    $('live').textContent = 'Share link copied to the clipboard.';
  } catch {
    $('live').textContent = 'Share link selected: copy it with Ctrl+C.';
  }
}

async function stateFromUrl() {
  const shared = await decodeState(window.location.hash);
  if (!shared) return null;
  return {
    llsd: shared.llsd ?? '',
    specs: shared.specs ?? {},
    runYaml: 'runYaml' in shared ? shared.runYaml : DEFAULT_RUN_YAML,
    deployment: shared.deployment ?? DEFAULT_DEPLOYMENT,
    options: shared.options ?? '',
    pod: shared.pod ?? '',
  };
}

// ---------------------------------------------------------------- start

function registerServiceWorker() {
  const offline = $('offline');
  if (!('serviceWorker' in navigator)) {
    offline.textContent = 'no offline cache in this browser';
    return;
  }
  navigator.serviceWorker
    .register(new URL('../sw.js', import.meta.url), { scope: new URL('../', import.meta.url).pathname })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      offline.textContent = 'works offline once loaded';
    })
    .catch((error) => {
      offline.textContent = 'offline cache unavailable';
      console.warn('service worker registration failed', error);
    });
}

async function main() {
  // Fetch and compile the core while the editors are built.
  const core = loadCore();
  inputTabs = setupTabs($('input-tabs'), {
    onSelect: (tab) => {
      for (const name of INPUT_EDITORS[tab.id] ?? []) editors[name].show();
      if (tab.id === 'tab-specs') showSelectedSpec();
    },
  });
  outputTabs = setupTabs($('output-tabs'), { onSelect: (tab) => editors[OUTPUT_EDITORS[tab.id]]?.show() });
  specTabs = setupTabs($('spec-tabs'), {
    onSelect: () => {
      if (inputTabs.selected()?.id === 'tab-specs') showSelectedSpec();
    },
  });
  document.querySelector('details.options').addEventListener('toggle', (event) => {
    if (event.target.open) editors.options.show();
  });
  buildGallery();
  createInputEditors();
  for (const button of document.querySelectorAll('[data-download]')) {
    button.addEventListener('click', () => download(button.dataset.download));
  }
  $('share').addEventListener('click', copyShareLink);
  setupImageCheck();
  $('reset-deployment').addEventListener('click', () => {
    editors.deployment.setText(DEFAULT_DEPLOYMENT);
    edited();
  });
  window.addEventListener('hashchange', async () => {
    const state = await stateFromUrl();
    if (state && JSON.stringify(shareableState(currentState())) !== JSON.stringify(shareableState(state))) applyState(state);
  });

  performance.mark('llsd-playground:editors-ready');
  const { version } = await core;
  performance.mark('llsd-playground:core-loaded');
  $('version').textContent = `llsd-providers ${version} (wasm)`;
  const fromUrl = await stateFromUrl();
  if (fromUrl) applyState(fromUrl);
  else loadExample('single');
  // Let the results paint, then build the visible input editor.
  await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted)));
  if (inputTabs.selected()?.id === 'tab-llsd') editors.llsd.show();
  document.body.dataset.ready = 'true';
  loadExampleParts().catch((error) => console.warn('cannot load the status example', error));
  loadSearch().catch((error) => console.warn('cannot load the search', error));
  registerServiceWorker();
}

window.__playground = {
  ready: null,
  get firstResultMs() {
    return firstResultMs;
  },
  get results() {
    return results;
  },
  state: () => currentState(),
  /** The text of an output editor by its host id (output-merged, …). */
  output: (id) => editors[{ 'output-deployment': 'outDeployment', 'output-extra': 'outExtra', 'output-merged': 'outMerged' }[id]]?.text,
  markers: (source) => inputEditor(source)?.markerLines() ?? [],
  setInput: (source, text) => {
    inputEditor(source)?.setText(text);
    recompute();
  },
  loadExample,
  examples: EXAMPLES.map((e) => e.id),
  timings,
};
window.__playground.ready = main().catch((error) => {
  console.error('the playground failed to start', error);
  $('version').textContent = `failed to start: ${error.message}`;
  throw error;
});
