// Line diff (Myers' O(ND) algorithm) for showing what the merge and the
// injection changed. Returns [{op: ' ' | '+' | '-', text}] in order.

export function diffLines(before, after) {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common prefix and suffix first: outputs differ from inputs in a few places.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  return [
    ...a.slice(0, start).map((text) => ({ op: ' ', text })),
    ...middle,
    ...a.slice(endA).map((text) => ({ op: ' ', text })),
  ];
}

function splitLines(text) {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function myers(a, b) {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: '+', text }));
  if (m === 0) return a.map((text) => ({ op: '-', text }));
  const max = n + m;
  const offset = max;
  let v = new Int32Array(2 * max + 2);
  const trace = [];
  for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) {
        x = v[offset + k + 1];
      } else {
        x = v[offset + k - 1] + 1;
      }
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, v, a, b, d, offset);
    }
  }
  return [];
}

function backtrack(trace, last, a, b, depth, offset) {
  const out = [];
  let x = a.length;
  let y = b.length;
  for (let d = depth; d > 0; d -= 1) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: ' ', text: a[x - 1] });
      x -= 1;
      y -= 1;
    }
    if (x === prevX) {
      out.push({ op: '+', text: b[y - 1] });
      y -= 1;
    } else {
      out.push({ op: '-', text: a[x - 1] });
      x -= 1;
    }
  }
  while (x > 0 && y > 0) {
    out.push({ op: ' ', text: a[x - 1] });
    x -= 1;
    y -= 1;
  }
  return out.reverse();
}

/** Groups a diff into hunks with `context` unchanged lines around changes. */
export function hunks(diff, context = 3) {
  const changed = diff.map((line) => line.op !== ' ');
  const keep = diff.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(diff.length - 1, i + context); j += 1) {
      if (changed[j]) return true;
    }
    return false;
  });
  const out = [];
  let oldLine = 1;
  let newLine = 1;
  let current = null;
  diff.forEach((line, i) => {
    if (keep[i]) {
      if (!current) {
        current = { oldStart: oldLine, newStart: newLine, lines: [] };
        out.push(current);
      }
      current.lines.push({ ...line, oldLine, newLine });
    } else {
      current = null;
    }
    if (line.op !== '+') oldLine += 1;
    if (line.op !== '-') newLine += 1;
  });
  return out;
}

/** A unified diff text (for download). */
export function unified(diff, from, to, context = 3) {
  const lines = [`--- ${from}`, `+++ ${to}`];
  for (const hunk of hunks(diff, context)) {
    const oldCount = hunk.lines.filter((l) => l.op !== '+').length;
    const newCount = hunk.lines.filter((l) => l.op !== '-').length;
    lines.push(`@@ -${hunk.oldStart},${oldCount} +${hunk.newStart},${newCount} @@`);
    for (const line of hunk.lines) lines.push(`${line.op}${line.text}`);
  }
  return `${lines.join('\n')}\n`;
}
