'use strict';
// Whole-process behaviour, in child processes: exiting on its own, and both
// backends giving the same event shapes.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const fixture = (f) => path.join(__dirname, 'fixtures', f);

function run(file, env) {
  const r = spawnSync(process.execPath, [fixture(file)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30000,
  });
  return r;
}

for (const backend of ['v8', 'perf_hooks']) {
  test(`a script that only requires leakwatch and allocates exits by itself (${backend})`, () => {
    const r = run('exit-by-itself.js', { LEAKWATCH_BACKEND: backend });
    assert.strictEqual(r.error, undefined, `did not exit by itself: ${r.error}`);
    assert.strictEqual(r.signal, null);
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    // On Windows the native backend is not verified (see helpers.expectedBackend): whichever loaded.
    assert.strictEqual(out.backend, backend === 'v8' && process.platform === 'win32' ? out.backend : backend);
    assert.ok(out.events > 0, 'events were delivered before exit');
  });
}

test('the perf_hooks backend gives the same event shapes as the native one', () => {
  const a = run('shapes.js', { LEAKWATCH_BACKEND: 'v8' });
  const b = run('shapes.js', { LEAKWATCH_BACKEND: 'perf_hooks' });
  assert.strictEqual(a.status, 0, a.stderr);
  assert.strictEqual(b.status, 0, b.stderr);
  const na = JSON.parse(a.stdout);
  const pb = JSON.parse(b.stdout);
  assert.strictEqual(na.backend, process.platform === 'win32' ? na.backend : 'v8');
  assert.strictEqual(pb.backend, 'perf_hooks');
  // heap_used_before is unknowable from perf_hooks: documented as number|null.
  for (const kind of ['gc', 'stats', 'history']) {
    assert.deepStrictEqual(Object.keys(pb[kind]).sort(), Object.keys(na[kind]).sort(), kind);
    for (const [k, t] of Object.entries(na[kind])) {
      if (k === 'heap_used_before') {
        assert.strictEqual(t, 'number');
        assert.strictEqual(pb[kind][k], 'null');
      } else {
        assert.strictEqual(pb[kind][k], t, `${kind}.${k}`);
      }
    }
  }
  assert.deepStrictEqual(pb.spaces, na.spaces);
  assert.deepStrictEqual(pb.getStats, na.getStats);
});

test("V8's GCType 2 is named for this Node version (minor-mark-compact <= 21, minor-mark-sweep >= 22)", () => {
  const major = Number(process.versions.node.split('.')[0]);
  // The young generation uses mark-compact/sweep instead of scavenges under this flag.
  const flag = major >= 22 ? '--minor-ms' : '--minor-mc';
  const name = major >= 22 ? 'minor-mark-sweep' : 'minor-mark-compact';
  const r = spawnSync(process.execPath, [flag, fixture('minor-gc.js')], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout);
  assert.ok(seen.includes(`${name}:2`), `saw ${seen}`);
  assert.ok(!seen.some((s) => s.startsWith('scavenge')), `no scavenges under ${flag}: ${seen}`);
});
