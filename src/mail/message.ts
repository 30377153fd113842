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
  /** Message-ID without angle brackets, e.g. `k7x…@caricc.org`; fixed per (edition, subscriber). */
  messageId: string;
  /** The Date header; absent: the moment the mailer hands the message over (its clock). */
  date?: Date;
  /** Extra headers (List-Id, List-Unsubscribe, …). Values never contain CR or LF. */
  headers: Record<string, string>;
}

/** A text cut where recipients differ: `parts[0] slot[0] parts[1] … slot[n-1] parts[n]`. */
export interface SlottedBody {
  readonly parts: readonly string[];
  readonly slots: readonly string[];
}

/** One message for many recipients: what is the same for all, and where each one's values go. */
export interface TemplateSource {
  from: Mailbox;
  replyTo?: string;
  subject: string;
  text: SlottedBody;
  html?: SlottedBody;
  /** Extra headers, the same for every recipient. */
  headers: Record<string, string>;
  /** Extra headers whose values each recipient has of their own (`TemplateValues.headers`). */
  recipientHeaders: readonly string[];
}

/** One recipient's values for a template. */
export interface TemplateValues {
  /** The address, its domain ASCII (an A-label); a local part outside ASCII needs SMTPUTF8 to be sent. */
  to: string;
  /** Without angle brackets, as MailMessage.messageId. */
  messageId: string;
  headers: Readonly<Record<string, string>>;
  /** The values of the text part's slots, and of the HTML part's (already escaped for HTML). */
  text: Readonly<Record<string, string>>;
  html: Readonly<Record<string, string>>;
  /** The Date header; absent: the moment the message is rendered, just before it is handed over. */
  date?: Date;
}

export interface MessageTemplate {
  /** The message as RFC 5322 bytes, or undefined when a value cannot be written as it is (compose it in full then). */
  render(values: TemplateValues): Buffer | undefined;
}

/** A message already written as RFC 5322 bytes, with its envelope. */
export interface RawMessage {
  from: string;
  to: string;
  messageId: string;
  raw: Buffer;
}
