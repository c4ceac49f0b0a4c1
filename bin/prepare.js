#!/usr/bin/env node
'use strict';
/**
 * The `prepare` script: builds the addon for this platform only when it is
 * missing or older than the Rust sources.
 *
 * npm runs `prepare` on `npm install` in a checkout (so a fresh clone gets its
 * addon), before `npm pack` and `npm publish`, and when leakwatch is installed
 * from git or linked from a folder — never for an install from the registry
 * or from a tarball. Building every time made `npm pack` recompile a binary
 * that was already there; now the binary is built when
 * `leakwatch.<platform>.node` does not exist or any of `src/**`, `Cargo.toml`,
 * `Cargo.lock`, `build.rs` is newer than it (by modification time), and
 * `npm run build` is what runs. Otherwise it prints one line and does nothing;
 * `npm run build` always builds (a debug build from `npm run build:debug`
 * counts as up to date until the sources change).
 *
 * A failed build exits non-zero with what to do, so `npm install` fails loudly
 * instead of leaving a checkout without its addon.
 *
 * With `--ignore-scripts` it does nothing: npm 10 (the npm bundled with Node
 * 18 to 22) still runs `prepare` when it packs a folder for `npm pack` or
 * `npm publish`, but tells the script (npm_config_ignore_scripts=true) — and
 * the release job packs the main package that way, from a checkout with no
 * binary, which must stay without one.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { platformTriple } = require('../lib/load-binding.js');

const ROOT = path.join(__dirname, '..');
const SOURCES = ['src', 'Cargo.toml', 'Cargo.lock', 'build.rs'];

/** The newest file among `SOURCES` (recursing into folders): { file, mtimeMs }, or null if none exists. */
function newestSource() {
  let newest = null;
  const visit = (file) => {
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    } else if (!newest || st.mtimeMs > newest.mtimeMs) {
      newest = { file, mtimeMs: st.mtimeMs };
    }
  };
  for (const s of SOURCES) visit(path.join(ROOT, s));
  return newest;
}

/** Why the addon needs building, or null when it is up to date. */
function buildReason(binary) {
  let built;
  try {
    built = fs.statSync(binary).mtimeMs;
  } catch {
    return `${path.basename(binary)} is missing`;
  }
  const src = newestSource();
  if (src && src.mtimeMs > built) {
    return `${path.relative(ROOT, src.file).split(path.sep).join('/')} is newer than ${path.basename(binary)}`;
  }
  return null;
}

/** Runs `<package manager> run build` with the package manager that runs this script. */
function runBuild() {
  const execPath = process.env.npm_execpath;
  const [cmd, args] = execPath && /\.[cm]?js$/.test(execPath) ?
    [process.execPath, [execPath, 'run', 'build']] :
    [execPath || 'npm', ['run', 'build']];
  const shell = process.platform === 'win32' && cmd !== process.execPath; // npm.cmd needs a shell
  return spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', shell });
}

function main() {
  if (process.env.npm_config_ignore_scripts === 'true') {
    console.error('leakwatch prepare: --ignore-scripts, not building');
    return 0;
  }
  const binary = path.join(ROOT, `leakwatch.${platformTriple()}.node`);
  const reason = buildReason(binary);
  if (!reason) {
    console.error(`leakwatch prepare: ${path.basename(binary)} is up to date with the Rust sources; not rebuilding ` +
      '(`npm run build` rebuilds)');
    return 0;
  }
  console.error(`leakwatch prepare: ${reason}; building it with \`npm run build\` (needs Rust)`);
  const r = runBuild();
  if (r.status === 0 && fs.existsSync(binary)) return 0;
  const how = r.error ? r.error.message : r.status === 0 ? `it did not produce ${path.basename(binary)}` :
    r.status === null ? `killed by ${r.signal}` : `exit code ${r.status}`;
  console.error(`leakwatch prepare: building the native addon failed (${how}).\n` +
    '  It needs a Rust toolchain (cargo; https://rustup.rs). Fix the error above and run `npm run build`,\n' +
    '  or run `npm install --ignore-scripts` to install the dev tools without building.');
  return 1;
}

process.exitCode = main();
