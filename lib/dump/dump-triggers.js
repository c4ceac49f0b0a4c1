'use strict';
/**
 * Background dump triggers: a signal (default SIGUSR2, main thread only —
 * Node delivers signals there), the `leak` event (dumpOnLeak), and the heap
 * limit (dumpNearHeapLimit: true → our guarded dump on the `heap-limit`
 * event; 'v8' → `v8.setHeapSnapshotNearHeapLimit`). Each trigger has its own
 * cooldown and maximum count per process; a suppressed dump is reported as
 * 'dump-refused'. Signal listeners do not keep the event loop alive.
 */
const v8 = require('node:v8');
const { isMainThread } = require('node:worker_threads');

class Triggers {
  constructor(dumper) {
    this.d = dumper;
    this.state = new Map(); // trigger → {count, last}
    this.signal = null;
    this.onSignal = () => this.fire('signal');
    this.onLeak = () => this.fire('leak');
    this.onHeapLimit = () => this.fire('heap-limit');
    this.v8Limit = false;
  }

  /** Applies a (validated) configuration: (un)registers listeners. */
  apply(c) {
    const lw = this.d.lw;
    const sig = isMainThread && process.platform !== 'win32' ? c.signal : false;
    if (this.signal && this.signal !== sig) {
      process.removeListener(this.signal, this.onSignal);
      this.signal = null;
    }
    if (sig && !this.signal) {
      process.on(sig, this.onSignal);
      this.signal = sig;
    }
    // Listeners change only when their option does: a configure() of other
    // keys leaves them where they are among the application's listeners.
    this.listen('leak', this.onLeak, Boolean(c.dumpOnLeak));
    this.listen('heap-limit', this.onHeapLimit, c.dumpNearHeapLimit === true);
    if (c.dumpNearHeapLimit === 'v8' && !this.v8Limit && typeof v8.setHeapSnapshotNearHeapLimit === 'function') {
      // V8 writes these itself (into --diagnostic-dir or the working directory), unguarded; once per process.
      v8.setHeapSnapshotNearHeapLimit(Math.max(1, c.dumpMaxCount));
      this.v8Limit = true;
    }
  }

  listen(event, fn, on) {
    const lw = this.d.lw;
    if (on === lw.listeners(event).includes(fn)) return;
    if (on) lw.on(event, fn);
    else lw.removeListener(event, fn);
  }

  /** A background dump for `trigger`, subject to cooldown and max count; never throws. */
  fire(trigger) {
    const c = this.d.config;
    const st = this.state.get(trigger) || { count: 0, last: -Infinity };
    this.state.set(trigger, st);
    const now = Date.now();
    let p;
    try {
      p = this.d.plan(undefined, {}, trigger);
    } catch (err) {
      this.d.reportError(err);
      return;
    }
    if (st.count >= c.dumpMaxCount) {
      this.d.refuse(p, 'max-count', `the ${trigger} trigger already wrote ${st.count} dump(s), the maximum ` +
        `per process (configure({ dumpMaxCount }))`);
      return;
    }
    if (now - st.last < c.dumpCooldownMs) {
      this.d.refuse(p, 'cooldown', `the ${trigger} trigger dumped ${now - st.last} ms ago; cooldown is ` +
        `${c.dumpCooldownMs} ms (configure({ dumpCooldownMs }))`);
      return;
    }
    st.last = now;
    st.count += 1;
    // Never dump inside the emit that triggered it: every other listener of
    // that event (a logger, cluster forwarding) runs first, and the event loop
    // gets a turn before the process is frozen by the snapshot.
    new Promise((resolve) => setImmediate(resolve)).then(() => this.d.dumpAsync(p)).catch((err) => {
      if (err.code === 'ERR_LEAKWATCH_DUMP_REFUSED') {
        // Already reported as 'dump-refused'; a refused dump does not use up the budget.
        st.count -= 1;
        st.last = -Infinity;
        return;
      }
      this.d.reportError(err);
    });
  }
}

module.exports = { Triggers };
