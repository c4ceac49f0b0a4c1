'use strict';
// The diagnosis pipeline's guard rails, without real dumps: a refused dump
// degrades the report (which says why) and never throws into the service;
// one diagnosis at a time; the cooldown holds; options are validated.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const leakwatch = require('..');
const { Diagnoser } = require('../lib/diagnose/diagnose.js');

test('refused dumps degrade the report; one at a time; cooldown', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diag-'));
  try {
    let asked = 0;
    const d = new Diagnoser(leakwatch, {
      snapshot: async () => {
        asked++;
        throw new Error('heap dump refused: would need 5.0 GB of memory, 1.2 GB available');
      },
      dumpDir: () => dir,
    });
    d.configure({ diagnose: true, diagnoseDumps: true, diagnoseCooldownMs: 60000 });
    const leak = { reason: 'heap growth over 3 full GCs (20s) - 40.0 mb/hr', start: new Date(), end: new Date(),
      growth: 1e6, rate_bytes_per_sec: 11000 };
    const report = once(leakwatch, 'report');
    // The analysis child is un-referenced (it must not keep a service alive):
    // this test is the only thing running, so it keeps the loop alive itself.
    const keepAlive = setInterval(() => {}, 1000);
    report.finally(() => clearInterval(keepAlive));
    assert.strictEqual(d.start(leak), true);
    assert.strictEqual(d.start(leak), false, 'a second diagnosis does not start while one runs');
    const [r] = await report;
    assert.strictEqual(asked, 1, 'no target/final dump is attempted without a baseline');
    assert.deepStrictEqual(r.findings, []);
    assert.match(r.degraded[0], /baseline snapshot not taken: heap dump refused: would need 5\.0 GB/);
    assert.ok(r.degraded.some((x) => /fewer than three snapshots/.test(x)));
    const json = JSON.parse(fs.readFileSync(r.json, 'utf8'));
    assert.strictEqual(json.leak.reason, leak.reason);
    assert.match(fs.readFileSync(r.html, 'utf8'), /This report is incomplete/);
    await new Promise((res) => setImmediate(res));
    assert.strictEqual(d.start(leak), false, 'the cooldown holds');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the baseline dump waits until every listener of the triggering leak event has run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diag-order-'));
  const { EventEmitter } = require('node:events');
  const lw = new EventEmitter(); // a stand-in emitter: the real one's 'leak' comes from the detector
  lw.getStats = () => leakwatch.getStats();
  lw.getTimeline = () => leakwatch.getTimeline();
  const order = [];
  try {
    const d = new Diagnoser(lw, {
      snapshot: async (stage) => {
        order.push(`dump ${stage}`);
        throw new Error('heap dump refused: test');
      },
      dumpDir: () => dir,
    });
    d.configure({ diagnose: true, diagnoseDumps: true });
    lw.on('leak', () => order.push('application listener'));
    const keepAlive = setInterval(() => {}, 1000);
    const report = new Promise((resolve, reject) => {
      lw.once('report', resolve);
      lw.on('diagnosis', (e) => e.stage === 'failed' && reject(new Error(e.error)));
    }).finally(() => clearInterval(keepAlive));
    lw.emit('leak', { reason: 'heap growth', start: new Date(), end: new Date(), growth: 1, rate_bytes_per_sec: 1 });
    order.push('emit returned');
    await report;
    assert.deepStrictEqual(order.slice(0, 3), ['application listener', 'emit returned', 'dump baseline']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const APP = path.join(__dirname, 'fixtures', 'sites-app.js');
const APP_LINES = fs.readFileSync(APP, 'utf8').split('\n');
// V8's sampler records functions (where they are defined; a function the
// optimizing compiler inlined counts as its caller); lib/source-lines.js
// reads the function to name the leaking statement.
const SITE_FNS = APP_LINES.map((l, i) => (l.includes('SITE-FN') ? i + 1 : null)).filter(Boolean);
const LEAK_SITE = `${APP}:${APP_LINES.findIndex((l) => l.includes('LEAK-SITE')) + 1}`;

/** Runs the leaking fixture in `mode` ('sites' or 'refused'); its report, stderr and longest stall. */
function diagnoseApp(mode, wrapper = []) {
  const { spawnSync } = require('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leakwatch-diag-${mode}-`));
  const argv = [...wrapper, process.execPath, APP, dir, mode];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 180000 });
  const stall = /stall_ms=([\d.]+)/.exec(r.stderr || '');
  return { r, dir, report: r.status === 0 ? JSON.parse(r.stdout) : null, stallMs: stall ? Number(stall[1]) : null };
}

test('the default diagnosis names the leaking line at once: no heap dump, no long stall', () => {
  const { r, dir, report, stallMs } = diagnoseApp('sites');
  try {
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(report.error, undefined, `${report.error}; stderr: ${r.stderr}`);
    const json = JSON.parse(fs.readFileSync(report.json, 'utf8'));
    assert.deepStrictEqual(json.snapshots, { baseline: null, target: null, final: null });
    assert.deepStrictEqual(json.degraded, []);
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => /heapsnapshot/.test(f)), [], 'no dump was written');
    const top = json.sites[0];
    assert.strictEqual(`${top.file}:${top.line}`, LEAK_SITE, JSON.stringify(json.sites, null, 1));
    assert.strictEqual(top.line_from, 'source');
    assert.match(top.statement, /^audit\.push\(record\(req\)\);/);
    assert.ok(SITE_FNS.includes(top.function_line), `${top.function_line} is not one of ${SITE_FNS}`);
    assert.strictEqual(top.in_app, true);
    assert.ok(top.bytes_per_min > 0 && top.share > 0.5 && top.share <= 1, JSON.stringify(top));
    assert.match(top.stack.find((f) => f.includes('sites-app.js')), /^(handle|record) /);
    assert.match(json.summary, new RegExp(`^Memory allocated in (handle|record) \\(${APP}:${top.line}\\) keeps ` +
      'growing: \\+[\\d.]+ [KM]B/min'));
    assert.deepStrictEqual(json.leak.sites.map((x) => x.location), json.sites.map((x) => x.location));
    const html = fs.readFileSync(report.html, 'utf8');
    assert.match(html, /Where it is allocated/);
    assert.match(html, new RegExp(`sites-app\\.js:${top.line}:`));
    assert.ok(stallMs !== null && stallMs < 100, `longest event-loop stall ${stallMs} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with every dump refused by the guard, the report still names the site', () => {
  // A 20 MB file-size limit (ulimit -f): the guard refuses a dump of a heap
  // this size; the report files are far smaller.
  const { r, dir, report } = diagnoseApp('refused', ['/bin/sh', '-c', 'ulimit -f 20480 && exec "$0" "$@"']);
  try {
    assert.strictEqual(r.status, 0, r.stderr);
    const json = JSON.parse(fs.readFileSync(report.json, 'utf8'));
    assert.match(json.degraded[0], /baseline snapshot not taken: .*(file-size|ulimit)/i, json.degraded[0]);
    assert.deepStrictEqual(json.findings, []);
    assert.strictEqual(`${json.sites[0].file}:${json.sites[0].line}`, LEAK_SITE, JSON.stringify(json.sites, null, 1));
    assert.match(json.summary, /sites-app\.js:\d+\) keeps growing/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnosis options are validated through configure()', () => {
  assert.throws(() => leakwatch.configure({ diagnose: 'yes' }), (e) => e.code === 'ERR_LEAKWATCH_OPTION' &&
    /diagnose must be true or false/.test(e.message));
  assert.throws(() => leakwatch.configure({ diagnoseMaxWaitMs: -1 }), /diagnoseMaxWaitMs must be a finite number/);
  const before = leakwatch.getConfig();
  assert.throws(() => leakwatch.configure({ diagnose: true, minDurationMs: -5 }));
  assert.strictEqual(leakwatch.getConfig().diagnose, before.diagnose, 'nothing applied when one option is bad');
});

// ---- the analysis child: bounded, and without leakwatch attached ------------------------------------------

const { analyzeInChild, childEnv } = require('../lib/diagnose/diagnose.js');
const { attachLog } = require('../lib/log.js');
const { Worker } = require('node:worker_threads');
const REGISTER = path.join(__dirname, '..', 'register.js');

function script(dir, name, source) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('an analysis child that exits without a result, or never answers, fails the diagnosis in bounded time', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diag-child-'));
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const silent = script(dir, 'silent.js', "process.once('message', () => process.exit(0));");
    const t0 = Date.now();
    await assert.rejects(analyzeInChild({}, { script: silent, timeoutMs: 60000 }),
      /analysis process exited \(code 0\) without a result/);
    assert.ok(Date.now() - t0 < 30000, 'not left waiting for the timeout');
    const crash = script(dir, 'crash.js', "process.once('message', () => { console.error('out of cheese'); process.exit(7); });");
    await assert.rejects(analyzeInChild({}, { script: crash }), /exited \(code 7\) without a result: out of cheese/);
    // The pid is written as the child starts (on a loaded machine Node's own
    // start-up can take longer than the time limit), and it never answers.
    const hang = script(dir, 'hang.js', `require('node:fs').writeFileSync(${JSON.stringify(path.join(dir, 'pid'))}, String(process.pid));
    setInterval(() => {}, 1000);`);
    await assert.rejects(analyzeInChild({}, { script: hang, timeoutMs: 3000 }), /gave no result within 3 s; it was stopped/);
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(alive(pid), false, 'the hung child was killed');
  } finally {
    clearInterval(keepAlive);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the analysis child runs without leakwatch/register and without LEAKWATCH_* settings', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diag-env-'));
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const log = path.join(dir, 'events.jsonl');
    const env = { ...process.env, NODE_OPTIONS: `--max-old-space-size=512 -r ${JSON.stringify(REGISTER)}`,
      LEAKWATCH_LOG: log, LEAKWATCH_ON_LEAK: 'diagnose' };
    // The control: with these settings a node process does load leakwatch and logs to the file.
    const { spawnSync } = require('node:child_process');
    const control = spawnSync(process.execPath, ['-e', '0'], { env, encoding: 'utf8' });
    assert.strictEqual(control.status, 0, control.stderr);
    assert.match(fs.readFileSync(log, 'utf8'), /"event":"start"/);
    fs.rmSync(log);
    const probe = script(dir, 'probe.js', `process.once('message', () => process.send({
      register: Object.keys(require.cache).some((k) => k.endsWith('register.js')),
      node_options: process.env.NODE_OPTIONS || null,
      leakwatch_env: Object.keys(process.env).filter((k) => k.startsWith('LEAKWATCH_')),
    }, () => process.exit(0)));`);
    const r = await analyzeInChild({}, { script: probe, env });
    assert.deepStrictEqual(r, { register: false, node_options: '--max-old-space-size=512', leakwatch_env: [] });
    assert.strictEqual(fs.existsSync(log), false, 'the child wrote no event log');
  } finally {
    clearInterval(keepAlive);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('childEnv removes every spelling of the register module from NODE_OPTIONS, and nothing else', () => {
  const strip = (v) => childEnv({ NODE_OPTIONS: v, PATH: '/bin', LEAKWATCH_SIGNAL: 'SIGUSR1' });
  assert.deepStrictEqual(strip('-r leakwatch/register'), { PATH: '/bin' });
  assert.strictEqual(strip('--require leakwatch/register --enable-source-maps').NODE_OPTIONS, '--enable-source-maps');
  assert.strictEqual(strip('--require=leakwatch/register.js --trace-warnings').NODE_OPTIONS, '--trace-warnings');
  assert.strictEqual(strip(`--import leakwatch/register -r "${REGISTER}" -r ./other.js`).NODE_OPTIONS, '-r ./other.js');
  assert.strictEqual(strip('-r /srv/app/node_modules/leakwatch/register.js').NODE_OPTIONS, undefined);
  assert.strictEqual(strip('-r "/path with space/x.js" -r leakwatch/register').NODE_OPTIONS, '-r "/path with space/x.js"');
  assert.strictEqual(strip('-r leakwatch-register-not').NODE_OPTIONS, '-r leakwatch-register-not');
});

test('the report describes the watched thread, not the analysis child', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diag-thread-'));
  try {
    const worker = new Worker(`
      const { parentPort, threadId } = require('node:worker_threads');
      const leakwatch = require(${JSON.stringify(path.join(__dirname, '..'))});
      const { Diagnoser } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'diagnose', 'diagnose.js'))});
      const d = new Diagnoser(leakwatch, { snapshot: async () => { throw new Error('refused for the test'); },
        dumpDir: () => ${JSON.stringify(dir)} });
      d.configure({ diagnose: true });
      leakwatch.on('report', (r) => parentPort.postMessage({ json: r.json, threadId }));
      leakwatch.on('diagnosis', (e) => e.stage === 'failed' && parentPort.postMessage({ error: e.error }));
      d.start(null);
      setTimeout(() => {}, 60000);
    `, { eval: true });
    const [msg] = await once(worker, 'message');
    await worker.terminate();
    assert.strictEqual(msg.error, undefined, msg.error);
    const report = JSON.parse(fs.readFileSync(msg.json, 'utf8'));
    assert.ok(msg.threadId > 0);
    assert.strictEqual(report.process.thread_id, msg.threadId);
    assert.strictEqual(report.process.pid, process.pid);
    assert.strictEqual(report.process.platform, `${process.platform}-${process.arch}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnosis events, failures included, reach the JSON-lines log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diag-log-'));
  const file = path.join(dir, 'events.jsonl');
  const stop = attachLog(leakwatch, { dest: file });
  try {
    const d = new Diagnoser(leakwatch, { snapshot: async () => { throw new Error('no room'); }, dumpDir: () => dir,
      analyze: async () => { throw new Error('analysis process exited (code 0) without a result'); } });
    d.configure({ diagnose: true });
    const failed = new Promise((resolve) => {
      const on = (e) => e.stage === 'failed' && (leakwatch.off('diagnosis', on), resolve());
      leakwatch.on('diagnosis', on);
    });
    assert.strictEqual(d.start({ reason: 'test leak', start: new Date(0), end: new Date(1000) }), true);
    await failed;
    await new Promise((r) => setImmediate(r));
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((l) => l.event === 'diagnosis');
    assert.deepStrictEqual(lines.map((l) => l.stage), ['start', 'failed']);
    assert.strictEqual(lines[0].leak.reason, 'test leak');
    assert.strictEqual(lines[1].error, 'analysis process exited (code 0) without a result');
    assert.strictEqual(d.running, false);
  } finally {
    stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
