'use strict';
// The plain-English explanation of a finding names what grows, who holds it,
// where it was allocated, and the usual fix.
const test = require('node:test');
const assert = require('node:assert');
const { explain } = require('../lib/diagnose/explain.js');

test('a closure leak through a module-level array', () => {
  const finding = {
    class: 'Function', count: 12000, bytes: 864000, count_per_min: 18000, bytes_per_min: 1.3e6,
    retainer_path: [
      { node: '(GC roots)' }, { edge: '27', node: 'system / Context' },
      { edge: 'tasks', edge_type: 'context', node: 'Array' },
      { edge: '[15203]', node: 'Function leakyMiddleware' },
    ],
    retainer_text: '(GC roots) → global → tasks → [15203]',
    allocation: { function: 'leakyMiddleware', file: '/app/server.js', line: 12, column: 14 },
  };
  const { headline, explanation } = explain(finding, { rate_bytes_per_sec: 20000 });
  assert.strictEqual(headline, 'Function (server.js:12) is leaking, held by tasks');
  assert.match(explanation, /about 18,000 new `Function` objects a minute \(1\.2 MB\/min\)/);
  assert.match(explanation, /kept alive by the array `tasks`, a variable in a module or function scope/);
  assert.match(explanation, /They are created at \/app\/server\.js:12:14 \(`leakyMiddleware`\)/);
  assert.match(explanation, /Remove entries from the array/);
});

test('objects captured by closures: the captured variable is named, the holder is still the array', () => {
  const finding = {
    class: 'IncomingMessage', count: 12000, bytes: 4e6,
    retainer_path: [
      { node: '(GC roots)' }, { edge: 'global', node: 'Object' }, { edge: 'tasks', node: 'Array' },
      { edge: '[15203]', node: 'Function' }, { edge: 'context', node: 'system / Context' },
      { edge: 'req', node: 'IncomingMessage' },
    ],
  };
  const { headline, explanation } = explain(finding);
  assert.strictEqual(headline, 'IncomingMessage is leaking, held by tasks');
  assert.match(explanation, /captures `req`, so that object stays in memory too/);
  assert.match(explanation, /avoid capturing the whole request/);
});

test('the holder is the last named edge before the leaking objects', () => {
  const finding = {
    class: 'Session', count: 500, bytes: 40000,
    retainer_path: [{ node: '(GC roots)' }, { edge: 'cache', node: 'Map' }, { edge: 'table', node: '(object elements)' },
      { edge: '[77]', node: 'Session' }],
  };
  const { headline, explanation } = explain(finding);
  assert.strictEqual(headline, 'Session is leaking, held by cache');
  assert.match(explanation, /the Map `cache`/);
  assert.match(explanation, /bound the collection/);
  assert.doesNotMatch(explanation, /created at/);
});

// ---- the holder of each shape of leak, through toFindings as the diagnosis runs it ----------------------------
//
// Engine-shaped retainer-path groups (like findLeaks' by_path, steps from the GC root down), modelled on the
// paths leakwatch finds in bench/scenarios/leak-*.js. Snapshot ids below 5000 are objects from before the
// baseline; the leaking objects and everything made with them have ids from 5000 up.
const { toFindings } = require('../lib/diagnose/findings.js');

const APP = '/srv/app.js';
let oldId = 100;
let newId = 5000;
/** One path step: `edge` into a node of class `cls`. */
function st(edge, cls, o = {}) {
  const type = o.type || (cls === 'Function' ? 'closure' : 'object');
  return { edge, edge_type: o.et || (/^\[\d+\]$/.test(edge || '') ? 'element' : 'property'),
    id: o.fresh ? newId++ : oldId++, type, name: o.name ?? (type === 'closure' ? '' : cls), class_name: cls,
    location: o.loc || null };
}
/** Node's HTTP server calling the app's request handler (defined at app.js:10:20), whose module scope holds the leak. */
const server = () => [
  st(null, 'global', { et: 'shortcut' }),
  st('server', 'Server', { loc: 'node:_http_server:522:16' }),
  st('_events', 'Object'),
  st('request', 'Function', { loc: `${APP}:10:20` }),
  st('context', 'system / Context', { et: 'internal' }),
];
function group(cls, steps, count = 20000, bytes = count * 56) {
  const last = steps[steps.length - 1];
  return { class_name: cls, count, self_size: bytes, steps,
    path: steps.map((x, i) => (i ? x.edge : x.class_name)).join(' → '),
    closures: steps.filter((x) => x.type === 'closure').map((x) => ({ id: x.id, name: x.name, location: x.location })),
    sample_ids: [last.id] };
}
function top(groups) {
  const findings = toFindings({ by_path: groups }, { intervalMs: 60000 });
  return { ...findings[0], ...explain(findings[0]), all: findings };
}

test('closures in a module-level array: the array, the closure site, what the closures capture', () => {
  const base = server();
  const tasks = st('tasks', 'Array', { et: 'context' });
  const closure = () => st('[15203]', 'Function', { fresh: true, loc: `${APP}:12:14` });
  const f = top([
    group('IncomingMessage', [...base, tasks, closure(), st('context', 'system / Context', { et: 'internal', fresh: true }),
      st('req', 'IncomingMessage', { et: 'context', fresh: true, loc: 'node:_http_incoming:51:20' })], 20000, 5e6),
    // Strings deep in each request: `rawHeaders` is itself new, so it is not the holder.
    group('(string)', [...base, tasks, closure(), st('context', 'system / Context', { et: 'internal', fresh: true }),
      st('req', 'IncomingMessage', { et: 'context', fresh: true }), st('rawHeaders', 'Array', { fresh: true }),
      st('[0]', '(string)', { fresh: true, type: 'string' })], 60000, 1.8e6),
    group('Function', [...base, tasks, closure()], 20000, 1.1e6),
  ]);
  assert.strictEqual(f.headline, 'Function (app.js:12) is leaking, held by tasks');
  assert.match(f.retainer_text, /^global → … → tasks → \[15203\] → Function@\d+$/);
  assert.deepStrictEqual(f.captures, ['req']);
  assert.deepStrictEqual(f.allocation, { function: null, file: APP, line: 12, column: 14, via_closure: false });
  assert.match(f.explanation, /kept alive by the array `tasks`, a variable in a module or function scope/);
  assert.match(f.explanation, /captures `req`/);
  assert.match(f.explanation, /In all, 100,000 new objects \(7\.5 MB\) are held this way: IncomingMessage 4\.8 MB/);
  assert.match(f.explanation, /They are created at \/srv\/app\.js:12:14/);
  assert.ok(f.all.every((x) => x.holder && x.holder.edge === 'tasks'), 'every group of this leak is held by tasks');
});

test('listeners on a long-lived EventEmitter: the emitter, with the event as detail', () => {
  const base = server();
  const bus = [st('configBus', 'EventEmitter', { et: 'context', loc: 'node:events:219:22' }), st('_events', 'Object'),
    st('config-changed', 'Array')];
  const listener = () => st('[48782]', 'Function', { fresh: true, loc: `${APP}:16:34` });
  const f = top([
    group('Object', [...base, ...bus, listener(), st('context', 'system / Context', { et: 'internal', fresh: true }),
      st('ctx', 'Object', { et: 'context', fresh: true })], 21000, 1.2e6),
    group('Function', [...base, ...bus, listener()], 21000, 1.2e6),
  ]);
  assert.strictEqual(f.headline, "Function (app.js:16) is leaking, held by configBus ('config-changed' listeners)");
  assert.strictEqual(f.holder.kind, 'emitter');
  assert.match(f.retainer_text, /^global → … → configBus → _events → config-changed → \[48782\] → Function@\d+$/);
  assert.match(f.explanation, /the EventEmitter `configBus`, through its 'config-changed' listeners/);
  assert.match(f.explanation, /The listeners are created at \/srv\/app\.js:16:34/);
  assert.match(f.explanation, /`configBus\.off\('config-changed', listener\)`/);
  // One listener only: `_events.<event>` is the function itself, no array.
  const one = top([group('Function', [...base, bus[0], bus[1], st('config-changed', 'Function', { fresh: true, loc: `${APP}:16:34` })])]);
  assert.strictEqual(one.headline, "Function (app.js:16) is leaking, held by configBus ('config-changed' listeners)");
});

test('a Map keyed by request id: the Map, and the function whose scope holds it', () => {
  const base = server();
  const sessions = st('sessions', 'Map', { et: 'context' });
  const entry = () => [sessions, st('table', '(array)', { et: 'internal', fresh: true }),
    st('245198', 'Object', { et: 'internal', fresh: true })];
  const f = top([
    group('(string)', [...base, ...entry(), st('url', '(string)', { fresh: true, type: 'string' })], 21000, 1.2e6),
    group('Object', [...base, ...entry()], 21000, 1.1e6),
  ]);
  assert.strictEqual(f.headline, 'Object (app.js:10) is leaking, held by sessions');
  assert.match(f.retainer_text, /^global → … → sessions → table → 245198 → Object@\d+$/);
  assert.match(f.explanation, /the Map `sessions`, a variable in a module or function scope/);
  assert.match(f.explanation, /`sessions` is in the scope of the function at \/srv\/app\.js:10:20/);
  assert.match(f.explanation, /bound the collection/);
  assert.strictEqual(f.allocation.holder_scope, true);
});

test('strings appended to an array (a slow leak)', () => {
  const f = top([group('(concatenated string)', [...server(), st('audit', 'Array', { et: 'context' }),
    st('[52718]', '(concatenated string)', { fresh: true, type: 'concatenated string' })], 21600, 690000)]);
  assert.strictEqual(f.headline, '(concatenated string) (app.js:10) is leaking, held by audit');
  assert.match(f.explanation, /the array `audit`/);
  assert.match(f.explanation, /Remove entries from the array once they are processed, or cap its length/);
});

test('setInterval per request: Node\'s timer list holds the timers, the callback site is the culprit', () => {
  const shared = [st(null, 'global', { et: 'shortcut' }), st('clearTimeout', 'Function', { loc: 'node:timers:197:22' }),
    st('context', 'system / Context', { et: 'internal' }), st('timerListMap', 'Object', { et: 'context' }),
    st('[30000]', 'TimersList', { et: 'shortcut', loc: 'node:internal/timers:240:20' })];
  const list = () => shared;
  const timeouts = (n) => Array.from({ length: n }, () => st('_idleNext', 'Timeout', { fresh: true, loc: 'node:internal/timers:165:15' }));
  const f = top([
    // The timers themselves: linked one after another; nothing on the path is the program's.
    group('Timeout', [...list(), ...timeouts(4)], 21000, 2.4e6),
    // What each timer's callback captures.
    group('Object', [...list(), ...timeouts(2), st('_onTimeout', 'Function', { fresh: true, loc: `${APP}:15:15` }),
      st('context', 'system / Context', { et: 'internal', fresh: true }), st('job', 'Object', { et: 'context', fresh: true })],
    21000, 1.3e6),
  ]);
  assert.strictEqual(f.headline, "Timeout (app.js:15) is leaking, held by a timer never cleared (30000 ms, Node's timer list)");
  assert.strictEqual(f.holder.kind, 'timer');
  assert.strictEqual(f.holder.edge, 'timerListMap');
  assert.strictEqual(f.holder.list_ms, 30000);
  assert.match(f.retainer_text, /^global → … → timerListMap → \[30000\] → _idleNext ×4 → Timeout@\d+$/);
  assert.deepStrictEqual([f.allocation.file, f.allocation.line, f.allocation.column], [APP, 15, 15]);
  assert.match(f.explanation, /Node's timer list for 30000 ms timers/);
  assert.match(f.explanation, /The timer's callback is created at \/srv\/app\.js:15:15/);
  assert.match(f.explanation, /captures `job`/);
  assert.match(f.explanation, /clearInterval/);
});

test('a timer list entered through another timer, thousands of links long, stays a short path', () => {
  // The shortest path can reach the list through the HTTP server's own interval timer, a member of the same list.
  const steps = [...server(), st('<symbol http.server.connectionsCheckingInterval>', 'Timeout', { loc: 'node:internal/timers:165:15' }),
    ...Array.from({ length: 3000 }, () => st('_idleNext', 'Timeout', { fresh: true, loc: 'node:internal/timers:165:15' }))];
  const job = [...server(), st('<symbol http.server.connectionsCheckingInterval>', 'Timeout'),
    st('_idleNext', 'Timeout', { fresh: true }), st('_onTimeout', 'Function', { fresh: true, loc: `${APP}:15:15` })];
  const f = top([group('Timeout', steps, 21000, 2.4e6), group('Function', job, 21000, 1.2e6)]);
  assert.strictEqual(f.headline, "Timeout (app.js:15) is leaking, held by a timer never cleared (Node's timer list)");
  assert.strictEqual(f.holder.edge, 'timerListMap');
  assert.match(f.retainer_text, /→ <symbol http\.server\.connectionsCheckingInterval> → _idleNext ×3000 → Timeout@\d+$/);
  assert.ok(f.retainer_path.length < 12, `${f.retainer_path.length} steps kept`);
  assert.strictEqual(f.retainer_path[f.retainer_path.length - 1].repeat, 3000);
  assert.ok(JSON.stringify(f).length < 20000, 'the finding stays small');
});

test('an array in a block scope whose name the snapshot lacks (a worker\'s request contexts)', () => {
  const f = top([group('Object', [...server(), st('[0]', 'Array', { et: 'hidden' }),
    st('[62428]', 'Object', { fresh: true })], 21000, 1.2e6)]);
  assert.strictEqual(f.headline, 'Object (app.js:10) is leaking, held by an array in the scope of the function at app.js:10');
  assert.match(f.retainer_text, /^global → … → request → Function → context → \[0\] → \[62428\] → Object@\d+$/);
  assert.match(f.explanation, /block-scoped variable, whose name the heap snapshot does not record/);
  // Not the server's 'request' listeners further up: they hold the handler, not the leak.
  assert.notStrictEqual(f.holder.kind, 'emitter');
});

test('an object used as a dictionary, and the largest leak first', () => {
  const base = server();
  const small = group('Object', [...base, st('cache', 'Object', { et: 'context' }), st('req-77', 'Object', { fresh: true })], 10, 640);
  const big = group('Function', [...base, st('tasks', 'Array', { et: 'context' }),
    st('[3]', 'Function', { fresh: true, loc: `${APP}:12:14` })], 20000, 1.1e6);
  const findings = toFindings({ by_path: [small, big] }, { intervalMs: 60000 });
  assert.deepStrictEqual(findings.map((x) => x.holder.edge), ['tasks', 'cache']);
  const dict = explain(findings[1]);
  assert.strictEqual(dict.headline, 'Object (app.js:10) is leaking, held by cache');
  assert.match(dict.explanation, /Delete keys when they are no longer needed/);
});
