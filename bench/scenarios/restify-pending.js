'use strict';
/**
 * Leak (heap, pending promises): a restify API writes an audit record per
 * request in the background through a token-bucket limiter. The refill timer
 * was removed in a refactor, so once the initial tokens are spent every
 * `await limiter.take()` waits forever: a promise per request that never
 * settles, held by the limiter's waiter list with the suspended writer and
 * its record. Seeded: the initial tokens and the record's size.
 */
const restify = require('restify');
const { watch, params, listening, text } = require('./harness.js');

watch('main');
const { burst, recordChars } = params({ burst: [50, 500], recordChars: [400, 900] });

const limiter = {
  tokens: burst,
  waiters: [],
  take() {
    if (this.tokens > 0) {
      this.tokens--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve)); // resolved by the refill, which is gone
  },
};

async function writeAudit(record) {
  await limiter.take();
  record.sentAt = Date.now(); // would POST it to the audit service
}

const server = restify.createServer({ name: 'accounts' });
server.get('/*', (req, res, next) => {
  const record = { path: req.path(), at: Date.now(), body: text(recordChars, req.url) };
  writeAudit(record).catch(() => {});
  res.send({ ok: true });
  return next();
});
server.listen(0, '127.0.0.1', () => listening(server.address().port));
