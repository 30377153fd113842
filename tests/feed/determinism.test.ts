// Same items, same bytes: no clock, no input-order dependence.
import { describe, expect, it } from 'vitest';
import { renderFeeds } from '../../src/feed/index.ts';
import { feedTestConfig, hostileItems, makeNewsItem, manyItems } from '../helpers/feed-items.ts';

describe('renderFeeds is deterministic', () => {
  it('renders byte-identical files twice', async () => {
    const config = await feedTestConfig({ limit: 20, archivePageSize: 50 });
    const items = [...hostileItems(), ...manyItems(140)];
    const a = renderFeeds(items, config);
    const b = renderFeeds(
      items.map((i) => ({ ...i })),
      config,
    );
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    expect(a).toEqual(b);
    expect(new Set(a.map((f) => f.path)).size).toBe(a.length);
  });

  it('gives the same output whatever order items of equal date arrive in', async () => {
    const config = await feedTestConfig({ limit: 3, archivePageSize: 10 });
    const instant = new Date('2021-11-03T09:15:00Z');
    const ties = ['tie-c', 'tie-a', 'tie-e', 'tie-b', 'tie-d'].map((id) =>
      makeNewsItem({ id, published: instant, tags: ['same'] }),
    );
    const older = manyItems(30);
    const orders = [
      [...ties, ...older],
      [...ties].reverse().concat(older),
      [...older, ...ties],
      [ties[2]!, ...older.slice(0, 10), ties[0]!, ties[4]!, ...older.slice(10), ties[1]!, ties[3]!],
    ];
    const outputs = orders.map((items) => renderFeeds(items, config));
    for (const output of outputs.slice(1)) expect(output).toEqual(outputs[0]);
    const rss = String(outputs[0]!.find((f) => f.path === 'feed.xml')!.body);
    const guids = [...rss.matchAll(/<guid isPermaLink="false">tag:caricc\.org,2009:(tie-.)<\/guid>/g)].map((m) => m[1]);
    expect(guids).toEqual(['tie-a', 'tie-b', 'tie-c', 'tie-d', 'tie-e']);
  });

  it('does not change the items it is given', async () => {
    const config = await feedTestConfig();
    const items = hostileItems();
    const copy = structuredClone(items);
    renderFeeds(items, config);
    expect(items).toEqual(copy);
  });
});
