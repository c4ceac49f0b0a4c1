'use strict';
// The `leakwatch` command line on real heap snapshots written by a small
// leaking program in this test: every analysis subcommand with human and
// --json output, and the exit codes (0 ok, 1 leak candidates, 2 usage error,
// 3 missing or malformed input) with messages that say what to do.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CLI = path.join(__dirname, '..', 'bin', 'leakwatch.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cli-'));
const snaps = path.join(dir, 'snaps');
const APP = path.join(dir, 'leaky.js');
const SNAP = (n) => path.join(snaps, `${n}.heapsnapshot`);

// A program that leaks closures capturing a request-like object (holding an
// instance of the program's own class) into a module-level `tasks` array
// (exported, so reachable from the global object as in a long-running service),
// writing a snapshot before, between and after two rounds of leaking.
const SOURCE = `'use strict';
const v8 = require('node:v8');
const fs = require('node:fs');
const tasks = [];
module.exports = { tasks };
class LeakyThing {
  constructor(i) { this.i = i; this.label = 'thing-' + i; }
}
function handle(i) {
  const req = { id: i, url: '/users/' + i, thing: new LeakyThing(i) };
  tasks.push(() => req.url); // LEAK-SITE
}
const write = (name) => {
  v8.writeHeapSnapshot(process.argv[2] + '/' + name + '.heapsnapshot');
  // Distinct mtimes, in order (the report orders snapshots by mtime).
  const t = new Date(Date.now() + ['baseline', 'target', 'final'].indexOf(name) * 2000);
  fs.utimesSync(process.argv[2] + '/' + name + '.heapsnapshot', t, t);
};
write('baseline');
for (let i = 0; i < 3000; i++) handle(i);
write('target');
for (let i = 3000; i < 6000; i++) handle(i);
write('final');
`;
const LEAK_LINE = SOURCE.split('\n').findIndex((l) => l.includes('LEAK-SITE')) + 1;

function cli(...args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.before(() => {
  fs.mkdirSync(snaps);
  fs.writeFileSync(APP, SOURCE);
  const r = spawnSync(process.execPath, [APP, snaps], { encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, r.stderr);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--help lists every command and option, exit 0', () => {
  const r = cli('--help');
  assert.strictEqual(r.code, 0);
  for (const s of ['run', 'analyze', 'diff', 'find-leaks', 'retainers', 'report', '--detector', '--on-leak', '--json']) {
    assert.ok(r.stdout.includes(s), `help mentions ${s}`);
  }
});

test('analyze: a table by class, and --json', () => {
  const h = cli('analyze', SNAP('final'), '--top', '200');
  assert.strictEqual(h.code, 0, h.stderr);
  assert.match(h.stdout, /^.*final\.heapsnapshot: [\d,]+ nodes, [\d,]+ edges, /);
  assert.match(h.stdout, /^LeakyThing +6,000 /m);
  const j = cli('analyze', SNAP('final'), '--json', '--top', '200');
  assert.strictEqual(j.code, 0, j.stderr);
  const r = JSON.parse(j.stdout);
  assert.strictEqual(r.classes.find((c) => c.name === 'LeakyThing').count, 6000);
});

test('diff: what grew between two snapshots', () => {
  const h = cli('diff', SNAP('baseline'), SNAP('target'), '--top', '200');
  assert.strictEqual(h.code, 0, h.stderr);
  assert.match(h.stdout, /^LeakyThing +3,000 +0 +\+3,000 /m);
  const j = cli('diff', SNAP('target'), SNAP('final'), '--json', '--top', '200');
  assert.strictEqual(j.code, 0, j.stderr);
  const row = JSON.parse(j.stdout).classes.find((c) => c.name === 'LeakyThing');
  assert.deepStrictEqual([row.added_count, row.removed_count, row.count_delta], [3000, 0, 3000]);
});

test('find-leaks: candidates exit 1 and name tasks and the closure site; none exit 0', () => {
  const h = cli('find-leaks', SNAP('baseline'), SNAP('target'), SNAP('final'));
  assert.strictEqual(h.code, 1, h.stderr);
  assert.match(h.stdout, /held by tasks/);
  assert.ok(h.stdout.includes(`${APP}:${LEAK_LINE}:`), h.stdout);
  const j = cli('find-leaks', SNAP('baseline'), SNAP('target'), SNAP('final'), '--json');
  assert.strictEqual(j.code, 1, j.stderr);
  const { findings, report } = JSON.parse(j.stdout);
  const viaTasks = findings.find((f) => / tasks → /.test(f.retainer_text));
  assert.ok(viaTasks, JSON.stringify(findings.map((f) => f.retainer_text)));
  assert.strictEqual(viaTasks.allocation.file, APP);
  assert.strictEqual(viaTasks.allocation.line, LEAK_LINE);
  assert.ok(report.by_class.some((c) => c.name === 'LeakyThing' && c.count === 3000), JSON.stringify(report.by_class.map((c) => c.name)));
  // The same snapshot three times: nothing is new, nothing leaks.
  const none = cli('find-leaks', SNAP('final'), SNAP('final'), SNAP('final'));
  assert.strictEqual(none.code, 0, none.stderr);
  assert.match(none.stdout, /No leak candidates/);
});

test('retainers: by class and by @id', () => {
  const h = cli('retainers', SNAP('final'), 'LeakyThing');
  assert.strictEqual(h.code, 0, h.stderr);
  assert.match(h.stdout, /LeakyThing: 6,000 objects; shortest retainer path:/);
  assert.match(h.stdout, / tasks → \[\d+\] → (\(closure\) → )?context → req → thing → LeakyThing@\d+/);
  const j = JSON.parse(cli('retainers', SNAP('final'), 'LeakyThing', '--json').stdout);
  assert.ok(j.instances.length > 0);
  const id = j.instances[0].id;
  const byId = cli('retainers', SNAP('final'), `@${id}`, '--json');
  assert.strictEqual(byId.code, 0, byId.stderr);
  const r = JSON.parse(byId.stdout);
  assert.strictEqual(r.node.id, id);
  assert.match(r.path, / tasks → \[\d+\] → .*req → thing → LeakyThing@/);
});

test('report --html: a folder of dumps, reusing the GC timeline of a leakwatch report found there', () => {
  const timeline = [1, 2, 3, 4].map((i) => ({ t: 1000 * i, type: i % 2 ? 'scavenge' : 'mark-sweep-compact',
    pause_ms: i, heap_used_after: i * 1048576 }));
  fs.writeFileSync(path.join(snaps, 'leakwatch-report-2026-01-01T00-00-00-000Z-1.json'),
    JSON.stringify({ version: 1, process: { pid: 4242, thread_id: 0, node: 'v20.0.0', platform: 'linux-x64' },
      timeline: { gc: timeline }, snapshots: {} }));
  const html = path.join(dir, 'out.html');
  const h = cli('report', snaps, '--html', html);
  assert.strictEqual(h.code, 1, h.stderr);
  assert.match(h.stdout, /held by tasks/);
  assert.match(h.stdout, /GC timeline from .*leakwatch-report-2026/);
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /<h2>[^<]*held by tasks<\/h2>/);
  assert.match(page, /id="growing-classes"/);
  const j = cli('report', snaps, '--json', '--html', html);
  assert.strictEqual(j.code, 1, j.stderr);
  const rep = JSON.parse(j.stdout);
  assert.deepStrictEqual(rep.timeline.gc, timeline);
  assert.strictEqual(rep.process.pid, 4242);
  assert.strictEqual(rep.snapshots.final.path, SNAP('final'));
  const grew = rep.growth.classes.find((c) => c.class === 'LeakyThing');
  assert.strictEqual(grew.count_delta, 6000);
  assert.ok(grew.count_per_min > 0, 'per-minute rate from the snapshots\' times');
});

test('usage errors exit 2 and say what was expected', () => {
  const cases = [
    [['frob'], /unknown command "frob"/],
    [['analyze'], /expected 1 argument\(s\): <snapshot>; got 0/],
    [['diff', SNAP('final')], /expected 2 argument\(s\)/],
    [['analyze', SNAP('final'), '--top', 'lots'], /--top must be a positive integer/],
    [['analyze', SNAP('final'), '--frob'], /Unknown option '--frob'/],
    [['report', snaps], /report needs --html/],
    [['run', 'node'], /run needs a command after --/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /\nusage: leakwatch /, 'one usage line follows');
    assert.doesNotMatch(r.stderr, /Exit codes:/, 'not the whole help');
    assert.ok(r.stderr.trim().split('\n').length <= 3, r.stderr);
    if (args[0] !== 'frob') assert.match(r.stderr, new RegExp(`usage: leakwatch ${args[0]} `));
  }
});

test('every command answers --help with its own usage, exit 0', () => {
  for (const c of ['run', 'analyze', 'diff', 'find-leaks', 'retainers', 'report']) {
    for (const flag of ['--help', '-h']) {
      const r = cli(c, flag);
      assert.strictEqual(r.code, 0, `${c} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: leakwatch ${c} `), r.stdout);
      assert.strictEqual(r.stderr, '');
    }
  }
  assert.match(cli('help', 'diff').stdout, /^Usage: leakwatch diff /);
});

test('missing or malformed input exits 3 with what to do', () => {
  const missing = cli('analyze', path.join(dir, 'nope.heapsnapshot'));
  assert.strictEqual(missing.code, 3);
  assert.match(missing.stderr, /No such file.*check that the file exists/);
  const bad = path.join(dir, 'bad.heapsnapshot');
  fs.writeFileSync(bad, '{"snapshot": {"meta": ');
  const malformed = cli('find-leaks', bad, SNAP('target'), SNAP('final'));
  assert.strictEqual(malformed.code, 3);
  assert.match(malformed.stderr, /truncated or corrupted\? Write it again with v8\.writeHeapSnapshot\(\)/);
  const notSnapshot = path.join(dir, 'x.heapsnapshot');
  fs.writeFileSync(notSnapshot, '{"hello": 1}');
  const wrong = cli('diff', notSnapshot, SNAP('final'));
  assert.strictEqual(wrong.code, 3);
  assert.match(wrong.stderr, /not a V8 heap snapshot/);
  const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
  const few = cli('report', empty, '--html', path.join(dir, 'x.html'));
  assert.strictEqual(few.code, 3);
  assert.match(few.stderr, /needs three snapshots .* found 0 .* v8\.writeHeapSnapshot\(\)/);
  const gone = cli('report', path.join(dir, 'no-such-dir'), '--html', path.join(dir, 'x.html'));
  assert.strictEqual(gone.code, 3);
  assert.match(gone.stderr, /no such file or folder: .*no-such-dir \(give a folder of heap dumps/);
});
