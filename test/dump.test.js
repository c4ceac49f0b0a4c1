'use strict';
/**
 * Heap dumps: file safety (0600 in 0700, no leftovers), gzip and
 * redaction checked with the Rust snapshot engine, errors that say why,
 * configure() routing. Triggers are in dump-trigger.test.js, workers in
 * dump-worker.test.js.
 */
const test = require('node:test');
const assert = require('node:assert');
const { assertMode, POSIX_MODES } = require('./helpers.js');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const leakwatch = require('..');
const binding = require('../binding.js');

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function tmpDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lw-dump-${tag}-`));
}

function verify(file, classes = []) {
  return JSON.parse(binding.dumpVerify(file, classes));
}

class PlantedSecretHolder {
  constructor() {
    this.apiToken = `sk_live_${crypto.randomBytes(12).toString('hex')}`;
    this.dbPassword = `pw-${crypto.randomBytes(8).toString('hex')}-pw`;
  }
}

test('default dump: a 0600 file in a 0700 directory, name with time, pid and thread id', () => {
  const base = tmpDir('mode');
  const dir = path.join(base, 'nested', 'dumps');
  leakwatch.configure({ dumpDir: dir });
  const events = [];
  const on = (e) => events.push(e);
  leakwatch.on('dump', on);
  try {
    const file = leakwatch.writeSnapshot();
    assert.strictEqual(path.dirname(file), dir);
    assert.match(path.basename(file), new RegExp(`^heapdump-\\d{8}T\\d{6}\\.\\d{3}Z-${process.pid}-0\\.heapsnapshot$`));
    assertMode(dir, 0o700);
    assertMode(file, 0o600);
    assert.deepStrictEqual(fs.readdirSync(dir), [path.basename(file)], 'no temporary file left');
    assert.strictEqual(events.length, 1);
    const e = events[0];
    assert.strictEqual(e.path, file);
    assert.strictEqual(e.bytes, fs.statSync(file).size);
    assert.strictEqual(e.trigger, 'api');
    assert.strictEqual(e.compressed, false);
    assert.strictEqual(e.redacted, false);
    assert.ok(e.duration_ms > 0);
    assert.ok(verify(file).nodes > 1000);
  } finally {
    leakwatch.off('dump', on);
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('the configured dump directory is tightened to 0700; a directory named in the call keeps its mode', {
  skip: !POSIX_MODES && 'no Unix permission bits',
}, () => {
  const own = tmpDir('chmod');
  const named = tmpDir('named');
  fs.chmodSync(own, 0o755);
  fs.chmodSync(named, 0o755);
  const before = leakwatch.getConfig().dumpDir;
  try {
    leakwatch.configure({ dumpDir: own });
    leakwatch.writeSnapshot({ gzip: true });
    assertMode(own, 0o700);
    const file = leakwatch.writeSnapshot({ dir: named, gzip: true });
    assert.strictEqual(path.dirname(file), named);
    assertMode(named, 0o755, 'the caller\'s directory is not chmod-ed');
    assertMode(file, 0o600, 'the file itself is still private');
  } finally {
    leakwatch.configure({ dumpDir: before });
    fs.rmSync(own, { recursive: true, force: true });
    fs.rmSync(named, { recursive: true, force: true });
  }
});

/** A directory this process cannot write to: a read-only tmpfs as root, a 0555 directory otherwise; null if neither. */
function unwritableDir() {
  if (!POSIX_MODES) return null;
  const dir = tmpDir('ro');
  if (!isRoot) {
    fs.chmodSync(dir, 0o555);
    return dir;
  }
  if (process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]).status === 0) {
    return dir;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return null;
}

const readOnly = unwritableDir();
test('an unwritable directory: a clear error naming it, and no file', {
  skip: !readOnly && 'cannot make an unwritable directory here (root without mount)',
}, async () => {
  try {
    assert.throws(() => leakwatch.writeSnapshot({ dir: readOnly }), (e) => e.code === 'ERR_LEAKWATCH_DUMP_DIR' &&
      e.message.includes(readOnly) && /writable directory/.test(e.message) && /(EROFS|EACCES)/.test(e.message));
    await assert.rejects(leakwatch.writeSnapshotAsync({ dir: readOnly, gzip: true }), { code: 'ERR_LEAKWATCH_DUMP_DIR' });
    assert.deepStrictEqual(fs.readdirSync(readOnly), []);
  } finally {
    if (isRoot) spawnSync('umount', [readOnly]);
    fs.chmodSync(readOnly, 0o700);
    fs.rmSync(readOnly, { recursive: true, force: true });
  }
});

test('temporary files left by a killed dumper are swept; a live process\'s are kept', () => {
  const dir = tmpDir('sweep');
  // A pid that is certainly dead: a child that has exited.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const stale = [`.heapdump-x-${dead}-0.heapsnapshot.${dead}-0-1.tmp`, `.y.heapsnapshot.gz.${dead}-3-2.tmp.raw`];
  const live = `.z.heapsnapshot.${process.ppid}-0-1.tmp`;
  const foreign = `.notes.${dead}-0-1.tmp`;
  for (const n of [...stale, live, foreign]) fs.writeFileSync(path.join(dir, n), '');
  try {
    const file = leakwatch.writeSnapshot({ dir, gzip: true });
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), [path.basename(file), live, foreign].sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('gzip: sync, callback and promise forms write .gz files the Rust engine parses', async () => {
  const dir = tmpDir('gzip');
  try {
    const a = leakwatch.writeSnapshot({ dir, gzip: true });
    assert.match(a, /\.heapsnapshot\.gz$/);
    const b = await new Promise((resolve, reject) =>
      leakwatch.writeSnapshot(path.join(dir, 'cb.heapsnapshot.gz'), (err, f) => (err ? reject(err) : resolve(f))));
    assert.strictEqual(b, path.join(dir, 'cb.heapsnapshot.gz'));
    const c = await leakwatch.writeSnapshotAsync({ dir, gzip: true });
    for (const f of [a, b, c]) {
      const head = Buffer.alloc(2);
      const fd = fs.openSync(f, 'r');
      fs.readSync(fd, head, 0, 2, 0);
      fs.closeSync(fd);
      assert.deepStrictEqual([...head], [0x1f, 0x8b], `${f} is gzip`);
      assertMode(f, 0o600);
      const v = verify(f, ['PlantedSecretHolder']);
      assert.ok(v.nodes > 1000, `${f} parses`);
    }
    assert.strictEqual(fs.readdirSync(dir).length, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('redact: planted secrets vanish, class and property names stay', async () => {
  const dir = tmpDir('redact');
  const holders = globalThis.__lwHolders = [new PlantedSecretHolder(), new PlantedSecretHolder()];
  // V8 keeps `sk_live_${hex}` as a concatenated string of its parts: look for the random parts.
  const secrets = holders.flatMap((h) => [h.apiToken.slice(8), h.dbPassword.slice(3, -3)]);
  try {
    const plain = leakwatch.writeSnapshot(path.join(dir, 'plain.heapsnapshot'));
    const text = fs.readFileSync(plain, 'utf8');
    for (const s of secrets) assert.ok(text.includes(s), 'sanity: a plain dump holds the secret');

    const red = leakwatch.writeSnapshot({ dir, redact: true });
    const redAsync = await leakwatch.writeSnapshotAsync({ dir, redact: true, gzip: true });
    const redText = fs.readFileSync(red, 'utf8');
    for (const s of secrets) assert.ok(!redText.includes(s), `secret ${s.slice(0, 10)}… is gone`);
    assert.ok(!redText.includes('sk_live_'), 'the literal prefix is a value too');
    for (const name of ['PlantedSecretHolder', 'apiToken', 'dbPassword']) {
      assert.ok(redText.includes(`"${name}"`), `${name} kept`);
    }
    for (const f of [red, redAsync]) {
      const v = verify(f, ['PlantedSecretHolder']);
      assert.strictEqual(v.classes.PlantedSecretHolder, 2, `${f}: instances still found by class`);
      assertMode(f, 0o600);
    }
    const gz = require('node:zlib').gunzipSync(fs.readFileSync(redAsync)).toString('utf8');
    for (const s of secrets) assert.ok(!gz.includes(s));
  } finally {
    delete globalThis.__lwHolders;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unusable directory gives a clear error and leaves no file', async () => {
  const base = tmpDir('bad');
  const file = path.join(base, 'a-file');
  fs.writeFileSync(file, 'x');
  try {
    assert.throws(() => leakwatch.writeSnapshot({ dir: path.join(file, 'sub') }), (e) =>
      e.code === 'ERR_LEAKWATCH_DUMP_DIR' && e.message.includes(path.join(file, 'sub')) && /dumpDir/.test(e.message));
    const err = await new Promise((resolve) => leakwatch.writeSnapshot(path.join(file, 'x.heapsnapshot'), resolve));
    assert.strictEqual(err.code, 'ERR_LEAKWATCH_DUMP_DIR');
    await assert.rejects(leakwatch.writeSnapshotAsync({ dir: file }), { code: 'ERR_LEAKWATCH_DUMP_DIR' });
    assert.deepStrictEqual(fs.readdirSync(base), ['a-file']);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a configured dump directory owned by someone else is refused', { skip: !isRoot && 'needs root to chown' }, () => {
  const dir = tmpDir('owner');
  fs.chownSync(dir, 65534, 65534);
  const before = leakwatch.getConfig().dumpDir;
  try {
    leakwatch.configure({ dumpDir: dir });
    assert.throws(() => leakwatch.writeSnapshot(), (e) => e.code === 'ERR_LEAKWATCH_DUMP_DIR' &&
      /belongs to uid 65534/.test(e.message));
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  } finally {
    leakwatch.configure({ dumpDir: before });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A 2 MB tmpfs, or null where mounting is not possible. */
function smallTmpfs() {
  if (!isRoot || process.platform !== 'linux') return null;
  const dir = tmpDir('full');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return dir;
}

const full = smallTmpfs();
test('a full disk: the guard refuses with numbers; forced, ENOSPC is reported and nothing is left', {
  skip: !full && 'cannot mount a small tmpfs here',
}, async () => {
  const refused = [];
  const on = (e) => refused.push(e);
  leakwatch.on('dump-refused', on);
  try {
    assert.throws(() => leakwatch.writeSnapshot({ dir: full }), (e) => e.code === 'ERR_LEAKWATCH_DUMP_REFUSED' &&
      /not enough disk/.test(e.message) && /force: true/.test(e.message));
    assert.strictEqual(refused.length, 1);
    assert.strictEqual(refused[0].kind, 'guard');
    assert.strictEqual(refused[0].trigger, 'api');
    assert.ok(refused[0].disk_free <= 2 * 1024 * 1024 && refused[0].disk_needed > refused[0].disk_free);
    assert.deepStrictEqual(fs.readdirSync(full), []);

    globalThis.__lwBulk = Array.from({ length: 50000 }, (_, i) => ({ i, s: `bulk-${i}` }));
    assert.throws(() => leakwatch.writeSnapshot({ dir: full, force: true }), (e) =>
      e.code === 'ERR_LEAKWATCH_DUMP_FAILED' && e.syscallCode === 'ENOSPC' && /disk is full/.test(e.message));
    assert.deepStrictEqual(fs.readdirSync(full), [], 'no partial or empty file');
    await assert.rejects(leakwatch.writeSnapshotAsync({ dir: full, force: true, gzip: true }),
      { code: 'ERR_LEAKWATCH_DUMP_FAILED' });
    await assert.rejects(leakwatch.writeSnapshotAsync({ dir: full, force: true, redact: true }),
      { code: 'ERR_LEAKWATCH_DUMP_FAILED' });
    assert.deepStrictEqual(fs.readdirSync(full), []);
  } finally {
    delete globalThis.__lwBulk;
    leakwatch.off('dump-refused', on);
    spawnSync('umount', ['-l', full]);
    fs.rmSync(full, { recursive: true, force: true });
  }
});

// Node 18's own v8.writeHeapSnapshot spins forever once a write fails with EFBIG (ENOSPC is fine), so
// there only the guard's refusal is checked; the forced forms run on Node >= 20.
const FORCED_EFBIG = Number(process.versions.node.split('.')[0]) >= 20;
test('a file-size limit (ulimit -f): the guard refuses; forced, EFBIG is a clear error and no file is left', {
  skip: process.platform === 'win32' && 'needs ulimit -f',
}, () => {
  const dir = tmpDir('efbig');
  // Node ignores SIGXFSZ, so past `ulimit -f` (1 KiB blocks) writes fail with EFBIG: a limited disk any
  // unprivileged user can arrange, unlike a small tmpfs.
  const code = `
    const lw = require(${JSON.stringify(path.join(__dirname, '..'))});
    const keep = []; for (let i = 0; i < 200000; i++) keep.push({ i, s: 'x' + i });
    const dir = ${JSON.stringify(dir)};
    const out = [];
    const record = (e) => out.push({ code: e.code, syscallCode: e.syscallCode, message: e.message });
    try { lw.writeSnapshot({ dir }); out.push('written'); } catch (e) { record(e); }
    const forced = ${FORCED_EFBIG} ? [false, true] : [];
    for (const gzip of forced) {
      try { lw.writeSnapshot({ dir, force: true, gzip }); out.push('written'); } catch (e) { record(e); }
    }
    (${FORCED_EFBIG} ? lw.writeSnapshotAsync({ dir, force: true, gzip: true, redact: true }) : Promise.resolve('skip'))
      .then((r) => r !== 'skip' && out.push('written'), record)
      .then(() => process.stdout.write(JSON.stringify(out)));`;
  try {
    const r = spawnSync('bash', ['-c', 'ulimit -f 2048 && exec "$0" -e "$1"', process.execPath, code],
      { encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(r.status, 0, r.stderr);
    const [refused, ...failed] = JSON.parse(r.stdout);
    assert.strictEqual(refused.code, 'ERR_LEAKWATCH_DUMP_REFUSED', JSON.stringify(refused));
    assert.match(refused.message, /file-size limit: the snapshot would be about \d+ MB but this process may write files of at most 2 MB/);
    assert.strictEqual(failed.length, FORCED_EFBIG ? 3 : 0);
    for (const e of failed) {
      assert.strictEqual(e.code, 'ERR_LEAKWATCH_DUMP_FAILED', JSON.stringify(e));
      assert.strictEqual(e.syscallCode, 'EFBIG');
      assert.match(e.message, /file-size limit/);
      assert.match(e.message, /no file was left behind/);
    }
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('guard verdicts come from the Rust model with cgroup and meminfo text', () => {
  const v = JSON.parse(binding.dumpGuard(JSON.stringify({
    heapUsed: 870 * 2 ** 20,
    meminfo: 'MemAvailable: 20000000 kB\n',
    cgroups: [{ v2: true, max: String(2 * 2 ** 30), current: String(2 ** 30) }],
    diskFree: 100 * 2 ** 30,
    memoryFactor: 12,
    fileFactor: 2,
  })));
  assert.strictEqual(v.ok, false);
  assert.strictEqual(v.memory_source, 'cgroup');
  assert.match(v.reason, /not enough memory/);
});

test('configure routes dump options, rejects unknown keys and applies nothing on error', () => {
  const before = leakwatch.getConfig();
  assert.throws(() => leakwatch.configure({ dumpDir: '/tmp/elsewhere', nope: 1 }), (e) =>
    e.code === 'ERR_LEAKWATCH_OPTION' && /unknown option "nope"/.test(e.message) && /dumpDir/.test(e.message));
  assert.throws(() => leakwatch.configure({ dumpMaxCount: -1, sensitivity: 'high' }), /dumpMaxCount/);
  assert.throws(() => leakwatch.configure({ signal: 'SIGKILL' }), { code: 'ERR_LEAKWATCH_OPTION' });
  assert.throws(() => leakwatch.configure({ dumpOnLeak: 'yes' }), /dumpOnLeak/);
  assert.deepStrictEqual(leakwatch.getConfig(), before);
  const c = leakwatch.configure({ dumpGzip: true, sensitivity: 'high' });
  assert.strictEqual(c.dumpGzip, true);
  assert.strictEqual(c.significance, 0.05);
  leakwatch.configure({ dumpGzip: false, sensitivity: 'medium' });
});

// Node's recursive mkdir loops forever on ENOENT from a pseudo-filesystem
// (Node 20-24): leakwatch creates directories itself, bounded (lib/dump/mkdir.js).
test('a dump path under /proc gives an error at once, never a hang', { skip: process.platform !== 'linux' }, () => {
  const code = `const lw = require(${JSON.stringify(path.join(__dirname, '..'))});
    for (const p of ['/proc/self/no-such-dir/x.heapsnapshot', '/proc/self/a/b/c/x.heapsnapshot']) {
      try { lw.writeSnapshot(p); console.log('written'); } catch (e) { console.log(e.code); }
    }`;
  const r = require('node:child_process').spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.signal, null, 'the process hung and was killed');
  assert.deepStrictEqual(r.stdout.trim().split('\n'), ['ERR_LEAKWATCH_DUMP_DIR', 'ERR_LEAKWATCH_DUMP_DIR'], r.stderr);
});

test('mkdirBounded makes missing levels 0700 and names what is in the way', () => {
  const { mkdirBounded } = require('../lib/dump/mkdir.js');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-mkdir-'));
  try {
    const deep = path.join(base, 'a', 'b', 'c');
    mkdirBounded(deep);
    assert.ok(fs.statSync(deep).isDirectory());
    assert.strictEqual(fs.statSync(path.join(base, 'a')).mode & 0o777, 0o700);
    mkdirBounded(deep); // exists: nothing to do
    fs.writeFileSync(path.join(base, 'file'), 'x');
    assert.throws(() => mkdirBounded(path.join(base, 'file', 'sub')), (e) => e.code === 'ENOTDIR');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
