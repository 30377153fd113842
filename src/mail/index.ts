// Mail: the message shape, the transport (SMTP or outbox files) and its typed errors.
export type {
  Mailbox,
  MailMessage,
  MessageTemplate,
  RawMessage,
  SlottedBody,
  TemplateSource,
  TemplateValues,
} from './message.ts';
export {
  createMailer,
  outboxFileName,
  type Mailer,
  type MailerOptions,
  type SendOptions,
  type RawSendOptions,
  type SendResult,
  type DkimOptions,
  type SmtpPoolOptions,
} from './mailer.ts';
export { MailError, SmtpError } from './errors.ts';
export { assertSafeHeaders } from './headers.ts';
