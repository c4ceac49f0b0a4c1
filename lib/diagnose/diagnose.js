'use strict';
/**
 * The diagnosis pipeline: from a `leak` event to a report that says where
 * the leak is allocated — and, as a deeper step the user asks for, who
 * retains it.
 *
 * Opt-in (`configure({ diagnose: true })` or `LEAKWATCH_ON_LEAK=diagnose`).
 * When `leak` fires, the report leads with the allocation sites the `leak`
 * event already carries (V8's sampling heap profiler, lib/sampling.js): no
 * heap dump, no pause. Written at once (JSON + HTML) by a low-priority child
 * process (`lib/diagnose/diagnose-child.js`), so the service does no work for it.
 *
 * Heap dumps are the deep step, only with `diagnoseDumps: true`
 * (`LEAKWATCH_ON_LEAK=diagnose-deep`): take a baseline snapshot; let the heap
 * grow further (until the post-GC baseline has grown by
 * `diagnoseGrowthBytes` or `diagnoseGrowthFraction`, never sooner than
 * `diagnoseMinWaitMs`, never later than `diagnoseMaxWaitMs`); take a target
 * snapshot; wait again; take a final snapshot. Then the child analyzes the
 * three outside the service's memory and joins them with the sites. Each
 * dump stalls the service while V8 takes it (the `dump` event's
 * `stall_ms`), which is why it is not the default.
 *
 * Emits `diagnosis` (started) and `report` ({ json, html, report }).
 * Dumps go through `writeSnapshot` and so respect the dump guards: a refused
 * dump degrades the report (it says why) and the sites are still named. At
 * most one diagnosis runs at a time, with a cooldown between two. Nothing
 * here keeps the event loop alive: timers and the child are un-referenced.
 *
 * The child is bounded: it is killed, and the diagnosis fails (`diagnosis`
 * event with `stage: 'failed'`), when it has not answered within
 * `ANALYSIS_TIMEOUT_MS` or exits without an answer. It runs without
 * leakwatch attached: `-r leakwatch/register` is removed from its
 * NODE_OPTIONS and no LEAKWATCH_* variable reaches it.
 *
 * lib/diagnose/ is the diagnosis and its report: this file (the pipeline in
 * the service), diagnose-child.js (the analysis process) and child.js (its
 * bounded fork), findings.js (snapshot results → findings), explain.js (a
 * finding in plain English), report.js and report-html.js (the report as
 * JSON and HTML). The CLI's `find-leaks` and `report` use the last four too.
 */
const path = require('node:path');
const { ask } = require('./child.js');
const { threadId } = require('node:worker_threads');
const { mustBe } = require('../option-error.js');

const DEFAULTS = Object.freeze({
  diagnose: false,
  diagnoseDumps: false,
  diagnoseGrowthBytes: 16 * 1024 * 1024,
  diagnoseGrowthFraction: 0.05,
  diagnoseMinWaitMs: 5000,
  diagnoseMaxWaitMs: 60000,
  diagnoseCooldownMs: 30 * 60 * 1000,
});

const CHILD = path.join(__dirname, 'diagnose-child.js');
const REGISTER = path.join(__dirname, '..', '..', 'register.js');

/** The longest the analysis child may take (three snapshots of a large heap take minutes). */
const ANALYSIS_TIMEOUT_MS = 20 * 60 * 1000;

function validate(key, value) {
  const bad = (rule) => {
    throw mustBe(key, rule, value);
  };
  if (key === 'diagnose' || key === 'diagnoseDumps') {
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
   * `dumpDir()` → where reports go; `analyze(input)` → Promise of the
   * report files (default: `analyzeInChild`).
   */
  constructor(leakwatch, { snapshot, dumpDir, analyze = analyzeInChild }) {
    this.lw = leakwatch;
    this.snapshot = snapshot;
    this.dumpDir = dumpDir;
    this.analyze = analyze;
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
      .catch((err) => this.lw.emit('diagnosis', { stage: 'failed', error: err.message, leak }))
      .catch((err) => {
        // A throwing listener must not become an unhandled rejection in the service.
        process.emitWarning(`leakwatch: a 'report' or 'diagnosis' listener threw: ${err && err.message}`, 'LeakwatchWarning');
      })
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
    // Where: the sites the leak event carries (or a fresh ranking from the
    // leak's start), before any dump.
    const sites = leak && Array.isArray(leak.sites) && leak.sites.length ? leak.sites :
      this.lw._sampling ? this.lw._sampling.sites(leak && leak.start ? +leak.start : Date.now() - 600000) : [];
    if (!sites.length && this.lw._sampling && this.lw._sampling.state !== 'sampling') {
      degraded.push(`no allocation sites: ${this.lw._sampling.reason}`);
    }
    // Not inside the 'leak' emit that started us: the application's own 'leak'
    // listeners (alerts, logs) run first.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.options.diagnoseDumps) await this.dumps(snapshots, degraded);
    return this.report(leak, sites, snapshots, degraded);
  }

  /** The deep step: baseline, target and final snapshots, each after the heap grew. */
  async dumps(snapshots, degraded) {
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
  }

  async report(leak, sites, snapshots, degraded) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const base = path.join(this.dumpDir(), `leakwatch-report-${stamp}-${process.pid}`);
    const input = {
      base,
      // The service's own identity: the report is written by the child, but describes this thread.
      process: { pid: process.pid, thread_id: threadId, node: process.version,
        platform: `${process.platform}-${process.arch}`, argv: process.argv },
      leak: leak ? { ...leak, start: leak.start && leak.start.toISOString(), end: leak.end && leak.end.toISOString() } : null,
      timeline: this.lw.getTimeline(),
      snapshots,
      sites,
      // Sites only: the child writes the report without looking for snapshots.
      mode: this.options.diagnoseDumps ? 'dumps' : 'sites',
      degraded,
      backend: this.lw.backend,
      elapsed_ms: leak && leak.end ? Date.now() - leak.end.getTime() : null,
    };
    const result = await this.analyze(input);
    this.lw.emit('report', result);
    return result;
  }
}

/**
 * NODE_OPTIONS split the way Node splits it: on spaces, with double quotes
 * grouping and `\\` escaping inside them.
 */
function splitNodeOptions(text) {
  const out = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** Whether a `-r`/`--require`/`--import` operand is leakwatch's register module. */
function isRegister(spec) {
  const s = String(spec).replace(/\\/g, '/');
  if (/(^|\/)leakwatch\/register(\.js)?$/.test(s)) return true;
  try {
    return path.resolve(spec) === REGISTER;
  } catch {
    return false;
  }
}

/**
 * The environment for the analysis child: this process's, without
 * leakwatch's register in NODE_OPTIONS and without any LEAKWATCH_*
 * variable, so the child never watches, logs, dumps or diagnoses itself.
 */
function childEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (!/^LEAKWATCH_/i.test(k)) out[k] = v;
  if (out.NODE_OPTIONS) {
    const tokens = splitNodeOptions(out.NODE_OPTIONS);
    const kept = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      const eq = /^(--require|--import|-r)=(.*)$/.exec(t);
      if (eq && isRegister(eq[2])) continue;
      if ((t === '-r' || t === '--require' || t === '--import') && i + 1 < tokens.length && isRegister(tokens[i + 1])) {
        i++;
        continue;
      }
      kept.push(/[\s"\\]/.test(t) ? `"${t.replace(/[\\"]/g, (m) => `\\${m}`)}"` : t);
    }
    if (kept.length) out.NODE_OPTIONS = kept.join(' ');
    else delete out.NODE_OPTIONS;
  }
  return out;
}

/**
 * Runs lib/diagnose/diagnose-child.js at low priority; resolves with its `{ json,
 * html, summary, findings, degraded }`. Rejects — and kills the child — when
 * it answers with an error, exits without answering, cannot be started, or
 * takes longer than `timeoutMs` (lib/diagnose/child.js).
 */
function analyzeInChild(input, { timeoutMs = ANALYSIS_TIMEOUT_MS, script = CHILD, env = process.env } = {}) {
  return ask(script, [], { ...input, timeout_ms: timeoutMs },
    { timeoutMs, name: 'analysis process', env: childEnv(env), priority: 19, unref: true });
}

module.exports = { Diagnoser, DEFAULTS, analyzeInChild, childEnv, splitNodeOptions, ANALYSIS_TIMEOUT_MS };
