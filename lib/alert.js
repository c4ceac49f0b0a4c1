'use strict';
/**
 * Plain-language alerts: one line a person understands for each event that
 * needs one — `leak`, `leak-suspected`, `memory-limit`, `heap-limit`, a
 * written `dump`, a `report`, a failed diagnosis — written to stderr by the
 * zero-code attach (`leakwatch/register`, the CLI's `run`) beside the JSON
 * log for machines. Each says what grows, how fast, when it runs out, where
 * it is allocated (the top allocation site) and what to do next.
 *
 * `LEAKWATCH_ALERTS=off` turns them off (the JSON log stays). Writes are
 * synchronous and never throw (see lib/log.js for why).
 */
const fs = require('node:fs');
const { threadId } = require('node:worker_threads');

const MB = 1024 * 1024;
const mb = (n) => (n >= 1024 * MB ? `${(n / 1024 / MB).toFixed(2)} GB` : `${(n / MB).toFixed(1)} MB`);
const perMin = (bytesPerSec) => `${mb(bytesPerSec * 60)}/min`;

function inTime(ms) {
  if (!(ms > 0)) return null;
  if (ms < 120000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3600000) return `${Math.round(ms / 60000)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

const WHAT = { heap: 'the JavaScript heap', external: 'Buffer/ArrayBuffer memory', native: 'native memory (outside the heap)' };

function where(sites) {
  const s = sites && sites[0];
  if (!s) return null;
  const fn = s.function && s.function !== '(anonymous)' ? s.function : 'an anonymous function';
  if (s.in_app && s.statement) return `allocated in ${fn} (${s.location}): ${s.statement.replace(/;$/, '')}`;
  return s.in_app ? `allocated in ${fn} (${s.location})` :
    `allocated inside Node or a dependency: ${fn} (${s.location})`;
}

function runsOut(e) {
  const parts = [];
  const oom = inTime(e.projected_oom_ms);
  if (oom) parts.push(`${e.kind === 'heap' ? 'heap limit' : 'limit'} in ${oom}`);
  const cg = inTime(e.projected_memory_limit_ms);
  if (cg) parts.push(`container limit in ${cg}`);
  return parts.length ? parts.join(', ') : null;
}

/** The line for one event, or null when the event needs none. `onLeak`: what a leak triggers here. */
function alertLine(event, e, { onLeak = 'log' } = {}) {
  const thread = threadId ? ` [worker ${threadId}]` : '';
  const join = (parts) => `leakwatch${thread}: ${parts.filter(Boolean).join('; ')}`;
  if (event === 'leak' || event === 'leak-suspected') {
    const next = event === 'leak-suspected' ? 'watching: confirmed if it keeps growing past the warm-up' :
      onLeak === 'log' ? 'next: LEAKWATCH_ON_LEAK=diagnose writes a report (no dump), diagnose-deep adds heap dumps' :
        onLeak === 'dump' ? 'a heap dump follows' : 'a diagnosis report follows';
    const head = event === 'leak' ? `LEAK: ${WHAT[e.kind] || e.kind} keeps growing` :
      `possible leak: ${WHAT[e.kind] || e.kind} is growing`;
    return join([`${head}, +${perMin(e.rate_bytes_per_sec)} (+${mb(e.growth)} since ` +
      `${new Date(e.start).toISOString().slice(11, 19)} UTC)`, runsOut(e), where(e.sites), e.advice, next]);
  }
  if (event === 'heap-limit' || event === 'memory-limit') {
    const used = e.used !== undefined ? e.used : e.usage;
    const what = event === 'heap-limit' ? 'the heap' : 'the container\'s memory';
    return join([`${what} is near its limit: ${used !== undefined ? `${mb(used)} of ` : ''}` +
      `${mb(e.limit || e.heap_size_limit || e.memory_limit || 0)}`,
    inTime(e.projected_ms || e.projected_oom_ms || e.projected_memory_limit_ms) ?
      `runs out in ${inTime(e.projected_ms || e.projected_oom_ms || e.projected_memory_limit_ms)}` : null]);
  }
  if (event === 'dump') {
    return join([`heap dump written: ${e.path} (${mb(e.bytes)}; the service stalled ${(e.stall_ms / 1000).toFixed(1)} s)`,
      'open it in Chrome DevTools (Memory tab) or run `npx leakwatch analyze` on it']);
  }
  if (event === 'report') return join([`report: ${e.summary}`, `open ${e.html}`]);
  if (event === 'diagnosis' && e.stage === 'failed') return join([`the diagnosis failed: ${e.error}`]);
  return null;
}

/** Writes alert lines for `leakwatch`'s events to `fd` (stderr). Returns `stop()`. */
function attachAlerts(leakwatch, { fd = 2, onLeak = 'log' } = {}) {
  const handlers = ['leak', 'leak-suspected', 'heap-limit', 'memory-limit', 'dump', 'report', 'diagnosis'].map((name) => {
    const h = (e) => {
      try {
        const line = alertLine(name, e, { onLeak });
        if (line) fs.writeSync(fd, `${line}\n`);
      } catch {
        // An alert must never take the service down.
      }
    };
    leakwatch.on(name, h);
    return [name, h];
  });
  return () => {
    for (const [name, h] of handlers) leakwatch.off(name, h);
  };
}

module.exports = { attachAlerts, alertLine };
