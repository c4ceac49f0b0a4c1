'use strict';
/**
 * node:cluster / PM2 support: every worker process watches itself (it
 * requires leakwatch like any app); `leakwatch.cluster()` connects them.
 *
 * - In a cluster worker, `cluster()` forwards its `leak`, `leak-end`,
 *   `heap-limit`, `dump`, `dump-refused` and `report` events to the primary
 *   over the existing IPC channel, tagged with pid and worker id.
 * - In the primary, `cluster()` returns an EventEmitter that re-emits every
 *   worker's forwarded events as `(info, worker)`, with `info.pid` and
 *   `info.worker_id` set — one place to subscribe for the whole fleet.
 * Under PM2 in cluster mode (which uses node:cluster), the same holds; PM2's
 * own process ids are in `process.env.pm_id` and are added as `info.pm_id`.
 * Calling `cluster()` more than once returns the same emitter.
 */
const cluster = require('node:cluster');
const { EventEmitter } = require('node:events');

const FORWARDED = ['leak', 'leak-end', 'heap-limit', 'dump', 'dump-refused', 'report'];
const TAG = '__leakwatch';

function identity() {
  const id = { pid: process.pid, worker_id: cluster.isWorker ? cluster.worker.id : null };
  if (process.env.pm_id !== undefined) id.pm_id = process.env.pm_id;
  return id;
}

/** Makes `info` safe for IPC (Dates become ISO strings on the wire anyway). */
function serializable(info) {
  return JSON.parse(JSON.stringify(info === undefined ? null : info));
}

function revive(event, info) {
  if (info && (event === 'leak' || event === 'leak-end')) {
    if (info.start) info.start = new Date(info.start);
    if (info.end) info.end = new Date(info.end);
  } else if (info && event === 'heap-limit' && info.time) {
    info.time = new Date(info.time);
  }
  return info;
}

function setupWorker(leakwatch) {
  const id = identity();
  for (const event of FORWARDED) {
    leakwatch.on(event, (info) => {
      if (!process.connected || typeof process.send !== 'function') return;
      try {
        process.send({ [TAG]: true, event, info: { ...serializable(info), ...id } });
      } catch {
        // The primary went away: nothing to forward to.
      }
    });
  }
  return leakwatch;
}

function setupPrimary() {
  const fleet = new EventEmitter();
  cluster.on('message', (worker, msg) => {
    if (!msg || msg[TAG] !== true || !FORWARDED.includes(msg.event)) return;
    fleet.emit(msg.event, revive(msg.event, msg.info), worker);
  });
  return fleet;
}

let instance = null;

/** See the module docs: in a worker returns `leakwatch`, elsewhere the fleet emitter. */
function clusterMode(leakwatch) {
  if (!instance) instance = cluster.isWorker ? setupWorker(leakwatch) : setupPrimary();
  return instance;
}

module.exports = { clusterMode, FORWARDED };
