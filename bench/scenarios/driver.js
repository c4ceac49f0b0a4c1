'use strict';
/**
 * Starts one scenario program (`bench/scenarios/<name>.js`) as a child process
 * and collects what it reports (see harness.js for the messages). Used by
 * `bench/detect.js` and `test/detector.test.js`; the caller drives the load.
 *
 *   const run = await start('leak-map', { env, timeoutMs });
 *   run.port; run.events; run.stats; run.ticks.main; await run.stop();
 *
 * `run.stats` holds the full-GC `stats` messages, `run.ticks` the latest tick
 * per thread, `run.samples` every tick per thread (bounded), `run.params` the
 * values each thread drew (harness.js `params()`), `run.events` everything
 * else (detector and diagnosis events). `run.loadStarted()` tells the program
 * that the caller's load begins (noted in its trace header).
 *
 * Every run is bounded: if the program does not report `ready` within 15 s it
 * is killed, and `stop()` kills it if it has not exited 5 s after being asked.
 */
const { fork } = require('node:child_process');
const path = require('node:path');

function start(name, { env = {}, execArgv = [], execPath = process.execPath, stdout = 'ignore' } = {}) {
  const child = fork(path.join(__dirname, `${name}.js`), [], {
    execPath,
    execArgv,
    env: { ...process.env, LEAKWATCH_BENCH_SCENARIO: name, ...env },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
  const run = { child, port: null, events: [], stats: [], ticks: {}, samples: {}, params: {}, exited: null };
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    run.exited = { code, signal };
    resolve(run.exited);
  }));
  run.ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: not ready after 15 s`));
    }, 15000);
    child.on('message', (m) => {
      if (!m || typeof m !== 'object') return;
      if (m.ev === 'ready') {
        clearTimeout(timer);
        run.port = m.port;
        resolve(m.port);
      } else if (m.ev === 'tick') {
        run.ticks[m.thread] = m;
        const list = run.samples[m.thread] || (run.samples[m.thread] = []);
        if (list.length < 20000) list.push(m); // bounded: 5.5 h of ticks
      } else if (m.ev === 'params') {
        run.params[m.thread] = { ...run.params[m.thread], ...m.params };
      } else if (m.ev === 'stats') {
        if (run.stats.length < 100000) run.stats.push(m); // bounded
      } else {
        run.events.push(m);
      }
    });
    exited.then((x) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited before ready (${JSON.stringify(x)})`));
    });
  });
  run.ready.catch(() => {});
  run.loadStarted = () => {
    if (child.connected) child.send({ cmd: 'load-start' });
  };
  run.stop = async () => {
    if (!run.exited) {
      if (child.connected) child.send({ cmd: 'stop' });
      else child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    return run;
  };
  return run;
}

module.exports = { start };
