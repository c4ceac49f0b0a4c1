'use strict';
/**
 * One question to a forked Node process, bounded in time: `ask(script, args,
 * message, options)` forks `script`, sends `message` over IPC and resolves
 * with the first object it sends back (`{ error }` rejects with that error).
 * It rejects — and SIGKILLs the process — when the process cannot be started,
 * exits without answering (after a short grace for a message still in
 * flight), or has not answered within `timeoutMs` (the error then has
 * `code: 'ETIMEDOUT'`). Errors end with the first 8 KB of its stderr.
 *
 * Used for the diagnosis' analysis process (lib/diagnose/diagnose.js) and, inside it,
 * for the killable 3-snapshot grouping (lib/diagnose/diagnose-child.js).
 */
const os = require('node:os');
const { fork } = require('node:child_process');

/** After the process exits, how long its last IPC message may still take to arrive. */
const EXIT_GRACE_MS = 1000;

/**
 * Options: `timeoutMs` (required), `name` (for messages, e.g. 'analysis
 * process'), `env`, `priority` (nice value, best effort), `unref` (neither the
 * process nor its channel keeps this one alive).
 */
function ask(script, args, message, { timeoutMs, name = 'child process', env = process.env, priority, unref = false }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    let child = null;
    let timer = null;
    let grace = null;
    let stderr = '';
    const why = () => (stderr.trim() ? `: ${stderr.trim()}` : '');
    const settle = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      if (child && child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGKILL');
        } catch {
          // Already gone.
        }
      }
      if (err) reject(err);
      else resolve(value);
    };
    try {
      child = fork(script, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [], env });
    } catch (err) {
      settle(new Error(`cannot start the ${name}: ${err.message}`));
      return;
    }
    child.stderr.on('data', (d) => {
      if (stderr.length < 8192) stderr += d;
    });
    child.on('error', (err) => settle(new Error(`${name} failed: ${err.message}${why()}`)));
    child.on('message', (m) => {
      if (m && m.error) settle(new Error(m.error));
      else if (m && typeof m === 'object') settle(null, m);
      else settle(new Error(`${name} sent an unexpected message: ${JSON.stringify(m)}`));
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      grace = setTimeout(() => settle(new Error(`${name} exited (${signal ? `signal ${signal}` : `code ${code}`}) ` +
        `without a result${why()}`)), EXIT_GRACE_MS);
      if (unref) grace.unref();
    });
    timer = setTimeout(() => {
      const err = new Error(`${name} gave no result within ${Math.round(timeoutMs / 1000)} s; it was stopped${why()}`);
      err.code = 'ETIMEDOUT';
      settle(err);
    }, timeoutMs);
    if (unref) timer.unref();
    if (priority !== undefined && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, priority);
      } catch {
        // Lowering priority is a courtesy; a container may forbid it.
      }
    }
    try {
      child.send(message, (err) => err && settle(new Error(`cannot send its input to the ${name}: ${err.message}`)));
    } catch (err) {
      settle(new Error(`cannot send its input to the ${name}: ${err.message}`));
    }
    if (unref) {
      child.unref();
      if (child.channel) child.channel.unref();
      child.stderr.unref?.();
    }
  });
}

module.exports = { ask };
