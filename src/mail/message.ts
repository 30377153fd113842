// One email, fully composed, ready for a transport. Plain data.

export interface Mailbox {
  name: string;
  address: string;
}

export interface MailMessage {
  from: Mailbox;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** Message-ID without angle brackets, e.g. `e12.s345@caricc.org`; fixed per (edition, subscriber). */
  messageId: string;
  date: Date;
  /** Extra headers (List-Id, List-Unsubscribe, …). Values never contain CR or LF. */
  headers: Record<string, string>;
  /** Sign the message with DKIM (the transport reads the key file once and signs `headerFieldNames`). */
  dkim?: DkimSigning;
}

/** What a transport needs to DKIM-sign a message; names follow nodemailer's `dkim` option. */
export interface DkimSigning {
  domainName: string;
  keySelector: string;
  /** Path of the PEM private key. */
  privateKeyFile: string;
  /** Colon-separated header names to sign; always includes List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
  headerFieldNames: string;
}
