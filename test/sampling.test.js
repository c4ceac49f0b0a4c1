'use strict';
// Allocation sampling (lib/sampling.js over V8's sampling heap profiler):
// sites name the growing function, per thread; another sampler in the same
// thread is left alone and reported; options switch it at run time.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');

/** Runs `code` in a fresh Node with leakwatch at hand (`lw()` requires it); its last stdout line as JSON. */
function child(code, env = {}) {
  const r = spawnSync(process.execPath, ['-e', `const lw = () => require(${JSON.stringify(ROOT)});\n${code}`], {
    encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env } });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// Grows ~40 MB of live records from one named function, with a full GC after each step (a reading follows
// each, at most one per 500 ms).
const GROW = `
  const kept = [];
  function growRecords(n) { for (let i = 0; i < n; i++) kept.push({ i, s: 'record ' + i + ' '.repeat(40) }); }
  async function grow(w) {
    for (let r = 0; r < 8; r++) { growRecords(50000); w.gc(); await new Promise((res) => setTimeout(res, 300)); }
  }`;

test('the growing function is the top site; readings are cheap and bounded', () => {
  const out = child(`${GROW}
    const w = lw();
    grow(w).then(() => {
      const s = w.getStats();
      console.log(JSON.stringify({ sampling: s.sampling, sites: s.sites }));
    });`);
  assert.strictEqual(out.sampling.state, 'sampling', JSON.stringify(out.sampling));
  assert.ok(out.sampling.readings >= 3, JSON.stringify(out.sampling)); // at most one per 500 ms
  assert.ok(out.sampling.max_reading_ms < 100, JSON.stringify(out.sampling));
  assert.ok(out.sampling.memory_bytes > 0 && out.sampling.memory_bytes < 1 << 20);
  const top = out.sites[0];
  assert.ok(top, 'a growing site');
  assert.strictEqual(top.function, 'growRecords', JSON.stringify(out.sites, null, 1));
  assert.strictEqual(top.file, '[eval]', 'the -e script');
  assert.ok(top.live_bytes > 5e6 && top.bytes_per_min > 0, JSON.stringify(top));
});

test('between full GCs a reading waits for the next collection; with none coming, the timer reads', () => {
  // A reading between two young collections would count the garbage made
  // since the last one; right after one, that garbage's samples are gone.
  const out = child(`
    const w = lw();
    w.configure({ sitesEveryMs: 200 });
    let sink;
    function churn(ms) {
      return new Promise((res) => {
        const end = Date.now() + ms;
        (function step() {
          for (let i = 0; i < 20000; i++) sink = { i, s: 'x' + i };
          if (Date.now() < end) setImmediate(step); else res();
        })();
      });
    }
    (async () => {
      await churn(2000);
      const busy = w.getStats().sampling.readings_by;
      await new Promise((r) => setTimeout(r, 1500)); // idle: no allocation, no collection
      const idle = w.getStats().sampling.readings_by;
      console.log(JSON.stringify({ busy, idle }));
    })();`);
  const { busy, idle } = out;
  assert.ok(busy.after_gc >= 3 && busy.after_gc > busy.timer, JSON.stringify(out));
  assert.ok(idle.timer - busy.timer >= 1, `idle: the timer reads without a collection ${JSON.stringify(out)}`);
  assert.ok(idle.after_gc - busy.after_gc <= 1, JSON.stringify(out));
});

test('another sampler already running in the thread is left alone, and getStats says why', () => {
  const out = child(`
    const inspector = require('node:inspector');
    const session = new inspector.Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: 32768 });
    const w = lw();
    const s = w.getStats().sampling;
    let theirs = null;
    session.post('HeapProfiler.getSamplingProfile', (err, r) => { theirs = !err && !!r.profile; });
    console.log(JSON.stringify({ state: s.state, reason: s.reason, theirs }));`);
  assert.strictEqual(out.state, 'busy');
  assert.match(out.reason, /another sampling heap profiler runs in this thread/);
  assert.strictEqual(out.theirs, true, 'the other sampler still runs');
});

test('a sampler stopped by someone else is noticed (lost) and restarted later', () => {
  const out = child(`
    const w = lw();
    const before = w.getStats().sampling.state;
    const inspector = require('node:inspector');
    const session = new inspector.Session();
    session.connect();
    session.post('HeapProfiler.stopSampling', () => {});
    w._sampling.poll();
    const after = w.getStats().sampling;
    console.log(JSON.stringify({ before, state: after.state, reason: after.reason }));`);
  assert.strictEqual(out.before, 'sampling');
  assert.strictEqual(out.state, 'lost');
  assert.match(out.reason, /stopped by someone else/);
});

test('sampling is switched and tuned at run time, options validated', () => {
  const out = child(`
    const w = lw();
    const states = [w.getStats().sampling.state];
    w.configure({ sampling: false });
    states.push(w.getStats().sampling.state);
    w.configure({ sampling: true, samplingIntervalBytes: 131072 });
    const s = w.getStats().sampling;
    states.push(s.state);
    let bad = null;
    try { w.configure({ samplingIntervalBytes: 12 }); } catch (e) { bad = e.code + ': ' + e.message; }
    console.log(JSON.stringify({ states, interval: s.interval_bytes, config: w.getConfig().samplingIntervalBytes, bad }));`);
  assert.deepStrictEqual(out.states, ['sampling', 'off', 'sampling']);
  assert.strictEqual(out.interval, 131072);
  assert.strictEqual(out.config, 131072);
  assert.match(out.bad, /^ERR_LEAKWATCH_OPTION: leakwatch.configure: samplingIntervalBytes must be an integer from 1024/);
  const off = child('const w = lw(); console.log(JSON.stringify(w.getStats().sampling));', { LEAKWATCH_SAMPLING: 'off' });
  assert.strictEqual(off.state, 'off');
  assert.match(off.reason, /LEAKWATCH_SAMPLING=off/);
});

test('each worker samples its own allocations', () => {
  const out = child(`${GROW}
    const { Worker, isMainThread } = require('node:worker_threads');
    const w = lw();
    const worker = new Worker(${JSON.stringify(`${GROW}
      const w = require(${JSON.stringify(ROOT)});
      const { parentPort } = require('node:worker_threads');
      grow(w).then(() => parentPort.postMessage(w.getStats().sites.map((s) => s.function)));`)}, { eval: true });
    worker.once('message', (inWorker) => {
      const inMain = w.getStats().sites.map((s) => s.function);
      worker.terminate().then(() => console.log(JSON.stringify({ inWorker, inMain, state: w.getStats().sampling.state })));
    });`);
  assert.strictEqual(out.inWorker[0], 'growRecords', JSON.stringify(out));
  assert.ok(!out.inMain.includes('growRecords'), 'the worker growth is not the main thread growth');
  assert.strictEqual(out.state, 'sampling');
});

test('a suspected leak outside the heap samples finer for a while: the line keeping Buffers is found', () => {
  const app = path.join(__dirname, 'fixtures', 'buffer-keeper.js');
  const r = spawnSync(process.execPath, [app], { encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const base = 256 * 1024;
  assert.strictEqual(out.focused, true);
  assert.strictEqual(out.during.interval_bytes, base / 8);
  assert.strictEqual(out.during.focus.kind, 'external');
  assert.strictEqual(out.after.interval_bytes, base, 'back to the configured interval');
  assert.strictEqual(out.after.focus, null);
  assert.strictEqual(out.heapFocus, false, 'heap leaks are sampled well enough at the default interval');
  assert.strictEqual(out.again, false, 'at most one focus per cooldown');
  const lines = require('node:fs').readFileSync(app, 'utf8').split('\n');
  const top = out.sites[0];
  assert.ok(top, JSON.stringify(out));
  assert.strictEqual(top.file, app);
  const leakLines = lines.map((l, i) => (l.includes('LEAK-SITE') ? i + 1 : 0)).filter(Boolean);
  assert.ok(leakLines.includes(top.line), `${top.line} not in ${leakLines}: ${JSON.stringify(out.sites, null, 1)}`);
  assert.strictEqual(top.function_line, lines.findIndex((l) => l.includes('// FN')) + 1);
});
