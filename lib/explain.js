'use strict';
/**
 * Turns a leak finding into one paragraph of plain English.
 *
 * Input: a normalized finding — `{ class, count, bytes, count_per_min,
 * bytes_per_min, retainer_path: [{ edge, edge_type, node }], allocation:
 * { function, file, line, column } }` (see lib/report.js). Output: `{ headline,
 * explanation }`. The wording names what grows and how fast, who holds it
 * (the retainer path, read from the GC root down, with the holder spelled the
 * way the code spells it), where it was allocated, and the usual fix for that
 * shape of retention.
 */

const fmtBytes = (n) => {
  const a = Math.abs(n);
  if (a >= 1073741824) return `${(n / 1073741824).toFixed(2)} GB`;
  if (a >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${Math.round(n)} bytes`;
};
const fmtCount = (n) => Math.round(n).toLocaleString('en-US');
const isIndex = (e) => /^\[\d+\]$/.test(e || '');

const COLLECTION = /^(Array|Map|Set|Object|WeakMap)\b|^\(array\)|^\(object elements\)/;
const NOT_A_NAME = ['context', 'map', '__proto__', 'table', 'elements', 'properties'];

/**
 * What holds the leaking objects, read from the leak end of the path back
 * toward the root: the nearest collection reached by a named property
 * (`tasks` → Array), else the nearest named property at all. The last step
 * is the leaking object itself and is never its own holder.
 */
function holder(path) {
  let fallback = null;
  for (let i = path.length - 2; i > 0; i--) {
    const e = path[i].edge;
    if (!e || isIndex(e) || NOT_A_NAME.includes(e)) continue;
    if (COLLECTION.test(String(path[i].node || ''))) return { edge: e, index: i, node: path[i].node };
    if (!fallback) fallback = { edge: e, index: i, node: path[i].node };
  }
  return fallback;
}

function describeHolder(h, path) {
  if (!h) return 'an object the retainer path could not name';
  const node = String(h.node || '');
  let what = `\`${h.edge}\` (${node})`;
  if (/^Array\b|\(array\)/.test(node)) what = `the array \`${h.edge}\``;
  else if (/^Map\b/.test(node)) what = `the Map \`${h.edge}\``;
  else if (/^Set\b/.test(node)) what = `the Set \`${h.edge}\``;
  else if (/^Object\b/.test(node)) what = `the object \`${h.edge}\``;
  const step = path[h.index] || {};
  const owner = path[h.index - 1] || {};
  if (step.edge_type === 'context') return `${what}, a variable in a module or function scope`;
  if (owner.node === 'global' || /^global\b|Window|global proxy/.test(owner.node || '')) return `${what}, a global`;
  if (step.edge_type === 'property' && owner.node) return `${what}, a property of ${owner.node}`;
  return what;
}

function fixFor(finding, h) {
  const node = h ? String(h.node || '') : '';
  // Only what lies between the holder's owner and the leaking objects says how they are held.
  const path = (finding.retainer_path || []).slice(h ? Math.max(0, h.index - 1) : 0);
  const viaListeners = path.some((s) => /_events|listeners?/.test(s.edge || ''));
  const viaTimers = path.some((s) => /Timeout|_onTimeout|timerListMap|_idleNext/.test(`${s.edge} ${s.node}`));
  const capturesContext = path.some((s) => s.edge === 'context');
  if (viaListeners) return 'Remove the listener when its request is done (`emitter.off(...)`), or use `once`.';
  if (viaTimers) return 'Clear the timer when it is no longer needed (`clearInterval` / `clearTimeout`).';
  if (/^Map\b|^Set\b/.test(node)) return 'Delete entries when they are no longer needed, or bound the collection (an LRU with a cap, or a WeakMap keyed by the owner).';
  if (/^Array\b|\(array\)/.test(node)) {
    return capturesContext
      ? 'Remove entries from the array once they are processed, and avoid capturing the whole request in the closures you store.'
      : 'Remove entries from the array once they are processed, or cap its length.';
  }
  return 'Release the reference when the work is done, or bound the structure that holds it.';
}

/** `{ headline, explanation }` for a finding; `leak` is the leak event (optional). */
function explain(finding, leak) {
  const path = finding.retainer_path || [];
  const h = holder(path);
  const cls = finding.class;
  const rate = finding.count_per_min
    ? `about ${fmtCount(finding.count_per_min)} new \`${cls}\` objects a minute (${fmtBytes(finding.bytes_per_min || 0)}/min)`
    : `${fmtCount(finding.count)} new \`${cls}\` objects (${fmtBytes(finding.bytes || 0)})`;
  const sentences = [];
  sentences.push(`The heap keeps ${rate} that are never freed${leak && leak.rate_bytes_per_sec
    ? `; the live heap grows ${fmtBytes(leak.rate_bytes_per_sec * 60)} a minute overall` : ''}.`);
  if (path.length) {
    sentences.push(`They are kept alive by ${describeHolder(h, path)}: ${finding.retainer_text ||
      path.map((s) => s.edge || s.node).join(' → ')}.`);
    const captured = path.map((s) => s.edge).lastIndexOf('context');
    if (captured > 0 && path[captured + 1] && path[captured + 1].edge) {
      sentences.push(`Each closure's context captures \`${path[captured + 1].edge}\`, so that object stays in memory too.`);
    }
  }
  const a = finding.allocation;
  if (a && a.file) {
    const at = `${a.file}:${a.line}:${a.column}${a.function ? ` (\`${a.function}\`)` : ''}`;
    sentences.push(a.via_closure ? `The closure that holds them is created at ${at}.` : `They are created at ${at}.`);
  }
  sentences.push(fixFor(finding, h));
  const where = a && a.file ? ` (${a.file.split(/[\\/]/).pop()}:${a.line})` : '';
  const headline = `${cls}${where} is leaking${h ? `, held by ${h.edge}` : ''}`;
  return { headline, explanation: sentences.join(' ') };
}

module.exports = { explain, holder };
