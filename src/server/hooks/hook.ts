// What a provider's webhook does with a request: authenticate it, then read the events it reports.
import type { ProviderEvent } from '../ports.ts';

export interface HookRequest {
  /** A request header, by its lower-case name. */
  header(name: string): string | undefined;
  /** The body's bytes as received: the signatures are over these. */
  body: Buffer;
  /** The clock, in milliseconds. */
  now: number;
}

export type HookResult =
  /** Authentic: these events are to be recorded (none for a notification about something else). */
  | {
      kind: 'events';
      events: ProviderEvent[];
      /** Forgets the request's replay token when its events could not be stored, so the provider's retry passes. */
      undo?: () => void;
      /** What was done instead of recording, for the log (a subscription confirmed, a duplicate skipped). */
      note?: string;
    }
  /** Not shown to come from the provider (401), or from a source not allowed (403). */
  | { kind: 'refused'; status: 401 | 403; reason: string; headers?: Record<string, string> }
  /** Authentic but unreadable (400). */
  | { kind: 'invalid'; reason: string }
  /** A request gazette could not check or complete because the provider's side failed (502): it will retry. */
  | { kind: 'failed'; reason: string };

export interface Hook {
  handle(request: HookRequest): Promise<HookResult>;
}

/** Stored with an event: enough to see what the provider said, not a whole batch per event. */
const MAX_RAW = 64 * 1024;

export function rawText(text: string): string {
  return text.length > MAX_RAW ? text.slice(0, MAX_RAW) : text;
}

export function refused(reason: string, headers?: Record<string, string>): HookResult {
  return headers ? { kind: 'refused', status: 401, reason, headers } : { kind: 'refused', status: 401, reason };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON text parsed, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A non-empty string field, trimmed; anything else is absent. */
export function field(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The address in `Name <addr>` or a bare address. */
export function address(value: unknown): string | undefined {
  const text = field(value);
  if (text === undefined) return undefined;
  const angle = /<([^<>]+)>\s*$/.exec(text);
  return angle ? angle[1]!.trim() : text;
}
