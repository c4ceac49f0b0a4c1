'use strict';
// The leak detector from JS: configure() validation and routing (lib/options.js),
// getStats().detector, and real child services (bench/scenarios/) under bounded
// loopback load — a leaking one must emit a memwatch-shaped `leak` before it
// ends, a non-leaking one none.
// The children use a shortened evidence window (FAST) so that the file stays
// fast; the production defaults are measured by `npm run bench:detect`.
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const leakwatch = require('..');
const path = require('node:path');
const { fork } = require('node:child_process');
const { start } = require('../bench/scenarios/driver.js');

const DEFAULTS = leakwatch.getConfig();
// Evidence after 3 s of confirmed samples instead of 15 s, young-GC floors per
// 250 ms instead of 1 s (Node 24+ scavenges rarely: a bigger young generation);
// everything else default. A fast leak gets its full GCs in the first seconds,
// then V8 lets the old generation grow for a long time.
const FAST = { minDurationMs: 3000, floorBucketMs: 250, warmupMs: 0 };
// Load bounds: the leaking child stops as soon as `leak` arrives (~4-12 s).
const LEAK_LOAD_MS = 20000;
const QUIET_LOAD_MS = 12000;

function configureError(options) {
  try {
    leakwatch.configure(options);
  } catch (e) {
    return e;
  }
  assert.fail(`configure(${JSON.stringify(options)}) did not throw`);
}

test('configure() rejects a bad value with a TypeError naming the option', () => {
  const cases = [
    [{ minDurationMs: -5 }, 'minDurationMs', /minDurationMs must be a finite number ≥ 1000, got -5/],
    [{ significance: 0 }, 'significance', /significance must be a number > 0 and ≤ 0\.5, got 0/],
    [{ minGrowthBytes: '4mb' }, 'minGrowthBytes', /minGrowthBytes must be a non-negative safe integer, got "4mb"/],
    [{ maxSamples: 1.5 }, 'maxSamples', /maxSamples/],
    [{ sensitivity: 'max' }, 'sensitivity', /sensitivity must be "low", "medium" or "high"/],
    [{ heapLimitFraction: 1.5 }, 'heapLimitFraction', /heapLimitFraction/],
    [{ windowMs: Number.NaN }, 'windowMs', /windowMs/],
    [{ minDurationMs: 900000 }, 'minDurationMs', /must not exceed windowMs/],
  ];
  for (const [options, name, message] of cases) {
    const e = configureError(options);
    assert.ok(e instanceof TypeError, `${name}: ${e}`);
    assert.strictEqual(e.code, 'ERR_LEAKWATCH_OPTION', name);
    assert.ok(e.message.includes(name), `${name}: ${e.message}`);
    assert.match(e.message, message);
  }
  assert.deepStrictEqual(leakwatch.getConfig(), DEFAULTS, 'a rejected update changes nothing');
});

test('configure() rejects an unknown key with a hint, atomically', () => {
  let e = configureError({ minDuration: 1000 });
  assert.ok(e instanceof TypeError);
  assert.strictEqual(e.code, 'ERR_LEAKWATCH_OPTION');
  assert.match(e.message, /unknown option "minDuration" \(did you mean "minDurationMs"\?\)/);
  assert.match(e.message, /known options: windowMs, /);
  e = configureError({ windowsMs: 60000 });
  assert.match(e.message, /did you mean "windowMs"/);
  // A valid key next to a bad one is not applied either.
  e = configureError({ windowMs: 20000, colour: 'red' });
  assert.strictEqual(e.code, 'ERR_LEAKWATCH_OPTION');
  assert.doesNotMatch(e.message, /did you mean/);
  assert.strictEqual(leakwatch.getConfig().windowMs, DEFAULTS.windowMs);
  for (const bad of [null, [1], 'fast', 5]) {
    assert.throws(() => leakwatch.configure(bad), TypeError);
  }
});

test('configure() gives every key one owner: a JS service of lib/options.js, else the detector', () => {
  const { OWNERS, ownerOf } = require('../lib/options.js');
  const owned = OWNERS.flatMap((o) => o.keys);
  assert.strictEqual(new Set(owned).size, owned.length, 'no key belongs to two services');
  for (const o of OWNERS) for (const k of o.keys) assert.strictEqual(ownerOf(k), o.name, k);
  const config = Object.keys(leakwatch.getConfig());
  for (const k of owned) assert.ok(config.includes(k), `getConfig() shows ${k}`);
  for (const k of [...config.filter((k) => !owned.includes(k)), 'sensitivity', 'nope']) {
    assert.strictEqual(ownerOf(k), 'detector', k);
  }
  assert.ok(config.includes('windowMs') && ownerOf('windowMs') === 'detector');
});

test('a valid configure() change is returned and reflected in getConfig()', (t) => {
  t.after(() => leakwatch.configure(DEFAULTS));
  const out = leakwatch.configure({ sensitivity: 'high', minDurationMs: 30000, minGrowthBytes: 8 * 1048576 });
  assert.strictEqual(out.significance, 0.05);
  assert.strictEqual(out.minDurationMs, 30000);
  const c = leakwatch.getConfig();
  assert.deepStrictEqual(c, out);
  assert.strictEqual(c.minGrowthBytes, 8 * 1048576);
  assert.strictEqual(c.windowMs, DEFAULTS.windowMs, 'other options keep their values');
  leakwatch.configure({ sensitivity: 'low' });
  assert.strictEqual(leakwatch.getConfig().significance, 0.001);
  leakwatch.configure(DEFAULTS);
  assert.deepStrictEqual(leakwatch.getConfig(), DEFAULTS);
});

test('getStats().detector exposes baseline, slope and confidence', async () => {
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 50));
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 50));
  const d = leakwatch.getStats().detector;
  assert.ok(d && typeof d === 'object');
  assert.strictEqual(typeof d.baseline, 'number');
  assert.ok(d.baseline > 0);
  assert.strictEqual(typeof d.slope_bytes_per_sec, 'number');
  assert.ok(d.confidence >= 0 && d.confidence <= 1, String(d.confidence));
  assert.strictEqual(typeof d.leak_suspected, 'boolean');
  assert.ok(d.full_gcs_observed >= 2);
  assert.ok(d.heap_size_limit > 0);
});

/**
 * Bounded loopback load: `concurrency` keep-alive loops of sequential GETs on
 * 127.0.0.1 at most `rps` a second, until `ms` elapse, `max` requests are
 * sent, or `until()` is true.
 */
async function drive(port, { ms, rps = 1500, max = 100000, concurrency = 8, until = () => false }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const end = Date.now() + ms;
  let sent = 0;
  let errors = 0;
  const one = () => new Promise((resolve) => {
    const n = ++sent;
    const req = http.get({ host: '127.0.0.1', port, agent, path: `/api/v1/users/${n}?session=${n * 7919}`,
      headers: { 'user-agent': 'leakwatch-test/1.0', 'x-request-pad': 'p'.repeat(2048) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
  const t0 = Date.now();
  const loop = async () => {
    while (Date.now() < end && sent < max && !until()) {
      const due = t0 + (sent * 1000) / rps;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();
  return { sent, errors };
}

test('a leaking service emits a memwatch-style leak event before it ends', async () => {
  const run = start('leak-closure', { env: { LEAKWATCH_BENCH_CONFIG: JSON.stringify(FAST) } });
  try {
    const port = await run.ready;
    const loadStart = Date.now();
    const { sent, errors } = await drive(port, { ms: LEAK_LOAD_MS, until: () => run.events.some((e) => e.ev === 'leak') });
    // The event may still be in flight when the load stops.
    for (let i = 0; i < 20 && !run.events.some((e) => e.ev === 'leak'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const leak = run.events.find((e) => e.ev === 'leak');
    assert.ok(leak, `no leak event after ${Date.now() - loadStart} ms, ${sent} requests (${errors} errors); ` +
      `detector ${JSON.stringify(run.ticks.main && run.ticks.main.detector)}`);
    const p = leak.payload;
    // memwatch's fields: start/end are Dates, growth a number, reason its wording.
    assert.deepStrictEqual([...leak.dates].sort(), ['end', 'start']);
    assert.ok(p.start <= p.end && p.start >= loadStart - 60000 && p.end <= Date.now(), JSON.stringify(p));
    assert.strictEqual(typeof p.growth, 'number');
    assert.ok(p.growth > 0, String(p.growth));
    assert.match(p.reason, /^heap growth over \d+ full GCs? \((\d+m )?\d+s\) - \d+(\.\d+)? (mb|gb)\/hr$/);
    // leakwatch's.
    assert.ok(p.rate_bytes_per_sec > 0);
    assert.ok(p.confidence > 0 && p.confidence <= 1, String(p.confidence));
    assert.ok(p.baseline_end > p.baseline_start && p.baseline_start > 0, JSON.stringify(p));
    assert.ok(Math.abs(p.baseline_end - p.baseline_start - p.growth) <= 1, 'growth = fitted end − start');
    assert.ok(p.heap_size_limit > p.baseline_end);
    assert.ok(Array.isArray(p.growing_spaces) && p.growing_spaces.includes('old_space'), String(p.growing_spaces));
    assert.ok(typeof p.projected_oom_ms === 'number' && p.projected_oom_ms > 0);
    assert.strictEqual(p.type, undefined, 'the type key is removed before emitting');
    assert.strictEqual(leak.thread, 'main');
    // getStats().detector in the leaking process: a growing baseline.
    await new Promise((r) => setTimeout(r, 1100));
    const d = run.ticks.main.detector;
    assert.ok(d.baseline > 0 && d.slope_bytes_per_sec > 0 && d.confidence > 0 && d.confidence <= 1,
      JSON.stringify(d));
    assert.strictEqual(d.leak_suspected, true);
    assert.ok(d.leak_reports >= 1);
  } finally {
    await run.stop();
  }
  assert.strictEqual(run.exited.code, 0, JSON.stringify(run.exited));
});

test('a service that does not leak emits no leak event', async () => {
  const run = start('batch-job', { env: { LEAKWATCH_BENCH_CONFIG: JSON.stringify(FAST) } });
  try {
    const port = await run.ready;
    const { sent } = await drive(port, { ms: QUIET_LOAD_MS, concurrency: 4 });
    assert.ok(sent > 100, `only ${sent} requests`);
    await new Promise((r) => setTimeout(r, 1100));
    const alarms = run.events.filter((e) => e.ev === 'leak' || e.ev === 'heap-limit');
    assert.deepStrictEqual(alarms.map((e) => e.payload.reason), []);
    const d = run.ticks.main.detector;
    assert.ok(d.full_gcs_observed >= 2, `the batch job caused natural full GCs: ${JSON.stringify(d)}`);
    // A batch that builds its rows over seconds is growth in progress: it may
    // be suspected (a signal for dashboards), never confirmed as a leak.
    for (const e of run.events.filter((x) => x.ev === 'leak-suspected')) {
      assert.strictEqual(e.payload.confirmed, false, JSON.stringify(e.payload));
      assert.match(e.payload.reason, /suspected: /);
    }
    assert.strictEqual(d.leak_reports, 0, JSON.stringify(d));
  } finally {
    await run.stop();
  }
  assert.strictEqual(run.exited.code, 0, JSON.stringify(run.exited));
});

/** Least-squares slope (bytes/s) of `key` over `samples` ({at, [key]}) from `from` (ms) on. */
function slope(samples, key, from) {
  const pts = samples.filter((s) => s.at >= from).map((s) => [s.at / 1000, s[key]]);
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  const sxy = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxy / sxx;
}

/** Runs the Buffer-leaking fixture (through `argv0 args…` when given) and collects its IPC messages. */
async function bufferLeak(env, wrapper) {
  const fixture = path.join(__dirname, 'fixtures', 'buffer-leak.js');
  const child = wrapper ?
    fork(fixture, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execPath: wrapper[0], execArgv: [...wrapper.slice(1), process.execPath] }) :
    fork(fixture, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const msgs = [];
  child.on('message', (m) => msgs.push(m));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90000);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(killer);
  return { code, msgs };
}

/**
 * A real memory cgroup of `limit` bytes below this process's own (v1, as
 * root, where the kernel lets us create one), or null. Returns {dir, wrapper,
 * remove}: `wrapper` moves the child into it before Node starts.
 */
function memoryCgroup(limit) {
  const fs = require('node:fs');
  try {
    const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
    if (!own) return null;
    const dir = path.join('/sys/fs/cgroup/memory', own.split(':')[2], `leakwatch-test-${process.pid}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limit));
    const wrapper = ['/bin/sh', '-c', `echo $$ > ${dir}/cgroup.procs && exec "$0" "$@"`];
    return { dir, wrapper, remove: () => { try { fs.rmdirSync(dir); } catch { /* still busy: the kernel frees it later */ } } };
  } catch {
    return null;
  }
}

test('a Buffer leak is named external at its real rate, and a container limit is forecast', async () => {
  // Production defaults; a 640 MiB limit set as a container's would be.
  const { code, msgs } = await bufferLeak({ LEAK_SECONDS: '35', LEAKWATCH_MEMORY_LIMIT: '640m' });
  assert.strictEqual(code, 0);
  const mem = msgs.filter((m) => m.ev === 'mem');
  const t0 = mem[0].at;
  const signal = msgs.find((m) => m.ev === 'leak-suspected' || m.ev === 'leak');
  assert.ok(signal, `no leak signal: ${JSON.stringify(msgs.filter((m) => m.ev !== 'mem'))}`);
  const p = signal.payload;
  assert.strictEqual(p.kind, 'external', p.reason);
  assert.match(p.reason, /^external memory \(Buffers, ArrayBuffers\) growth over /);
  // The process really grows by its Buffers: RSS and external alike; the heap barely.
  const rssRate = slope(mem, 'rss', t0 + 5000);
  const heapRate = slope(mem, 'heapUsed', t0 + 5000);
  assert.ok(heapRate < 0.05 * rssRate, `heap ${heapRate} vs rss ${rssRate}`);
  assert.ok(Math.abs(p.rate_bytes_per_sec - rssRate) <= 0.25 * rssRate,
    `reported ${p.rate_bytes_per_sec} B/s, RSS grew ${rssRate} B/s`);
  assert.ok((signal.at - t0) / 1000 <= 30, `first signal ${(signal.at - t0) / 1000} s after start`);
  assert.strictEqual(p.baseline_end - p.baseline_start, p.growth);
  assert.strictEqual(p.memory_limit, 640 * 1024 * 1024);
  // Heard before the kernel would kill it: a memory-limit forecast, and a
  // leak confirmed by size (more than a quarter of the container).
  const limit = msgs.find((m) => m.ev === 'memory-limit');
  assert.ok(limit, 'memory-limit');
  assert.ok(limit.payload.projected_oom_ms > 0 && limit.payload.projected_oom_ms < 120000,
    JSON.stringify(limit.payload));
  assert.match(limit.payload.reason, /container's 640\.0 mb limit \(OOM kill\)/);
  const leak = msgs.find((m) => m.ev === 'leak');
  assert.ok(leak, 'a confirmed leak');
  assert.strictEqual(leak.payload.kind, 'external');
  assert.strictEqual(leak.payload.confirmed_by, 'size');
  assert.ok(leak.at < t0 + (640 * 1048576 - mem[0].rss) / rssRate * 1000, 'before the limit would be reached');
});

test('the memory cgroup\'s own limit is read from the kernel files and forecast', async (t) => {
  const binding = require('../binding.js');
  const guard = require('../lib/dump/dump-guard.js');
  // The files of this machine, whatever they say: a limit, or none.
  const real = binding.memoryCgroup(JSON.stringify(guard.cgroups(binding)));
  assert.ok(real.length === 0 || (real.length === 2 && real[0] > 0 && real[1] >= 0), JSON.stringify(real));
  // v1 and v2 files as the kernel writes them: the level with the least headroom wins.
  assert.deepStrictEqual(binding.memoryCgroup(JSON.stringify([
    { v2: true, max: 'max\n', current: '1000\n' },
    { v2: true, max: '1073741824\n', current: '536870912\n', stat: 'anon 1\ninactive_file 1048576\n' },
    { v2: false, max: '9223372036854771712\n', current: '5\n' },
  ])), [1073741824, 536870912 - 1048576]);
  assert.deepStrictEqual(binding.memoryCgroup('[]'), []);
  const { parseLimit } = require('../lib/memory-limit.js');
  assert.strictEqual(parseLimit('1g'), 1073741824);
  assert.strictEqual(parseLimit('512m'), 536870912);
  assert.strictEqual(parseLimit(' 1048576 '), 1048576);
  assert.strictEqual(parseLimit(undefined), null);
  assert.throws(() => parseLimit('lots'), /LEAKWATCH_MEMORY_LIMIT must be a byte count such as 1073741824, 512m or 1g, got "lots"/);
  // A real cgroup with a 512 MiB limit around the leaking child, where this machine lets us make one.
  const cg = process.platform === 'linux' ? memoryCgroup(512 * 1048576) : null;
  if (!cg) {
    t.diagnostic('cannot create a memory cgroup here (needs cgroup v1 and root): real-cgroup case skipped');
    return;
  }
  try {
    const { code, msgs } = await bufferLeak({ LEAK_SECONDS: '25', LEAKWATCH_MEMORY_LIMIT: '' }, cg.wrapper);
    assert.strictEqual(code, 0, JSON.stringify(msgs.filter((m) => m.ev !== 'mem')));
    const limit = msgs.find((m) => m.ev === 'memory-limit');
    assert.ok(limit, `no memory-limit: ${JSON.stringify(msgs.filter((m) => m.ev !== 'mem'))}`);
    assert.strictEqual(limit.payload.limit, 512 * 1048576);
    assert.ok(limit.payload.usage > 0 && limit.payload.usage < limit.payload.limit, JSON.stringify(limit.payload));
    assert.ok(limit.payload.projected_oom_ms > 0 && limit.payload.projected_oom_ms < 120000, JSON.stringify(limit.payload));
  } finally {
    cg.remove();
  }
});
