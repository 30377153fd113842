// The text part comes from templates/digest.txt.eta: the built-in one writes what gazette wrote before, byte for
// byte, for every shape of edition.
import { describe, expect, it } from 'vitest';
import { createTemplateEngine } from '../../src/adapters/eta.ts';
import { composeDigest, digestView, digestWindow } from '../../src/newsletter/index.ts';
import { createSlotTokens } from '../../src/newsletter/slots.ts';
import { digestTextData } from '../../src/newsletter/text.ts';
import { selectDigestItems } from '../../src/newsletter/window.ts';
import type { DigestView } from '../../src/newsletter/view.ts';
import { NOW, newsItem, SAMPLE_PREVIOUS_END, sampleConfig, sampleItems, templates } from './factory.ts';
import { HOSTILE_SUMMARY, HOSTILE_TITLE } from './hostile.ts';
import { referenceDigestText } from './text-reference.ts';

async function fromTemplate(view: DigestView) {
  const t = await templates();
  const tokens = createSlotTokens([JSON.stringify(view), ...t.templates.values()]);
  const engine = createTemplateEngine({
    templates: new Map([['digest.txt', t.templates.get('digest.txt')!]]),
    trimNewlines: false,
  });
  return tokens.split(engine.render('digest.txt', digestTextData(view, tokens.tokens)));
}

const long = 'A title long enough to wrap over the seventy-two columns of the text part, twice over if need be';

describe('the digest text template', () => {
  const config = sampleConfig();
  const views: Record<string, DigestView> = {
    'four items and an intro': digestView(
      [newsItem(), newsItem({ title: long, summary: `${long} ${long}` }), newsItem({ summary: '' }), newsItem()],
      config,
      NOW,
      '2021-10-04-12',
    ),
    'no items, no intro': digestView([], sampleConfig({ intro: '' }), NOW, '2021-10-04-12'),
    'hostile text': digestView(
      [newsItem({ title: HOSTILE_TITLE, summary: HOSTILE_SUMMARY })],
      config,
      NOW,
      '2021-10-04-12',
    ),
  };
  const withMore = views['four items and an intro']!;
  views['some in full, some listed, one omitted'] = {
    ...withMore,
    items: withMore.items.slice(0, 1),
    more: withMore.items.slice(1, 3).map((i) => ({ title: i.title, url: i.url, lang: i.lang })),
    omitted: 1,
  };
  views['only listed, many omitted'] = { ...withMore, items: [], more: [], omitted: 4 };

  it.each(Object.entries(views))('reproduces the text gazette wrote before: %s', async (_name, view) => {
    // the reference's slots sit where the template's tokens were cut
    expect(await fromTemplate(view)).toEqual(referenceDigestText(view));
  });

  it("is the composed digest's text part", async () => {
    const window = digestWindow(SAMPLE_PREVIOUS_END, NOW, config);
    const digest = await composeDigest({
      items: await sampleItems(config),
      config,
      editionId: '12',
      window,
      now: NOW,
      templates: await templates(),
    });
    const view = digestView(selectDigestItems(await sampleItems(config), window), config, NOW, digest.slug);
    expect(view.items).toHaveLength(4);
    expect(digest.text).toEqual(referenceDigestText(view));
  });
});
