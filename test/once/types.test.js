'use strict';
// index.d.ts covers the public API: a sample using every function, option and
// event payload compiles under `tsc --strict`, and misuse does not.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('tsc --noEmit on test/types/sample.ts', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, '..', 'types', 'tsconfig.json')], {
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
});
