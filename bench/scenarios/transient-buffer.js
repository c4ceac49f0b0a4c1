'use strict';
/**
 * Not a leak (large transient buffers, external): a node:http service takes a
 * backup every 8–20 s: it assembles the archive in one 50–200 MB Buffer,
 * checksums and "uploads" it, then drops it. External memory and RSS jump by
 * the archive's size and fall back each time. Seeded: the archive size and
 * the period.
 */
const crypto = require('node:crypto');
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { archiveMB, everyMs } = params({ archiveMB: [50, 200], everyMs: [8000, 20000] });
let lastChecksum = '';

async function backup() {
  const archive = Buffer.allocUnsafeSlow(archiveMB * 1024 * 1024);
  for (let off = 0; off < archive.length; off += 4 * 1024 * 1024) { // written in 4 MB records
    archive.fill(off & 0xff, off, Math.min(archive.length, off + 4 * 1024 * 1024));
    await new Promise((r) => setImmediate(r));
  }
  lastChecksum = crypto.createHash('sha1').update(archive).digest('hex'); // then "uploaded"
}

setInterval(() => backup().catch(() => {}), everyMs);

serve((req, res) => (req.url === '/backup' ? res.end(lastChecksum) : hello(req, res)));
