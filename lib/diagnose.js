'use strict';
/**
 * The diagnosis pipeline: from a `leak` event to a report that names the
 * growing class, who retains it and where it was allocated.
 *
 * Opt-in (`configure({ diagnose: true })` or `LEAKWATCH_ON_LEAK=diagnose`).
 * When `leak` fires: take a baseline snapshot; let the heap grow further
 * (until the post-GC baseline has grown by `diagnoseGrowthBytes` or
 * `diagnoseGrowthFraction`, never sooner than `diagnoseMinWaitMs`, never later
 * than `diagnoseMaxWaitMs`); take a target snapshot; wait again; take a final
 * snapshot. Then analyze the three outside the service's memory, in a
 * low-priority child process (`lib/diagnose-child.js`) that writes the report
 * (JSON + HTML) next to the dumps itself — so the report lands even if the
 * service exits first — and tells us where. Emits `diagnosis` (started) and
 * `report` ({ json, html, report }).
 *
 * Dumps go through `writeSnapshot` and so respect the dump guards: a refused
 * dump degrades the report (it says why), never the service. At most one
 * diagnosis runs at a time, with a cooldown between two. Nothing here keeps
 * the event loop alive: timers and the child are un-referenced.
 */
const path = require('node:path');
const os = require('node:os');
const { fork } = require('node:child_process');

const DEFAULTS = Object.freeze({
  diagnose: false,
  diagnoseGrowthBytes: 16 * 1024 * 1024,
  diagnoseGrowthFraction: 0.05,
  diagnoseMinWaitMs: 5000,
  diagnoseMaxWaitMs: 60000,
  diagnoseCooldownMs: 30 * 60 * 1000,
});

const CHILD = path.join(__dirname, 'diagnose-child.js');

function validate(key, value) {
  const bad = (rule) => {
    const e = new TypeError(`leakwatch.configure: ${key} must be ${rule}, got ${JSON.stringify(value)}`);
    e.code = 'ERR_LEAKWATCH_OPTION';
    throw e;
  };
  if (key === 'diagnose') {
    if (typeof value !== 'boolean') bad('true or false');
  } else if (key === 'diagnoseGrowthFraction') {
    if (typeof value !== 'number' || !(value >= 0 && value <= 10)) bad('a number between 0 and 10');
  } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    bad('a finite number ≥ 0');
  }
}

class Diagnoser {
  /**
   * `snapshot(stage)` → Promise<{ path, bytes }> (rejects when refused);
   * `dumpDir()` → where reports go.
   */
  constructor(leakwatch, { snapshot, dumpDir }) {
    this.lw = leakwatch;
    this.snapshot = snapshot;
    this.dumpDir = dumpDir;
    this.options = { ...DEFAULTS };
    this.running = false;
    this.lastEnd = 0;
    leakwatch.on('leak', (info) => {
      if (this.options.diagnose) this.start(info);
    });
  }

  static get optionKeys() {
    return Object.keys(DEFAULTS);
  }

  /** Throws ERR_LEAKWATCH_OPTION for a bad value; changes nothing. */
  validate(opts) {
    for (const [k, v] of Object.entries(opts)) validate(k, v);
  }

  configure(opts) {
    this.validate(opts);
    Object.assign(this.options, opts);
  }

  /** Starts a diagnosis unless one runs or the cooldown holds; returns whether it started. */
  start(leak) {
    const now = Date.now();
    if (this.running || (this.lastEnd && now - this.lastEnd < this.options.diagnoseCooldownMs)) return false;
    this.running = true;
    this.lw.emit('diagnosis', { stage: 'start', leak });
    this.run(leak)
      .catch((err) => this.lw.emit('diagnosis', { stage: 'failed', error: err.message }))
      .finally(() => {
        this.running = false;
        this.lastEnd = Date.now();
      });
    return true;
  }

  /** Resolves once the post-GC baseline grew enough, or the wait bound passed. */
  waitForGrowth() {
    const { diagnoseGrowthBytes, diagnoseGrowthFraction, diagnoseMinWaitMs, diagnoseMaxWaitMs } = this.options;
    const start = this.lw.getStats().current_base;
    const need = Math.max(diagnoseGrowthBytes, start * diagnoseGrowthFraction);
    const t0 = Date.now();
    return new Promise((resolve) => {
      let done = false;
      const finish = (grew) => {
        if (done) return;
        done = true;
        this.lw.off('stats', onStats);
        clearTimeout(maxTimer);
        clearTimeout(minTimer);
        resolve({ grew, waited_ms: Date.now() - t0, growth: this.lw.getStats().current_base - start });
      };
      let grown = false;
      const onStats = (s) => {
        if (s.current_base - start >= need) {
          grown = true;
          if (Date.now() - t0 >= diagnoseMinWaitMs) finish(true);
        }
      };
      const minTimer = setTimeout(() => grown && finish(true), diagnoseMinWaitMs);
      const maxTimer = setTimeout(() => finish(grown), Math.max(diagnoseMinWaitMs, diagnoseMaxWaitMs));
      minTimer.unref();
      maxTimer.unref();
      this.lw.on('stats', onStats);
    });
  }

  async take(stage, degraded) {
    try {
      const s = await this.snapshot(stage);
      return { path: s.path, bytes: s.bytes, taken_at: new Date().toISOString() };
    } catch (err) {
      degraded.push(`${stage} snapshot not taken: ${err.message}`);
      return null;
    }
  }

  async run(leak) {
    const degraded = [];
    const snapshots = { baseline: null, target: null, final: null };
    snapshots.baseline = await this.take('baseline', degraded);
    if (snapshots.baseline) {
      const g1 = await this.waitForGrowth();
      if (!g1.grew) degraded.push(`the heap grew only ${(g1.growth / 1048576).toFixed(1)} MB in ${Math.round(g1.waited_ms / 1000)} s after the baseline snapshot`);
      snapshots.target = await this.take('target', degraded);
    }
    if (snapshots.target) {
      await this.waitForGrowth();
      snapshots.final = await this.take('final', degraded);
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const base = path.join(this.dumpDir(), `leakwatch-report-${stamp}-${process.pid}`);
    const input = {
      base,
      process: { pid: process.pid, argv: process.argv, node: process.version },
      leak: leak ? { ...leak, start: leak.start && leak.start.toISOString(), end: leak.end && leak.end.toISOString() } : null,
      timeline: this.lw.getTimeline(),
      snapshots,
      degraded,
      backend: this.lw.backend,
      elapsed_ms: leak && leak.end ? Date.now() - leak.end.getTime() : null,
    };
    const result = await analyzeInChild(input);
    this.lw.emit('report', result);
    return result;
  }
}

/** Runs lib/diagnose-child.js at low priority; resolves with its { json, html, summary }. */
function analyzeInChild(input) {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    try {
      os.setPriority(child.pid, 19);
    } catch {
      // Lowering priority is a courtesy; a container may forbid it.
    }
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 8192) stderr += d;
    });
    child.on('message', (m) => {
      if (m && m.error) reject(new Error(m.error));
      else resolve(m);
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`analysis process exited with ${code}: ${stderr.trim()}`));
    });
    child.send(input);
    child.unref();
    child.channel.unref();
    child.stderr.unref?.();
  });
}

module.exports = { Diagnoser, DEFAULTS };
