'use strict';
// lib/source-lines.js: from the function V8's sampler names to the statement
// a person fixes, on a fixture of leaking patterns (test/fixtures/
// source-lines-app.js marks each function `FN name` and its statement
// `AT name`). Frames are given as V8 gives them: the function's position is
// its parameter list.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { locate, MAX_FILE_BYTES, MAX_BUNDLE_BYTES } = require('../lib/source-lines.js');

const APP = path.join(__dirname, 'fixtures', 'source-lines-app.js');
const LINES = fs.readFileSync(APP, 'utf8').split('\n');
const lineOf = (tag) => {
  const i = LINES.findIndex((l) => l.includes(`// ${tag}`));
  assert.ok(i >= 0, `no "${tag}" in the fixture`);
  return i + 1;
};
/** V8's frame for the function marked `FN name`: its line and the column of its parameter list. */
const fn = (tag, v8name = tag) => {
  const line = lineOf(`FN ${tag}`);
  return { function: v8name, file: APP, line, column: LINES[line - 1].indexOf('(') + 1, app: true };
};
const runtime = (name, file = '') => ({ function: name, file, line: file ? 10 : 0, column: file ? 3 : 0, app: false });
const site = (frames, extra = {}) => {
  const f = frames.find((x) => x.app) || frames[0];
  return { function: f.function, file: f.file, line: f.line, column: f.column, location: `${f.file}:${f.line}:${f.column}`,
    in_app: frames.some((x) => x.app), bytes_per_min: 1000, frames, ...extra };
};

const cases = [
  ['a closure pushed into a module array', [runtime('join'), fn('closure')], 'closure', /stores into tasks\.push\(\)/],
  ['a helper that returns what it makes: its caller\'s call', [fn('helper', 'format'), fn('caller', 'recordRequest')], 'helper',
    /calls format\(\); format\(\) returns what it allocates/],
  ['an inlined same-file helper that stores', [runtime('join'), fn('inlined')], 'inlined',
    /stores into sessions\.set\(\) \(in remember\(\), called here\)/],
  ['a listener on a module-level emitter', [runtime('_addListener', 'node:events'),
    runtime('addListener', 'node:events'), fn('listener')], 'listener', /stores into bus\.on\(\)/],
  ['a closure registered on a timer', [fn('timer')], 'timer', /stores into setInterval\(\)/],
  ['a Buffer allocated by Node for this line', [runtime('FastBuffer', 'node:internal/buffer'), runtime('alloc', 'node:buffer'),
    fn('buffer')], 'buffer', /calls alloc\(\)/],
  ['a pending promise whose resolver is kept', [fn('promise')], 'promise', /makes a closure that stores into waiters\.push\(\)/],
  ['a property set on a parameter', [fn('param')], 'param', /stores into req\.user/],
  ['no store: the first allocation', [fn('alloc')], 'alloc', /allocates here/],
  ['a helper setting a number on its parameter keeps nothing', [runtime('join'), fn('pending')], 'pending',
    /allocates here/],
];

for (const [name, frames, tag, why] of cases) {
  test(`statement: ${name}`, () => {
    const s = site(frames);
    const fnLine = s.line;
    locate([s]);
    assert.strictEqual(s.line_from, 'source', JSON.stringify(s));
    assert.strictEqual(s.line, lineOf(`AT ${tag}`), `${s.why}: ${s.statement}`);
    assert.match(s.why, why);
    assert.strictEqual(s.location, `${APP}:${s.line}:${s.column}`);
    assert.ok(LINES[s.line - 1].trim().startsWith(s.statement.replace(/…$/, '')), s.statement);
    if (!s.allocated_in) assert.strictEqual(s.function_line, fnLine);
  });
}

test('a helper\'s caller becomes the site; the helper is kept as allocated_in', () => {
  const s = site([fn('helper', 'format'), fn('caller', 'recordRequest')]);
  locate([s]);
  assert.strictEqual(s.function, 'recordRequest');
  assert.strictEqual(s.function_line, lineOf('FN caller'));
  assert.match(s.allocated_in, /^format \(.*source-lines-app\.js:\d+:\d+\)$/);
});

test('one statement sampled under two functions (a helper, then inlined in its caller) is one site', () => {
  // Before inlining, V8 names the helper; after it, the caller: both are
  // the caller's one call.
  const helper = site([fn('entry'), fn('keep')],
    { bytes_per_min: 600, live_bytes: 6000, objects: 60, growth_bytes: 3000, share: 0.3 });
  const caller = site([fn('keep')],
    { bytes_per_min: 1200, live_bytes: 9000, objects: 90, growth_bytes: 5000, share: 0.6 });
  const other = site([fn('alloc')], { bytes_per_min: 100, live_bytes: 50, objects: 1, growth_bytes: 50, share: 0.1 });
  const sites = locate([caller, helper, other]);
  assert.deepStrictEqual(sites.map((s) => s.line), [lineOf('AT keep'), lineOf('AT alloc')]);
  const [one] = sites;
  assert.strictEqual(one, caller, 'the faster keeps its stack');
  assert.deepStrictEqual([one.bytes_per_min, one.live_bytes, one.objects, one.growth_bytes, one.share],
    [1800, 15000, 150, 8000, 0.8999999999999999]);
  assert.deepStrictEqual(one.merged.map((m) => m.replace(/ \(.*/, '')), ['entry']);
});

test('sources it cannot read keep the function\'s line and say so', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-lines-'));
  try {
    const ts = path.join(dir, 'app.ts');
    fs.writeFileSync(ts, 'function handle(req: Request): void {\n  kept.push(req as any);\n}\n');
    const huge = path.join(dir, 'huge.js');
    fs.writeFileSync(huge, `function f(a) {\n  kept.push(a);\n}\n${'//'.padEnd(MAX_BUNDLE_BYTES, 'x')}\n`);
    for (const file of [ts, huge, path.join(dir, 'gone.js'), '[eval]', 'node:internal/x']) {
      const s = site([{ function: 'handle', file, line: 1, column: 16, app: true }]);
      locate([s]);
      assert.strictEqual(s.line_from, 'function', file);
      assert.strictEqual(s.line, 1);
      assert.strictEqual(s.statement, undefined);
    }
    // A frame past the end of a (changed) file.
    const short = path.join(dir, 'short.js');
    fs.writeFileSync(short, 'kept.push(1);\n');
    const s = site([{ function: 'gone', file: short, line: 40, column: 3, app: true }]);
    locate([s]);
    assert.strictEqual(s.line_from, 'function');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('in a file too large to parse whole (a bundle), the function alone is read', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-lines-'));
  try {
    const bundle = path.join(dir, 'server.bundle.js');
    const pad = `/* ${'x'.repeat(MAX_FILE_BYTES)} */\n`;
    const code = [
      'var cache = new Map();', // 2
      'function handle(req, res) {', // 3
      '  var page = render(req);', // 4
      '  cache.set(req.url, page);', // 5
      '}', // 6
      'var onData = async (chunk) => {', // 7
      '  queue.push(chunk);', // 8
      '};', // 9
      'class Store { add(x) { this.items.push(x); } }', // 10
    ];
    fs.writeFileSync(bundle, `${pad}${code.join('\n')}\n`);
    const at = (line, column) => {
      const s = site([{ function: 'f', file: bundle, line, column, app: true }]);
      locate([s]);
      return s;
    };
    const h = at(3, 16);
    assert.deepStrictEqual([h.line_from, h.line, h.why], ['source', 5, 'stores into cache.set()']);
    const d = at(7, 20);
    assert.deepStrictEqual([d.line_from, d.line, d.why], ['source', 8, 'stores into queue.push()']);
    const m = at(10, 18); // a method: not read alone
    assert.deepStrictEqual([m.line_from, m.line], ['function', 10]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sites outside the application are left as they are', () => {
  const s = site([runtime('IncomingMessage', 'node:_http_incoming')]);
  const before = JSON.stringify(s);
  locate([s]);
  assert.strictEqual(JSON.stringify(s), before);
});

test('a growing site that holds (stores into module state) goes first among the app\'s, however slow', () => {
  const allocating = () => site([fn('alloc')], { bytes_per_min: 40000 });
  const holding = (rate) => site([runtime('join'), fn('closure')], { bytes_per_min: rate });
  const param = () => site([fn('param')], { bytes_per_min: 20000 }); // stores into a parameter only
  const node = () => ({ in_app: false, function: 'parser', bytes_per_min: 90000 });
  const a = locate([allocating(), node(), param(), holding(500)]);
  assert.deepStrictEqual(a.map((s) => s.function), ['closure', 'alloc', 'param', 'parser']);
  assert.deepStrictEqual(a.map((s) => s.holds), [true, false, false, undefined]);
});

test('a returned allocation goes up only to a caller of the application\'s own', () => {
  // A route handler returning res.json(…) to the framework: its own first allocation, not the framework's caller.
  const frames = [runtime('send', '/srv/node_modules/express/lib/response.js'), fn('helper', 'format'),
    runtime('handle', '/srv/node_modules/router/index.js'), fn('caller', 'recordRequest')];
  const s = site(frames);
  locate([s]);
  assert.strictEqual(s.function, 'format');
  assert.strictEqual(s.line, lineOf('FN helper') + 1, `${s.why}: ${s.statement}`);
  assert.strictEqual(s.allocated_in, undefined);
});
