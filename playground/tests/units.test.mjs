// Unit tests of the page's pure helpers (no browser).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines, hunks, unified } from '../src/diff.js';
import { encodeState, decodeState, toBase64Url, fromBase64Url } from '../src/share.js';

const sides = (diff) => ({
  before: diff.filter((l) => l.op !== '+').map((l) => l.text),
  after: diff.filter((l) => l.op !== '-').map((l) => l.text),
});

test('line diffs rebuild both sides and keep common lines', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 300; i += 1) {
    const a = Array.from({ length: Math.floor(random() * 12) }, () => 'abcd'[Math.floor(random() * 4)]);
    const b = Array.from({ length: Math.floor(random() * 12) }, () => 'abcd'[Math.floor(random() * 4)]);
    const diff = diffLines(a.map((l) => `${l}\n`).join(''), b.map((l) => `${l}\n`).join(''));
    assert.deepEqual(sides(diff), { before: a, after: b }, `${a} → ${b}`);
  }
  const diff = diffLines('a\nb\nc\n', 'a\nB\nc\n');
  assert.deepEqual(diff.map((l) => l.op + l.text), [' a', '-b', '+B', ' c']);
  assert.equal(hunks(diff, 0).length, 1);
  assert.equal(unified(diff, 'x', 'y'), '--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
  assert.deepEqual(diffLines('', ''), []);
});

test('share state round-trips through the URL fragment', async () => {
  const state = { v: 1, llsd: 'kind: LlamaStackDistribution\n# é ü ✓\n', specs: { a: 'x'.repeat(5000) } };
  const fragment = await encodeState(state);
  assert.match(fragment, /^s=[A-Za-z0-9_-]+$/);
  assert.ok(fragment.length < 400, `compressed: ${fragment.length}`);
  assert.deepEqual(await decodeState(`#${fragment}`), state);
  assert.equal(await decodeState('#s=garbage!!'), null);
  assert.equal(await decodeState('#other'), null);
  const bytes = new Uint8Array([0, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes);
});
