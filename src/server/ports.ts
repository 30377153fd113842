// What the HTTP server needs from the rest of gazette, declared here where it is used; src/subscribers/ and the
// store implement it.

/** Subscriber states as the store counts them. */
export type SubscriberState = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/**
 * Double opt-in subscriptions. Token methods throw an error whose `code` is `TOKEN_INVALID`
 * or `TOKEN_EXPIRED` for a forged, altered or expired token; `subscribe` throws an error
 * whose `code` is `EMAIL_INVALID` for an address that is not one.
 */
export interface SubscriptionPort {
  /** Stores a pending subscriber and sends the confirmation email; already-active addresses answer the same. */
  subscribe(address: string, meta: { ip?: string }): Promise<void>;
  confirm(token: string): Promise<{ email: string }>;
  unsubscribe(token: string): Promise<{ email: string }>;
  /** Validates an unsubscribe token without changing anything. */
  checkUnsubscribeToken(token: string): Promise<{ email: string }>;
  counts(): Promise<Record<SubscriberState, number>>;
}

/** One edition (digest) as the operators' API lists it. */
export interface EditionSummary {
  id: string | number;
  status: string;
  [field: string]: unknown;
}

/** Operators' use-cases. Parts that later features provide are optional: their routes answer 503 until wired. */
export interface AdminPort {
  subscriberCounts(): Promise<Record<SubscriberState, number>>;
  listEditions?(): Promise<readonly EditionSummary[]>;
  /** Creates the next digest edition now; the dispatcher sends it. */
  triggerDigest?(): Promise<unknown>;
}

/** Error codes a token check throws. */
export const TOKEN_ERROR_CODES: ReadonlySet<string> = new Set(['TOKEN_INVALID', 'TOKEN_EXPIRED']);

/** Error code `subscribe` throws for an address that is not a valid email address. */
export const ADDRESS_ERROR_CODE = 'EMAIL_INVALID';

export function errorCode(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

export function isTokenError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && TOKEN_ERROR_CODES.has(code);
}

export function isAddressError(err: unknown): boolean {
  return errorCode(err) === ADDRESS_ERROR_CODE;
}
