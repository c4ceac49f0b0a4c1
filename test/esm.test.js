'use strict';
// `import leakwatch, { … } from 'leakwatch'` and `require('leakwatch')` both work
// and share one instance (package "exports").
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('ESM default and named imports work and share the CJS instance', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'esm.mjs')], {
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.strictEqual(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.same, true);
  assert.ok(out.full >= 1, 'a stats event reached the named on()');
  assert.ok(out.numFullGc >= 1);
});
