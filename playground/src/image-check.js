// "Check a provider image": an OCI archive dropped on the page (or chosen)
// goes to the checkImage export as bytes; its findings are listed with
// their file, message and fix. checkImage lives in a wasm module of its own
// (pkg/image-check/), fetched when the first archive arrives.

import { call, loadImageCheck } from './core.js';

const $ = (id) => document.getElementById(id);

/** The archive last checked, so that a new Python re-checks it. */
let last = null;

function render(response) {
  const list = $('image-findings');
  list.replaceChildren();
  if (!response.ok && !response.report) {
    $('image-summary').textContent = response.errors.map((e) => `${e.problem} (${e.fix})`).join('; ');
    return;
  }
  const { report } = response;
  for (const f of report.findings) {
    const item = document.createElement('li');
    item.className = f.severity;
    const head = document.createElement('div');
    const place = [f.file || report.image, f.path, f.location ? `(line ${f.location.line}, column ${f.location.column})` : null]
      .filter(Boolean)
      .join(' ');
    head.textContent = `${f.severity.toUpperCase()} ${place}: ${f.problem}`;
    const fix = document.createElement('div');
    fix.className = 'fix';
    fix.textContent = `fix: ${f.fix}`;
    item.append(head, fix);
    list.append(item);
  }
  const lines = response.text.trimEnd().split('\n');
  $('image-summary').textContent = lines[lines.length - 1];
}

function check() {
  if (!last) return;
  const python = $('image-python').value.trim();
  render(call('checkImage', { image: last.name, python: python || null }, last.bytes));
}

async function load(file) {
  const archive = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  const zone = $('image-drop');
  zone.setAttribute('aria-busy', 'true');
  try {
    await loadImageCheck();
  } catch (error) {
    $('image-findings').replaceChildren();
    $('image-summary').textContent =
      `The image checker could not be loaded (${error?.message ?? error}): reload the page while online and drop the archive again.`;
    return;
  } finally {
    zone.removeAttribute('aria-busy');
  }
  last = archive;
  check();
}

export function setupImageCheck() {
  const zone = $('image-drop');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = event.dataTransfer?.files?.[0];
    if (file) load(file);
  });
  $('image-file').addEventListener('change', (event) => {
    const file = event.target.files?.[0];
    if (file) load(file);
  });
  $('image-python').addEventListener('change', check);
}
