// The subscription pages: valid HTML5, escaped, and usable without JavaScript.
import { describe, expect, it } from 'vitest';
import {
  badRequestPage,
  badTokenPage,
  confirmAskPage,
  confirmedPage,
  payloadTooLargePage,
  serverErrorPage,
  subscribeInvalidPage,
  subscribePage,
  subscribeThanksPage,
  tooManyRequestsPage,
  unsubscribeAskPage,
  unsubscribedPage,
} from '../../src/server/pages.ts';
import { validateHtml } from '../helpers/html-validate.ts';

const site = { title: 'CARICC <News> & "Co"', language: 'ru-KZ' };
const hostile = '"><script>alert(1)</script>@example.org';

const pages = {
  subscribe: subscribePage(site),
  thanks: subscribeThanksPage(site),
  invalid: subscribeInvalidPage(site, hostile),
  invalidEmpty: subscribeInvalidPage(site, ''),
  confirmAsk: confirmAskPage(site, hostile, '/confirm?token=a%2Bb&x="y"'),
  confirmed: confirmedPage(site, hostile),
  badConfirm: badTokenPage(site, 'confirm', false),
  expiredUnsubscribe: badTokenPage(site, 'unsubscribe', true),
  ask: unsubscribeAskPage(site, hostile, '/unsubscribe?token=a%2Bb&x="y"'),
  unsubscribed: unsubscribedPage(site, hostile),
  tooMany: tooManyRequestsPage(site, 301),
  tooLarge: payloadTooLargePage(site),
  badRequest: badRequestPage(site, 'No <token>.'),
  serverError: serverErrorPage(site),
};

describe('subscription pages', () => {
  it.each(Object.entries(pages))('%s is valid HTML5 linking the site stylesheet', async (name, page) => {
    expect(await validateHtml(page.html, `${name}.html`)).toEqual([]);
    expect(page.html).toContain('<link rel="stylesheet" href="/static/style.css">');
    expect(page.html).toContain('<html lang="ru-KZ">');
    expect(page.html).not.toContain('<script');
  });

  it('escapes the address, the site title and the form action', () => {
    for (const page of [pages.invalid, pages.confirmAsk, pages.confirmed, pages.ask, pages.unsubscribed]) {
      expect(page.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.org');
      expect(page.html).toContain('CARICC &lt;News&gt; &amp; &quot;Co&quot;');
    }
    expect(pages.ask.html).toContain('action="/unsubscribe?token=a%2Bb&amp;x=&quot;y&quot;"');
    expect(pages.confirmAsk.html).toContain('action="/confirm?token=a%2Bb&amp;x=&quot;y&quot;"');
  });

  it('gives every page its status', () => {
    expect(pages.thanks.status).toBe(200);
    expect(pages.invalid.status).toBe(400);
    expect(pages.badConfirm.status).toBe(400);
    expect(pages.tooMany.status).toBe(429);
    expect(pages.tooLarge.status).toBe(413);
    expect(pages.serverError.status).toBe(500);
  });

  it('asks before unsubscribing with a form that posts, and says in minutes when to retry', () => {
    expect(pages.ask.html).toMatch(
      /<form class="unsubscribe-form" method="post" action="[^"]+">\s*<button type="submit">Unsubscribe<\/button>/,
    );
    expect(pages.tooMany.html).toContain('try again in 6 minutes');
  });
});
