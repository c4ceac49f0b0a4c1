'use strict';
/**
 * From the snapshot engine's results to the findings a report shows.
 *
 * `toFindings(findLeaks report)`: one finding per retainer-path group, each
 * with rates, the retainer path as `{ edge, node, … }` steps from the GC root
 * down, its holder (see lib/diagnose/explain.js), and the allocation site in the
 * program's code nearest the leaking objects. Groups kept alive by the same
 * holder form one leak: leaks are ordered by the bytes they hold in all, and
 * within one, the objects the holder holds directly come first — so the top
 * finding names the structure that accumulates (`tasks`, `configBus`,
 * `sessions`, a timer) and the closure or object it accumulates, with the
 * totals of everything held through it (`held_total`) and the variables the
 * leaking closures capture (`captures`).
 *
 * `toGrowth(diff report)`: per-class growth between two snapshots.
 *
 * V8-internal classes (compiled code, maps, system objects) are dropped when
 * anything else grew: they follow what the program leaks, they do not explain
 * it. leakwatch's own objects — what taking the heap dumps leaves in the
 * service's heap — are always left out (see `isOwn`).
 *
 * One name per kind of object: a closure is `Function` everywhere (the
 * engine's class name, current DevTools' vocabulary, and the name
 * `leakwatch retainers <file> Function` accepts), in classes, retainer paths
 * and texts alike; a named one shows as `name()` where it is a step of a path.
 */
const { holder, isIndex } = require('./explain.js');

const INTERNAL = /^\((compiled code|system|object shape|code|internalized string|array|number|hidden)\)$|^system \/ |^\(GC roots\)|^\(synthetic\)/;

/** The class name of a closure (the engine's, as current DevTools'); older DevTools said `(closure)`. */
const CLOSURE = 'Function';

/**
 * leakwatch's own objects in the diagnosis's snapshots. The report's growth
 * is the service's: leakwatch's dumps leave a few objects of their own in the
 * service's heap, and a diff of two dumps shows them as growth. Only
 * `v8.getHeapSnapshot()` makes a HeapSnapshotStream (leakwatch calls it for
 * each dump; V8 also caches the first instance of its template for good), so
 * that class is always leakwatch's. The plumbing of writing a dump file (an
 * fs request, its async wrap, the write stream, a gzip stream) is the same
 * kind of object the program uses itself: up to one per dump of the three a
 * diagnosis takes is counted as leakwatch's — more than that is the program's.
 * Left out of the JSON's `growth` and findings, not only the page: the
 * summary, the findings and every consumer of the JSON read the same growth,
 * and `growth.left_out` lists what was left out.
 */
const OWN_CLASSES = new Set(['HeapSnapshotStream']);
const DUMP_PLUMBING = new Set(['FSReqCallback', 'AsyncWrap', 'WriteStream', 'Gzip', 'Zlib']);
const DUMPS = 3;
const isOwn = (name, count) => OWN_CLASSES.has(name) || (DUMP_PLUMBING.has(name) && count <= DUMPS);

function nodeLabel(step) {
  if (step.type === 'synthetic') return step.name || step.class_name;
  if (step.type === 'closure') return step.name ? `${step.name}()` : CLOSURE;
  if (step.class_name && step.name && step.class_name !== step.name && step.type === 'object') {
    return step.class_name;
  }
  return step.class_name || step.name || step.type || '?';
}

function parseLocation(loc) {
  if (!loc) return null;
  if (typeof loc === 'object') return loc.file ? loc : null;
  const m = /^(.*):(\d+):(\d+)$/.exec(loc);
  return m && m[1] ? { file: m[1], line: Number(m[2]), column: Number(m[3]) } : null;
}

/** Node's own code (or a script without a name): a location there says where Node allocates, not the program. */
const isInternal = (file) => !file || /^(node:|internal\/|<script )/.test(file);

/**
 * The first location in the program's code walking from the leaking object
 * (`steps[last]`) toward the root, stopping above `stop` (exclusive); null
 * when there is none. `via_closure`: the location is a closure holding the
 * objects rather than the objects' own (their constructor's or, for
 * closures, their source).
 */
function programSite(steps, stop = 0) {
  for (let i = steps.length - 1; i > stop; i--) {
    const loc = parseLocation(steps[i].location);
    if (!loc || isInternal(loc.file)) continue;
    return { function: steps[i].type === 'closure' ? steps[i].name || null : null, file: loc.file, line: loc.line,
      column: loc.column, via_closure: i !== steps.length - 1 };
  }
  return null;
}

/** Any location at all on the path (Node's own included), nearest the leaking object first. */
function anySite(group) {
  const steps = group.steps || [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const loc = parseLocation(steps[i].location);
    if (loc) {
      return { function: steps[i].type === 'closure' ? steps[i].name || null : null, file: loc.file, line: loc.line,
        column: loc.column, via_closure: i !== steps.length - 1 };
    }
  }
  const c = (group.closures || []).find((x) => x.file);
  return c ? { function: c.name || null, file: c.file, line: c.line, column: c.column, via_closure: true } : null;
}

/**
 * The path from `from` on, like the engine renders it (a closure named
 * `Function`): `global → … → tasks → [15203] → Function → context → req →
 * IncomingMessage@1`. Runs of the same
 * edge (a linked list) are shown once with a count.
 */
function renderPath(path, from) {
  const tokens = [path[0].node];
  if (from > 1) tokens.push('…');
  const last = path.length - 1;
  for (let i = Math.max(1, from); i <= last; i++) {
    const s = path[i];
    let run = 1;
    while (i + run <= last && path[i + run].edge === s.edge && !isIndex(s.edge) && !s.repeat) run++;
    if (run > 2) {
      tokens.push(`${s.edge} ×${run}`);
      i += run - 1;
    } else {
      tokens.push(s.repeat > 1 ? `${s.edge} ×${s.repeat}` : s.edge);
    }
    const at = path[i];
    if (at.type === 'closure' && i !== last) tokens.push(CLOSURE);
    if (i === last) tokens.push(`${at.node}${at.id !== undefined ? `@${at.id}` : ''}`);
  }
  return tokens.join(' → ');
}

/**
 * The path with each run of more than two steps along the same edge (a
 * linked list, thousands of `_idleNext` long) kept as its last step with
 * `repeat: n`, and the holder's indices moved to match. Bounds the report's
 * size whatever the heap's shape.
 */
function compressRuns(path, h) {
  const out = [];
  const at = new Array(path.length);
  for (let i = 0; i < path.length; i++) {
    const s = path[i];
    let run = 1;
    while (i + run < path.length && s.edge && !isIndex(s.edge) && path[i + run].edge === s.edge) run++;
    if (run > 2) {
      for (let k = i; k < i + run; k++) at[k] = out.length;
      out.push({ ...path[i + run - 1], repeat: run });
      i += run - 1;
    } else {
      at[i] = out.length;
      out.push(s);
    }
  }
  if (!h) return { path: out, holder: h };
  const holderOut = { ...h, index: at[h.index] };
  if (h.timer_index !== undefined) holderOut.timer_index = at[h.timer_index];
  return { path: out, holder: holderOut };
}

/**
 * The engine's full path text, with its middle left out past `max`
 * characters, and its closures (`(closure)` there) named `Function` as
 * everywhere else in the report.
 */
function clip(text, max = 2000) {
  const t = String(text || '').replace(/(^| → )\(closure\)(?=@| → |$)/g, `$1${CLOSURE}`);
  return t.length <= max ? t : `${t.slice(0, max / 2)} … ${t.slice(-max / 2)}`;
}

/** Where the shortened path starts: at the edge into the holder's owner, so the holder's own name shows. */
function shortFrom(h) {
  if (!h) return 0;
  if (h.kind === 'timer') return Math.max(1, h.index - 1);
  // An unnamed scope slot: show the function and its context that hold it.
  if (h.edge === null) return Math.max(1, h.index - 2);
  return Math.max(1, h.index);
}

/**
 * Stable key of a holder: the same node (by id when known) is the same leak.
 * Timers never cleared are one leak, however their list is reached.
 */
function holderKey(h, path) {
  if (!h) return null;
  if (h.kind === 'timer') return 'timer';
  const step = path[h.index];
  return step && step.id !== undefined ? `${h.kind}@${step.id}` : `${h.kind}:${path.slice(0, h.index + 1).map((s) => s.edge).join('/')}`;
}

/**
 * `report`: the findLeaks result; `intervalMs`: time between the baseline and
 * target snapshots (for per-minute rates; null when unknown); `top`: how many;
 * `firstNewId`: the lowest snapshot id of an object created after the
 * baseline (default: the lowest candidate id in `report`).
 */
function toFindings(report, { intervalMs = null, top = 10, firstNewId = null } = {}) {
  const groups = (report.by_path || []).filter((g) => !isOwn(g.class_name, g.count));
  const meaningful = groups.filter((g) => !INTERNAL.test(g.class_name));
  const chosen = meaningful.length ? meaningful : groups;
  // Snapshot ids grow: every leak candidate was first seen in the target snapshot, so any node with an id at
  // least the smallest candidate's was created after the baseline — and cannot be what accumulates them.
  const ids = [...(report.by_class || []), ...groups].flatMap((g) => g.sample_ids || []);
  const firstNew = firstNewId ?? (ids.length ? ids.reduce((a, b) => Math.min(a, b)) : Infinity);
  const perMin = (n) => (intervalMs && intervalMs > 0 ? (n * 60000) / intervalMs : undefined);
  const all = chosen.map((g) => {
    const steps = g.steps || [];
    const retainerPath = steps.map((s, i) => {
      const step = { edge: i === 0 ? null : s.edge, edge_type: s.edge_type, node: nodeLabel(s), type: s.type };
      if (s.id !== undefined && s.id !== null) step.id = s.id;
      if (s.location) step.location = s.location;
      if (typeof s.id === 'number' && s.id >= firstNew) step.new = true;
      return step;
    });
    const { path: compact, holder: h } = compressRuns(retainerPath, holder(retainerPath));
    return {
      class: g.class_name,
      count: g.count,
      bytes: g.self_size,
      count_per_min: perMin(g.count),
      bytes_per_min: perMin(g.self_size),
      retainer_path: compact,
      retainer_text: renderPath(compact, shortFrom(h)),
      retainer_text_full: clip(g.path),
      root: compact.length ? compact[0].node : null,
      holder: h,
      allocation: programSite(compact, h ? h.index : 0),
      sample_ids: (g.sample_ids || []).slice(0, 5),
      group: g,
    };
  });
  // One leak per holder: totals, the captured variables, and an allocation site shared by its findings.
  const leaks = new Map();
  for (const f of all) {
    const key = holderKey(f.holder, f.retainer_path) || `group:${leaks.size}`;
    if (!leaks.has(key)) leaks.set(key, { findings: [], count: 0, bytes: 0, classes: new Map(), captures: new Set() });
    const l = leaks.get(key);
    f.leak = l;
    l.findings.push(f);
    l.count += f.count;
    l.bytes += f.bytes;
    l.classes.set(f.class, (l.classes.get(f.class) || 0) + f.bytes);
    const p = f.retainer_path;
    const at = f.holder ? p.findIndex((s, i) => i > f.holder.index && s.edge === 'context') : -1;
    if (at > 0 && p[at + 1] && p[at + 1].edge && !isIndex(p[at + 1].edge)) l.captures.add(p[at + 1].edge);
  }
  const depth = (f) => (f.holder ? f.retainer_path.length - 1 - (f.holder.timer_index ?? f.holder.index) : Infinity);
  for (const l of leaks.values()) {
    l.findings.sort((a, b) => depth(a) - depth(b) || b.bytes - a.bytes);
    // The program site nearest the holder's entries, from whichever finding of this leak has one.
    l.site = l.findings.map((f) => f.allocation).find(Boolean) || null;
  }
  const ordered = [...leaks.values()].sort((a, b) => b.bytes - a.bytes).flatMap((l) => l.findings);
  return ordered.slice(0, top).map((f) => {
    const l = f.leak;
    let allocation = f.allocation;
    if (!allocation && l.site) allocation = { ...l.site, via_closure: true };
    if (!allocation) {
      // Nothing between the holder and the objects has a location: the function whose scope holds the holder.
      const scope = programSite(f.retainer_path.slice(0, f.holder ? f.holder.index + 1 : f.retainer_path.length), 0);
      allocation = scope ? { ...scope, via_closure: true, holder_scope: Boolean(f.holder) } : anySite(f.group);
    }
    const out = { ...f, allocation, captures: [...l.captures],
      held_total: { count: l.count, bytes: l.bytes, groups: l.findings.length,
        classes: [...l.classes].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([c, bytes]) => ({ class: c, bytes })) } };
    delete out.group;
    delete out.leak;
    return out;
  });
}

/**
 * Per-class growth from the engine's `diff(baseline, final)`: the classes
 * that gained the most bytes, with per-minute rates over `intervalMs` (the
 * time between the two snapshots; rates are left out when it is unknown).
 * V8-internal classes are dropped when program classes grew, as for findings;
 * leakwatch's own objects always (listed in `left_out`, and not counted in
 * the totals).
 */
function toGrowth(d, { intervalMs = null, top = 15 } = {}) {
  const perMin = (n) => (intervalMs && intervalMs > 0 ? (n * 60000) / intervalMs : undefined);
  const all = (d.classes || []).filter((c) => c.size_delta > 0 || c.count_delta > 0);
  const own = all.filter((c) => isOwn(c.name, c.count_delta));
  const grew = all.filter((c) => !isOwn(c.name, c.count_delta));
  const meaningful = grew.filter((c) => !INTERNAL.test(c.name));
  const classes = (meaningful.length ? meaningful : grew)
    .sort((a, b) => b.size_delta - a.size_delta || b.count_delta - a.count_delta)
    .slice(0, top)
    .map((c) => ({
      class: c.name,
      count_delta: c.count_delta,
      size_delta: c.size_delta,
      added_count: c.added_count,
      removed_count: c.removed_count,
      count_per_min: perMin(c.count_delta),
      bytes_per_min: perMin(c.size_delta),
    }));
  return {
    interval_ms: intervalMs && intervalMs > 0 ? intervalMs : null,
    count_delta: d.count_delta - own.reduce((n, c) => n + c.count_delta, 0),
    size_delta: d.size_delta - own.reduce((n, c) => n + c.size_delta, 0),
    classes,
    left_out: own.map((c) => ({ class: c.name, count_delta: c.count_delta, size_delta: c.size_delta,
      why: "leakwatch's own: left in the heap by taking the heap dumps" })),
  };
}

module.exports = { toFindings, toGrowth, parseLocation, renderPath, shortFrom, isOwn, CLOSURE };
