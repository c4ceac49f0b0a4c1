'use strict';
/**
 * Turns a leak finding into one paragraph of plain English, and finds the
 * holder — the long-lived structure that keeps the leaking objects alive.
 *
 * Input: a normalized finding — `{ class, count, bytes, count_per_min,
 * bytes_per_min, retainer_path: [{ edge, edge_type, node, type, id, location,
 * new }], allocation: { function, file, line, column, via }, captures,
 * held_total }` (see lib/diagnose/findings.js). Output: `{ headline, explanation }`.
 * The wording names what grows and how fast, who holds it (read from the
 * GC root down, with the holder spelled the way the code spells it), where
 * it was allocated, and the usual fix for that shape of retention.
 *
 * The holder is read from the leaking end of the retainer path back toward
 * the root; the first of these wins:
 *   - a timer in Node's timer list (`timerListMap → [ms] → _idleNext… →
 *     Timeout`): the list holds a timer until it is cleared;
 *   - an EventEmitter (`emitter → _events → <event> → [i]`): the emitter,
 *     named by the edge into it, with the event as detail;
 *   - a collection (Array, Map, Set, object) reached by a named edge and
 *     followed by a per-entry index or key (`tasks → [15203]`, `sessions →
 *     table → 245198`);
 * else the nearest node reached by a named edge (which also wins over an
 * emitter further up the path). Nodes created since the
 * baseline snapshot (`new: true` on a step) are never the holder: what
 * accumulates leaking objects existed before they did.
 */

/**
 * The one number format of a report — its summary, the findings' text, and
 * the HTML page's card, tables and charts (the page embeds these very
 * functions): bytes in binary units (1 KB = 1024 B) with one decimal (two
 * for GB), counts rounded with en-US thousands separators, rates per minute.
 * Written as plain functions so that their source runs in the page too.
 */
function fmtBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  var a = Math.abs(n);
  if (a >= 1073741824) return (n / 1073741824).toFixed(2) + ' GB';
  if (a >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
  if (a >= 1024) return (n / 1024).toFixed(1) + ' KB';
  return Math.round(n) + ' B';
}
function fmtCount(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  return (Math.round(n) || 0).toLocaleString('en-US'); // never "-0"
}
/** `+1.2 MB`, `+61,742`: a gain with its sign (`fmt` is fmtBytes or fmtCount). */
function fmtSigned(n, fmt) {
  return Math.round(n) > 0 ? '+' + fmt(n) : fmt(n);
}
/** `[15203]` (elements) or `245198` (a hash table's slot): an entry, not a name. */
const isIndex = (e) => /^\[\d+\]$|^\d+$/.test(e || '');

const COLLECTION = /^(Array|Map|Set|Object|WeakMap|WeakSet)\b|^\(array\)|^\(object elements\)/;
/** Edge names that are V8's plumbing, not names in the program. */
const NOT_A_NAME = ['context', 'map', '__proto__', 'table', 'elements', 'properties', 'native_context', 'bound_this',
  'bound_function', 'shared', 'feedback_cell', 'code'];
const TIMER_LINKS = ['_idleNext', '_idlePrev'];

const named = (e) => Boolean(e) && !isIndex(e) && !NOT_A_NAME.includes(e);

function collectionKind(node) {
  const n = String(node || '');
  if (/^Map\b|^WeakMap\b/.test(n)) return 'map';
  if (/^Set\b|^WeakSet\b/.test(n)) return 'set';
  if (/^Array\b|^\(array\)|^\(object elements\)/.test(n)) return 'array';
  return 'object';
}

/** Whether the step after `i` (or the one after V8's `table`/`elements`) is an entry: an index or a slot. */
function heldByEntry(path, i) {
  for (let j = i + 1; j < path.length && j <= i + 2; j++) {
    if (isIndex(path[j].edge)) return true;
    if (!NOT_A_NAME.includes(path[j].edge)) return false;
  }
  return false;
}

/**
 * If `path[i]` is a Timeout linked into one of Node's timer lists, the index
 * in the path where the list is entered: the list (`TimersList`) itself, or
 * another timer of the same list reached some other way; else -1.
 */
function timerList(path, i) {
  if (path[i].node !== 'Timeout') return -1;
  let j = i;
  while (j > 0 && path[j].node === 'Timeout' && TIMER_LINKS.includes(path[j].edge)) j--;
  if (j === i) return -1;
  return path[j].node === 'TimersList' || path[j].node === 'Timeout' ? j : -1;
}

/**
 * The holder of the leaking objects at the end of `path` (see the module
 * comment): `{ kind: 'timer'|'emitter'|'array'|'map'|'set'|'object'|'value',
 * edge, index, node, event?, timer_index?, list_ms? }`, or null. `index` is
 * the holder's position in the path; `edge` how the program names it.
 */
function holder(path) {
  const last = path.length - 1;
  let fallback = null;
  for (let i = last; i > 0; i--) {
    const s = path[i];
    const list = timerList(path, i);
    if (list >= 0) {
      const ms = path[list].node === 'TimersList' ? /^\[?(\d+)\]?$/.exec(path[list].edge || '') : null;
      // Node's timers module keeps every active timer's list in `timerListMap`, however the path reaches it.
      return { kind: 'timer', edge: 'timerListMap', index: list, node: path[list].node, timer_index: i, list_ms: ms ? Number(ms[1]) : null };
    }
    if (i === last || s.new) continue;
    if (s.edge === '_events') {
      const emitter = path[i - 1];
      // A named value nearer the objects (found already) holds them more directly than the emitter further up.
      if (i - 1 > 0 && !emitter.new && !fallback) {
        const ev = path[i + 1] && path[i + 1].edge;
        return { kind: 'emitter', edge: named(emitter.edge) ? emitter.edge : String(emitter.node),
          index: i - 1, node: emitter.node, event: ev && !isIndex(ev) ? ev : null };
      }
      continue;
    }
    // A listener list (`_events → data → [i]`): its emitter, one step up, is the holder.
    if (path[i - 1] && path[i - 1].edge === '_events') continue;
    if (!named(s.edge)) {
      // A block-scoped variable can reach the snapshot without its name: a context's unnamed slot.
      const owner = path[i - 1];
      if (isIndex(s.edge) && owner && /^system \/ Context/.test(String(owner.node)) &&
        COLLECTION.test(String(s.node || '')) && heldByEntry(path, i)) {
        const fn = path[i - 2] && path[i - 2].type === 'closure' ? path[i - 2].location || null : null;
        return { kind: collectionKind(s.node), edge: null, index: i, node: s.node, scope_site: fn };
      }
      continue;
    }
    if (COLLECTION.test(String(s.node || '')) && heldByEntry(path, i)) {
      return { kind: collectionKind(s.node), edge: s.edge, index: i, node: s.node };
    }
    if (!fallback && s.type !== 'hidden' && !/^system \/ /.test(String(s.node || ''))) {
      fallback = { kind: COLLECTION.test(String(s.node || '')) ? collectionKind(s.node) : 'value', edge: s.edge,
        index: i, node: s.node };
    }
  }
  return fallback;
}

const NOUN = { array: 'an array', map: 'a Map', set: 'a Set', object: 'an object', value: 'a value' };
const shortSite = (loc) => String(loc).replace(/^.*[\\/]/, '').replace(/:\d+$/, '');

/** How the holder is named in a headline: `tasks`, `configBus ('config-changed' listeners)`. */
function holderLabel(h) {
  if (!h) return null;
  if (h.edge === null) {
    return `${NOUN[h.kind] || 'a value'} in the scope of ${h.scope_site ? `the function at ${shortSite(h.scope_site)}` : 'a function'}`;
  }
  if (h.kind === 'emitter') return `${h.edge}${h.event ? ` ('${h.event}' listeners)` : ' (listeners)'}`;
  if (h.kind === 'timer') return `a timer never cleared (${h.list_ms ? `${h.list_ms} ms, ` : ''}Node's timer list)`;
  return h.edge;
}

/** Where the holder lives, from the edge into it and its owner. */
function scopeOf(h, path) {
  const step = path[h.index] || {};
  const owner = path[h.index - 1] || {};
  if (step.edge_type === 'context') return 'a variable in a module or function scope';
  if (owner.node === 'global' || /^global\b|Window|global proxy/.test(owner.node || '')) return 'a global';
  if (step.edge_type === 'property' && owner.node) return `a property of ${owner.node}`;
  return null;
}

function describeHolder(h, path) {
  if (!h) return 'an object the retainer path could not name';
  if (h.kind === 'timer') {
    return `Node's timer list${h.list_ms ? ` for ${h.list_ms} ms timers` : ''}: a \`setInterval\` (or a pending ` +
      '`setTimeout`) that is never cleared stays in the list, with its callback and everything the callback captures';
  }
  const node = String(h.node || '');
  if (h.edge === null) {
    return `${NOUN[h.kind] || 'a value'} (${node}) held in the scope of ${h.scope_site ? `the function at ${h.scope_site}`
      : 'a function'} — a block-scoped variable, whose name the heap snapshot does not record`;
  }
  let what = `\`${h.edge}\` (${node})`;
  if (h.kind === 'emitter') {
    what = `the EventEmitter \`${h.edge}\`${node && node !== h.edge && !/^(Object|EventEmitter)$/.test(node) ? ` (${node})` : ''}, ` +
      `through its ${h.event ? `'${h.event}' ` : ''}listeners`;
  } else if (h.kind === 'array') what = `the array \`${h.edge}\``;
  else if (h.kind === 'map') what = `the ${/^WeakMap/.test(node) ? 'WeakMap' : 'Map'} \`${h.edge}\``;
  else if (h.kind === 'set') what = `the Set \`${h.edge}\``;
  else if (h.kind === 'object' && /^Object\b/.test(node)) what = `the object \`${h.edge}\``;
  const scope = scopeOf(h, path);
  return scope ? `${what}, ${scope}` : what;
}

function fixFor(finding, h) {
  const kind = h ? h.kind : null;
  // Only what lies between the holder and the leaking objects says how they are held.
  const below = (finding.retainer_path || []).slice(h ? h.index + 1 : 0);
  const capturesContext = below.some((s) => s.edge === 'context') || (finding.captures || []).length > 0;
  if (kind === 'emitter') {
    return `Remove the listener when its request or task is done (\`${h.edge}.off(${h.event ? `'${h.event}'` : 'event'}, ` +
      'listener)`), or register it with `once`; never add a listener per request to a long-lived emitter.';
  }
  if (kind === 'timer') return 'Keep the handle and clear the timer when its work is done (`clearInterval` / `clearTimeout`), or `unref()` and bound it.';
  if (kind === 'map' || kind === 'set') {
    return 'Delete entries when they are no longer needed, or bound the collection (an LRU with a cap, or a WeakMap keyed by the owner).';
  }
  if (kind === 'array') {
    return capturesContext
      ? 'Remove entries from the array once they are processed, and avoid capturing the whole request in the closures you store.'
      : 'Remove entries from the array once they are processed, or cap its length.';
  }
  if (kind === 'object') return 'Delete keys when they are no longer needed, or use a bounded Map / LRU instead of an object.';
  return 'Release the reference when the work is done, or bound the structure that holds it.';
}

/** The variables the leaking closures capture: the finding's, or those on its path below the holder. */
function capturesOf(finding, path, h) {
  if (Array.isArray(finding.captures)) return finding.captures;
  const at = path.map((s) => s.edge).lastIndexOf('context');
  return at > (h ? h.index : 0) && path[at + 1] && named(path[at + 1].edge) ? [path[at + 1].edge] : [];
}

function siteText(a) {
  return `${a.file}:${a.line}:${a.column}${a.function ? ` (\`${a.function}\`)` : ''}`;
}

/** `{ headline, explanation }` for a finding; `leak` is the leak event (optional). */
function explain(finding, leak) {
  const path = finding.retainer_path || [];
  const h = finding.holder !== undefined ? finding.holder : holder(path);
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
  }
  const captures = capturesOf(finding, path, h);
  if (captures.length) {
    sentences.push(`Each closure's context captures ${captures.map((c) => `\`${c}\``).join(', ')}, so ` +
      `${captures.length > 1 ? 'those objects stay' : 'that object stays'} in memory too.`);
  }
  const total = finding.held_total;
  if (total && total.groups > 1 && total.bytes > (finding.bytes || 0)) {
    const classes = (total.classes || []).slice(0, 4).map((c) => `${c.class} ${fmtBytes(c.bytes)}`).join(', ');
    sentences.push(`In all, ${fmtCount(total.count)} new objects (${fmtBytes(total.bytes)}) are held this way` +
      `${classes ? `: ${classes}` : ''}.`);
  }
  const a = finding.allocation;
  if (a && a.file) {
    if (h && h.kind === 'timer' && a.via_closure) sentences.push(`The timer's callback is created at ${siteText(a)}.`);
    else if (h && h.kind === 'emitter') {
      sentences.push(a.via_closure ? `The listener that holds them is created at ${siteText(a)}.`
        : `The listeners are created at ${siteText(a)}.`);
    }
    else if (a.holder_scope && h) {
      sentences.push(`${h.edge === null ? 'That variable' : `\`${h.edge}\``} is in the scope of the function at ` +
        `${siteText(a)}; look there for where entries are added.`);
    }
    else sentences.push(a.via_closure ? `The closure that holds them is created at ${siteText(a)}.` : `They are created at ${siteText(a)}.`);
  }
  sentences.push(fixFor(finding, h));
  const where = a && a.file ? ` (${a.file.split(/[\\/]/).pop()}:${a.line})` : '';
  const label = holderLabel(h);
  const headline = `${cls}${where} is leaking${label ? `, held by ${label}` : ''}`;
  return { headline, explanation: sentences.join(' ') };
}

module.exports = { explain, holder, holderLabel, isIndex, fmtBytes, fmtCount, fmtSigned };
