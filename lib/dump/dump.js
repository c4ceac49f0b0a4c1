'use strict';
/**
 * Heap dumps that are safe to take in production.
 *
 * One `Dumper` per leakwatch instance (index.js builds it with the
 * instance). It brings
 *   writeSnapshot([path], [options], [cb])  sync → path; with cb: heapdump's cb(err, path)
 *   writeSnapshotAsync([path], [options])   → Promise<path>
 * to the public object (`publicApi()`), the dump options of `configure()`
 * (lib/dump/dump-config.js; lib/options.js routes them here), the triggers
 * (lib/dump/dump-triggers.js) and the events 'dump', 'dump-refused'.
 *
 * Every dump: directory created 0700 (the configured one checked to be ours
 * and tightened; temporary files of dead processes swept), guard check
 * (lib/dump/dump-guard.js → src/dump/guards.rs) unless `force`, snapshot written
 * to a 0600 temporary name in the target directory, optionally gzipped
 * and/or redacted (src/dump/ via the binding), fsynced, then renamed. On any
 * failure every temporary file is removed: no half file under the final
 * name, no 0-byte file left behind. One dump at a time per isolate.
 *
 * lib/dump/ is everything about heap dumps: this file (the dumps themselves),
 * dump-config.js (their options), dump-triggers.js (signal, leak, heap
 * limit), dump-guard.js (the memory and disk readings the guard judges, also
 * read by lib/memory-limit.js) and mkdir.js (bounded directory creation, also
 * used for diagnosis reports).
 */
const cluster = require('node:cluster');
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const zlib = require('node:zlib');
const { pipeline } = require('node:stream');
const { threadId } = require('node:worker_threads');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const binding = require('../load-binding.js').loadBinding();
const config = require('./dump-config.js');
const guard = require('./dump-guard.js');
const { mkdirBounded } = require('./mkdir.js');
const triggers = require('./dump-triggers.js');

// Node 18's v8.getHeapSnapshot() stream stalls under backpressure (piped to a
// file it never ends and the process exits without a callback): there the
// async forms write the plain file and gzip it in Rust on the thread pool.
const STREAMS = Number(process.versions.node.split('.')[0]) >= 20;

function dumpError(code, message, extra) {
  const e = new Error(message);
  e.code = code;
  if (extra) Object.assign(e, extra);
  return e;
}

function stamp(d) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}` +
    `${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
}

/**
 * Makes `dir` ready for a dump. Missing directories are created 0700. The
 * configured dump directory (`own`: dumpDir, LEAKWATCH_DUMP_DIR or the
 * default) must belong to this user and is tightened to 0700, unless it is a
 * shared sticky directory such as /tmp. A directory named explicitly in a
 * writeSnapshot() call is the caller's: its mode is never changed, it only
 * has to be writable (the snapshot itself is always created 0600).
 */
function ensureDir(dir, own) {
  try {
    mkdirBounded(dir, 0o700);
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) throw dumpError('ERR_LEAKWATCH_DUMP_DIR', `${dir} is not a directory`);
    if (own) {
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
        throw dumpError('ERR_LEAKWATCH_DUMP_DIR', `${dir} belongs to uid ${st.uid}, not to this process (uid ` +
          `${process.getuid()}); choose a dumpDir of your own`);
      }
      if ((st.mode & 0o077) !== 0 && (st.mode & 0o1000) === 0) fs.chmodSync(dir, 0o700);
    }
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    if (err.code === 'ERR_LEAKWATCH_DUMP_DIR') throw err;
    throw dumpError('ERR_LEAKWATCH_DUMP_DIR', `cannot use dump directory ${dir}: ${err.message}; ` +
      'set configure({ dumpDir }) or LEAKWATCH_DUMP_DIR to a writable directory', { cause: err });
  }
}

// Temporary names are `.<final name>.<pid>-<threadId>-<seq>.tmp[.raw]`.
const TEMP_NAME = /^\..+\.heapsnapshot(?:\.gz)?\.(\d+)-\d+-\d+\.tmp(?:\.raw)?$/;
const swept = new Set();

/**
 * Removes temporary files that a dead process left in `dir` (a dump cut short
 * by the OOM killer or SIGKILL cannot clean up after itself). Only our own
 * naming pattern, only when that pid no longer exists; once per directory.
 */
function sweepStale(dir) {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    unlinkQuiet(path.join(dir, name));
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function unlinkQuiet(file) {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

class Dumper {
  constructor(lw) {
    this.lw = lw;
    this.config = config.defaults();
    this.busy = false;
    this.seq = 0;
    this.triggers = new triggers.Triggers(this);
    // The default configuration's triggers (the signal) are live at once.
    this.triggers.apply(this.config);
  }

  /** What this service adds to the public leakwatch object. */
  publicApi() {
    return {
      writeSnapshot: (...a) => this.writeSnapshot(...a),
      writeSnapshotAsync: (file, options) => this.writeSnapshotAsync(file, options),
    };
  }

  /** Normalises (path, options) into a plan: final path, dir, flags. */
  plan(file, options, trigger) {
    const o = options || {};
    if (typeof o !== 'object') throw new TypeError(`leakwatch.writeSnapshot: options must be an object, got ${typeof o}`);
    if (file !== undefined && file !== null && (typeof file !== 'string' || file === '')) {
      throw new TypeError(`leakwatch.writeSnapshot: path must be a non-empty string, got ${typeof file}`);
    }
    const gzip = o.gzip !== undefined ? Boolean(o.gzip) : file ? /\.gz$/i.test(file) : this.config.dumpGzip;
    const redact = o.redact !== undefined ? Boolean(o.redact) : this.config.dumpRedact;
    let final;
    if (file) {
      final = path.resolve(file);
    } else {
      // pid and thread id always; under node:cluster (and PM2) the worker id too.
      const worker = cluster.isWorker ? `-w${cluster.worker.id}` : '';
      const name = `heapdump-${stamp(new Date())}-${process.pid}${worker}-${threadId}${redact ? '-redacted' : ''}` +
        `.heapsnapshot${gzip ? '.gz' : ''}`;
      final = path.join(o.dir ? path.resolve(o.dir) : this.config.dumpDir, name);
    }
    const dir = path.dirname(final);
    const tmp = path.join(dir, `.${path.basename(final)}.${process.pid}-${threadId}-${++this.seq}.tmp`);
    return { final, dir, tmp, gzip, redact, force: Boolean(o.force), trigger };
  }

  /** Directory and guard checks; throws ERR_LEAKWATCH_DUMP_REFUSED after emitting 'dump-refused'. */
  preflight(p) {
    if (this.busy) throw this.refuse(p, 'busy', 'another heap dump of this thread is still being written');
    ensureDir(p.dir, p.dir === this.config.dumpDir);
    sweepStale(p.dir);
    if (p.force) return;
    const verdict = guard.check(binding, p.dir, { gzip: p.gzip, redact: p.redact,
      memoryFactor: this.config.dumpMemoryFactor, fileFactor: this.config.dumpFileFactor });
    if (!verdict.ok) throw this.refuse(p, 'guard', verdict.reason, verdict);
  }

  refuse(p, kind, reason, numbers) {
    const info = { trigger: p.trigger, kind, reason, path: p.final, ...(numbers || {}) };
    delete info.ok;
    this.lw.emit('dump-refused', info);
    return dumpError('ERR_LEAKWATCH_DUMP_REFUSED', `heap dump refused: ${reason}`, { info });
  }

  finish(p, started, extra) {
    const fd = fs.openSync(p.tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const bytes = fs.statSync(p.tmp).size;
    if (bytes === 0) throw new Error('the snapshot came out empty');
    if (!p.gzip) Dumper.checkComplete(p.tmp, bytes);
    fs.renameSync(p.tmp, p.final);
    const ev = { path: p.final, bytes, duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
      trigger: p.trigger, compressed: p.gzip, redacted: p.redact, ...extra };
    this.lw.emit('dump', ev);
    return ev;
  }

  failed(p, err) {
    unlinkQuiet(p.tmp);
    unlinkQuiet(`${p.tmp}.raw`);
    if (err && (err.code === 'ERR_LEAKWATCH_DUMP_REFUSED' || err.code === 'ERR_LEAKWATCH_DUMP_DIR')) return err;
    const why = { ENOSPC: ' (the disk is full)', EDQUOT: ' (the disk quota is used up)',
      EFBIG: ' (the file-size limit, ulimit -f, was reached)' }[err && err.code] || '';
    return dumpError('ERR_LEAKWATCH_DUMP_FAILED', `heap dump to ${p.final} failed${why}: ${err && err.message}; ` +
      'no file was left behind', { cause: err, syscallCode: err && err.syscall ? err.code : undefined });
  }

  /** A plain snapshot ends with '}': guards against a writer that stopped silently (old Node on a full disk). */
  static checkComplete(file, bytes) {
    const fd = fs.openSync(file, 'r');
    try {
      const tail = Buffer.alloc(Math.min(16, bytes));
      fs.readSync(fd, tail, 0, tail.length, bytes - tail.length);
      if (!/}\s*$/.test(tail.toString('latin1'))) throw new Error('the snapshot is truncated (the writer stopped early)');
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The redaction counts for the 'dump' event. */
  static stats(json) {
    const s = JSON.parse(json);
    return s.redacted === undefined ? {} : { strings_redacted: s.redacted, strings_total: s.strings };
  }

  /** Writes the plain snapshot to `file` (already created 0600). */
  static writePlain(file) {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
    const t0 = process.hrtime.bigint();
    v8.writeHeapSnapshot(file);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  /** The synchronous dump: blocks until the file is complete. Returns the 'dump' event. */
  dumpSync(p) {
    this.preflight(p);
    this.busy = true;
    const started = process.hrtime.bigint();
    try {
      let extra = {};
      if (p.gzip || p.redact) {
        const raw = `${p.tmp}.raw`;
        Dumper.writePlain(raw);
        extra = Dumper.stats(binding.dumpPostProcessSync(raw, p.tmp, p.gzip, p.redact));
        unlinkQuiet(raw);
      } else {
        Dumper.writePlain(p.tmp);
      }
      // Synchronous from end to end: the whole dump held the JS thread.
      extra.stall_ms = Number(process.hrtime.bigint() - started) / 1e6;
      return this.finish(p, started, extra);
    } catch (err) {
      throw this.failed(p, err);
    } finally {
      this.busy = false;
    }
  }

  /** The asynchronous dump (gzip streamed through zlib on Node ≥ 20; redaction, and gzip on 18, on the thread pool). */
  async dumpAsync(p) {
    this.preflight(p);
    this.busy = true;
    const started = process.hrtime.bigint();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    try {
      let extra = {};
      // V8 takes and serializes the snapshot on the JS thread: the longest
      // block is the stall the service feels. Measured directly around the
      // synchronous calls, and by an event-loop delay monitor for the pieces
      // a stream runs in later turns.
      let stall = 0;
      delay.enable();
      if (!STREAMS && !p.redact && !p.gzip) {
        stall = Dumper.writePlain(p.tmp);
      } else if (p.redact || !STREAMS) {
        const raw = `${p.tmp}.raw`;
        stall = Dumper.writePlain(raw);
        extra = Dumper.stats(await binding.dumpPostProcess(raw, p.tmp, p.gzip, p.redact));
        unlinkQuiet(raw);
      } else {
        await new Promise((resolve, reject) => {
          const out = fs.createWriteStream(p.tmp, { flags: 'wx', mode: 0o600 });
          const t0 = process.hrtime.bigint();
          const snapshot = v8.getHeapSnapshot();
          stall = Number(process.hrtime.bigint() - t0) / 1e6;
          const stages = [snapshot];
          if (p.gzip) stages.push(zlib.createGzip({ level: 1 }));
          pipeline(...stages, out, (err) => (err ? reject(err) : resolve()));
        });
      }
      extra.stall_ms = Math.max(stall, delay.count ? delay.max / 1e6 : 0);
      return this.finish(p, started, extra);
    } catch (err) {
      throw this.failed(p, err);
    } finally {
      delay.disable();
      this.busy = false;
    }
  }

  /** Background failures: 'error' only when someone listens (an unhandled 'error' throws), else a warning. */
  reportError(err) {
    if (this.lw.listenerCount('error') > 0) {
      this.lw.emit('error', err);
    } else {
      process.emitWarning(err.message, { code: err.code });
    }
  }

  /** Validates dump options (throws ERR_LEAKWATCH_OPTION); applies nothing. */
  validate(update) {
    return config.validate(update, this.config);
  }

  /** Applies a configuration returned by validate(). */
  apply(next) {
    this.config = next;
    this.triggers.apply(next);
  }

  getConfig() {
    return { ...this.config };
  }

  writeSnapshot(...args) {
    let cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    let [file, options] = args;
    if (file && typeof file === 'object') [file, options] = [undefined, file];
    if (!cb) return this.dumpSync(this.plan(file, options, 'api')).path;
    let p;
    try {
      p = this.plan(file, options, 'api');
    } catch (err) {
      process.nextTick(cb, err);
      return undefined;
    }
    this.dumpAsync(p).then((ev) => cb(null, ev.path), (err) => cb(err));
    return undefined;
  }

  writeSnapshotAsync(file, options) {
    if (file && typeof file === 'object') [file, options] = [undefined, file];
    try {
      return this.dumpAsync(this.plan(file, options, 'api')).then((ev) => ev.path);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

module.exports = { Dumper };
