// Delivery: editions frozen into a ledger of one row per recipient, drained by dispatchers that survive crashes.
export type {
  CreateEditionOptions,
  CreateEditionResult,
  EditionGroupResult,
  DeliveryCounts,
  DeliveryDeps,
  DeliveryFailure,
  DispatchOptions,
  DispatchProgress,
  DispatchResult,
  EditionReport,
  InFlightHolder,
  RecoveryReport,
  RecoverOptions,
  ResumeOptions,
} from './types.ts';
export { createEdition, mailedHistory, openEdition, previousEditionEnd } from './edition.ts';
export { buildDigestPreview, previewGroup, type DigestPreview, type DigestPreviewOptions } from './preview.ts';
export { dispatch } from './dispatch.ts';
export { editionGroups, groupLines, type EditionGroupReport } from './groups.ts';
export { registerSender, judgeSenders, liveWorkers, type Sender, type SenderLiveness } from './senders.ts';
export { pauseEdition, countDeliveries } from './ledger.ts';
export {
  cancelEdition,
  claimHolders,
  recoverInterrupted,
  resumeEdition,
  editionStatus,
  listEditions,
  type EditionListing,
} from './operator.ts';
export { retryDelayMs, DEFAULT_BACKOFF, type BackoffSettings } from './backoff.ts';
export { editionPage, readIfDatabase, readSentEditions, readSentEditionsIfAny } from './archive.ts';
