'use strict';
// `node -r leakwatch/register app.js` when the native addon cannot load (a
// copy of the package without its platform binary, or a broken binary): a
// warning on stderr, and the application starts and runs anyway.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const APP = "console.log(JSON.stringify({ started: true, lw: require('./node_modules/leakwatch/register.js') }))";

/** A fresh project with leakwatch's JS files in node_modules/leakwatch but no .node file anywhere. */
function projectWithoutBinary() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-nobinary-'));
  const pkg = path.join(dir, 'node_modules', 'leakwatch');
  fs.mkdirSync(pkg, { recursive: true });
  for (const f of ['package.json', 'index.js', 'binding.js', 'register.js']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(pkg, f));
  }
  fs.cpSync(path.join(ROOT, 'lib'), path.join(pkg, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log("app ran"); setTimeout(() => console.log("app done"), 20);\n');
  return dir;
}

function run(cwd, args, env = {}) {
  const clean = { ...process.env, ...env };
  delete clean.NODE_OPTIONS;
  return spawnSync(process.execPath, args, { cwd, env: clean, encoding: 'utf8', timeout: 30000 });
}

test('without its platform binary, -r leakwatch/register warns on stderr and the app runs', () => {
  const dir = projectWithoutBinary();
  try {
    const r = run(dir, ['-r', 'leakwatch/register', 'app.js']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout, 'app ran\napp done\n');
    assert.match(r.stderr, /LeakwatchWarning: leakwatch\/register: leakwatch could not load/);
    assert.match(r.stderr, /Cannot find native binding/, 'the loader\'s reason is passed on');
    assert.match(r.stderr, new RegExp(`built for ${process.platform}-${process.arch} \\(a tarball packed where it was built`));
    // The module itself reports that it is not watching.
    const m = run(dir, ['-e', APP]);
    assert.strictEqual(m.status, 0, m.stderr);
    assert.deepStrictEqual(JSON.parse(m.stdout), { started: true, lw: null });
    // Without register, require('leakwatch') still fails loudly: only the zero-code attach is forgiving.
    const req = run(dir, ['-e', "require('leakwatch')"]);
    assert.notStrictEqual(req.status, 0);
    assert.match(req.stderr, /Cannot find native binding/);
    // … and says what is missing and how to get it, not "npm has a bug".
    const { platformTriple } = require('../lib/load-binding.js');
    const t = platformTriple();
    assert.match(req.stderr, new RegExp(`Neither leakwatch\\.${t}\\.node \\(built from source\\) nor the platform ` +
      `package leakwatch-${t} is installed`));
    assert.match(req.stderr, /npm run build/);
    assert.match(req.stderr, /ERR_LEAKWATCH_BINDING/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with a broken binary (NAPI_RS_NATIVE_LIBRARY_PATH to a non-library), the app still starts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-badbinary-'));
  try {
    const bad = path.join(dir, 'broken.node');
    fs.writeFileSync(bad, 'not a shared library\n');
    fs.writeFileSync(path.join(dir, 'app.js'), 'console.log("app ran");\n');
    const r = run(dir, ['-r', path.join(ROOT, 'register.js'), 'app.js'], { NAPI_RS_NATIVE_LIBRARY_PATH: bad });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout, 'app ran\n');
    assert.match(r.stderr, /leakwatch could not load and is not watching this process/);
    // The same register with a working binary attaches (the control for the case above).
    const ok = run(dir, ['-r', path.join(ROOT, 'register.js'), 'app.js'], { LEAKWATCH_LOG: 'stdout' });
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /could not load/);
    assert.strictEqual(JSON.parse(ok.stdout.split('\n')[0]).event, 'start');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
