// Schedule slots from a fixed clock: which instants a cron expression names, their keys, and what the scheduler
// does when late.
import { describe, expect, it } from 'vitest';
import { latestSlot, nextSlot, planSlot, slotKey, slotsBetween } from '../../src/scheduler/slots.ts';

const weekly = '0 9 * * 1';
const almaty = 'Asia/Almaty';
const hour = 3_600_000;

describe('slots', () => {
  it('names Monday 09:00 in the site timezone for the default weekly schedule', () => {
    const slots = slotsBetween(weekly, almaty, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-30T23:59:59Z'));
    expect(slots.map((s) => slotKey(s, almaty))).toEqual([
      '2026-11-02T09:00+05:00',
      '2026-11-09T09:00+05:00',
      '2026-11-16T09:00+05:00',
      '2026-11-23T09:00+05:00',
      '2026-11-30T09:00+05:00',
    ]);
    expect(slots[0]!.toISOString()).toBe('2026-11-02T04:00:00.000Z');
  });

  it('includes both ends of the range', () => {
    const slot = new Date('2026-11-30T04:00:00Z');
    expect(slotsBetween(weekly, almaty, slot, slot)).toEqual([slot]);
    expect(
      slotsBetween(weekly, almaty, new Date(slot.getTime() + 1), new Date(slot.getTime() + 6 * 24 * hour)),
    ).toEqual([]);
  });

  it('keeps 09:00 local across a daylight-saving change, and the key carries the new offset', () => {
    const zone = 'America/New_York';
    const slots = slotsBetween('0 9 * * *', zone, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-09T23:00:00Z'));
    expect(slots.map((s) => s.toISOString())).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    expect(slots.map((s) => slotKey(s, zone))).toEqual([
      '2026-03-07T09:00-05:00',
      '2026-03-08T09:00-04:00',
      '2026-03-09T09:00-04:00',
    ]);
  });

  it('skips a time that does not exist on the day clocks spring forward, and names a repeated time once', () => {
    const zone = 'Europe/Berlin';
    const spring = slotsBetween('30 2 * * *', zone, new Date('2026-03-28T00:00:00Z'), new Date('2026-03-30T23:00:00Z'));
    expect(spring.map((s) => slotKey(s, zone))).toEqual(['2026-03-28T02:30+01:00', '2026-03-30T02:30+02:00']);
    const autumn = slotsBetween('30 2 * * *', zone, new Date('2026-10-24T00:00:00Z'), new Date('2026-10-26T23:00:00Z'));
    expect(autumn).toHaveLength(3);
  });

  it('finds the next and the latest slot around a clock', () => {
    const at = new Date('2026-11-30T03:59:59Z');
    expect(nextSlot(weekly, almaty, at)?.toISOString()).toBe('2026-11-30T04:00:00.000Z');
    expect(nextSlot(weekly, almaty, new Date('2026-11-30T04:00:00Z'))?.toISOString()).toBe('2026-12-07T04:00:00.000Z');
    expect(latestSlot(weekly, almaty, at)?.toISOString()).toBe('2026-11-23T04:00:00.000Z');
    expect(latestSlot(weekly, almaty, new Date('2026-11-30T04:00:00Z'))?.toISOString()).toBe(
      '2026-11-30T04:00:00.000Z',
    );
    expect(nextSlot('0 9 29 2 *', almaty, new Date('2026-11-01T00:00:00Z'))?.toISOString()).toBe(
      '2028-02-29T04:00:00.000Z',
    );
  });

  it('gives a slot key in UTC an explicit +00:00 offset', () => {
    expect(slotKey(new Date('2026-01-05T09:00:00Z'), 'UTC')).toBe('2026-01-05T09:00+00:00');
  });
});

describe('planSlot', () => {
  const slot = new Date('2026-11-30T04:00:00Z');
  const plan = (now: Date, maxLatenessHours = 24) =>
    planSlot({ schedule: weekly, zone: almaty, now, maxLatenessMs: maxLatenessHours * hour });

  it('is due at the slot itself', () => {
    expect(plan(slot)).toEqual({ kind: 'due', slot, key: '2026-11-30T09:00+05:00', lateMs: 0 });
  });

  it('is still due within the maximum lateness', () => {
    expect(plan(new Date(slot.getTime() + 23 * hour))).toMatchObject({
      kind: 'due',
      key: '2026-11-30T09:00+05:00',
      lateMs: 23 * hour,
    });
    expect(plan(new Date(slot.getTime() + 24 * hour))).toMatchObject({ kind: 'due' });
  });

  it('is too late past the maximum lateness', () => {
    expect(plan(new Date(slot.getTime() + 24 * hour + 1))).toMatchObject({
      kind: 'too-late',
      key: '2026-11-30T09:00+05:00',
    });
    expect(plan(new Date(slot.getTime() + 2 * hour), 1)).toMatchObject({ kind: 'too-late' });
  });

  it('only ever looks at the latest slot, not every one missed', () => {
    // Down for three weeks: the plan is about the last Monday alone.
    expect(plan(new Date('2026-12-21T05:00:00Z'))).toMatchObject({ kind: 'due', key: '2026-12-21T09:00+05:00' });
  });
});
