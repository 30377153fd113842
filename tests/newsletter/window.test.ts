import { describe, expect, it } from 'vitest';
import { digestWindow, selectDigestItems } from '../../src/newsletter/index.ts';
import { NOW, newsItem, sampleConfig, sampleItems } from './factory.ts';

describe('digestWindow', () => {
  const config = sampleConfig();

  it('covers the last first_window_days days for the first edition', () => {
    const w = digestWindow(null, NOW, config);
    expect(w.end.toISOString()).toBe(NOW.toISOString());
    expect(w.start.toISOString()).toBe('2021-09-27T03:00:00.000Z');
  });

  it('follows the configured number of days', () => {
    const w = digestWindow(null, NOW, sampleConfig({ first_window_days: 14 }));
    expect(w.start.toISOString()).toBe('2021-09-20T03:00:00.000Z');
  });

  it('starts where the previous sent edition ended', () => {
    const previous = new Date('2021-09-30T12:34:56Z');
    const w = digestWindow(previous, NOW, config);
    expect(w.start.toISOString()).toBe(previous.toISOString());
    expect(w.end.toISOString()).toBe(NOW.toISOString());
  });

  it('never ends before it starts when the previous end lies in the future', () => {
    const w = digestWindow(new Date('2021-10-05T00:00:00Z'), NOW, config);
    expect(w.start.getTime()).toBe(w.end.getTime());
  });
});

describe('selectDigestItems', () => {
  const window = { start: new Date('2021-09-27T03:00:00Z'), end: NOW };

  it('keeps items published in [start, end), newest first', () => {
    const atStart = newsItem({ slug: 'at-start', published: window.start });
    const atEnd = newsItem({ slug: 'at-end', published: window.end });
    const before = newsItem({ slug: 'before', published: new Date(window.start.getTime() - 1) });
    const middle = newsItem({ slug: 'middle', published: new Date('2021-09-30T00:00:00Z') });
    const late = newsItem({ slug: 'late', published: new Date(window.end.getTime() - 1) });
    const selected = selectDigestItems([before, atStart, late, atEnd, middle], window);
    expect(selected.map((i) => i.slug)).toEqual(['late', 'middle', 'at-start']);
  });

  it('leaves drafts out and returns nothing when nothing is new', () => {
    const draft = newsItem({ slug: 'draft', draft: true, published: new Date('2021-09-30T00:00:00Z') });
    expect(selectDigestItems([draft], window)).toEqual([]);
    expect(selectDigestItems([], window)).toEqual([]);
  });

  it('orders items of the same instant by id, whatever the input order', () => {
    const t = new Date('2021-09-30T00:00:00Z');
    const a = newsItem({ id: 'a', published: t });
    const b = newsItem({ id: 'b', published: t });
    expect(selectDigestItems([b, a], window).map((i) => i.id)).toEqual(['a', 'b']);
    expect(selectDigestItems([a, b], window).map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('selects the sample content of the week before Monday 4 October 2021', async () => {
    const config = sampleConfig();
    const selected = selectDigestItems(await sampleItems(config), digestWindow(null, NOW, config));
    expect(selected.map((i) => i.published.toISOString().slice(0, 10))).toEqual(['2021-09-30', '2021-09-28']);
    expect(selected[0]!.title).toMatch(/Minister of Internal Affairs/);
  });
});
