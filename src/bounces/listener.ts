// The return path's SMTP listener: mail for the bounce address (and its tagged forms) only, never a relay, with a
// size limit and a limit per client, each message recorded through handleInboundMail.
import { startInboundSmtp, type InboundSmtpServer } from '../adapters/smtp-server.ts';
import { errorMessage } from '../errors.ts';
import { createRateLimiter } from '../server/rate-limit.ts';
import type { BounceDeps } from './events.ts';
import { handleInboundMail } from './inbound.ts';
import { readVerpAddress } from './verp.ts';

export interface ReturnPathListenerOptions {
  deps: BounceDeps;
  port: number;
  host?: string | undefined;
  /** Largest message accepted (default 10 MiB: a bounce quotes the digest it returns). */
  maxBytes?: number;
  /** Connections per client address per minute (default 60). */
  perMinute?: number;
}

/** Starts the listener; the bounce address (`digest.bounce_address`) must be set. */
export async function startReturnPathListener(options: ReturnPathListenerOptions): Promise<InboundSmtpServer> {
  const { deps } = options;
  const bounceAddress = deps.config.digest.bounceAddress;
  if (!bounceAddress) throw new Error('digest.bounce_address is not set: the return path has no address to receive');
  const log = deps.logger.child({ component: 'return-path' });
  const limiter = createRateLimiter({ limit: options.perMinute ?? 60, windowMs: 60_000, now: () => Date.now() });
  const domain = bounceAddress.slice(bounceAddress.lastIndexOf('@') + 1);
  return startInboundSmtp({
    port: options.port,
    host: options.host,
    name: domain,
    maxBytes: options.maxBytes ?? 10 * 1024 * 1024,
    checkConnection(remote) {
      const decision = limiter.hit(remote);
      if (decision.allowed) return undefined;
      log.warn({ client: remote }, 'return path: client over its rate limit');
      return { code: 421, message: `4.7.0 too many connections; try again in ${decision.retryAfterSeconds} s` };
    },
    checkRecipient(address, remote) {
      const claims = readVerpAddress(bounceAddress, deps.secret, address);
      if (claims === undefined) {
        log.warn({ client: remote, rcpt: address.slice(0, 200) }, 'return path: refused a recipient that is not ours');
        return { code: 550, message: '5.7.1 relaying denied: this server only takes mail for its return path' };
      }
      if (claims === 'forged') return { code: 550, message: '5.1.1 no such address' };
      return undefined;
    },
    async onMessage(raw, envelope) {
      try {
        const outcome = await handleInboundMail(deps, raw, envelope.to, 'smtp');
        log.info(
          { client: envelope.remoteAddress, kind: outcome.kind, events: outcome.events.length },
          'mail received',
        );
      } catch (err) {
        // unparsable: accepted and logged, so the sender does not retry it for days
        log.warn({ err, client: envelope.remoteAddress }, `return path: cannot read a message: ${errorMessage(err)}`);
      }
    },
    onError: (err) => log.warn({ err }, `return path listener: ${errorMessage(err)}`),
  });
}
