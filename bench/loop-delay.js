#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:loop-delay` — does leakwatch stall a leaking service's event
 * loop? A node:http server that keeps ~4 kB per request (a Map that only
 * grows) runs under loopback load (autocannon, 127.0.0.1, a fixed rate and
 * a bounded duration) with `perf_hooks.monitorEventLoopDelay` on, three
 * ways: without leakwatch, with leakwatch but allocation sampling off, and
 * with leakwatch as installed (sampling on, so its site readings — after
 * full GCs, and timed ones after the next collection — run on this loop).
 * The detector's warm-up is shortened (--detector, default warmupMs 5 s,
 * minDurationMs 6 s) so the `leak` event, with its site ranking and the
 * reading of the leaking function's source, comes within the run.
 * The three take turns, in a rotated order each round, so they share the
 * machine's drift; the table gives the median over rounds of each run's
 * event-loop delay p50 / p99 / max, and what leakwatch read.
 *
 * Options: --rounds N (3), --seconds S per run (45), --rps N (1000),
 * --detector JSON (given to configure() in both leakwatch runs).
 */
const path = require('node:path');
const { fork } = require('node:child_process');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

if (process.argv[2] === '--serve') {
  serve(process.argv[3]);
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/** The child: a leaking server; answers the parent's 'report' with its figures. */
function serve(mode) {
  const http = require('node:http');
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const leakwatch = mode === 'off' ? null : require('..');
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const kept = new Map();
  const events = { 'leak-suspected': 0, leak: 0, sites: 0 };
  if (leakwatch) {
    if (process.env.LEAKWATCH_BENCH_DETECTOR) leakwatch.configure(JSON.parse(process.env.LEAKWATCH_BENCH_DETECTOR));
    leakwatch.on('leak-suspected', () => events['leak-suspected']++);
    leakwatch.on('leak', (e) => {
      events.leak++;
      events.sites = e.sites ? e.sites.length : 0;
    });
  }
  let n = 0;
  const server = http.createServer((req, res) => {
    n += 1;
    kept.set(n, { url: req.url, at: Date.now(), note: `${req.url}:${n}`.repeat(160) });
    res.end('ok');
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m !== 'report') return;
    const ms = (ns) => ns / 1e6;
    const s = leakwatch ? leakwatch.getStats().sampling : null;
    process.send({
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
      readings: s ? s.readings : 0,
      maxReadingMs: s ? s.max_reading_ms : 0,
      totalReadingMs: s ? s.total_reading_ms : 0,
      kept: kept.size,
      ...events,
    });
    server.close();
    process.disconnect();
  });
}

async function run(mode, seconds, rps, detector) {
  const env = { ...process.env, LEAKWATCH_BENCH_DETECTOR: detector };
  delete env.LEAKWATCH_SAMPLING;
  if (mode === 'sampling off') env.LEAKWATCH_SAMPLING = 'off';
  const child = fork(__filename, ['--serve', mode === 'without' ? 'off' : 'on'], { env, stdio: 'inherit' });
  const next = () => new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the ${mode} server exited (${code})`)));
  });
  try {
    const { port } = await next();
    const autocannon = require('autocannon');
    await autocannon({ url: `http://127.0.0.1:${port}/api/v1/items/1`, connections: 10, overallRate: rps,
      duration: seconds, timeout: 5 });
    child.send('report');
    return await next();
  } finally {
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  }
}

async function main() {
  const rounds = Number(arg('rounds', 3));
  const seconds = Number(arg('seconds', 45));
  const detector = arg('detector', '{"warmupMs":5000,"minDurationMs":6000}');
  const rps = Number(arg('rps', 1000));
  const modes = ['without', 'sampling off', 'sampling on'];
  const got = Object.fromEntries(modes.map((m) => [m, []]));
  console.log(`leakwatch loop-delay bench: node ${process.version}, ${rounds} rounds x ${modes.length} servers, ` +
    `${seconds} s at ${rps} req/s each, a leaking node:http server (~${Math.round(rounds * modes.length * (seconds + 2) / 60)} min)`);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(r + k) % modes.length];
      const x = await run(mode, seconds, rps, detector);
      got[mode].push(x);
      console.log(`  round ${r + 1} ${mode.padEnd(12)} p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, ` +
        `max ${x.max.toFixed(1)} ms; ${x.readings} readings (max ${x.maxReadingMs} ms); ${x.kept} kept; ` +
        `${x['leak-suspected']} suspected, ${x.leak} leak (${x.sites} sites)`);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  console.log('\n| leakwatch | loop delay p50 | p99 | max | readings | longest reading | reading time |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const m of modes) {
    const xs = got[m];
    const f = (k) => median(xs.map((x) => x[k]));
    console.log(`| ${m} | ${f('p50').toFixed(1)} ms | ${f('p99').toFixed(1)} ms | ${f('max').toFixed(1)} ms | ` +
      `${f('readings')} | ${f('maxReadingMs')} ms | ${f('totalReadingMs')} ms |`);
  }
  console.log('\nmedians over rounds; the event loop delay is sampled every 10 ms (monitorEventLoopDelay), ' +
    `so its floor is ~10 ms; ${path.basename(__filename)} --rounds N --seconds S --rps N`);
}
