'use strict';
/**
 * Loads the generated native binding (`binding.js`), and when it cannot be
 * loaded says what is missing and how to get it — instead of napi-rs's
 * generic "npm has a bug related to optional dependencies" message, which
 * misleads when the binary simply was never built or installed.
 *
 * The error keeps napi-rs's per-candidate causes (`cause`), has code
 * ERR_LEAKWATCH_BINDING, and names: the platform, the local file leakwatch
 * looked for, the platform package, and the two ways to get one today (a
 * tarball packed where it was built, or a build from source with Rust).
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** napi-rs's platform triple for this process (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`…). */
function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const report = typeof process.report === 'object' && process.report ? process.report.getReport() : null;
    const glibc = report && report.header && report.header.glibcVersionRuntime;
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function loadBinding() {
  try {
    return require('../binding.js');
  } catch (err) {
    const triple = platformTriple();
    const file = `leakwatch.${triple}.node`;
    const present = fs.existsSync(path.join(ROOT, file));
    const e = new Error(`leakwatch: the native addon for ${triple} could not be loaded. ` +
      (present ? `${file} is there but failed to load (${String(err.message).split('\n')[0]}); ` +
        'it may be built for another Node ABI or platform: rebuild it with `npm run build` in the leakwatch package. ' :
        `Neither ${file} (built from source) nor the platform package leakwatch-${triple} is installed. ` +
        `Install a leakwatch tarball packed on a ${triple} machine where it was built (\`npm pack\` in a built ` +
        'checkout ships the binary), or build it from source in the leakwatch package with `npm run build` ' +
        `(needs Rust: https://rustup.rs); a registry release installs leakwatch-${triple} by itself. `) +
      'leakwatch supports Node 18 and later.', { cause: err });
    e.code = 'ERR_LEAKWATCH_BINDING';
    throw e;
  }
}

module.exports = { loadBinding, platformTriple };
