'use strict';
/**
 * Snapshot analysis through the JS API: real snapshots written by
 * a child program with known objects (test/fixtures/snapshots/js-child.js),
 * checked for exact counts; memwatch's HeapDiff; hostile input.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const leakwatch = require('..');

const CHILD = path.join(__dirname, 'fixtures', 'snapshots', 'js-child.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-analysis-test-'));
const snap = (name) => path.join(dir, `${name}.heapsnapshot`);

test.before(() => {
  const r = spawnSync(process.execPath, [CHILD, dir], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 1-based line and column of `needle` on the line marked LINE-MARKER `what`. */
function marker(what, needle) {
  const lines = fs.readFileSync(CHILD, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.endsWith(`LINE-MARKER ${what}`));
  return { line: i + 1, column: lines[i].indexOf(needle) + 1 };
}

test('analyze counts the known instances exactly', async () => {
  const s = await leakwatch.analyze(snap('one'), { top: Infinity });
  const row = (n) => s.classes.find((c) => c.name === n);
  assert.equal(row('Widget').count, 1234);
  assert.equal(row('LeakyReq').count, 700);
  assert.equal(row('Widget').self_size % 1234, 0, 'equal-sized instances');
  assert.ok(row('Widget').retained_size >= row('Widget').self_size);
  assert.equal(typeof row('Widget').distance, 'number');
  assert.equal(s.class_count, s.classes.length);
  assert.equal(s.total_count, s.classes.reduce((a, c) => a + c.count, 0));
  assert.ok(s.node_count > s.total_count / 2 && s.edge_count > s.node_count);
  // top and sort
  const top = await leakwatch.analyze(snap('one'), { top: 3, sort: 'count' });
  assert.equal(top.classes.length, 3);
  assert.ok(top.classes[0].count >= top.classes[1].count && top.classes[1].count >= top.classes[2].count);
  assert.equal(top.class_count, s.class_count);
});

test('diff counts added and removed objects per class', async () => {
  const d = await leakwatch.diff(snap('target'), snap('final'), { top: Infinity });
  const row = (n) => d.classes.find((c) => c.name === n);
  assert.deepEqual([row('Gadget').added_count, row('Gadget').removed_count, row('Gadget').count_delta], [50, 0, 50]);
  assert.deepEqual([row('Temp').added_count, row('Temp').removed_count, row('Temp').count_delta], [0, 100, -100]);
  assert.equal(row('Temp').size_delta, -row('Temp').removed_size);
  assert.equal(row('Widget'), undefined, 'unchanged classes are left out');
  const d2 = await leakwatch.diff(snap('baseline'), snap('target'), { top: Infinity });
  assert.equal(d2.classes.find((c) => c.name === 'Gadget').added_count, 300);
  assert.equal(d2.classes.find((c) => c.name === 'LeakyReq').added_count, 700);
  const same = await leakwatch.diff(snap('final'), snap('final'));
  assert.deepEqual([same.added_count, same.removed_count, same.classes.length], [0, 0, 0]);
});

test('findLeaks finds the leaking class, its path through tasks and the closure', async () => {
  const r = await leakwatch.findLeaks({ baseline: snap('baseline'), target: snap('target'), final: snap('final') },
    { top: Infinity });
  const leaky = r.by_class.find((c) => c.name === 'LeakyReq');
  assert.equal(leaky.count, 700);
  assert.equal(r.by_class.find((c) => c.name === 'Gadget').count, 300, 'only those allocated before target');
  assert.equal(r.by_class.find((c) => c.name === 'Temp'), undefined, 'dead by final');
  const group = r.by_path.find((p) => p.class_name === 'LeakyReq');
  assert.equal(group.count, 700, group.shape);
  assert.match(group.path, / → tasks → \[\d+\] → \(closure\) → context → req → LeakyReq@\d+$/);
  const onDone = group.closures.find((c) => c.name === 'onDone');
  const m = marker('onDone', 'function onDone');
  assert.equal(onDone.file, CHILD);
  assert.equal(onDone.line, m.line);
  assert.equal(onDone.location, `${CHILD}:${m.line}:${onDone.column}`);
  assert.ok(onDone.column >= m.column && onDone.column <= m.column + 'function onDone('.length, `${onDone.column}`);
  assert.equal(r.total_count, r.by_class.reduce((a, c) => a + c.count, 0));
});

test('retainers by class and by id', async () => {
  const c = await leakwatch.retainers(snap('one'), 'LeakyReq', { top: 5 });
  assert.equal(c.count, 700);
  assert.equal(c.instances.length, 5);
  assert.match(c.path, / → tasks → \[\d+\] → \(closure\) → context → req → LeakyReq@\d+$/);
  const id = c.instances[0].id;
  for (const q of [id, `@${id}`]) {
    const r = await leakwatch.retainers(snap('one'), q);
    assert.equal(r.node.id, id);
    assert.equal(r.node.class_name, 'LeakyReq');
    assert.equal(r.retainer_count, 1);
    assert.equal(r.retainers[0].edge, 'req');
    assert.equal(r.retainers[0].node.name, 'system / Context');
    assert.ok(r.steps.length > 3 && r.steps.at(-1).id === id);
  }
  await assert.rejects(leakwatch.retainers(snap('one'), 4294967295), { code: 'ERR_LEAKWATCH_SNAPSHOT_QUERY' });
  await assert.rejects(leakwatch.retainers(snap('one'), 'NoSuchClass'), /no class named "NoSuchClass"/);
  await assert.rejects(leakwatch.retainers(snap('one'), {}), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('progress is reported in order and never after the promise settles', async () => {
  const seen = [];
  const r = await leakwatch.analyze(snap('one'), { onProgress: (phase, fraction) => seen.push([phase, fraction]) });
  const n = seen.length;
  assert.ok(r.classes.length > 0);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(seen.length, n, 'no call after settling');
  assert.ok(n >= 3, JSON.stringify(seen));
  for (let i = 1; i < n; i++) assert.ok(seen[i][1] >= seen[i - 1][1], JSON.stringify(seen));
  assert.ok(seen.every(([p, f]) => typeof p === 'string' && f >= 0 && f <= 1));
  assert.ok(seen.some(([p]) => p === 'parse'));
  const phases = [];
  await leakwatch.findLeaks({ baseline: snap('baseline'), target: snap('target'), final: snap('final') },
    { onProgress: (p) => phases.includes(p) || phases.push(p) });
  for (const p of ['parse baseline', 'parse target', 'parse final']) assert.ok(phases.includes(p), phases.join());
});

test('a pending analysis with a progress callback does not keep the process alive afterwards', () => {
  const code = `const lw = require(${JSON.stringify(path.join(__dirname, '..'))});
    lw.analyze(${JSON.stringify(snap('one'))}, { onProgress() {} }).then((s) => console.log('done', s.class_count));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^done \d+/);
});

test('HeapDiff: memwatch shape and semantics', () => {
  class HdLeak {}
  const keep = [];
  const hd = new leakwatch.HeapDiff();
  for (let i = 0; i < 321; i++) keep.push(new HdLeak());
  const d = hd.end();
  assert.deepEqual(Object.keys(d), ['before', 'after', 'change']);
  for (const side of [d.before, d.after]) {
    assert.deepEqual(Object.keys(side), ['nodes', 'size_bytes', 'size']);
    assert.ok(Number.isInteger(side.nodes) && side.nodes > 1000);
    assert.match(side.size, /^\d+(\.\d+)? (bytes|kb|mb)$/);
  }
  assert.deepEqual(Object.keys(d.change), ['size_bytes', 'size', 'freed_nodes', 'allocated_nodes', 'details']);
  assert.equal(d.change.size_bytes, d.after.size_bytes - d.before.size_bytes);
  const row = d.change.details.find((x) => x.what === 'HdLeak');
  assert.deepEqual(Object.keys(row), ['what', 'size_bytes', 'size', '+', '-']);
  assert.equal(row['+'], 321);
  assert.equal(row['-'], 0);
  assert.ok(row.size_bytes > 0 && row.size_bytes % 321 === 0);
  const whats = d.change.details.map((x) => x.what);
  assert.deepEqual(whats, [...whats].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)))),
    'byte order, as std::map');
  assert.ok(!whats.includes('HeapDiff'), 'the diff machinery is left out');
  assert.ok(d.change.allocated_nodes >= 321);
  assert.throws(() => hd.end(), { message: 'attempt to end() a HeapDiff that was already ended' });
  assert.throws(() => leakwatch.HeapDiff(), { name: 'TypeError', message: /new operator/ });
  assert.equal(keep.length, 321);
});

test('HeapDiff leaves no temp file behind', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-hd-tmp-'));
  try {
    const code = `const lw = require(${JSON.stringify(path.join(__dirname, '..'))});
      const hd = new lw.HeapDiff(); const d = hd.end(); console.log(d.change.details.length > 0);`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60000,
      env: { ...process.env, TMPDIR: tmp } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'true');
    assert.deepEqual(fs.readdirSync(tmp), []);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------ hostile input

const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
    'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'],
  'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
};

/** A tiny valid snapshot: root → Thing → "str"; `patch` edits the object. */
function tiny(patch = (s) => s) {
  const s = {
    snapshot: { meta: META, node_count: 3, edge_count: 2 },
    nodes: [9, 0, 1, 0, 1, 0, 0, 3, 1, 3, 24, 1, 0, 0, 2, 2, 5, 16, 0, 0, 0],
    edges: [1, 0, 7, 2, 3, 14],
    strings: ['', 'Thing', 'str', 'p'],
  };
  return JSON.stringify(patch(s));
}

function write(name, content) {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

test('a tiny valid snapshot analyses', async () => {
  const s = await leakwatch.analyze(write('tiny.heapsnapshot', tiny()));
  assert.equal(s.node_count, 3);
  assert.equal(s.classes.find((c) => c.name === 'Thing').count, 1);
});

test('hostile input rejects with a code, a message and a byte offset, never a crash', async () => {
  const valid = tiny();
  const cases = [
    ['empty', '', 'ERR_LEAKWATCH_SNAPSHOT_SYNTAX', /empty/],
    ['truncated', valid.slice(0, valid.indexOf('"edges"') + 12), 'ERR_LEAKWATCH_SNAPSHOT_SYNTAX', /./],
    ['wrong field count', tiny((s) => ({ ...s, nodes: s.nodes.slice(0, -1) })), 'ERR_LEAKWATCH_SNAPSHOT_FORMAT', /./],
    ['node_count 10^12', tiny((s) => ({ ...s, snapshot: { ...s.snapshot, node_count: 1e12 } })),
      'ERR_LEAKWATCH_SNAPSHOT_FORMAT', /./],
    ['edge out of range', tiny((s) => ({ ...s, edges: [1, 0, 7, 2, 3, 7000] })), 'ERR_LEAKWATCH_SNAPSHOT_FORMAT', /./],
    ['bad escape', valid.replace('"Thing"', '"Th\\xing"'), 'ERR_LEAKWATCH_SNAPSHOT_SYNTAX', /./],
    ['not a snapshot', '{"hello": 1}', 'ERR_LEAKWATCH_SNAPSHOT_FORMAT', /missing top-level "snapshot"/],
    ['gzip garbage', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), 'ERR_LEAKWATCH_SNAPSHOT_IO', /gzip/],
  ];
  for (const [name, content, code, re] of cases) {
    const f = write(`hostile-${name.replace(/\W/g, '_')}.heapsnapshot`, content);
    await assert.rejects(leakwatch.analyze(f), (e) => {
      assert.ok(e instanceof Error, name);
      assert.equal(e.code, code, `${name}: ${e.message}`);
      assert.match(e.message, re, name);
      assert.match(e.message, /^leakwatch\.analyze: /, name);
      if (code === 'ERR_LEAKWATCH_SNAPSHOT_SYNTAX') {
        assert.equal(typeof e.offset, 'number', `${name}: ${e.message}`);
        assert.match(e.message, /at byte \d+/, name);
      }
      if (process.env.LEAKWATCH_SHOW_ERRORS) console.log(name, '→', e.message);
      return true;
    }, name);
  }
  await assert.rejects(leakwatch.analyze(path.join(dir, 'missing.heapsnapshot')),
    { code: 'ERR_LEAKWATCH_SNAPSHOT_IO', message: /missing\.heapsnapshot: No such file/ });
  await assert.rejects(leakwatch.analyze(dir), { code: 'ERR_LEAKWATCH_SNAPSHOT_IO' }, 'a directory');
  // Three files: the message names the one that is bad.
  const bad = write('bad-final.heapsnapshot', '{');
  await assert.rejects(leakwatch.findLeaks({ baseline: snap('baseline'), target: snap('target'), final: bad }),
    { message: /bad-final\.heapsnapshot/ });
});

test('invalid UTF-8 in strings is tolerated (replacement characters), as DevTools does', async () => {
  const buf = Buffer.from(tiny());
  const at = buf.indexOf('Thing');
  buf[at + 1] = 0xff;
  const s = await leakwatch.analyze(write('utf8.heapsnapshot', buf), { top: Infinity });
  assert.ok(s.classes.some((c) => c.name === 'T\ufffding'), JSON.stringify(s.classes.map((c) => c.name)));
});

test('random corruption of a real snapshot never crashes the process', async () => {
  const text = fs.readFileSync(snap('one'));
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  let rejected = 0;
  for (let i = 0; i < 40; i++) {
    const b = Buffer.from(text);
    if (i % 4 === 0) {
      const cut = rnd() % b.length;
      fs.writeFileSync(path.join(dir, 'corrupt.heapsnapshot'), b.subarray(0, cut));
    } else {
      for (let k = 0; k < 1 + (rnd() % 8); k++) b[rnd() % b.length] = rnd() % 256;
      fs.writeFileSync(path.join(dir, 'corrupt.heapsnapshot'), b);
    }
    try {
      await leakwatch.analyze(path.join(dir, 'corrupt.heapsnapshot'));
    } catch (e) {
      assert.match(e.code, /^ERR_LEAKWATCH_SNAPSHOT_/, e.message);
      rejected++;
    }
  }
  assert.ok(rejected >= 10, `${rejected}`);
});

test('bad arguments reject with ERR_INVALID_ARG_TYPE', async () => {
  await assert.rejects(leakwatch.analyze(), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(leakwatch.analyze(snap('one'), { top: -1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(leakwatch.analyze(snap('one'), { sort: 'size' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(leakwatch.analyze(snap('one'), { onProgress: 5 }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(leakwatch.diff(snap('one')), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(leakwatch.findLeaks({ baseline: snap('one') }), { code: 'ERR_INVALID_ARG_TYPE' });
});

// memwatch did not report the collections its own HeapDiff snapshots cause.
// Native records are drained synchronously around the snapshot; perf_hooks
// delivers them later, so there they are reported like any other.
test('HeapDiff snapshots do not emit stats events (native backend)', { skip: leakwatch.backend !== 'v8' }, async () => {
  await new Promise((r) => setTimeout(r, 20));
  const seen = [];
  const h = (e) => seen.push(e.seq);
  leakwatch.on('stats', h);
  const before = leakwatch.getStats();
  const hd = new leakwatch.HeapDiff();
  hd.end();
  const after = leakwatch.getStats();
  await new Promise((r) => setTimeout(r, 50));
  leakwatch.off('stats', h);
  // The service's own full GCs may come before or after (and emit); the
  // snapshots' collections are those numbered between the two readings.
  assert.deepStrictEqual(seen.filter((seq) => seq > before.num_gc && seq <= after.num_gc), []);
  assert.ok(after.num_full_gc > before.num_full_gc, 'the collections are still counted');
});
