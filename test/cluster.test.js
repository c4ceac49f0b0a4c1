'use strict';
// node:cluster: each worker is watched, and the primary receives every
// worker's leak events through leakwatch.cluster(), tagged with pid and
// worker id. A real cluster of 2.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('a primary receives both workers\' leak events, tagged with pid and worker id', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'cluster-app.js')], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.strictEqual(r.error, undefined);
  const leaks = JSON.parse(r.stdout);
  assert.strictEqual(leaks.length, 2, `leaks from ${leaks.length} workers; stderr: ${r.stderr}`);
  assert.deepStrictEqual(leaks.map((l) => l.worker_id).sort(), [1, 2]);
  for (const l of leaks) {
    assert.strictEqual(l.pid, l.from_pid, 'the pid in the event is the worker\'s');
    assert.strictEqual(l.start_is_date, true);
    assert.match(l.reason, /^heap growth over/);
  }
  assert.notStrictEqual(leaks[0].pid, leaks[1].pid);
});
