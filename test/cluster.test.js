'use strict';
// node:cluster: each worker is watched, and the primary receives every
// worker's leak and dump events through leakwatch.cluster(), tagged with pid
// and worker id; dump files carry both. A real cluster of 2.
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
      assert.ok(w.leak, 'a leak event reached the primary');
      assert.strictEqual(w.leak.pid, w.from_pid, 'the pid in the event is the worker\'s');
      assert.strictEqual(w.leak.start_is_date, true);
      assert.match(w.leak.reason, /^heap growth over/);
      assert.ok(w.dump, 'a dump event reached the primary');
      assert.strictEqual(w.dump.trigger, 'leak');
      assert.ok(path.basename(w.dump.path).includes(`-${w.from_pid}-w${w.leak.worker_id}-`), w.dump.path);
      assert.ok(fs.existsSync(w.dump.path));
    }
    assert.deepStrictEqual(workers.map((w) => w.leak.worker_id).sort(), [1, 2]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
