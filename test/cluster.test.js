'use strict';
// node:cluster: each worker is watched, and the primary receives every
// worker's leak and dump events through leakwatch.cluster(), tagged with pid
// and worker id (as are the events the worker's own listeners see); dump
// files carry both. A real cluster of 2.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('a primary receives both workers\' leak and dump events; dump files name pid and worker id', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cluster-'));
  try {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'cluster-app.js'), dir], {
      encoding: 'utf8',
      timeout: 70000,
    });
    assert.strictEqual(r.error, undefined);
    const workers = JSON.parse(r.stdout);
    assert.strictEqual(workers.length, 2, `events from ${workers.length} workers; stderr: ${r.stderr}`);
    for (const w of workers) {
      const who = { pid: w.from_pid, worker_id: w.from_worker_id };
      assert.ok(w.leak, `a leak event reached the primary: ${JSON.stringify(w)}; stderr: ${r.stderr}`);
      assert.deepStrictEqual({ pid: w.leak.pid, worker_id: w.leak.worker_id }, who, 'the leak names its worker');
      assert.strictEqual(w.leak.start_is_date, true);
      assert.match(w.leak.reason, /^heap growth over/);
      assert.ok(w.dump, `a dump event reached the primary: ${JSON.stringify(w)}; stderr: ${r.stderr}`);
      assert.deepStrictEqual({ pid: w.dump.pid, worker_id: w.dump.worker_id }, who, 'the dump names its worker');
      assert.strictEqual(w.dump.trigger, 'leak');
      assert.ok(path.basename(w.dump.path).includes(`-${w.from_pid}-w${w.from_worker_id}-`), w.dump.path);
      assert.ok(fs.existsSync(w.dump.path));
      // The worker's own listeners saw the same tags.
      assert.deepStrictEqual(w.local_leak, who, 'the worker\'s own leak listener sees pid and worker_id');
      assert.deepStrictEqual(w.local_dump, who, 'the worker\'s own dump listener sees pid and worker_id');
    }
    assert.deepStrictEqual(workers.map((w) => w.leak.worker_id).sort(), [1, 2]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// LEAKWATCH_CLUSTER=1 with -r leakwatch/register: a worker's API dump reaches
// a node:cluster primary tagged with pid and worker id; and a process started
// the way PM2 starts one (IPC channel, env pm_id) sends the message PM2's
// daemon publishes on its bus: `{ type: 'leakwatch:dump', data }` with pm_id.
test('-r leakwatch/register with LEAKWATCH_CLUSTER=1 forwards to a cluster primary and in PM2\'s message shape', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cluster-reg-'));
  try {
    const register = path.join(__dirname, '..', 'register.js');
    const worker = path.join(dir, 'worker.js');
    fs.writeFileSync(worker, `require(${JSON.stringify(register)}).writeSnapshotAsync().then(() => {
      setTimeout(() => process.disconnect && process.disconnect(), 50);
    });\n`);
    const primary = path.join(dir, 'primary.js');
    fs.writeFileSync(primary, `const cluster = require('node:cluster');
      const fleet = require(${JSON.stringify(path.join(__dirname, '..'))}).cluster();
      cluster.setupPrimary({ exec: ${JSON.stringify(worker)}, execArgv: [] });
      const w = cluster.fork();
      fleet.on('dump', (info, from) => {
        process.stdout.write(JSON.stringify({ info, from_id: from.id, from_pid: from.process.pid, expected_pid: w.process.pid }));
        w.kill();
      });
      setTimeout(() => { w.kill(); }, 20000).unref();\n`);
    const env = { ...process.env, LEAKWATCH_CLUSTER: '1', LEAKWATCH_DUMP_DIR: dir, LEAKWATCH_LOG: path.join(dir, 'log') };
    const r = spawnSync(process.execPath, [primary], { env, encoding: 'utf8', timeout: 30000 });
    assert.strictEqual(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.strictEqual(got.info.trigger, 'api');
    assert.strictEqual(got.info.pid, got.expected_pid);
    assert.strictEqual(got.info.worker_id, got.from_id);
    assert.ok(fs.existsSync(got.info.path));

    // PM2's contract (lib/God/ForkMode.js and ClusterMode.js): an IPC message
    // with `type` and `data` is emitted on the bus as `type`.
    const pm2like = path.join(dir, 'pm2like.js');
    fs.writeFileSync(pm2like, `const { fork } = require('node:child_process');
      const child = fork(${JSON.stringify(worker)}, [], { env: { ...process.env, pm_id: '7' }, execArgv: [] });
      child.on('message', (msg) => { if (msg && msg.type && msg.data) process.stdout.write(JSON.stringify({ msg, child_pid: child.pid }) + '\\n'); });\n`);
    const p = spawnSync(process.execPath, [pm2like], { env, encoding: 'utf8', timeout: 30000 });
    assert.strictEqual(p.status, 0, p.stderr);
    const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(lines.length, 1, p.stdout);
    const { msg, child_pid: childPid } = lines[0];
    assert.strictEqual(msg.type, 'leakwatch:dump');
    assert.strictEqual(msg.data.trigger, 'api');
    assert.strictEqual(msg.data.pid, childPid);
    assert.strictEqual(msg.data.pm_id, 7);
    assert.strictEqual(msg.data.worker_id, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
