'use strict';
/**
 * Not a leak (medium warm-up): an express app compiles its templates lazily,
 * one locale × page pair at a time from the first request on, for 20–35 s
 * (a few MB/s of compiled closures and strings), then serves from the
 * complete set: flat. Seeded: the build rate and its length.
 */
const express = require('express');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { mbPerSec, warmupMs } = params({ mbPerSec: [2, 5], warmupMs: [20000, 35000] });
const compiled = new Map();
let compiler = null;

function compile(name) {
  const parts = text(2000, `<main data-template="${name}">{{title}}</main>`).split('{{title}}');
  return (title) => parts.join(title);
}

function startCompiling() {
  const t0 = Date.now();
  const perTick = Math.round((mbPerSec * 1024 * 1024) / 10 / 2200); // a template is ~2.2 kB
  compiler = setInterval(() => {
    if (Date.now() - t0 >= warmupMs) return clearInterval(compiler);
    for (let i = 0; i < perTick; i++) compiled.set(`page-${compiled.size}`, compile(`page-${compiled.size}`));
  }, 100);
}

const app = express();
app.use((req, res) => {
  if (!compiler) startCompiling();
  const t = compiled.get('page-0');
  res.send(t ? t('hello').slice(0, 40) : 'hello world\n');
});

serve(app);
