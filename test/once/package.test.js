'use strict';
// What users get from a tarball and from a release.
//
// From a checkout (README "Install in your service"): `npm pack` runs the
// `prepare` script (bin/prepare.js), which does not rebuild an up-to-date
// addon (no cargo runs, the binary is unchanged) and the tarball ships the
// binary built there; installed into a fresh project on this Node it prints
// no EBADENGINE, runs no script, and require() loads that binary. In a staged
// copy of the checkout, `prepare` runs the build when the binary is missing or
// older than the Rust sources, and fails loudly when the build fails.
//
// A release, napi-rs style: the main package, packed from a checkout with no
// binary built, holds the JS and typings only; the addon comes from the
// per-platform package (npm/<platform>/ plus its .node, as `napi artifacts`
// assembles it in the release workflow), which npm picks through the main
// package's optionalDependencies (written by `napi prepublish`).
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
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const MAIN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const WIN = process.platform === 'win32';

/** Runs npm (npm.cmd on Windows, which needs a shell) in `cwd`; `env` adds to or overrides the environment. */
function npm(args, cwd, env = {}) {
  const quoted = WIN ? args.map((a) => (/[\s"&|<>^]/.test(a) ? `"${a}"` : a)) : args;
  return spawnSync(WIN ? 'npm.cmd' : 'npm', quoted, {
    cwd,
    encoding: 'utf8',
    timeout: 300000,
    shell: WIN,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
      npm_config_loglevel: 'error', ...env },
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

/** Every file under `dir` (relative to the package root, `/`-separated), subfolders included. */
function filesUnder(dir) {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    (e.isDirectory() ? filesUnder(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
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

/**
 * The main package as `napi prepublish` leaves it: optionalDependencies on the platform package. The
 * release packs it in a checkout, so the `prepare` script is there too (npm 10 runs it even with
 * --ignore-scripts).
 */
function stageMain(files, plat, dest) {
  for (const f of [...files, 'bin/prepare.js']) {
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

test('npm pack --dry-run: the main package has the runtime files and the binaries built in the checkout', () => {
  const plat = thisPlatform();
  const files = packJson(ROOT, ['--dry-run']).files.map((f) => f.path).sort();
  const lib = filesUnder('lib').filter((f) => /\.(js|d\.ts)$/.test(f));
  const built = fs.readdirSync(ROOT).filter((f) => /^leakwatch\..+\.node$/.test(f));
  assert.ok(built.includes(path.basename(plat.binary)), built.join());
  const expected = ['package.json', 'README.md', 'ARCHITECTURE.md', 'index.js', 'index.mjs', 'index.d.ts',
    'binding.js', 'register.js', 'register.d.ts', 'bin/leakwatch.js', ...lib, ...built].sort();
  assert.deepStrictEqual(files, expected);
  // Every "exports" target (and its typings) is shipped.
  const targets = [];
  const walk = (v) => (typeof v === 'string' ? targets.push(path.posix.normalize(v)) : Object.values(v).forEach(walk));
  walk(MAIN.exports);
  assert.ok(targets.includes('lib/integrations/prometheus.d.ts'), targets.join());
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
    // The release job's checkout has no binary at the root (they go into npm/<platform>/), so the main
    // package it packs has none: stage the main package without the binaries built here.
    const mainFiles = packJson(ROOT, ['--dry-run']).files.map((f) => f.path).filter((f) => !f.endsWith('.node'));
    const main = packJson(stageMain(mainFiles, plat, path.join(dir, 'main')), ['--pack-destination', dir]);
    assert.deepStrictEqual(main.files.filter((f) => f.path.endsWith('.node')), [], 'no binary in the main package');
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

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * A stand-in `cargo` that appends its arguments to `<dir>/cargo.log` and fails. First on PATH and as
 * $CARGO (what `napi build` spawns when set), it shows whether anything tried to compile, and compiles
 * nothing. A shell script: POSIX only (on Windows, `env` is empty and `ran()` says nothing).
 */
function cargoShim(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'cargo.log');
  const bin = path.join(dir, 'cargo');
  if (WIN) return { env: {}, ran: () => '', reset() {} };
  fs.writeFileSync(bin, `#!/bin/sh\necho "cargo $*" >> '${log}'\nexit 101\n`, { mode: 0o755 });
  return {
    env: { PATH: `${dir}${path.delimiter}${process.env.PATH}`, CARGO: bin },
    ran: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''),
    reset: () => fs.rmSync(log, { force: true }),
  };
}

const RUST_SOURCES = ['src', 'Cargo.toml', 'Cargo.lock', 'build.rs'];

/**
 * A copy of this checkout as `npm install` leaves it, in `dest`: what `npm pack` ships and the binaries
 * built here (copied now, so they are newer than the sources), the Rust sources (an hour old), the
 * prepare script, and the dev tools (node_modules, by symlink). The checkout's own files may be mid-edit
 * (sources newer than its binary), so `prepare` is checked on a copy whose times the test sets.
 */
function stageCheckout(dest) {
  const shipped = packJson(ROOT, ['--dry-run']).files.map((f) => f.path);
  const built = fs.readdirSync(ROOT).filter((f) => /^leakwatch\..+\.node$/.test(f));
  for (const f of new Set([...shipped, ...built, 'bin/prepare.js', 'Cargo.toml', 'Cargo.lock', 'build.rs'])) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dest, f));
  }
  fs.cpSync(path.join(ROOT, 'src'), path.join(dest, 'src'), { recursive: true });
  const hourAgo = new Date(Date.now() - 3600e3);
  const age = (p) => {
    fs.utimesSync(p, hourAgo, hourAgo);
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) age(path.join(p, e));
  };
  for (const f of RUST_SOURCES) age(path.join(dest, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), WIN ? 'junction' : 'dir');
  return dest;
}

test.describe('npm pack in a checkout whose addon is built, and the tarball installed', () => {
  let plat;
  let dir;
  let checkout;
  let binary;
  let shim;
  let before;
  let pack;

  test.before(() => {
    plat = thisPlatform();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-tgz-'));
    checkout = stageCheckout(path.join(dir, 'leakwatch'));
    binary = path.join(checkout, path.basename(plat.binary));
    shim = cargoShim(path.join(dir, 'shim'));
    before = { sha256: sha256(binary), mtimeMs: fs.statSync(binary).mtimeMs };
    // With its scripts, as a user runs it: npm runs `prepare` first (--foreground-scripts: its output here).
    pack = npm(['pack', '--json', '--foreground-scripts', '--pack-destination', dir], checkout, shim.env);
  });
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('npm pack runs prepare, which does not rebuild: no cargo, the binary unchanged', () => {
    assert.strictEqual(pack.status, 0, pack.stderr);
    assert.match(pack.stderr, /leakwatch prepare: leakwatch\.\S+\.node is up to date with the Rust sources; not rebuilding/,
      'prepare ran and decided not to build');
    assert.strictEqual(shim.ran(), '', 'no cargo ran during npm pack');
    assert.deepStrictEqual({ sha256: sha256(binary), mtimeMs: fs.statSync(binary).mtimeMs }, before,
      'the binary is untouched');
  });

  test('the tarball ships the binary built in the checkout, for this platform', () => {
    assert.strictEqual(pack.status, 0, pack.stderr);
    const files = JSON.parse(pack.stdout)[0].files;
    const entry = files.find((f) => f.path === path.basename(plat.binary));
    assert.ok(entry, `${path.basename(plat.binary)} in ${files.map((f) => f.path).join(', ')}`);
    assert.strictEqual(entry.size, fs.statSync(plat.binary).size);
  });

  test('installed in a fresh project on this Node: no EBADENGINE, no script runs, require() loads that binary', () => {
    assert.strictEqual(pack.status, 0, pack.stderr);
    const tarball = path.join(dir, JSON.parse(pack.stdout)[0].filename);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}\n');
    // Warnings shown (npm prints EBADENGINE at level warn); scripts in the foreground, so that a script npm
    // ran would show (or fail the install: bin/prepare.js is not in the tarball).
    const inst = npm(['install', '--no-package-lock', '--foreground-scripts', tarball], app,
      { npm_config_loglevel: 'warn', ...shim.env });
    assert.strictEqual(inst.status, 0, inst.stderr);
    const out = `${inst.stdout}\n${inst.stderr}`;
    assert.doesNotMatch(out, /EBADENGINE|Unsupported engine/, `engine warning installing on Node ${process.version}`);
    assert.doesNotMatch(out, /leakwatch prepare|> leakwatch@\S+ (prepare|preinstall|install|postinstall)\n/);
    assert.strictEqual(shim.ran(), '', 'no cargo ran during the install');

    const installed = path.join(app, 'node_modules', 'leakwatch', path.basename(plat.binary));
    assert.strictEqual(sha256(installed), sha256(plat.binary), 'the installed binary is the one built in the checkout');
    // Only node on PATH: no cargo, no rustc, no npm.
    const env = { PATH: path.dirname(process.execPath), HOME: app, USERPROFILE: app };
    if (WIN) env.SystemRoot = process.env.SystemRoot;
    const req = spawnSync(process.execPath, ['-e', `const lw = require('leakwatch'); lw.gc();
      const native = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
      console.log(JSON.stringify({ backend: lw.backend, native }));`],
    { cwd: app, env, encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(req.status, 0, req.stderr);
    const got = JSON.parse(req.stdout);
    assert.deepStrictEqual(got.native.map((f) => fs.realpathSync(f)), [fs.realpathSync(installed)]);
    assert.ok(WIN ? ['v8', 'perf_hooks'].includes(got.backend) : got.backend === 'v8', got.backend);
  });
});

test('prepare builds when the binary is missing or older than the Rust sources (not with --ignore-scripts), ' +
  'and fails loudly if the build fails', { skip: WIN && 'the cargo stand-in is a shell script' }, (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-prepare-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const checkout = stageCheckout(path.join(dir, 'leakwatch'));
    const name = `leakwatch.${require('../../lib/load-binding.js').platformTriple()}.node`;
    const binary = path.join(checkout, name);
    fs.rmSync(binary, { force: true });
    const shim = cargoShim(path.join(dir, 'shim'));
    const prepare = () => {
      shim.reset();
      const r = npm(['run', 'prepare', '--foreground-scripts'], checkout, shim.env);
      return { ...r, cargo: shim.ran() };
    };

    // @napi-rs/cli 3 needs Node >= 20 (on 18 it fails before calling cargo, which fails the build all the same).
    const napiRuns = Number(process.versions.node.split('.')[0]) >= 20;
    const buildRan = (r) => {
      assert.ok(`${r.stdout}\n${r.stderr}`.includes(`> ${MAIN.scripts.build}`), 'prepare ran `npm run build`');
      if (napiRuns) assert.match(r.cargo, /^cargo /m, 'the build ran cargo');
    };

    // The release job's way (no binary, `npm pack --ignore-scripts`, which npm 10 runs `prepare` for anyway):
    // nothing is built, and the package has no binary.
    shim.reset();
    const packed = npm(['pack', '--dry-run', '--json', '--ignore-scripts', '--foreground-scripts'], checkout, shim.env);
    assert.strictEqual(packed.status, 0, packed.stderr);
    assert.strictEqual(shim.ran(), '');
    assert.ok(!packed.stderr.includes(`> ${MAIN.scripts.build}`), 'no `npm run build`');
    assert.deepStrictEqual(JSON.parse(packed.stdout)[0].files.filter((f) => f.path.endsWith('.node')), []);
    assert.ok(!fs.existsSync(binary));

    // A fresh clone: no binary, so `npm run build` runs (napi calls cargo); its failure fails prepare, saying why.
    let r = prepare();
    assert.notStrictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${name.replace(/\./g, '\\.')} is missing; building it with \`npm run build\``));
    buildRan(r);
    assert.match(r.stderr, /leakwatch prepare: building the native addon failed \(exit code \d+\)/);
    assert.match(r.stderr, /https:\/\/rustup\.rs/);
    assert.ok(!fs.existsSync(binary));

    // A binary newer than every source: nothing runs, nothing changes.
    fs.writeFileSync(binary, 'stand-in');
    r = prepare();
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /is up to date with the Rust sources; not rebuilding/);
    assert.strictEqual(r.cargo, '');
    assert.ok(!`${r.stdout}\n${r.stderr}`.includes(`> ${MAIN.scripts.build}`), 'no `npm run build`');
    assert.strictEqual(fs.readFileSync(binary, 'utf8'), 'stand-in');

    // One source, in a subfolder of src/, newer than the binary: it builds again.
    const soon = new Date(Date.now() + 3600e3);
    fs.utimesSync(path.join(checkout, 'src', 'v8', 'mod.rs'), soon, soon);
    r = prepare();
    assert.notStrictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /src\/v8\/mod\.rs is newer than leakwatch\.\S+\.node; building it/);
    buildRan(r);
  });
