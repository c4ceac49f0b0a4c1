'use strict';
// Zero-code attach: `node -r leakwatch/register app.js` configured by
// environment variables, logging JSON lines.
const test = require('node:test');
const assert = require('node:assert');
const { assertMode } = require('./helpers.js');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const REGISTER = path.join(__dirname, '..', 'register.js');
const APP = path.join(__dirname, 'fixtures', 'leaky-app.js');

function runApp(env, args = ['-r', REGISTER, APP]) {
  return spawnSync(process.execPath, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
}

test('node -r leakwatch/register logs start, gc summaries and the leak as JSON lines to a 0600 file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-register-'));
  const log = path.join(dir, 'events.jsonl');
  try {
    const r = runApp({ LEAKWATCH_LOG: log, LEAKWATCH_LOG_INTERVAL_MS: '0', LEAKY_MS: '45000', LEAKY_STOP_ON_LEAK: '1',
      LEAKWATCH_DETECTOR: '{"minDurationMs":3000,"warmupMs":0}' });
    assert.strictEqual(r.status, 0, r.stderr);
    assertMode(log, 0o600);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const start = lines.find((l) => l.event === 'start');
    assert.ok(start, 'a start line');
    assert.strictEqual(start.pid, r.pid);
    assert.ok(['v8', 'perf_hooks'].includes(start.backend));
    const summaries = lines.filter((l) => l.event === 'gc-summary');
    assert.ok(summaries.length >= 2, `${summaries.length} gc-summary lines`);
    assert.ok(summaries.at(-1).baseline > summaries[0].baseline, 'the logged baseline climbs');
    const leak = lines.find((l) => l.event === 'leak');
    assert.ok(leak, `a leak line among: ${lines.map((l) => l.event)}`);
    assert.match(leak.reason, /^heap growth over \d+ .* - [\d.]+ [kmg]?b\/hr$/);
    assert.ok(leak.growth > 10e6 && leak.rate_bytes_per_sec > 0);
    assert.ok(!Number.isNaN(Date.parse(leak.start)) && !Number.isNaN(Date.parse(leak.end)));
    // For a person: one plain line on stderr, with what grows, how fast, where, and what to do next.
    const alert = r.stderr.split('\n').find((l) => l.startsWith('leakwatch: LEAK: '));
    assert.ok(alert, r.stderr);
    assert.match(alert, /^leakwatch: LEAK: the JavaScript heap keeps growing, \+[\d.]+ [MG]B\/min \(\+[\d.]+ [MG]B since /);
    assert.match(alert, /heap limit in [\d.]+ (s|min|h)/);
    assert.match(alert, /allocated in .*leaky-app\.js:\d+:\d+\)(: \S.*)?;/);
    assert.match(alert, /next: LEAKWATCH_ON_LEAK=diagnose writes a report/);
    const quiet = runApp({ LEAKWATCH_LOG: log, LEAKWATCH_ALERTS: 'off', LEAKY_MS: '45000', LEAKY_STOP_ON_LEAK: '1',
      LEAKWATCH_DETECTOR: '{"minDurationMs":3000,"warmupMs":0}' });
    assert.strictEqual(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /leakwatch: LEAK/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('NODE_OPTIONS="-r leakwatch/register" works, and a bad setting warns without stopping the app', () => {
  const r = runApp({
    NODE_OPTIONS: `-r ${REGISTER}`,
    LEAKWATCH_LOG: 'stdout',
    LEAKWATCH_ON_LEAK: 'explode',
    LEAKWATCH_DETECTOR: '{not json',
    LEAKY_MS: '300',
  }, [APP]);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /LEAKWATCH_ON_LEAK must be log, dump, diagnose or diagnose-deep/);
  assert.match(r.stderr, /LEAKWATCH_DETECTOR is not valid JSON/);
  const first = JSON.parse(r.stdout.split('\n')[0]);
  assert.strictEqual(first.event, 'start');
});
