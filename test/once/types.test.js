'use strict';
// index.d.ts and the subpath typings cover the public API: samples using every
// function, option and event payload compile under `tsc --strict` — a
// CommonJS one (module node16) and an ES-module one (module nodenext, `import
// leakwatch, { on, gc, HeapDiff } from 'leakwatch'` and the subpaths) — and
// the @ts-expect-error lines in them prove misuse does not. Any type error
// fails the test.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const TYPINGS = ['index.d.ts', 'register.d.ts', 'lib/integrations/prometheus.d.ts',
  'lib/integrations/opentelemetry.d.ts'];

function tsc(project) {
  const bin = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [bin, '-p', path.join(ROOT, 'test', 'types', project), '--listFiles'], {
    encoding: 'utf8',
    timeout: 120000,
  });
  const files = r.stdout.split('\n').map((l) => path.resolve(l.trim()));
  return { ...r, files };
}

for (const [name, project] of [['CommonJS (module node16)', 'tsconfig.json'], ['ESM (module nodenext)', 'esm/tsconfig.json']]) {
  test(`tsc --noEmit on the ${name} sample`, () => {
    const r = tsc(project);
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l)).join('\n');
    assert.strictEqual(r.status, 0, `${errors}${r.stderr}`);
    // The package's own typings were checked, resolved through its "exports" (not skipped, not `any`).
    for (const f of TYPINGS) assert.ok(r.files.includes(path.join(ROOT, f)), `${f} was type-checked`);
  });
}
