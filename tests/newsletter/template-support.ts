// The adapter's composer and template compiler, and DKIM options with the digest's signed headers, for the
// template tests.
export { composeMessage, compileTemplate } from '../../src/adapters/nodemailer.ts';
import { digestDkimOptions } from '../../src/newsletter/index.ts';
import { sampleConfig } from './factory.ts';

export function digestDkimOptionsForTest(privateKey: string) {
  return digestDkimOptions(
    sampleConfig({ dkim: { domain: 'caricc.org', selector: 'news2021', private_key_file: 'unused.pem' } }),
    privateKey,
  )!;
}
