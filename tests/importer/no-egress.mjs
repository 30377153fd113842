// Test guard (loaded with --import, or imported): a socket may only connect to loopback, so a check that
// failed to refuse still sends nothing beyond this machine. Every attempt is recorded.
import net from 'node:net';

export const attempts = [];
const loopback = (host) => host === 'localhost' || /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host);
const original = net.Socket.prototype.connect;
if (!original.__noEgress) {
  net.Socket.prototype.connect = function connect(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const host =
      typeof first === 'object' && first !== null ? first.host : typeof args[1] === 'string' ? args[1] : undefined;
    const path = typeof first === 'object' && first !== null ? first.path : undefined;
    if (host !== undefined) attempts.push(host);
    if (path === undefined && host !== undefined && !loopback(host)) {
      process.nextTick(() => this.destroy(new Error(`no-egress guard: connection to ${host} blocked`)));
      return this;
    }
    return original.apply(this, args);
  };
  net.Socket.prototype.connect.__noEgress = true;
}
