/**
 * ESM entry: `import leakwatch, { on, gc, HeapDiff } from 'leakwatch'`.
 * The same single instance as `require('leakwatch')` (index.js), so ESM and
 * CJS code in one process share one watchdog.
 */
import leakwatch from './index.js';

export default leakwatch;
export const {
  on,
  once,
  off,
  addListener,
  removeListener,
  removeAllListeners,
  gc,
  getStats,
  getHistory,
  start,
  stop,
  configure,
  getConfig,
  getTimeline,
  cluster,
  LeakWatch,
  HeapDiff,
  analyze,
  diff,
  findLeaks,
  retainers,
  writeSnapshot,
  writeSnapshotAsync,
} = leakwatch;
