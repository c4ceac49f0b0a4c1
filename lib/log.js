'use strict';
/**
 * The JSON-lines event log used by `leakwatch/register` (and the CLI's `run`).
 *
 * One line per event: `{"ts":"…","pid":…,"thread":…,"event":"leak",…}`.
 * Destinations: `stderr` (default), `stdout`, or a file path (appended,
 * created 0600). Full-GC `stats` are summarised — at most one `gc-summary`
 * line per interval, carrying the counts since the previous one — so a busy
 * service does not flood its logs; leaks, dumps, diagnoses (`diagnosis` with
 * `stage: 'start'` or `'failed'` and the error) and reports are always logged.
 * Writes are synchronous (a line is small; a crash must not lose the line that
 * explains it) and failures to write are swallowed after one warning: logging
 * must never take the service down.
 */
const fs = require('node:fs');
const { threadId } = require('node:worker_threads');

const EVENTS = ['leak', 'leak-suspected', 'leak-end', 'heap-limit', 'memory-limit', 'dump', 'dump-refused',
  'diagnosis', 'report'];

function openSink(dest) {
  if (!dest || dest === 'stderr') return { fd: 2, owned: false };
  if (dest === 'stdout') return { fd: 1, owned: false };
  const fd = fs.openSync(dest, 'a', 0o600);
  return { fd, owned: true };
}

/**
 * Starts logging `leakwatch`'s events to `dest`. Returns `stop()`.
 * `intervalMs`: minimum time between two `gc-summary` lines.
 */
function attachLog(leakwatch, { dest = 'stderr', intervalMs = 60000 } = {}) {
  const sink = openSink(dest);
  let warned = false;
  const write = (event, fields) => {
    const line = JSON.stringify({ ts: new Date().toISOString(), pid: process.pid, thread: threadId, event,
      ...fields });
    try {
      fs.writeSync(sink.fd, `${line}\n`);
    } catch (err) {
      if (!warned) {
        warned = true;
        process.emitWarning(`leakwatch: cannot write the event log (${err.code || err.message})`, 'LeakwatchWarning');
      }
    }
  };
  let last = 0;
  let fullSince = 0;
  let pauseSince = 0;
  const onStats = (s) => {
    fullSince++;
    pauseSince += s.pause_ms;
    const now = Date.now();
    if (last && now - last < intervalMs) return;
    last = now;
    write('gc-summary', {
      heap_used: s.used_heap_size,
      baseline: s.current_base,
      estimated_base: s.estimated_base,
      usage_trend: s.usage_trend,
      heap_size_limit: s.heap_size_limit,
      full_gcs: fullSince,
      full_gc_pause_ms: Math.round(pauseSince * 1000) / 1000,
      num_gc: s.gcScavengeCount + s.gcMarkSweepCompactCount + s.gcIncrementalMarkingCount +
        s.gcProcessWeakCallbacksCount,
      spaces: s.spaces,
    });
    fullSince = 0;
    pauseSince = 0;
  };
  const handlers = EVENTS.map((name) => [name, (info) => write(name, info)]);
  leakwatch.on('stats', onStats);
  for (const [name, h] of handlers) leakwatch.on(name, h);
  write('start', { backend: leakwatch.backend, backend_reason: leakwatch.backendReason, node: process.version });
  return function stop() {
    leakwatch.off('stats', onStats);
    for (const [name, h] of handlers) leakwatch.off(name, h);
    if (sink.owned) fs.closeSync(sink.fd);
  };
}

module.exports = { attachLog, EVENTS };
