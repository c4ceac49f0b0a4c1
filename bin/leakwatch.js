#!/usr/bin/env node
'use strict';
/**
 * The `leakwatch` command line (package `bin`; works with `npx leakwatch`).
 *
 *   leakwatch run [options] -- node app.js      run an app with leakwatch attached
 *   leakwatch analyze <snap>                    summary by class
 *   leakwatch diff <a> <b>                      what changed between two snapshots
 *   leakwatch find-leaks <baseline> <target> <final>
 *   leakwatch retainers <snap> <class|@id>
 *   leakwatch report <dir|snaps…> --html out.html
 *
 * Human tables by default, `--json` for machines, a progress bar on stderr
 * when it is a terminal. Exit codes:
 *   0  done; for find-leaks and report: no leak candidate in the snapshots
 *   1  find-leaks or report found leak candidates
 *   2  usage error (unknown command or option, wrong number of arguments;
 *      also `run` when its command cannot be started)
 *   3  bad input: a snapshot is missing, unreadable or not a V8 heap
 *      snapshot; `report` got fewer than three snapshots
 *   4  internal error
 * `run` otherwise exits with the app's own code (128 + signal number when
 * the app was killed by a signal).
 */
const path = require('node:path');
const { parseArgs } = require('node:util');
const { spawn } = require('node:child_process');

const EXIT = { ok: 0, found: 1, usage: 2, input: 3, internal: 4 };
const REGISTER = path.join(__dirname, '..', 'register.js');

const HELP = `leakwatch — find memory leaks in Node.js services

Usage:
  leakwatch run [--log <stderr|stdout|file>] [--on-leak <log|dump|diagnose|diagnose-deep>]
                [--dump-dir <dir>] [--signal <SIGNAL|off>] [--detector <json>] -- <command…>
  leakwatch analyze <snapshot> [--top N] [--json]
  leakwatch diff <before> <after> [--top N] [--json]
  leakwatch find-leaks <baseline> <target> <final> [--top N] [--json]
  leakwatch retainers <snapshot> <Class|@id> [--json]
  leakwatch report <dir|snapshots…> --html <out.html> [--json]

run attaches leakwatch to the command (node -r leakwatch/register): --log is
where the JSON-lines event log goes, --on-leak what a leak triggers (diagnose:
a report of the growing allocation sites at once, no heap dump; diagnose-deep:
plus three heap dumps for who retains it, each stalling the app while V8 takes
it), --detector leak-detector options as JSON, e.g. '{"sensitivity":"high"}'.
report uses the three newest snapshots it is given (or finds in a folder) and,
when the folder holds a leakwatch-report-*.json, that report's GC timeline.
Snapshots may be .heapsnapshot or .heapsnapshot.gz.

Exit codes: 0 ok (no leak candidates), 1 leak candidates found, 2 usage error,
3 bad input (missing, unreadable or malformed snapshot), 4 internal error;
run exits with the app's own code.
`;

/** Per command: its usage line and what it does (`leakwatch <command> --help`). */
const COMMAND_HELP = {
  run: ['leakwatch run [--log <stderr|stdout|file>] [--on-leak <log|dump|diagnose|diagnose-deep>] ' +
    '[--dump-dir <dir>] [--signal <SIGNAL|off>] [--detector <json>] -- <command…>',
  `Runs <command> with leakwatch attached (node -r leakwatch/register through NODE_OPTIONS) and
exits with its code.
  --log        where the JSON-lines event log goes (default stderr)
  --on-leak    what a leak triggers: log (default); dump (a heap dump); diagnose (a report of
               the growing allocation sites, no dump); diagnose-deep (plus three heap dumps and
               who retains the leak; each dump stalls the app while V8 takes it)
  --dump-dir   where dumps and reports go
  --signal     the signal that writes a heap dump (default SIGUSR2), or off
  --detector   leak-detector options as JSON, e.g. '{"sensitivity":"high"}'
Example: leakwatch run --on-leak diagnose -- node server.js`],
  analyze: ['leakwatch analyze <snapshot> [--top N] [--json]',
    'Summarizes one heap snapshot (.heapsnapshot or .heapsnapshot.gz) by class: count, self and retained size.'],
  diff: ['leakwatch diff <before> <after> [--top N] [--json]',
    'Per-class growth from one heap snapshot to a later one.'],
  'find-leaks': ['leakwatch find-leaks <baseline> <target> <final> [--top N] [--json]',
    'Objects allocated between baseline and target that are still alive in final, grouped by retainer path.'],
  retainers: ['leakwatch retainers <snapshot> <Class|@id> [--json]',
    'Who keeps instances of a class (or one object, @id) alive: the retainer paths from the GC roots.'],
  report: ['leakwatch report <dir|snapshots…> --html <out.html> [--json]',
    `Writes the diagnosis report (HTML, and JSON with --json) from the three newest snapshots given
or found in a folder; a leakwatch-report-*.json there lends its GC timeline.`],
};

class UsageError extends Error {}

function fail(code, message) {
  process.stderr.write(`leakwatch: ${message}\n`);
  process.exitCode = code;
}

/** `leakwatch run … -- cmd args`: the app with `-r leakwatch/register`. */
function run(argv) {
  const sep = argv.indexOf('--');
  if (sep < 0 || sep === argv.length - 1) {
    throw new UsageError('run needs a command after --, e.g. `leakwatch run -- node app.js`');
  }
  const { values } = parseArgs({
    args: argv.slice(0, sep),
    options: {
      log: { type: 'string' },
      'on-leak': { type: 'string' },
      'dump-dir': { type: 'string' },
      signal: { type: 'string' },
      detector: { type: 'string' },
    },
    strict: true,
  });
  const [cmd, ...args] = argv.slice(sep + 1);
  const env = { ...process.env };
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ` : ''}-r ${JSON.stringify(REGISTER)}`;
  if (values.log) env.LEAKWATCH_LOG = values.log;
  if (values['on-leak']) env.LEAKWATCH_ON_LEAK = values['on-leak'];
  if (values['dump-dir']) env.LEAKWATCH_DUMP_DIR = values['dump-dir'];
  if (values.signal) env.LEAKWATCH_SIGNAL = values.signal;
  if (values.detector) env.LEAKWATCH_DETECTOR = values.detector;
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  const forward = (sig) => () => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward(sig));
  child.on('error', (err) => fail(EXIT.usage, `cannot start ${cmd}: ${err.message}`));
  child.on('exit', (code, signal) => {
    process.exitCode = code === null ? 128 + (require('node:os').constants.signals[signal] || 0) : code;
  });
}

// ---- output helpers ------------------------------------------------------

const fmtBytes = (n) => {
  const a = Math.abs(n);
  if (a >= 1073741824) return `${(n / 1073741824).toFixed(2)} GB`;
  if (a >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
};
const signed = (n, f = String) => (n > 0 ? `+${f(n)}` : n < 0 ? `-${f(-n)}` : f(0));
const num = (n) => Math.round(n).toLocaleString('en-US');

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const cell = (v, i) => (align[i] === 'r' ? String(v).padStart(widths[i]) : String(v).padEnd(widths[i]));
  const lines = [headers.map(cell).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) lines.push(r.map(cell).join('  '));
  return `${lines.join('\n')}\n`;
}

/** A progress bar on stderr while long work runs (only on a terminal). */
function progress(label) {
  if (!process.stderr.isTTY) return undefined;
  return (phase, fraction) => {
    const width = 30;
    const done = Math.round(Math.max(0, Math.min(1, fraction)) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(done)}${' '.repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${phase.padEnd(16)}`);
    if (fraction >= 1) process.stderr.write('\r\x1b[K');
  };
}

function analysisArgs(argv, count, names) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, top: { type: 'string' }, html: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (count !== null && positionals.length !== count) {
    throw new UsageError(`expected ${count} argument(s): ${names}; got ${positionals.length}`);
  }
  let top;
  if (values.top !== undefined) {
    top = Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got "${values.top}"`);
  }
  return { values, positionals, top };
}

const out = (s) => process.stdout.write(s);
const analysis = () => require('../lib/analysis.js');

// ---- commands -------------------------------------------------------------

async function analyze(argv) {
  const { values, positionals, top } = analysisArgs(argv, 1, '<snapshot>');
  const r = await analysis().analyze(positionals[0], { top: top || 25, onProgress: progress('analyze') });
  if (values.json) return out(`${JSON.stringify(r, null, 2)}\n`);
  out(`${positionals[0]}: ${num(r.node_count)} nodes, ${num(r.edge_count)} edges, ${fmtBytes(r.total_self_size)} ` +
    `in ${num(r.class_count)} classes\n\n`);
  out(table(['class', 'count', 'self size', 'retained size', 'distance'],
    r.classes.map((c) => [c.name, num(c.count), fmtBytes(c.self_size), fmtBytes(c.retained_size),
      c.distance === null ? '-' : c.distance >= 100000000 ? 'system' : c.distance]),
    ['l', 'r', 'r', 'r', 'r']));
}

async function diff(argv) {
  const { values, positionals, top } = analysisArgs(argv, 2, '<before> <after>');
  const r = await analysis().diff(positionals[0], positionals[1], { top: top || 25, onProgress: progress('diff') });
  if (values.json) return out(`${JSON.stringify(r, null, 2)}\n`);
  out(`${signed(r.count_delta, num)} objects, ${signed(r.size_delta, fmtBytes)} ` +
    `(${num(r.added_count)} new, ${num(r.removed_count)} freed)\n\n`);
  out(table(['class', 'new', 'freed', 'Δ count', 'Δ size'],
    r.classes.map((c) => [c.name, num(c.added_count), num(c.removed_count), signed(c.count_delta, num),
      signed(c.size_delta, fmtBytes)]), ['l', 'r', 'r', 'r', 'r']));
}

/** Time between two snapshots from their mtimes; null when too close to give a meaningful rate. */
function intervalBetween(a, b) {
  const ms = mtime(b) !== null && mtime(a) !== null ? mtime(b) - mtime(a) : null;
  return ms !== null && ms >= 1000 ? ms : null;
}

function mtime(file) {
  try {
    return require('node:fs').statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

async function findLeaksCommand(argv) {
  const { values, positionals, top } = analysisArgs(argv, 3, '<baseline> <target> <final>');
  const [baseline, target, final] = positionals;
  const r = await analysis().findLeaks({ baseline, target, final }, { top: 30, onProgress: progress('find-leaks') });
  const { toFindings } = require('../lib/diagnose/findings.js');
  const { explain } = require('../lib/diagnose/explain.js');
  const findings = toFindings(r, { intervalMs: intervalBetween(baseline, target), top: top || 10 }).map((f) => ({ ...f, ...explain(f) }));
  if (values.json) {
    out(`${JSON.stringify({ findings, report: r }, null, 2)}\n`);
  } else if (!findings.length) {
    out('No leak candidates: nothing allocated between baseline and target survives in final.\n');
  } else {
    out(table(['class', 'new & alive', 'bytes', 'allocated at'], findings.map((f) => [f.class, num(f.count),
      fmtBytes(f.bytes), f.allocation ? `${f.allocation.file}:${f.allocation.line}:${f.allocation.column}` : '-']),
    ['l', 'r', 'r', 'l']));
    const t = findings[0];
    out(`\n${t.headline}\n  retained by: ${t.retainer_text}\n\n${t.explanation}\n`);
  }
  if (findings.length) process.exitCode = EXIT.found;
}

async function retainers(argv) {
  const { values, positionals, top } = analysisArgs(argv, 2, '<snapshot> <Class|@id>');
  const [file, target] = positionals;
  const r = await analysis().retainers(file, /^\d+$/.test(target) ? Number(target) : target,
    { top: top || 10, onProgress: progress('retainers') });
  if (values.json) return out(`${JSON.stringify(r, null, 2)}\n`);
  if (r.class_name) out(`${r.class_name}: ${num(r.count)} objects; shortest retainer path:\n`);
  out(`  ${r.path || '(none: unreachable)'}\n`);
  if (r.retainers && r.retainers.length) {
    out('\nretainers:\n');
    out(table(['edge', 'from', 'distance'], r.retainers.map((x) => [x.edge || x.edge_name || '', x.class_name || x.name || '',
      x.distance ?? '-']), ['l', 'l', 'r']));
  }
  if (r.instances && r.instances.length) {
    out('\nlargest instances:\n');
    out(table(['id', 'name', 'self size', 'retained size'], r.instances.map((x) => [`@${x.id}`, x.name,
      fmtBytes(x.self_size), fmtBytes(x.retained_size)]), ['l', 'l', 'r', 'r']));
  }
}

function inputError(message) {
  const e = new Error(message);
  e.code = 'ERR_LEAKWATCH_SNAPSHOT';
  return e;
}

/**
 * The leakwatch-report-*.json files in `dirs`, newest first, parsed; the one
 * whose snapshots are `chosen` first of all. Unreadable ones are skipped.
 */
function previousReport(dirs, chosen) {
  const fs = require('node:fs');
  const found = [];
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir)) {
      if (!/^leakwatch-report-.*\.json$/.test(f)) continue;
      const file = path.join(dir, f);
      try {
        const r = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (r && typeof r === 'object' && r.timeline) found.push({ file, r, mtime: mtime(file) });
      } catch {
        // Not a report we can read: ignore it, the snapshots are what matter.
      }
    }
  }
  const same = (r) => ['baseline', 'target', 'final'].every((k, i) => r.snapshots && r.snapshots[k] &&
    path.resolve(String(r.snapshots[k].path)) === path.resolve(chosen[i]));
  found.sort((a, b) => Number(same(b.r)) - Number(same(a.r)) || b.mtime - a.mtime);
  return found[0] || null;
}

/**
 * report <dir|snapshots…> --html out.html: find-leaks over the three newest
 * snapshots plus the baseline → final diff, as a report; the GC timeline,
 * leak event and process come from a leakwatch-report-*.json in the folder.
 */
async function report(argv) {
  const { values, positionals } = analysisArgs(argv, null, '');
  if (!values.html && !values.json) throw new UsageError('report needs --html <out.html> (and/or --json)');
  if (!positionals.length) throw new UsageError('report needs a folder or three snapshot files');
  const fs = require('node:fs');
  let files = [];
  const dirs = [];
  for (const p of positionals) {
    if (!fs.existsSync(p)) {
      throw inputError(`no such file or folder: ${p} (give a folder of heap dumps, or three .heapsnapshot files)`);
    }
    if (fs.statSync(p).isDirectory()) {
      dirs.push(p);
      files.push(...fs.readdirSync(p).filter((f) => /\.heapsnapshot(\.gz)?$/.test(f)).map((f) => path.join(p, f)));
    } else {
      files.push(p);
    }
  }
  files.sort((a, b) => mtime(a) - mtime(b));
  if (files.length < 3) {
    throw inputError(`report needs three snapshots of one process (baseline, target, final); found ${files.length}` +
      ` in ${positionals.join(', ')}. Take them with \`kill -USR2 <pid>\` under leakwatch, or v8.writeHeapSnapshot()`);
  }
  const [baseline, target, final] = files.slice(-3);
  const prev = previousReport(dirs, [baseline, target, final]);
  const { findLeaks, diff } = analysis();
  const r = await findLeaks({ baseline, target, final }, { top: 30, onProgress: progress('find-leaks') });
  const d = await diff(baseline, final, { top: Infinity, onProgress: progress('diff') });
  const { toFindings, toGrowth } = require('../lib/diagnose/findings.js');
  const { buildReport } = require('../lib/diagnose/report.js');
  const { renderHtml } = require('../lib/diagnose/report-html.js');
  const snap = (f) => ({ path: path.resolve(f), bytes: fs.statSync(f).size, taken_at: new Date(mtime(f)).toISOString() });
  const old = prev ? prev.r : {};
  const rep = buildReport({
    process: old.process || null,
    leak: old.leak || null,
    timeline: (old.timeline && Array.isArray(old.timeline.gc) && old.timeline.gc) || [],
    snapshots: { baseline: snap(baseline), target: snap(target), final: snap(final) },
    findings: toFindings(r, { intervalMs: intervalBetween(baseline, target), top: 10 }),
    growth: toGrowth(d, { intervalMs: intervalBetween(baseline, final) }),
    degraded: prev ? [] : ['no leakwatch-report-*.json next to the snapshots: no GC timeline'],
  });
  if (values.html) fs.writeFileSync(values.html, renderHtml(rep), { mode: 0o600 });
  if (values.json) {
    out(`${JSON.stringify(rep, null, 2)}\n`);
  } else {
    const t = rep.findings[0];
    out(`${rep.summary}\n`);
    if (t) {
      out(`  retained by:  ${t.retainer_text}\n`);
      if (t.allocation) out(`  allocated at: ${t.allocation.file}:${t.allocation.line}:${t.allocation.column}\n`);
    }
    if (prev) out(`GC timeline from ${prev.file}\n`);
    out(`wrote ${values.html}\n`);
  }
  if (rep.findings.length) process.exitCode = EXIT.found;
}

const COMMANDS = { run, analyze, diff, 'find-leaks': findLeaksCommand, retainers, report };

/** The command being run, for a usage error's one usage line. */
let current = null;

function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    const about = command === 'help' && COMMAND_HELP[rest[0]];
    process.stdout.write(about ? `Usage: ${about[0]}\n\n${about[1]}\n` : HELP);
    return;
  }
  // `leakwatch <command> --help` (before --, for run: after it the options are the app's).
  const own = command === 'run' && rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (COMMAND_HELP[command] && (own.includes('--help') || own.includes('-h'))) {
    process.stdout.write(`Usage: ${COMMAND_HELP[command][0]}\n\n${COMMAND_HELP[command][1]}\n`);
    return;
  }
  current = COMMAND_HELP[command] ? command : null;
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${require('../package.json').version}\n`);
    return;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(`unknown command "${command}"; run \`leakwatch --help\``);
  return handler(rest);
}

Promise.resolve()
  .then(() => main(process.argv.slice(2)))
  .catch((err) => {
    if (err instanceof UsageError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
      err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      // One short usage line, of the command at hand; the whole help is a flag away.
      const usage = current ? `usage: ${COMMAND_HELP[current][0]}\n(leakwatch ${current} --help for more)` :
        'usage: leakwatch <run|analyze|diff|find-leaks|retainers|report> … (leakwatch --help for more)';
      fail(EXIT.usage, `${err.message}\n${usage}`);
    } else if (err.code === 'ENOENT' || err.code === 'EACCES' || /^ERR_LEAKWATCH_SNAPSHOT/.test(err.code || '')) {
      fail(EXIT.input, err.message);
    } else {
      fail(EXIT.internal, `internal error: ${err.stack || err}`);
    }
  });

module.exports = { EXIT };
