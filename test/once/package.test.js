'use strict';
// What users get from npm: `npm pack` ships exactly the runtime files, and the
// packed tarball installed into a fresh project works without Rust —
// require(), the CLI and -r leakwatch/register.
// Run once per `npm test` (not per Node version): it installs from a tarball.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const npm = (args, cwd) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 180000,
  env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });

test('npm pack ships the runtime files and nothing else', () => {
  const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
  assert.strictEqual(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path).sort();
  for (const f of ['package.json', 'index.js', 'index.mjs', 'index.d.ts', 'binding.js', 'register.js',
    'bin/leakwatch.js', 'lib/report-html.js', 'README.md']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(files.some((f) => /^leakwatch\..+\.node$/.test(f)), 'the addon is packed');
  for (const f of files) {
    assert.ok(!/^(src|test|bench|target|npm|\.node-versions|node_modules|\.ci|\.github)\//.test(f), `${f} is not packed`);
    assert.ok(!/\.(rs|heapsnapshot)$/.test(f) && f !== 'Cargo.toml' && f !== 'bin/demo.js', `${f} is not packed`);
  }
});

test('the packed tarball works in a fresh project without Rust: require, CLI, register', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-pack-'));
  try {
    const packed = npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
    assert.strictEqual(packed.status, 0, packed.stderr);
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop());
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}\n');
    const inst = npm(['install', '--no-package-lock', tarball], app);
    assert.strictEqual(inst.status, 0, inst.stderr);
    // No cargo on PATH for the app: only node itself.
    const env = { PATH: path.dirname(process.execPath), HOME: app };
    const req = spawnSync(process.execPath, ['-e', `const lw = require('leakwatch'); lw.gc();
      setTimeout(() => console.log(JSON.stringify({ backend: lw.backend, full: lw.getStats().num_full_gc })), 20);`],
    { cwd: app, env, encoding: 'utf8' });
    assert.strictEqual(req.status, 0, req.stderr);
    const out = JSON.parse(req.stdout);
    assert.strictEqual(out.backend, 'v8');
    assert.ok(out.full >= 1);
    const cli = spawnSync(process.execPath, [path.join(app, 'node_modules', '.bin', 'leakwatch'), '--help'],
      { cwd: app, env, encoding: 'utf8' });
    assert.strictEqual(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /leakwatch run/);
    const reg = spawnSync(process.execPath, ['-r', 'leakwatch/register', '-e', '1'],
      { cwd: app, env: { ...env, LEAKWATCH_LOG: 'stdout' }, encoding: 'utf8' });
    assert.strictEqual(reg.status, 0, reg.stderr);
    assert.strictEqual(JSON.parse(reg.stdout.split('\n')[0]).event, 'start');
    const esm = spawnSync(process.execPath, ['--input-type=module', '-e',
      "import lw, { gc } from 'leakwatch'; gc(); console.log(lw.backend)"], { cwd: app, env, encoding: 'utf8' });
    assert.strictEqual(esm.status, 0, esm.stderr);
    assert.strictEqual(esm.stdout.trim(), 'v8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
