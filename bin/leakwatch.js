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
 * Human tables by default, `--json` for machines. Exit codes: 0 success (and,
 * for find-leaks, no candidates), 1 leak candidates found / a leak was
 * reported, 2 usage error, 3 bad input (missing or malformed file), 4
 * internal error; `run` exits with the app's own code.
 */
const path = require('node:path');
const { parseArgs } = require('node:util');
const { spawn } = require('node:child_process');

const EXIT = { ok: 0, found: 1, usage: 2, input: 3, internal: 4 };
const REGISTER = path.join(__dirname, '..', 'register.js');

const HELP = `leakwatch — find memory leaks in Node.js services

Usage:
  leakwatch run [--log <stderr|stdout|file>] [--on-leak <log|dump|diagnose>]
                [--dump-dir <dir>] [--signal <SIGNAL|off>] -- <command…>
  leakwatch analyze <snapshot> [--top N] [--json]
  leakwatch diff <before> <after> [--top N] [--json]
  leakwatch find-leaks <baseline> <target> <final> [--top N] [--json]
  leakwatch retainers <snapshot> <Class|@id> [--json]
  leakwatch report <dir|snapshots…> --html <out.html> [--json]

Snapshots may be .heapsnapshot or .heapsnapshot.gz.
Exit codes: 0 ok, 1 leak candidates found, 2 usage error, 3 bad input, 4 internal error.
`;

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

const COMMANDS = { run };

function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
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
      fail(EXIT.usage, `${err.message}\n\n${HELP}`);
    } else if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ERR_LEAKWATCH_SNAPSHOT') {
      fail(EXIT.input, err.message);
    } else {
      fail(EXIT.internal, `internal error: ${err.stack || err}`);
    }
  });

module.exports = { EXIT };
