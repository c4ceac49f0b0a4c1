'use strict';
/** A worker's dump is of the worker's isolate: it holds a class only the worker defines. */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { once } = require('node:events');
const leakwatch = require('..');
const binding = require('../binding.js');

test('a worker dumps its own isolate', { timeout: 120000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-worker-'));
  try {
    const w = new Worker(path.join(__dirname, 'fixtures', 'dump-worker.js'), { workerData: { dir, gzip: true } });
    const tid = w.threadId;
    const exited = once(w, 'exit');
    const [msg] = await once(w, 'message');
    await exited;
    assert.ok(msg.file, msg.error);
    assert.match(path.basename(msg.file), new RegExp(`-${process.pid}-${tid}\\.heapsnapshot\\.gz$`));
    const inWorker = JSON.parse(binding.dumpVerify(msg.file, ['OnlyInTheWorker']));
    assert.strictEqual(inWorker.classes.OnlyInTheWorker, 500);
    const main = leakwatch.writeSnapshot({ dir, gzip: true });
    const inMain = JSON.parse(binding.dumpVerify(main, ['OnlyInTheWorker']));
    assert.strictEqual(inMain.classes.OnlyInTheWorker, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
