// The text part as gazette wrote it in code before it became templates/digest.txt.eta: the reference the
// built-in template must reproduce byte for byte.
import { SlottedTextBuilder, type SlottedText } from '../../src/newsletter/slots.ts';
import { wrap } from '../../src/newsletter/text.ts';
import type { DigestView } from '../../src/newsletter/view.ts';

const WIDTH = 72;
const RULE = '-'.repeat(WIDTH);

export function referenceDigestText(view: DigestView): SlottedText {
  const t = new SlottedTextBuilder();
  t.text(`${wrap(view.siteTitle)}\nNews digest of ${view.editionDate}\n\n`);
  t.slot('greeting').text('\n\n');
  if (view.intro) t.text(`${wrap(view.intro)}\n`);
  t.text(view.items.length === 0 ? 'There are no new items since the last digest.\n' : `${view.countLine}\n`);
  view.items.forEach((item, i) => {
    const number = `${i + 1}. `;
    const indent = ' '.repeat(number.length);
    t.text(`\n${RULE}\n\n`);
    t.text(`${number}${wrap(item.title, WIDTH, indent).slice(indent.length)}\n`);
    t.text(`${indent}${item.date}\n`);
    if (item.summary) t.text(`\n${wrap(item.summary, WIDTH, indent)}\n`);
    t.text(`\n${indent}${item.linkLabel}:\n${indent}${item.url}\n`);
  });
  if (view.more.length > 0 || view.omitted > 0) {
    t.text(`\n${RULE}\n\nMore in this digest:\n`);
    for (const link of view.more) t.text(`\n- ${wrap(link.title, WIDTH, '  ').slice(2)}\n  ${link.url}\n`);
    if (view.omitted > 0)
      t.text(`\n${view.omitted} more ${view.omitted === 1 ? 'item is' : 'items are'} on the digest's web page.\n`);
    t.text(`\nRead the whole digest in your browser:\n${view.archiveUrl}\n`);
  }
  t.text(`\n${RULE}\n\n`);
  t.text(
    `${wrap(`You receive this email because you subscribed to the ${view.siteTitle} digest at ${view.siteHost}.`)}\n`,
  );
  t.text('Subscribed address: ').slot('email').text('\n\n');
  t.slot('unsubscribeLabel').text(':\n').slot('unsubscribeUrl').text('\n\n');
  t.text('Change what you get:\n').slot('preferencesUrl').text('\n\n');
  t.text(`View this digest in your browser:\n${view.archiveUrl}\n\n`);
  t.text(`${wrap(`${view.siteTitle} · ${view.postalAddress}`)}\n`);
  return t.build();
}
