'use strict';
const { holder } = require('./explain.js');
/**
 * From the snapshot engine's 3-snapshot leak report (`findLeaks`) to the
 * findings a report shows: one per retainer-path group, most significant
 * first, each with rates, the retainer path as `{ edge, node }` steps from the
 * GC root down, and the allocation site of the closure nearest the leaking
 * objects (or of the objects themselves, if they are closures).
 *
 * V8-internal classes (compiled code, maps, system objects) are dropped when
 * anything else grew: they follow what the program leaks, they do not explain
 * it.
 */

const INTERNAL = /^\((compiled code|system|object shape|code|concatenated string|sliced string|internalized string|array|number|hidden)\)$|^system \/ |^\(GC roots\)|^\(synthetic\)/;

function nodeLabel(step) {
  if (step.type === 'synthetic') return step.name || step.class_name;
  if (step.type === 'closure') return step.name ? `${step.name}()` : '(closure)';
  if (step.class_name && step.name && step.class_name !== step.name && step.type === 'object') {
    return step.class_name;
  }
  return step.class_name || step.name || step.type || '?';
}

function parseLocation(loc) {
  if (!loc) return null;
  if (typeof loc === 'object') return loc;
  const m = /^(.*):(\d+):(\d+)$/.exec(loc);
  return m ? { file: m[1], line: Number(m[2]), column: Number(m[3]) } : null;
}

/** Node's own code: a location there says where Node allocates, not where the program leaks. */
const isInternal = (file) => /^(node:|internal\/)/.test(file || '');

/**
 * The allocation site: walking from the leaking objects toward the root, the
 * first location in the program's code (the objects' own, when they are
 * closures or instances of the program's classes; else the closure holding
 * them). Node-internal locations are used only when nothing else is there.
 */
function allocationOf(group) {
  const steps = group.steps || [];
  let internal = null;
  for (let i = steps.length - 1; i >= 0; i--) {
    const loc = parseLocation(steps[i].location);
    if (!loc) continue;
    const site = { function: steps[i].type === 'closure' ? steps[i].name || null : null, ...loc,
      via_closure: i !== steps.length - 1 };
    if (!isInternal(loc.file)) return site;
    internal = internal || site;
  }
  const c = (group.closures || []).find((x) => !isInternal(x.file));
  if (c) return { function: c.name || null, file: c.file, line: c.line, column: c.column, via_closure: true };
  return internal;
}

/**
 * The engine's path text shortened like `(GC roots) → … → tasks → [15203] →
 * (closure) → context → req → Object@1`: the root, then everything from the
 * edge into the holder on.
 */
function shortText(retainerPath, full) {
  const h = holder(retainerPath);
  const tokens = String(full || '').split(' → ');
  if (!h || tokens.length < 4) return full;
  const at = tokens.lastIndexOf(h.edge);
  if (at < 2) return full;
  return [tokens[0], '…', ...tokens.slice(at)].join(' → ');
}

/**
 * `report`: the findLeaks result; `intervalMs`: time between the baseline and
 * target snapshots (for per-minute rates; null when unknown); `top`: how many.
 */
function toFindings(report, { intervalMs = null, top = 10 } = {}) {
  const groups = (report.by_path || []).slice();
  const meaningful = groups.filter((g) => !INTERNAL.test(g.class_name));
  const chosen = (meaningful.length ? meaningful : groups)
    .sort((a, b) => b.self_size - a.self_size || b.count - a.count)
    .slice(0, top);
  const perMin = (n) => (intervalMs && intervalMs > 0 ? (n * 60000) / intervalMs : undefined);
  return chosen.map((g) => {
    const steps = g.steps || [];
    const retainerPath = steps.map((s, i) => ({ edge: i === 0 ? null : s.edge, edge_type: s.edge_type, node: nodeLabel(s) }));
    const top = retainerPath[0];
    return {
      class: g.class_name,
      count: g.count,
      bytes: g.self_size,
      count_per_min: perMin(g.count),
      bytes_per_min: perMin(g.self_size),
      retainer_path: retainerPath,
      retainer_text: shortText(retainerPath, g.path),
      retainer_text_full: g.path,
      root: top ? top.node : null,
      allocation: allocationOf(g),
      sample_ids: (g.sample_ids || []).slice(0, 5),
    };
  });
}

module.exports = { toFindings, parseLocation };
