'use strict';
/**
 * From an allocation site's function to the statement a person fixes.
 *
 * V8's sampling heap profiler records, for every frame of an allocation's
 * stack, the *function* (where it is defined: `handler (server.js:15:7)`),
 * never the line inside it that allocated, and an inlined function counts
 * as its caller. So a site arrives here as "something in `handler` grows".
 * This module reads that function's source (the file on disk, parsed with
 * acorn, once per site) and names the statement:
 *
 *   1. a statement of the function that stores into module or closure
 *      state, which outlives the call (`tasks.push(…)`, `cache.set(…)`,
 *      `bus.on(…)`, `setInterval(…)`, `registry[id] = …`): where the bytes
 *      are kept;
 *   2. else the call of the next frame down the stack (`text(…)` when the
 *      bytes were allocated inside `text`; `emitter.on(…)` for
 *      `addListener`), or a store into a parameter's property;
 *   3. else such a store in a function of the same file that this one calls
 *      (V8 inlines small helpers into their caller), or in a closure it makes;
 *   4. else, when the function only returns what it allocates (a helper
 *      such as `format(…)`), the line of its caller that called it;
 *   5. else its first allocating expression.
 * When none applies, or the source cannot be read or parsed (a file that is
 * gone, TypeScript, a bundle over the size limit), the site keeps the
 * function's line and says so (`line_from: 'function'`).
 *
 * Bounded and cheap: files up to `MAX_FILE_BYTES` are parsed whole; larger
 * ones (a server bundle), up to `MAX_BUNDLE_BYTES`, only from the function's
 * own position (acorn's parseExpressionAt: the cost is the function's
 * length, and same-file helpers are not looked up); results are cached per
 * (file, mtime, frame, callee) in a bounded map and the text and tree of
 * only the last file are kept.
 *
 * Order: sites come ranked by growth (src/sites/table.rs). A growing
 * application site whose function *holds* — stores into module or closure
 * state, itself, in a same-file helper it calls or in a closure it makes —
 * goes ahead of the application sites that do not, however much faster
 * those grow: a leak's bytes are often allocated where they are used (a
 * response rendered by the framework for `res`) and kept where something is
 * stored (`res.on('finish', () => audit.set(id, res))`), which grows too.
 */
const fs = require('node:fs');
let acorn = null; // loaded on the first site to locate

const MAX_FILE_BYTES = 512 * 1024;
const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
const MAX_CACHED = 512;
const MAX_STATEMENT_CHARS = 120;
/** How far up the stack a returned allocation is followed. */
const MAX_CALLER_HOPS = 3;

/** Methods that keep their argument: collections, emitters, queues. */
const STORE_METHODS = new Set(['push', 'unshift', 'splice', 'set', 'add', 'on', 'once', 'addListener',
  'prependListener', 'prependOnceListener', 'addEventListener', 'enqueue', 'append']);
/** Functions that keep their callback until it runs (or forever). */
const TIMERS = new Set(['setInterval', 'setTimeout', 'setImmediate']);
/** V8's name of a callee frame → the names a program calls it by. */
const ALIASES = [
  ['addListener', '_addListener', 'on', 'once', 'prependListener', 'prependOnceListener'],
  ['setTimeout', 'setInterval', 'Timeout'],
  ['setImmediate', 'Immediate'],
];

const results = new Map();
let lastParsed = null; // { file, mtimeMs, size, ast, lineStarts, text }

/** The name a program calls a function by, from V8's debug name (`Foo.bar`, `get x`, `bound f`). */
function callName(v8name) {
  const last = String(v8name || '').trim().split(/\s+/).pop();
  return last.slice(last.lastIndexOf('.') + 1);
}

function namesFor(v8name) {
  const n = callName(v8name);
  const group = ALIASES.find((g) => g.includes(n));
  return new Set(group ? group : [n]);
}

function pathOf(file) {
  if (typeof file !== 'string' || !file) return null;
  if (file.startsWith('file://')) {
    try {
      return require('node:url').fileURLToPath(file);
    } catch {
      return null;
    }
  }
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) ? file : null;
}

/** `{ p, st }` of a readable file within the size limit, or null: what keys the results. */
function fileOf(file) {
  const p = pathOf(file);
  if (!p) return null;
  try {
    const st = fs.statSync(p);
    return st.isFile() && st.size <= MAX_BUNDLE_BYTES ? { p, st } : null;
  } catch {
    return null;
  }
}

/** The parsed file, or null (unreadable, not JavaScript acorn reads). Only on a result-cache miss. */
function parsed({ p, st }) {
  if (lastParsed && lastParsed.file === p && lastParsed.mtimeMs === st.mtimeMs && lastParsed.size === st.size) {
    return lastParsed;
  }
  let text;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
  let ast = null;
  let comments = [];
  const whole = st.size <= MAX_FILE_BYTES;
  const base = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true, allowImportExportEverywhere: true };
  for (const sourceType of whole ? ['module', 'script'] : []) {
    try {
      acorn = acorn || require('acorn');
      comments = [];
      ast = acorn.parse(text, { ...base, sourceType, onComment: (block, t, start, end) => comments.push([start, end]) });
      break;
    } catch {
      // the other source type, else not JavaScript acorn reads
    }
  }
  if (whole && !ast) return null;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  lastParsed = { file: p, mtimeMs: st.mtimeMs, size: st.size, ast, lineStarts, text, comments };
  return lastParsed;
}

function lineCol(src, offset) {
  let lo = 0;
  let hi = src.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (src.lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - src.lineStarts[lo] + 1 };
}

const isFunction = (n) => n && (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' ||
  n.type === 'ArrowFunctionExpression');

function children(node, visit) {
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') visit(c);
    } else if (v && typeof v.type === 'string') {
      visit(v);
    }
  }
}

/** The innermost function whose source contains `offset`, else the program (module scope). */
function functionAt(ast, offset) {
  let best = ast;
  const visit = (n) => {
    if (n.start > offset || n.end <= offset) return;
    if (isFunction(n)) best = n;
    children(n, visit);
  };
  children(ast, visit);
  return best;
}

/**
 * In a file too large to parse whole: the function V8 places at `offset`
 * (its parameter list), parsed alone — an arrow from there, or a
 * `function` expression or declaration from its keyword; null otherwise
 * (a method, a getter: left at the function's line).
 */
function functionAlone(text, offset) {
  acorn = acorn || require('acorn');
  const at = (pos) => {
    try {
      return acorn.parseExpressionAt(text, pos, { ecmaVersion: 'latest', sourceType: 'script',
        allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true });
    } catch {
      return null;
    }
  };
  const arrow = at(offset);
  if (arrow && arrow.type === 'ArrowFunctionExpression' && arrow.start === offset) return arrow;
  let i = offset;
  const back = (re) => {
    while (i > 0 && re.test(text[i - 1])) i--;
  };
  back(/\s/);
  back(/[\w$]/); // the name
  back(/[\s*]/);
  if (text.slice(i - 8, i) !== 'function') return null;
  i -= 8;
  const fn = at(i);
  return fn && fn.type === 'FunctionExpression' && fn.end > offset ? fn : null;
}

/** Whether evaluating `n` makes a new object (literal, closure, `new`, template with values). */
function allocates(n) {
  if (!n) return false;
  switch (n.type) {
    case 'ObjectExpression': case 'ArrayExpression': case 'NewExpression':
    case 'FunctionExpression': case 'ArrowFunctionExpression': case 'ClassExpression':
      return true;
    case 'TemplateLiteral':
      return n.expressions.length > 0;
    case 'BinaryExpression':
      return n.operator === '+' && (allocates(n.left) || allocates(n.right) || n.left.type === 'Literal' ||
        n.right.type === 'Literal');
    case 'ConditionalExpression':
      return allocates(n.consequent) || allocates(n.alternate);
    case 'LogicalExpression':
      return allocates(n.left) || allocates(n.right);
    default:
      return false;
  }
}

function rootName(n) {
  while (n && (n.type === 'MemberExpression' || n.type === 'ChainExpression')) {
    n = n.type === 'ChainExpression' ? n.expression : n.object;
  }
  if (!n) return null;
  if (n.type === 'ThisExpression') return 'this';
  return n.type === 'Identifier' ? n.name : null;
}

function calleeName(n) {
  let c = n.callee;
  if (c.type === 'ChainExpression') c = c.expression;
  if (c.type === 'Identifier') return c.name;
  if (c.type === 'MemberExpression' && !c.computed && c.property.type === 'Identifier') return c.property.name;
  return null;
}

function declaredNames(pattern, out) {
  if (!pattern) return;
  if (pattern.type === 'Identifier') out.add(pattern.name);
  else if (pattern.type === 'ObjectPattern') pattern.properties.forEach((p) => declaredNames(p.value || p.argument, out));
  else if (pattern.type === 'ArrayPattern') pattern.elements.forEach((e) => declaredNames(e, out));
  else if (pattern.type === 'RestElement') declaredNames(pattern.argument, out);
  else if (pattern.type === 'AssignmentPattern') declaredNames(pattern.left, out);
}

/**
 * What one function's own body does (nested functions are noted, not
 * entered): its calls, its stores into state that outlives the call, the
 * stores of the closures it makes, whether it returns what it allocates, and
 * its first allocation.
 */
function analyze(fn, text) {
  const src = (n) => text.slice(n.start, n.end).replace(/\s+/g, ' ').slice(0, 60);
  const out = { calls: [], stores: [], nestedStores: [], returnsAlloc: false, firstAlloc: null };
  const params = new Set();
  const fresh = new Set(); // locals bound to a new object made here: stores into them die with the call
  const locals = new Set();
  if (fn.params) fn.params.forEach((p) => declaredNames(p, params));
  const body = fn.type === 'Program' ? fn : fn.body;
  // What a function returns is its caller's to keep: a new object, a call's
  // result (`[…].join('')`), or a local bound to something made here.
  const returnsNew = (arg) => Boolean(arg) && (allocates(arg) || arg.type === 'CallExpression' ||
    arg.type === 'TaggedTemplateExpression' || arg.type === 'AwaitExpression' ||
    (arg.type === 'Identifier' && locals.has(arg.name)));
  if (fn.type === 'ArrowFunctionExpression' && fn.expression && returnsNew(fn.body)) out.returnsAlloc = true;

  const storeTarget = (n) => {
    const root = rootName(n);
    if (root === null || fresh.has(root)) return null;
    return { root, strength: params.has(root) ? 1 : 2 };
  };
  const visit = (n, stmt) => {
    const here = /Statement$|Declaration$/.test(n.type) && !isFunction(n) ? n : stmt;
    if (isFunction(n) || n.type === 'ClassExpression') {
      if (!out.firstAlloc) out.firstAlloc = n;
      if (isFunction(n)) {
        const inner = analyze(n, text);
        for (const s of inner.stores) out.nestedStores.push({ ...s, stmt: here });
      }
      return;
    }
    if (n.type === 'VariableDeclarator') {
      declaredNames(n.id, locals);
      if (n.id.type === 'Identifier' && n.init && ['ObjectExpression', 'ArrayExpression', 'NewExpression']
        .includes(n.init.type)) fresh.add(n.id.name);
    }
    if (n.type === 'CallExpression' || n.type === 'NewExpression') {
      const name = n.type === 'NewExpression' && n.callee.type === 'Identifier' ? n.callee.name : calleeName(n);
      if (name) out.calls.push({ name, node: n, stmt: here, direct: n.callee.type === 'Identifier' });
      const c = n.callee.type === 'ChainExpression' ? n.callee.expression : n.callee;
      if (n.type === 'CallExpression' && c.type === 'MemberExpression' && !c.computed &&
          STORE_METHODS.has(c.property.name) && n.arguments.some((a) => a.type !== 'Literal')) {
        const t = storeTarget(c.object);
        if (t) out.stores.push({ node: n, stmt: here, target: `${src(c.object)}.${c.property.name}()`, strength: t.strength });
      } else if (n.type === 'CallExpression' && name && TIMERS.has(name) &&
          n.arguments.some((a) => isFunction(a) || a.type === 'Identifier')) {
        out.stores.push({ node: n, stmt: here, target: `${name}()`, strength: 2 });
      }
    }
    if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' &&
        n.right.type !== 'Literal') {
      const t = storeTarget(n.left);
      const strength = t && t.strength === 2 && !locals.has(t.root) ? 2 : 1;
      // Into module or closure state: what is stored may be anything made
      // here (a call's result too); into a parameter's property, only a new
      // object counts (`record.sentAt = Date.now()` keeps nothing).
      if (t && (allocates(n.right) || (strength === 2 && ['Identifier', 'CallExpression', 'AwaitExpression']
        .includes(n.right.type)))) {
        out.stores.push({ node: n, stmt: here, target: src(n.left), strength });
      }
    }
    if (n.type === 'ReturnStatement' && returnsNew(n.argument)) out.returnsAlloc = true;
    if (!out.firstAlloc && allocates(n)) out.firstAlloc = n;
    children(n, (c) => visit(c, here));
  };
  if (fn.type !== 'Program' && fn.body.type !== 'BlockStatement') visit(fn.body, fn.body);
  else children(body, (c) => visit(c, c));
  return out;
}

const analyzeIn = (source, fn) => analyze(fn, source.text);

/** A module-level function of the file named `name` (a declaration, or a const bound to a function). */
function fileFunction(ast, name) {
  for (const s of ast.body) {
    const decl = s.type === 'ExportNamedDeclaration' && s.declaration ? s.declaration : s;
    if (decl.type === 'FunctionDeclaration' && decl.id && decl.id.name === name) return decl;
    if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations) {
        if (d.id.type === 'Identifier' && d.id.name === name && isFunction(d.init)) return d.init;
      }
    }
  }
  return null;
}

/** The line of a node, as one trimmed line of source without its comments. */
function statementText(source, node) {
  const { line } = lineCol(source, node.start);
  const from = source.lineStarts[line - 1];
  const to = line < source.lineStarts.length ? source.lineStarts[line] - 1 : source.text.length;
  let t = '';
  let at = from;
  for (const [cs, ce] of source.comments) {
    if (ce <= from || cs >= to) continue;
    t += source.text.slice(at, Math.max(at, cs));
    at = Math.max(at, ce);
  }
  t = (t + source.text.slice(Math.min(at, to), to)).trim();
  return t.length > MAX_STATEMENT_CHARS ? `${t.slice(0, MAX_STATEMENT_CHARS - 1)}…` : t;
}

/**
 * The statement for the app frame `frames[i]`: `{ at: node, why, kind, up }`
 * where `up` asks to follow the caller instead, or null.
 */
function statementIn(source, frame, callee) {
  const offset = source.lineStarts[frame.line - 1] + Math.max(0, frame.column - 1);
  if (frame.line < 1 || frame.line > source.lineStarts.length || offset > source.text.length) return null;
  const fn = source.ast ? functionAt(source.ast, offset) : functionAlone(source.text, offset);
  if (!fn) return null;
  const a = analyzeIn(source, fn);
  const inStore = (call) => a.stores.find((s) => s.node === call.node || s.stmt === call.stmt);
  const helpers = [];
  for (const c of a.calls) {
    if (!c.direct) continue;
    const helper = source.ast && fileFunction(source.ast, c.name);
    if (helper && helper !== fn) helpers.push({ name: c.name, stores: analyzeIn(source, helper).stores });
  }
  // Whether this function (itself, a same-file helper it calls or a closure
  // it makes) stores into module or closure state: it keeps what it makes.
  const holds = [a.stores, a.nestedStores, ...helpers.map((h) => h.stores)].some((l) => l.some((x) => x.strength === 2));
  const r = statementFor(a, fn, helpers, callee, inStore);
  return r && { ...r, holds };
}

function statementFor(a, fn, helpers, callee, inStore) {
  // A store into module or closure state is where the bytes are kept: it
  // comes before the call that allocated them (`rendered.set(url, page)`
  // over `res.send(page)`, which flattened the page string it keeps).
  const kept = a.stores.find((x) => x.strength === 2);
  if (kept) return { at: kept.node, kind: 'store', why: `stores into ${kept.target}` };
  if (callee && callee.function) {
    const names = namesFor(callee.function);
    const calls = a.calls.filter((c) => names.has(c.name));
    const c = calls.find(inStore) || calls[0];
    // A call whose result is returned, in a function that stores nothing,
    // hands the allocation to the caller (a helper such as `format()`).
    const returned = c && !a.stores.length && (c.stmt.type === 'ReturnStatement' || c.stmt === fn.body);
    if (c && !returned) {
      return { at: c.node, kind: inStore(c) ? 'store' : 'call', why: `calls ${callName(callee.function)}()` };
    }
  }
  // Stores, strongest first: into module or closure state (2), then into a
  // parameter's property (1); the function's own, then those of the
  // same-file helpers it calls (inlined by V8), then its closures'.
  for (const strength of [2, 1]) {
    const own = a.stores.filter((x) => x.strength === strength);
    if (own.length) return { at: own[0].node, kind: 'store', why: `stores into ${own[0].target}` };
    for (const h of helpers) {
      const hs = h.stores.find((x) => x.strength === strength);
      if (hs) return { at: hs.node, kind: 'store', why: `stores into ${hs.target} (in ${h.name}(), called here)` };
    }
    const nested = a.nestedStores.find((x) => x.strength === strength);
    if (nested) return { at: nested.stmt || nested.node, kind: 'store', why: `makes a closure that stores into ${nested.target}` };
  }
  const first = a.firstAlloc ? { at: a.firstAlloc, kind: 'allocation', why: 'allocates here' } : null;
  if (a.returnsAlloc) return { up: true, why: 'returns what it allocates', first };
  return first;
}

/**
 * The located statement of one site, or null (the site keeps its function's
 * line). `fileOf` is `locate()`'s: one stat per file per call.
 */
function locateSite(site, fileOf) {
  const frames = Array.isArray(site.frames) ? site.frames : [];
  let i = frames.findIndex((f) => f.app);
  if (i < 0) return null;
  let via = null;
  for (let hop = 0; hop <= MAX_CALLER_HOPS; hop++) {
    const f = frames[i];
    const file = fileOf(f.file);
    if (!file) return null;
    const callee = i > 0 ? frames[i - 1] : null;
    const key = `${file.p}\0${file.st.mtimeMs}\0${file.st.size}\0${f.line}:${f.column}\0${callee ? callee.function : ''}`;
    // A known result costs one stat: the file is read and parsed only for a new site.
    let r = results.get(key);
    if (r === undefined) {
      const source = parsed(file);
      const s = source && statementIn(source, f, callee);
      const at = (x) => ({ ...lineCol(source, x.at.start), statement: statementText(source, x.at), why: x.why,
        kind: x.kind, holds: s.holds });
      r = s && s.at ? at(s) : s && s.up ? { up: true, why: s.why, first: s.first ? at(s.first) : null } : null;
      if (results.size >= MAX_CACHED) results.delete(results.keys().next().value);
      results.set(key, r);
    }
    if (!r) return null;
    if (!r.up) return { frame: f, via, ...r };
    // Only to a caller of the application's own: a value returned to a
    // framework (a route handler's `res.json(…)`) is not kept by its caller.
    const j = i + 1;
    if (!frames[j] || !frames[j].app) return r.first ? { frame: f, via, ...r.first } : null;
    via = via || f;
    i = j;
  }
  return null;
}

const display = (f) => `${f.function || '(anonymous)'} (${f.file}:${f.line}:${f.column})`;

/**
 * Names the statement of every application site (in place), merges sites
 * found at one statement, and puts the storing sites first among the
 * application's, then the fastest (see the module doc). Takes
 * and returns the array `SiteTable::rank` gave (`frames` on each site).
 */
function locate(sites) {
  if (!Array.isArray(sites)) return sites;
  // Sites and their callers mostly share a few files: stat each once.
  const files = new Map();
  const statOnce = (file) => {
    if (!files.has(file)) files.set(file, fileOf(file));
    return files.get(file);
  };
  for (const s of sites) {
    if (!s || !s.in_app) continue;
    let r = null;
    try {
      r = locateSite(s, statOnce);
    } catch {
      r = null; // a parser corner acorn throws on: keep the function's line
    }
    s.function_line = s.line;
    s.function_column = s.column;
    if (!r) {
      s.line_from = 'function';
      continue;
    }
    if (r.via) {
      s.allocated_in = display(r.via);
      s.function = r.frame.function || '(anonymous)';
      s.file = r.frame.file;
      s.function_line = r.frame.line;
      s.function_column = r.frame.column;
    }
    s.line = r.line;
    s.column = r.column;
    s.location = `${s.file}:${r.line}:${r.column}`;
    s.statement = r.statement;
    s.why = r.via ? `${r.why}; ${r.via.function || '(anonymous)'}() returns what it allocates` : r.why;
    s.line_from = 'source';
    s.holds = Boolean(r.holds);
  }
  mergeSameStatement(sites);
  const app = sites.filter((s) => s && s.in_app);
  if (app.length > 1) {
    const storing = (s) => s.in_app && s.holds;
    const order = new Map(sites.map((s, k) => [s, k]));
    sites.sort((a, b) => (b.in_app - a.in_app) || (storing(b) - storing(a)) ||
      ((b.bytes_per_min || 0) - (a.bytes_per_min || 0)) || (order.get(a) - order.get(b)));
  }
  return sites;
}

/**
 * Sites found at the same statement are one place to fix: V8 counts an
 * inlined function in its caller, so while `record()` runs on its own and
 * after the optimizing compiler inlined it into `handle()`, the same
 * `audit.push(record(req))` grows under two functions. The first (fastest)
 * keeps its stack and takes the others' figures; `merged` lists the other
 * functions. In place.
 */
function mergeSameStatement(sites) {
  const first = new Map();
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    if (!s || !s.in_app || s.line_from !== 'source') continue;
    const into = first.get(s.location);
    if (!into) {
      first.set(s.location, s);
      continue;
    }
    for (const k of ['live_bytes', 'objects', 'bytes_per_min', 'growth_bytes', 'share']) into[k] += s[k] || 0;
    into.share = Math.min(1, into.share);
    into.holds = into.holds || s.holds;
    const fn = s.allocated_in || `${s.function} (${s.file}:${s.function_line}:${s.function_column})`;
    (into.merged || (into.merged = [])).push(fn);
    sites.splice(i--, 1);
  }
}

module.exports = { locate, callName, MAX_FILE_BYTES, MAX_BUNDLE_BYTES };
