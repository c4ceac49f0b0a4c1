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
const { Diagnoser } = require('../lib/diagnose.js');

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
    d.configure({ diagnose: true, diagnoseCooldownMs: 60000 });
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

test('diagnosis options are validated through configure()', () => {
  assert.throws(() => leakwatch.configure({ diagnose: 'yes' }), (e) => e.code === 'ERR_LEAKWATCH_OPTION' &&
    /diagnose must be true or false/.test(e.message));
  assert.throws(() => leakwatch.configure({ diagnoseMaxWaitMs: -1 }), /diagnoseMaxWaitMs must be a finite number/);
  const before = leakwatch.getConfig();
  assert.throws(() => leakwatch.configure({ diagnose: true, minDurationMs: -5 }));
  assert.strictEqual(leakwatch.getConfig().diagnose, before.diagnose, 'nothing applied when one option is bad');
});
