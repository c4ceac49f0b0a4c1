'use strict';
/**
 * node:cluster / PM2 support: every worker process watches itself (it
 * requires leakwatch like any app); `leakwatch.cluster()` connects them.
 *
 * - In a worker (a node:cluster worker, or any process PM2 started, which
 *   PM2 marks with `process.env.pm_id`), `cluster()` tags this process's
 *   `leak`, `leak-suspected`, `leak-end`, `heap-limit`, `memory-limit`, `dump`,
 *   `dump-refused` and `report`
 *   events with `pid` and `worker_id` (and `pm_id` under PM2) — for local
 *   listeners too — and forwards a copy over the existing IPC channel.
 * - In a node:cluster primary, `cluster()` returns an EventEmitter that
 *   re-emits every worker's forwarded events as `(info, worker)` — one place
 *   to subscribe for the whole fleet.
 * The IPC message is `{ type: 'leakwatch:<event>', data: info, __leakwatch: true }`:
 * PM2's daemon (which is the primary under PM2, so no user code runs there)
 * publishes messages with `type` and `data` on its bus as `<type>` events, so
 * a separate process can subscribe with `pm2.launchBus()` (README "Cluster").
 * Calling `cluster()` more than once returns the same emitter.
 *
 * An integration (lib/integrations/): it works on the public leakwatch
 * instance it is given; index.js's `cluster()` loads it on first call.
 */
const cluster = require('node:cluster');
const { EventEmitter } = require('node:events');

const FORWARDED = ['leak', 'leak-suspected', 'leak-end', 'heap-limit', 'memory-limit', 'dump', 'dump-refused',
  'report'];
const TAG = '__leakwatch';
const PREFIX = 'leakwatch:';

/** PM2's id for this process, or null: PM2 numbers its processes 0, 1, 2…; anything else in pm_id is not PM2's. */
function pm2Id(env) {
  return env.pm_id !== undefined && /^\d+$/.test(env.pm_id) ? Number(env.pm_id) : null;
}

/** This process's identity: pid, node:cluster worker id (null outside one), PM2 id when under PM2. */
function identity(env = process.env) {
  const id = { pid: process.pid, worker_id: cluster.isWorker ? cluster.worker.id : null };
  const pm = pm2Id(env);
  if (pm !== null) id.pm_id = pm;
  return id;
}

/** Whether this process forwards (a cluster worker, or a PM2-managed process with IPC). */
function isWorker(env = process.env) {
  return cluster.isWorker || (pm2Id(env) !== null && typeof process.send === 'function');
}

/** Makes `info` safe for IPC (Dates become ISO strings on the wire anyway). */
function serializable(info) {
  return JSON.parse(JSON.stringify(info === undefined ? null : info));
}

function revive(event, info) {
  if (info && (event === 'leak' || event === 'leak-suspected' || event === 'leak-end')) {
    if (info.start) info.start = new Date(info.start);
    if (info.end) info.end = new Date(info.end);
  } else if (info && (event === 'heap-limit' || event === 'memory-limit') && info.time) {
    info.time = new Date(info.time);
  }
  return info;
}

function forward(event, info) {
  if (!process.connected || typeof process.send !== 'function') return;
  try {
    process.send({ [TAG]: true, type: PREFIX + event, data: serializable(info) });
  } catch {
    // The primary went away, or the payload could not be serialised: nothing
    // to forward, and the watched process must not fail because of it.
  }
}

/**
 * Tags every forwarded event with this process's identity before any
 * listener sees it, then forwards a copy. Done by wrapping `emit` (not with a
 * listener), so listeners added earlier or later, and a throwing listener,
 * make no difference to either.
 */
function setupWorker(leakwatch) {
  const id = identity();
  const emit = leakwatch.emit;
  leakwatch.emit = function emitTagged(event, info, ...rest) {
    if (FORWARDED.includes(event)) {
      if (info !== null && typeof info === 'object') Object.assign(info, id);
      forward(event, info);
    }
    return emit.call(this, event, info, ...rest);
  };
  return leakwatch;
}

function setupPrimary() {
  const fleet = new EventEmitter();
  cluster.on('message', (worker, msg) => {
    if (!msg || msg[TAG] !== true || typeof msg.type !== 'string' || !msg.type.startsWith(PREFIX)) return;
    const event = msg.type.slice(PREFIX.length);
    if (!FORWARDED.includes(event)) return;
    fleet.emit(event, revive(event, msg.data), worker);
  });
  return fleet;
}

let instance = null;

/** See the module docs: in a worker returns `leakwatch`, elsewhere the fleet emitter. */
function clusterMode(leakwatch) {
  if (!instance) instance = isWorker() ? setupWorker(leakwatch) : setupPrimary();
  return instance;
}

module.exports = { clusterMode, FORWARDED, identity };
