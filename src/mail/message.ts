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
}
