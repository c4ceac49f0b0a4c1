'use strict';
// The diagnosis end to end on a real leaking node:http service — leak event,
// three guarded dumps, analysis in a child process, report — and the HTML
// report in a real headless Chromium: it renders, the charts are drawn, the
// finding is visible. A screenshot is kept in the report directory.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const APP = path.join(__dirname, '..', 'fixtures', 'diagnose-app.js');
const LEAK_LINE = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes('LEAK-SITE')) + 1;
// Headless Chromium comes with `npm install` (the @sparticuz/chromium
// devDependency ships it inside the package); LEAKWATCH_CHROMIUM overrides.
async function chromiumPath() {
  if (process.env.LEAKWATCH_CHROMIUM) return process.env.LEAKWATCH_CHROMIUM;
  return require('@sparticuz/chromium').executablePath();
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diagnose-'));
let report = null;

test.after(() => {
  if (!process.env.LEAKWATCH_KEEP_TEST_OUTPUT) fs.rmSync(dir, { recursive: true, force: true });
});

test('a leaking service gets a report naming tasks, the closure and its file:line', () => {
  const r = spawnSync(process.execPath, [APP, dir], { encoding: 'utf8', timeout: 150000 });
  assert.strictEqual(r.status, 0, r.stderr);
  report = JSON.parse(r.stdout);
  assert.strictEqual(report.error, undefined, `${report.error}; stderr: ${r.stderr}`);
  assert.deepStrictEqual(report.degraded, []);
  for (const f of [report.json, report.html]) assert.strictEqual(fs.statSync(f).mode & 0o777, 0o600, f);
  const top = report.findings[0];
  assert.ok(top, 'a finding');
  assert.match(top.retainer_text, /→ tasks → \[\d+\] → /, top.retainer_text);
  assert.strictEqual(top.allocation.file, APP);
  assert.strictEqual(top.allocation.line, LEAK_LINE);
  assert.match(top.headline, /held by tasks/);
  assert.match(top.explanation, /the array `tasks`/);
  assert.match(top.explanation, new RegExp(`diagnose-app\\.js:${LEAK_LINE}:`));
  const json = JSON.parse(fs.readFileSync(report.json, 'utf8'));
  assert.ok(json.leak && /^heap growth over/.test(json.leak.reason));
  assert.ok(json.timeline.gc.length > 3);
  assert.ok(['baseline', 'target', 'final'].every((k) => fs.existsSync(json.snapshots[k].path)));
  // Per-class growth from the baseline → final diff, with rates.
  assert.ok(json.growth.interval_ms > 0);
  assert.ok(json.growth.classes.length > 0);
  for (const c of json.growth.classes) assert.ok(c.size_delta > 0 || c.count_delta > 0, JSON.stringify(c));
  assert.ok(json.growth.classes.some((c) => c.class === 'IncomingMessage' && c.count_per_min > 0 && c.bytes_per_min > 0));
  // The process is the service's (the analysis ran in a child with another pid).
  assert.strictEqual(json.process.thread_id, 0);
  assert.strictEqual(json.process.platform, `${process.platform}-${process.arch}`);
  assert.match(json.process.argv.join(' '), /diagnose-app\.js/);
  // The sampled sites are in the report beside the dumps' finding (here Node's
  // request objects: the app allocates little of its own per leaked request).
  assert.ok(json.sites.length > 0, 'sites');
  assert.deepStrictEqual(json.sites, json.leak.sites);
});

test('the HTML report renders in headless Chromium with its charts and finding', async () => {
  assert.ok(report, 'needs the report of the previous test');
  const exe = await chromiumPath();
  assert.ok(fs.existsSync(exe), `Chromium not found at ${exe}`);
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: exe, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=en-US'] });
  try {
    // A person's browser has a locale; the packaged Chromium, started from a
    // C locale, reports "en-US@posix", which Intl (and so uPlot) rejects.
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
    const errors = [];
    const requests = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (req) => !req.url().startsWith('file:') && requests.push(req.url()));
    await page.goto(`file://${report.html}`);
    await page.waitForSelector('#chart-heap canvas', { timeout: 10000 });
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(requests, [], 'self-contained: no network');
    for (const id of ['#chart-heap', '#chart-pauses']) {
      assert.strictEqual(await page.locator(id).getAttribute('data-drawn'), 'true', id);
      const box = await page.locator(`${id} canvas`).first().boundingBox();
      assert.ok(box && box.width > 300 && box.height > 150, `${id} has a real canvas`);
    }
    const verdict = await page.locator('#verdict').innerText();
    assert.match(verdict, /held by tasks/);
    assert.match(verdict, new RegExp(`diagnose-app\\.js:${LEAK_LINE}`));
    assert.ok(await page.locator('#retainer-path .node.leak').isVisible());
    assert.ok((await page.locator('#growing-classes tbody tr').count()) >= 1);
    assert.match(await page.locator('#growing-classes').innerText(), /IncomingMessage/);
    assert.ok((await page.locator('#leak-candidates tbody tr').count()) >= 1);
    assert.match(verdict, /grows by\s+[\d,]+ objects\/min/);
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
