'use strict';
/**
 * Leak, slow (native): a webhook dispatcher for many tenants builds a TLS
 * SecureContext with the tenant's CA bundle for every delivery (instead of
 * once per tenant) and keeps it in a Map keyed by delivery id for "session
 * reuse". Each context holds an OpenSSL certificate store (~1 MB of malloc
 * memory): RSS grows, the V8 heap and external memory do not. Deliveries
 * come from an in-process timer; a health endpoint serves the bench's light
 * load. Seeded: the delivery period.
 */
const tls = require('node:tls');
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { deliverEveryMs } = params({ deliverEveryMs: [1200, 3000] });
const contexts = new Map();
let delivery = 0;

setInterval(() => {
  const id = ++delivery;
  const context = tls.createSecureContext({ ca: tls.rootCertificates }); // the tenant's bundle
  contexts.set(id, context);
}, deliverEveryMs);

serve(hello);
