'use strict';
/**
 * The one error a bad option gives, wherever it is checked (`configure()`,
 * the environment): a TypeError (RangeError for a value out of range) whose
 * `code` is `ERR_LEAKWATCH_OPTION` and whose message names the option, what
 * it must be and what it got.
 */
function optionError(message, ErrorClass = TypeError) {
  const e = new ErrorClass(message);
  e.code = 'ERR_LEAKWATCH_OPTION';
  return e;
}

/** `leakwatch.configure: <key> must be <rule>, got <value as JSON>`. */
function mustBe(key, rule, value) {
  return optionError(`leakwatch.configure: ${key} must be ${rule}, got ${JSON.stringify(value)}`);
}

module.exports = { optionError, mustBe };
