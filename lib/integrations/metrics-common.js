'use strict';
/**
 * What the Prometheus and OpenTelemetry bridges share: GC kinds in the
 * vocabulary of prom-client and the OTel semantic conventions ('major',
 * 'minor', 'incremental', 'weakcb'), heap-space labels, and the leakwatch
 * gauges read from `getStats()`.
 * Used only by those two integrations (lib/integrations/).
 */

/** leakwatch's `type` → the kind label prom-client and OTel use. */
const GC_KIND = {
  scavenge: 'minor',
  'minor-mark-compact': 'minor',
  'minor-mark-sweep': 'minor',
  'mark-sweep-compact': 'major',
  'incremental-marking': 'incremental',
  'process-weak-callbacks': 'weakcb',
};

/** 'old_space' → 'old', as prom-client labels spaces. */
const spaceLabel = (name) => (name.endsWith('_space') ? name.slice(0, -'_space'.length) : name);

/** The leakwatch gauges, from one `getStats()` call. */
function leakwatchGauges(stats) {
  const d = stats.detector || {};
  return {
    baseline: d.baseline ?? stats.current_base ?? 0,
    rate: Number.isFinite(d.slope_bytes_per_sec) ? d.slope_bytes_per_sec : 0,
    suspected: d.leak_suspected ? 1 : 0,
    // No projection (heap not growing) is reported as +Inf: "never".
    oomSeconds: d.projected_oom_ms === null || d.projected_oom_ms === undefined ? Infinity : d.projected_oom_ms / 1000,
  };
}

module.exports = { GC_KIND, spaceLabel, leakwatchGauges };
