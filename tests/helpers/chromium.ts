// Debian's chromium driven by playwright-core: renders HTML at a given width for layout checks and screenshots.
import { chromium, type Browser } from 'playwright-core';

const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless chromium, with `args` of the caller's own besides; the caller closes it. */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: EXECUTABLE,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...args],
  });
}

export interface RenderedPage {
  /** document.scrollingElement.scrollWidth: wider than the viewport means horizontal scrolling. */
  scrollWidth: number;
  viewportWidth: number;
  /** Full-page PNG. */
  screenshot: Buffer;
}

/**
 * Renders `html` in a fresh page `width` CSS pixels wide. Network requests are refused so
 * remote images cannot make the result depend on the outside world.
 */
export async function renderHtml(browser: Browser, html: string, width: number, height = 800): Promise<RenderedPage> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load' });
    const scrollWidth = await page.evaluate(() => (document.scrollingElement ?? document.documentElement).scrollWidth);
    const screenshot = await page.screenshot({ fullPage: true });
    return { scrollWidth, viewportWidth: width, screenshot };
  } finally {
    await context.close();
  }
}
