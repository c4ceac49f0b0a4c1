'use strict';
// The plain-English explanation of a finding names what grows, who holds it,
// where it was allocated, and the usual fix.
const test = require('node:test');
const assert = require('node:assert');
const { explain } = require('../lib/explain.js');

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

test('listener and timer retention get their own advice', () => {
  const listener = explain({ class: 'Function', count: 3, bytes: 10,
    retainer_path: [{ node: '(GC roots)' }, { edge: 'bus', node: 'EventEmitter' }, { edge: '_events', node: 'Object' },
      { edge: 'data', node: 'Array' }, { edge: '[2]', node: 'Function' }] });
  assert.match(listener.explanation, /Remove the listener/);
  const timer = explain({ class: 'Timeout', count: 3, bytes: 10,
    retainer_path: [{ node: '(GC roots)' }, { edge: 'timerListMap', node: 'Object' }, { edge: '1000', node: 'TimersList' },
      { edge: '_idleNext', node: 'Timeout' }] });
  assert.match(timer.explanation, /Clear the timer/);
});
