// The dashboard's session cookie (signed, expiring) and its per-session CSRF token.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'gazette_admin';

export interface SessionOptions {
  /** Signing key material: GAZETTE_SECRET, or random per process (sessions then end with the process). */
  secret?: string | undefined;
  /** The admin token: changing it ends every session signed under the old one. */
  adminToken: string;
  /** How long a session lasts. */
  ttlMs: number;
  now: () => number;
  /** Where logouts are kept beyond this process (the database); without it, in this process's memory only. */
  revocations?: SessionRevocations | undefined;
}

/** Ended sessions, kept where every process and the next start see them. */
export interface SessionRevocations {
  /** Records that session `id` ended; it would have expired at `expiresAt` anyway. */
  revoke(id: string, expiresAt: number): Promise<void>;
  /** Whether session `id` was ended. */
  isRevoked(id: string): Promise<boolean>;
}

export interface Session {
  id: string;
  expiresAt: number;
  /** The value every form of this session carries in its `csrf` field. */
  csrf: string;
}

export interface Sessions {
  /** A new session and the cookie value that carries it. */
  create(): { session: Session; cookie: string };
  /** The session a cookie value carries; null when absent, forged, expired or ended by a logout. */
  read(cookie: string | undefined): Promise<Session | null>;
  /** Whether `token` is this session's CSRF token. */
  checkCsrf(session: Session, token: unknown): boolean;
  /** Ends a session: its cookie, even a copy kept elsewhere, is refused from now on (and after a restart). */
  revoke(session: Session): Promise<void>;
  /** A signature over a notice code and its detail, so only the dashboard's own redirects show notices. */
  signNotice(code: string, detail: string): string;
  /** Whether `signature` is the one signNotice gives for this code and detail. */
  checkNotice(code: string, detail: string, signature: unknown): boolean;
}

function safeEqual(a: string, b: string): boolean {
  // digests of both sides: equal length always, so the comparison leaks nothing about lengths
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function createSessions(options: SessionOptions): Sessions {
  const key = createHmac('sha256', options.secret ?? randomBytes(32).toString('hex'))
    .update(`gazette admin session\0${options.adminToken}`)
    .digest();
  const mac = (purpose: string, value: string): string =>
    createHmac('sha256', key).update(`${purpose}\0${value}`).digest('base64url');
  // Ended sessions until they would have expired anyway: here, and in `revocations` for other processes and restarts.
  const revoked = new Map<string, number>();
  const persistent = options.revocations;
  const toSession = (id: string, expiresAt: number): Session => ({ id, expiresAt, csrf: mac('csrf', id) });

  return {
    create() {
      const id = randomBytes(18).toString('base64url');
      const expiresAt = options.now() + options.ttlMs;
      const payload = `${id}.${expiresAt}`;
      return { session: toSession(id, expiresAt), cookie: `${payload}.${mac('session', payload)}` };
    },
    async read(cookie) {
      if (!cookie) return null;
      const match = /^([A-Za-z0-9_-]{16,64})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(cookie);
      if (!match) return null;
      const [, id, exp, sig] = match as unknown as [string, string, string, string];
      if (!safeEqual(sig, mac('session', `${id}.${exp}`))) return null;
      const expiresAt = Number(exp);
      if (expiresAt <= options.now()) return null;
      if (revoked.has(id)) return null;
      if (persistent && (await persistent.isRevoked(id))) {
        revoked.set(id, expiresAt);
        return null;
      }
      return toSession(id, expiresAt);
    },
    checkCsrf(session, token) {
      return typeof token === 'string' && token !== '' && safeEqual(token, session.csrf);
    },
    async revoke(session) {
      const now = options.now();
      for (const [id, expiresAt] of revoked) if (expiresAt <= now) revoked.delete(id);
      revoked.set(session.id, session.expiresAt);
      await persistent?.revoke(session.id, session.expiresAt);
    },
    signNotice(code, detail) {
      return mac('notice', `${code}\0${detail}`);
    },
    checkNotice(code, detail, signature) {
      return (
        typeof signature === 'string' && signature !== '' && safeEqual(signature, mac('notice', `${code}\0${detail}`))
      );
    },
  };
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
