'use strict';
// `import leakwatch, { … } from 'leakwatch'` and `require('leakwatch')` both work
// and share one instance (package "exports"); so do the ./register,
// ./prometheus and ./opentelemetry subpaths from ES modules.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('ESM default and named imports work and share the CJS instance', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'esm.mjs')], {
    env: { ...process.env, LEAKWATCH_LOG: 'stderr' },
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.strictEqual(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.same, true);
  assert.strictEqual(out.registerSame, true, 'leakwatch/register exports the same instance');
  assert.strictEqual(out.heapDiffSame, true);
  assert.strictEqual(out.writeSnapshot, 'function');
  assert.deepStrictEqual(out.subpaths, ['function', 'function'], 'named register() from both metrics subpaths');
  assert.ok(out.full >= 1, 'a stats event reached the named on()');
  assert.ok(out.numFullGc >= 1);
});
