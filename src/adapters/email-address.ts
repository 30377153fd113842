// Adapter for validator: whether a string is a deliverable-looking email address; the one module that imports it.
// The one validator, not the package's index, which loads every validator it has (over 100 modules).
import isEmailModule from 'validator/lib/isEmail.js';

// A CommonJS module whose exports are the function, with itself as `default` too.
const isEmail = isEmailModule.default;

/**
 * True for a plain address (`local@domain.tld`, no display name, no IP-literal domain), within
 * RFC 5321's length limits. The domain must already be in ASCII (punycode) form.
 */
export function isEmailAddress(address: string): boolean {
  return isEmail(address, {
    allow_display_name: false,
    require_tld: true,
    allow_ip_domain: false,
    allow_utf8_local_part: true,
    ignore_max_length: false,
  });
}
