'use strict';
/**
 * Heap-dump triggers: the signal (a real SIGUSR2 to a child), turning it
 * off, not keeping the loop alive, and the per-trigger cooldown and maximum
 * count (driven through the `leak` trigger).
 */
const test = require('node:test');
const assert = require('node:assert');
const { assertMode } = require('./helpers.js');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const leakwatch = require('..');

const FIXTURE = path.join(__dirname, 'fixtures', 'dump-signal.js');
const posix = process.platform !== 'win32';

function tmpDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lw-trig-${tag}-`));
}

/** Starts the fixture; resolves with the child and a line reader once it printed `ready`. */
async function child(dir, mode) {
  const c = spawn(process.execPath, [FIXTURE, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let waiters = [];
  let buf = '';
  c.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    waiters = waiters.filter((w) => !w());
  });
  const next = (re) => new Promise((resolve, reject) => {
    const check = () => {
      const at = lines.findIndex((l) => re.test(l));
      if (at < 0) return false;
      resolve(lines.splice(at, 1)[0]);
      return true;
    };
    if (!check()) waiters.push(check);
    c.once('exit', () => reject(new Error(`child exited before printing ${re}; got ${lines.join(' | ')}`)));
  });
  await next(/^ready$/);
  return { c, next };
}

test('SIGUSR2 writes a dump in the child; twice gives two files', { skip: !posix && 'no POSIX signals', timeout: 120000 }, async () => {
  const dir = tmpDir('sig');
  const { c, next } = await child(dir, 'on');
  try {
    c.kill('SIGUSR2');
    const first = (await next(/^dump /)).split(' ');
    assert.strictEqual(first[2], 'signal');
    assert.ok(fs.existsSync(first[1]));
    c.kill('SIGUSR2');
    const second = (await next(/^dump /)).split(' ');
    assert.notStrictEqual(second[1], first[1]);
    assertMode(second[1], 0o600);
    assert.strictEqual(c.exitCode, null, 'the child is still running');
  } finally {
    c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('signal: false leaves SIGUSR2 alone (its default action ends the process)', { skip: !posix && 'no POSIX signals' },
  async () => {
    const dir = tmpDir('off');
    const { c } = await child(dir, 'off');
    try {
      c.kill('SIGUSR2');
      const [code, signal] = await once(c, 'exit');
      assert.strictEqual(code, null);
      assert.strictEqual(signal, 'SIGUSR2');
      assert.deepStrictEqual(fs.readdirSync(dir), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

test('the signal listener does not keep the event loop alive', { skip: !posix && 'no POSIX signals' }, () => {
  const dir = tmpDir('exit');
  try {
    const r = spawnSync(process.execPath, [FIXTURE, dir, 'exit'], { timeout: 20000, encoding: 'utf8' });
    assert.strictEqual(r.error, undefined);
    assert.strictEqual(r.status, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Fires the leak trigger once and waits for its outcome. */
function leakOnce() {
  return new Promise((resolve) => {
    const done = (kind) => (e) => {
      leakwatch.off('dump', onDump);
      leakwatch.off('dump-refused', onRefused);
      resolve({ kind, e });
    };
    const onDump = done('dump');
    const onRefused = done('refused');
    leakwatch.on('dump', onDump);
    leakwatch.on('dump-refused', onRefused);
    leakwatch.emit('leak', { reason: 'test', growth: 1 });
  });
}

test('dumpOnLeak: maximum count per process, then cooldown', async () => {
  const dir = tmpDir('leak');
  const before = leakwatch.getConfig();
  try {
    leakwatch.configure({ dumpOnLeak: true, dumpDir: dir, dumpCooldownMs: 0, dumpMaxCount: 2, dumpGzip: true });
    const a = await leakOnce();
    const b = await leakOnce();
    const c = await leakOnce();
    assert.strictEqual(a.kind, 'dump');
    assert.strictEqual(a.e.trigger, 'leak');
    assert.strictEqual(a.e.compressed, true);
    assert.strictEqual(b.kind, 'dump');
    assert.strictEqual(c.kind, 'refused');
    assert.strictEqual(c.e.kind, 'max-count');
    assert.match(c.e.reason, /dumpMaxCount/);
    assert.strictEqual(fs.readdirSync(dir).length, 2);

    leakwatch.configure({ dumpMaxCount: 10, dumpCooldownMs: 3600000 });
    const d = await leakOnce();
    assert.strictEqual(d.kind, 'refused', 'the last leak dump was moments ago');
    assert.strictEqual(d.e.kind, 'cooldown');
    assert.match(d.e.reason, /cooldown is 3600000 ms/);
    assert.strictEqual(fs.readdirSync(dir).length, 2);

    leakwatch.configure({ dumpOnLeak: false });
    let fired = false;
    const on = () => {
      fired = true;
    };
    leakwatch.on('dump-refused', on);
    leakwatch.emit('leak', {});
    await new Promise((r) => setTimeout(r, 50));
    leakwatch.off('dump-refused', on);
    assert.strictEqual(fired, false, 'dumpOnLeak: false removes the trigger');
  } finally {
    const restore = {};
    for (const k of ['dumpOnLeak', 'dumpDir', 'dumpCooldownMs', 'dumpMaxCount', 'dumpGzip']) restore[k] = before[k];
    leakwatch.configure(restore);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('configuring other keys leaves the trigger listeners where they are among the application\'s', () => {
  const before = leakwatch.getConfig();
  const mine = () => {};
  try {
    leakwatch.configure({ dumpOnLeak: true, dumpNearHeapLimit: true });
    leakwatch.on('leak', mine);
    leakwatch.on('heap-limit', mine);
    const order = () => ['leak', 'heap-limit'].map((e) => leakwatch.listeners(e).indexOf(mine));
    const was = order();
    leakwatch.configure({ dumpCooldownMs: 1234, dumpOnLeak: true });
    assert.deepStrictEqual(order(), was, 'the trigger stays ahead of the listener added after it');
    assert.strictEqual(leakwatch.listenerCount('leak'), leakwatch.listeners('leak').length);
    const count = leakwatch.listenerCount('leak');
    leakwatch.configure({ dumpOnLeak: false, dumpNearHeapLimit: false });
    assert.strictEqual(leakwatch.listenerCount('leak'), count - 1, 'turning it off removes it once');
  } finally {
    leakwatch.off('leak', mine);
    leakwatch.off('heap-limit', mine);
    leakwatch.configure({ dumpOnLeak: before.dumpOnLeak, dumpNearHeapLimit: before.dumpNearHeapLimit,
      dumpCooldownMs: before.dumpCooldownMs });
  }
});

test('a failing background dump emits error only to a listener, else a warning', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-trig-err-'));
  const file = path.join(base, 'not-a-dir');
  fs.writeFileSync(file, 'x');
  const before = leakwatch.getConfig();
  try {
    leakwatch.configure({ dumpOnLeak: true, dumpDir: path.join(file, 'sub'), dumpCooldownMs: 0, dumpMaxCount: 10 });
    const errors = [];
    const onError = (e) => errors.push(e);
    leakwatch.on('error', onError);
    leakwatch.emit('leak', {});
    await new Promise((r) => setTimeout(r, 100));
    leakwatch.off('error', onError);
    assert.strictEqual(errors.length, 1);
    assert.strictEqual(errors[0].code, 'ERR_LEAKWATCH_DUMP_DIR');

    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    leakwatch.emit('leak', {}); // no 'error' listener: must not throw
    await new Promise((r) => setTimeout(r, 100));
    process.off('warning', onWarning);
    assert.ok(warnings.some((w) => w.code === 'ERR_LEAKWATCH_DUMP_DIR'), 'reported as a process warning');
  } finally {
    leakwatch.configure({ dumpOnLeak: before.dumpOnLeak, dumpDir: before.dumpDir, dumpCooldownMs: before.dumpCooldownMs,
      dumpMaxCount: before.dumpMaxCount });
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('dumpNearHeapLimit: true dumps (guarded) on the heap-limit event', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-trig-limit-'));
  const before = leakwatch.getConfig();
  try {
    leakwatch.configure({ dumpNearHeapLimit: true, dumpDir: dir, dumpCooldownMs: 0, dumpMaxCount: 1 });
    const got = new Promise((resolve) => leakwatch.once('dump', resolve));
    leakwatch.emit('heap-limit', { fraction: 0.9 });
    const e = await got;
    assert.strictEqual(e.trigger, 'heap-limit');
    assert.strictEqual(path.dirname(e.path), dir);
    assert.throws(() => leakwatch.configure({ dumpNearHeapLimit: 'yes' }), /"dumpNearHeapLimit" must be true, false or "v8"/);
  } finally {
    leakwatch.configure({ dumpNearHeapLimit: before.dumpNearHeapLimit, dumpDir: before.dumpDir,
      dumpCooldownMs: before.dumpCooldownMs, dumpMaxCount: before.dumpMaxCount });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
