import { describe, expect, it } from 'vitest';
import { renderDigestArchive, type SentEdition } from '../../src/newsletter/index.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { sampleConfig, sampleDigest } from './factory.ts';

describe('renderDigestArchive', () => {
  const config = sampleConfig();

  it('writes an index of sent editions, newest first, and one page per edition', async () => {
    const digest = await sampleDigest(config);
    const older: SentEdition = {
      ...digest,
      editionId: '11',
      slug: '2021-09-27-11',
      date: new Date('2021-09-27T03:00:00Z'),
      subject: 'CARICC News: 1 new items, week of 27 September 2021',
      itemIds: ['x'],
    };
    const files = renderDigestArchive([older, digest], config);
    expect(files.map((f) => f.path)).toEqual([
      'archive/index.html',
      'archive/2021-10-04-12/index.html',
      'archive/2021-09-27-11/index.html',
    ]);
    const index = String(files[0]!.body);
    expect(index.indexOf('href="2021-10-04-12/"')).toBeGreaterThan(0);
    expect(index.indexOf('href="2021-10-04-12/"')).toBeLessThan(index.indexOf('href="2021-09-27-11/"'));
    expect(index).toContain('CARICC News: 4 new items, week of 4 October 2021</a>');
    expect(index).toContain('4 items');
    expect(index).toContain('1 item<');
    expect(await validateHtml(index, 'archive/index.html')).toEqual([]);
  });

  it("shows the edition as a web page with a link to subscribe instead of anyone's unsubscribe link", async () => {
    const digest = await sampleDigest(config);
    const page = String(renderDigestArchive([digest], config)[1]!.body);
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('<title>CARICC News: 4 new items, week of 4 October 2021</title>');
    expect(page).toContain('href="https://caricc.org/#subscribe-heading"');
    expect(page).toContain('>Subscribe</a>');
    expect(page).not.toMatch(/unsubscribe/i);
    expect(page).toContain('because your address is subscribed');
    expect(page).not.toMatch(/gz[0-9a-f]{16}/);
  });

  it('gives an edition page that is valid HTML, apart from the markup mail clients need', async () => {
    const page = String(renderDigestArchive([await sampleDigest(config)], config)[1]!.body);
    // Outlook needs conditional comments, presentational table attributes and inline styles;
    // MJML writes the doctype in lower case and marks the body role="article".
    const emailMarkup = new Set([
      'no-conditional-comment',
      'no-deprecated-attr',
      'no-inline-style',
      'no-trailing-whitespace',
      'doctype-style',
      'prefer-native-element',
    ]);
    const problems = (await validateHtml(page, 'archive/2021-10-04-12/index.html')).filter(
      (p) => !emailMarkup.has(p.rule),
    );
    expect(problems).toEqual([]);
  });

  it('says so when nothing has been sent yet', () => {
    const files = renderDigestArchive([], config);
    expect(files).toHaveLength(1);
    expect(String(files[0]!.body)).toContain('No digest has been sent yet.');
  });

  it('is deterministic', async () => {
    const digest = await sampleDigest(config);
    expect(renderDigestArchive([digest], config)).toEqual(renderDigestArchive([digest], config));
  });
});
