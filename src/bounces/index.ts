// The return path: bounces, complaints and unsubscribes by mail, classified in one place and acted on by one policy.
export { classifyReply, classifyStatus, decide, enhancedCode, type BounceClass, type EventAction } from './classify.ts';
export {
  editionEventCounts,
  latestEvents,
  liftSuppression,
  listMailEvents,
  recordMailEvent,
  recordQuietly,
  suppress,
  suppression,
  type BounceDeps,
  type MailEventInput,
  type MailEventListing,
  type MailEventType,
  type RecordedEvent,
} from './events.ts';
export { handleInboundMail, type InboundOutcome } from './inbound.ts';
export { readReport, type InboundReport } from './report.ts';
export { readVerpAddress, readVerpToken, verpAddress, verpToken, type VerpClaims, type VerpKind } from './verp.ts';
