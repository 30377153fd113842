// The start-up warning when the DKIM signing domain is not aligned with From (DMARC's relaxed alignment, simply).
import { describe, expect, it } from 'vitest';
import { dkimAlignmentProblem } from '../../src/newsletter/index.ts';
import { sampleConfig } from './factory.ts';

const signedBy = (domain: string, from = 'news@caricc.org') => {
  const config = sampleConfig({ dkim: { domain, selector: 's', private_key_file: 'k' } });
  // set after validation: the config schema takes no address outside ASCII
  return { ...config, digest: { ...config.digest, from: { name: 'CARICC News', address: from } } };
};

describe('dkimAlignmentProblem', () => {
  it('says nothing for the From domain itself, a subdomain either way, any case, or no key', () => {
    expect(dkimAlignmentProblem(sampleConfig())).toBeUndefined();
    expect(dkimAlignmentProblem(signedBy('caricc.org'))).toBeUndefined();
    expect(dkimAlignmentProblem(signedBy('CARICC.org.'))).toBeUndefined();
    expect(dkimAlignmentProblem(signedBy('mail.caricc.org'))).toBeUndefined();
    expect(dkimAlignmentProblem(signedBy('caricc.org', 'news@lists.caricc.org'))).toBeUndefined();
    expect(dkimAlignmentProblem(signedBy('xn--e1afmkfd.xn--p1ai', 'news@пример.рф'))).toBeUndefined();
  });

  it("names both domains and the settings when the key is another domain's", () => {
    const warning = dkimAlignmentProblem(signedBy('mailer.example.net'));
    expect(warning).toMatch(/^digest\.dkim\.domain "mailer\.example\.net" is not aligned with the From domain/);
    expect(warning).toContain('"caricc.org" (digest.from.address)');
    expect(warning).toContain('DMARC');
    // a domain that only ends with the same letters is another domain
    expect(dkimAlignmentProblem(signedBy('notcaricc.org'))).toBeDefined();
  });
});
