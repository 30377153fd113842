// Adapter for validator: whether a string is a deliverable-looking email address; the one module that imports it.
import validator from 'validator';

/**
 * True for a plain address (`local@domain.tld`, no display name, no IP-literal domain), within
 * RFC 5321's length limits. The domain must already be in ASCII (punycode) form.
 */
export function isEmailAddress(address: string): boolean {
  return validator.isEmail(address, {
    allow_display_name: false,
    require_tld: true,
    allow_ip_domain: false,
    allow_utf8_local_part: true,
    ignore_max_length: false,
  });
}
