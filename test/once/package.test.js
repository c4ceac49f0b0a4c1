'use strict';
// What users get from npm, napi-rs style: the main package holds the JS and
// typings only; the addon comes from the per-platform package
// (npm/<platform>/ plus its .node, as `napi artifacts` assembles it in the
// release workflow), which npm picks through the main package's
// optionalDependencies (written by `napi prepublish`).
//
// 1. `npm pack --dry-run` of both packages lists exactly the files users need.
// 2. Both tarballs, installed into a fresh project with --ignore-scripts and no
//    Rust on PATH, work: require() loads the binding from the platform
//    package, the CLI runs, `node -r leakwatch/register` attaches, ESM imports.
// Run once per `npm test` (not per Node version): it installs from tarballs.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const MAIN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const WIN = process.platform === 'win32';

/** Runs npm (npm.cmd on Windows, which needs a shell) in `cwd`. */
function npm(args, cwd) {
  const quoted = WIN ? args.map((a) => (/[\s"&|<>^]/.test(a) ? `"${a}"` : a)) : args;
  return spawnSync(WIN ? 'npm.cmd' : 'npm', quoted, {
    cwd,
    encoding: 'utf8',
    timeout: 300000,
    shell: WIN,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
      npm_config_loglevel: 'error' },
  });
}

function packJson(dir, extra = []) {
  const r = npm(['pack', '--json', '--ignore-scripts', ...extra], dir);
  assert.strictEqual(r.status, 0, `npm pack in ${dir}: ${r.stderr}`);
  return JSON.parse(r.stdout)[0];
}

function libc() {
  if (process.platform !== 'linux') return null;
  const header = process.report && process.report.getReport().header;
  return header && header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The platform package for this machine, and the locally built binary that goes into it. */
function thisPlatform() {
  for (const abi of fs.readdirSync(path.join(ROOT, 'npm'))) {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', abi, 'package.json'), 'utf8'));
    if (!pkg.os.includes(process.platform) || !pkg.cpu.includes(process.arch)) continue;
    if (pkg.libc && !pkg.libc.includes(libc())) continue;
    const binary = path.join(ROOT, `leakwatch.${abi}.node`);
    assert.ok(fs.existsSync(binary), `the addon for ${abi} is built (npm run build): ${binary}`);
    return { abi, pkg, dir: path.join(ROOT, 'npm', abi), binary };
  }
  throw new Error(`no npm/<platform> package matches ${process.platform}-${process.arch} ${libc() || ''}`);
}

/**
 * Assembles a platform package the way the release workflow does (`napi
 * artifacts` puts the binary into npm/<platform>/), in a scratch copy.
 */
function stagePlatform(plat, dest) {
  fs.mkdirSync(dest, { recursive: true });
  for (const f of fs.readdirSync(plat.dir)) fs.copyFileSync(path.join(plat.dir, f), path.join(dest, f));
  fs.copyFileSync(plat.binary, path.join(dest, path.basename(plat.binary)));
  return dest;
}

/** The main package as `napi prepublish` leaves it: optionalDependencies on the platform package. */
function stageMain(files, plat, dest) {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dest, f));
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(dest, 'package.json'), 'utf8'));
  pkg.optionalDependencies = { ...(pkg.optionalDependencies || {}), [plat.pkg.name]: MAIN.version };
  fs.writeFileSync(path.join(dest, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return dest;
}

test('every npm/<platform> package ships just its binary, for its os/cpu/libc, at the main version', () => {
  const dirs = fs.readdirSync(path.join(ROOT, 'npm')).sort();
  assert.strictEqual(dirs.length, MAIN.napi.targets.length, 'one package per napi target');
  for (const abi of dirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', abi, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.name, `leakwatch-${abi}`);
    assert.strictEqual(pkg.version, MAIN.version, `${abi} version`);
    assert.strictEqual(pkg.main, `leakwatch.${abi}.node`);
    assert.deepStrictEqual(pkg.files, [`leakwatch.${abi}.node`]);
    assert.ok(abi.startsWith(`${pkg.os[0]}-${pkg.cpu[0]}`), `${abi}: os ${pkg.os} cpu ${pkg.cpu}`);
    if (abi.endsWith('-gnu')) assert.deepStrictEqual(pkg.libc, ['glibc']);
    if (abi.endsWith('-musl')) assert.deepStrictEqual(pkg.libc, ['musl']);
  }
});

test('npm pack --dry-run: the main package has exactly the runtime files and no binary', () => {
  const files = packJson(ROOT, ['--dry-run']).files.map((f) => f.path).sort();
  const lib = fs.readdirSync(path.join(ROOT, 'lib')).filter((f) => /\.(js|d\.ts)$/.test(f)).map((f) => `lib/${f}`);
  const expected = ['package.json', 'README.md', 'ARCHITECTURE.md', 'index.js', 'index.mjs', 'index.d.ts',
    'binding.js', 'register.js', 'register.d.ts', 'bin/leakwatch.js', ...lib].sort();
  assert.deepStrictEqual(files, expected);
  // Every "exports" target (and its typings) is shipped.
  const targets = [];
  const walk = (v) => (typeof v === 'string' ? targets.push(path.posix.normalize(v)) : Object.values(v).forEach(walk));
  walk(MAIN.exports);
  assert.ok(targets.includes('lib/prometheus.d.ts'), targets.join());
  for (const t of targets) assert.ok(files.includes(t), `exports target ${t} is packed`);
});

test('npm pack --dry-run: the platform package has its binary, package.json and README only', () => {
  const plat = thisPlatform();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-plat-'));
  try {
    const files = packJson(stagePlatform(plat, path.join(dir, plat.abi)), ['--dry-run']).files.map((f) => f.path);
    assert.deepStrictEqual(files.sort(), [`leakwatch.${plat.abi}.node`, 'README.md', 'package.json'].sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('both tarballs in a fresh project, no Rust: require loads the platform package\'s binary; CLI, register, ESM', () => {
  const plat = thisPlatform();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-pack-'));
  try {
    const mainFiles = packJson(ROOT, ['--dry-run']).files.map((f) => f.path);
    assert.ok(!mainFiles.some((f) => f.endsWith('.node')), 'no binary in the main package');
    const main = packJson(stageMain(mainFiles, plat, path.join(dir, 'main')), ['--pack-destination', dir]);
    const binary = packJson(stagePlatform(plat, path.join(dir, plat.abi)), ['--pack-destination', dir]);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}\n');
    const inst = npm(['install', '--ignore-scripts', '--no-package-lock',
      path.join(dir, main.filename), path.join(dir, binary.filename)], app);
    assert.strictEqual(inst.status, 0, inst.stderr);
    const installed = path.join(app, 'node_modules', plat.pkg.name, `leakwatch.${plat.abi}.node`);
    assert.ok(fs.existsSync(installed), 'npm installed the platform package (its os/cpu/libc match)');
    assert.deepStrictEqual(fs.readdirSync(path.join(app, 'node_modules', 'leakwatch')).filter((f) => f.endsWith('.node')),
      [], 'no binary next to binding.js');

    // Only node on PATH: no cargo, no rustc, no npm.
    const env = { PATH: path.dirname(process.execPath), HOME: app, USERPROFILE: app };
    if (WIN) env.SystemRoot = process.env.SystemRoot;
    const node = (args, extraEnv = {}) => spawnSync(process.execPath, args,
      { cwd: app, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60000 });

    const req = node(['-e', `const lw = require('leakwatch'); lw.gc();
      const native = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
      setTimeout(() => console.log(JSON.stringify({ backend: lw.backend, full: lw.getStats().num_full_gc, native })), 20);`]);
    assert.strictEqual(req.status, 0, req.stderr);
    const out = JSON.parse(req.stdout);
    assert.deepStrictEqual(out.native.map((f) => fs.realpathSync(f)), [fs.realpathSync(installed)],
      'the binding came from the platform package');
    // Windows: the native hooks need V8 symbols node.exe may not export; the fallback is fine there.
    assert.ok(WIN ? ['v8', 'perf_hooks'].includes(out.backend) : out.backend === 'v8', out.backend);
    assert.ok(out.full >= 1);

    // The CLI through the bin link npm made (a shell shim on Windows).
    const bin = path.join(app, 'node_modules', '.bin', WIN ? 'leakwatch.cmd' : 'leakwatch');
    const cli = spawnSync(WIN ? `"${bin}"` : bin, ['--help'], { cwd: app, env, encoding: 'utf8', shell: WIN, timeout: 60000 });
    assert.strictEqual(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /leakwatch run/);

    const reg = node(['-r', 'leakwatch/register', '-e', '1'], { LEAKWATCH_LOG: 'stdout' });
    assert.strictEqual(reg.status, 0, reg.stderr);
    assert.strictEqual(JSON.parse(reg.stdout.split('\n')[0]).event, 'start');
    assert.doesNotMatch(reg.stderr, /could not load/);

    const esm = node(['--input-type=module', '-e',
      "import lw, { gc } from 'leakwatch'; import { register } from 'leakwatch/prometheus'; gc();" +
      " console.log(typeof register, lw.backend === (await import('leakwatch')).default.backend)"]);
    assert.strictEqual(esm.status, 0, esm.stderr);
    assert.strictEqual(esm.stdout.trim(), 'function true');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
