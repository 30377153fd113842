// Schedule slots: the instants a cron expression names in a time zone, computed from a given clock (pure).
import { cronMatcher } from '../adapters/node-cron.ts';
import { isoInZone } from '../adapters/luxon.ts';

interface LocalDay {
  year: number;
  month: number;
  day: number;
}

/** How far back or ahead a slot is looked for: eight years covers "29 February" even across 2100. */
const SEARCH_DAYS = 366 * 8;

function parseIso(iso: string): { day: LocalDay; offsetMinutes: number; seconds: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(iso);
  if (!m) throw new Error(`unexpected ISO date ${iso}`);
  const offsetMinutes = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return {
    day: { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) },
    offsetMinutes,
    seconds: Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]),
  };
}

function localDayOf(date: Date, zone: string): LocalDay {
  return parseIso(isoInZone(date, zone)).day;
}

function offsetAt(ms: number, zone: string): number {
  return parseIso(isoInZone(new Date(ms), zone)).offsetMinutes;
}

function addDays(day: LocalDay, n: number): LocalDay {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function compareDays(a: LocalDay, b: LocalDay): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * The instant a wall-clock time in `zone` names (for a time in a DST gap, one next to it; the matcher then refuses it).
 */
function wallToInstant(day: LocalDay, seconds: number, zone: string): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day) + seconds * 1000;
  const first = wall - offsetAt(wall, zone) * 60_000;
  const second = wall - offsetAt(first, zone) * 60_000;
  return second;
}

/** Every slot on one local day, ascending. */
function slotsOnDay(schedule: string, zone: string, day: LocalDay): number[] {
  const matcher = cronMatcher(schedule, zone);
  const found = new Set<number>();
  for (const h of matcher.hours) {
    for (const m of matcher.minutes) {
      for (const s of matcher.seconds) {
        const t = wallToInstant(day, h * 3600 + m * 60 + s, zone);
        if (matcher.match(new Date(t))) found.add(t);
      }
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** Every slot `t` of `schedule` in `zone` with `from <= t <= to`, ascending. */
export function slotsBetween(schedule: string, zone: string, from: Date, to: Date): Date[] {
  const slots: Date[] = [];
  if (to.getTime() < from.getTime()) return slots;
  const last = localDayOf(to, zone);
  for (let day = localDayOf(from, zone); compareDays(day, last) <= 0; day = addDays(day, 1)) {
    for (const t of slotsOnDay(schedule, zone, day)) {
      if (t >= from.getTime() && t <= to.getTime()) slots.push(new Date(t));
    }
  }
  return slots;
}

/** The first slot strictly after `after`, or undefined when none comes within eight years. */
export function nextSlot(schedule: string, zone: string, after: Date): Date | undefined {
  const start = localDayOf(after, zone);
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const t = slotsOnDay(schedule, zone, addDays(start, i)).find((s) => s > after.getTime());
    if (t !== undefined) return new Date(t);
  }
  return undefined;
}

/** The last slot at or before `at`, or undefined when none came within eight years. */
export function latestSlot(schedule: string, zone: string, at: Date): Date | undefined {
  const start = localDayOf(at, zone);
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const t = slotsOnDay(schedule, zone, addDays(start, -i)).findLast((s) => s <= at.getTime());
    if (t !== undefined) return new Date(t);
  }
  return undefined;
}

/**
 * The key an edition of `slot` is stored under: local time in `zone` with its offset, e.g.
 * `2026-11-30T09:00+05:00` (seconds only when the schedule names them). Same slot, same key.
 */
export function slotKey(slot: Date, zone: string): string {
  const iso = isoInZone(new Date(Math.floor(slot.getTime() / 1000) * 1000), zone);
  const { offsetMinutes } = parseIso(iso);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const local = iso.slice(0, 19).replace(/:00$/, '');
  return `${local}${offset}`;
}

/** What the scheduler should do at `now`. */
export type SlotPlan =
  /** No slot at or before `now` (within eight years). */
  | { kind: 'none' }
  /** The latest slot is within the allowed lateness: its edition is due (if it has none yet). */
  | { kind: 'due'; slot: Date; key: string; lateMs: number }
  /** The latest slot is older than the allowed lateness: it is skipped. */
  | { kind: 'too-late'; slot: Date; key: string; lateMs: number };

export interface PlanSlotInput {
  schedule: string;
  zone: string;
  now: Date;
  maxLatenessMs: number;
}

/**
 * Decides about the most recent slot at or before `now`: due when at most `maxLatenessMs` old,
 * too late otherwise. Older slots are never considered: a worker down for several slots sends
 * one edition (covering everything since the last one), not one per missed slot.
 */
export function planSlot(input: PlanSlotInput): SlotPlan {
  const slot = latestSlot(input.schedule, input.zone, input.now);
  if (!slot) return { kind: 'none' };
  const lateMs = input.now.getTime() - slot.getTime();
  const key = slotKey(slot, input.zone);
  return lateMs <= input.maxLatenessMs ? { kind: 'due', slot, key, lateMs } : { kind: 'too-late', slot, key, lateMs };
}
