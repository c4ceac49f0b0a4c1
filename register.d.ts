// Type definitions for `leakwatch/register` (register.js): the zero-code
// attach (`node -r leakwatch/register app.js`), configured by LEAKWATCH_*
// environment variables. Requiring it returns the started leakwatch instance,
// or null when the native addon could not load (a warning is printed and the
// application runs without leakwatch).
import leakwatch = require('./index');

declare const registered: leakwatch.LeakWatch | null;
export = registered;
