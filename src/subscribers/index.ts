// Subscribers: addresses, signed links, the double opt-in use-cases, and CSV import and export.
export { AddressError, normalizeAddress, subscriberKey, type NormalizedAddress } from './address.ts';
export { signToken, verifyToken, readToken, TokenError, type TokenClaims, type TokenPurpose } from './tokens.ts';
export {
  ChoiceError,
  checkChoice,
  configuredSubscriptionService,
  createSubscriptionService,
  PAUSE_WEEKS,
  type ChoiceInput,
  type PreferencesChange,
  type PreferencesView,
  type ReaderSettings,
  type LinkSubject,
  type SubscriptionMailer,
  type SubscriptionService,
  type SubscriptionServiceOptions,
} from './service.ts';
export {
  addSubscriber,
  removeSubscriber,
  renameSubscriber,
  unsubscribeSubscriber,
  type AddOptions,
} from './operator.ts';
export { startConfirmationRetries, type ConfirmationRetries } from './retry.ts';
export {
  countByState,
  listSubscribers,
  iterateSubscribers,
  type ListQuery,
  type Subscriber,
  type SubscriberCounts,
} from './repository.ts';
export {
  importSubscribers,
  parseTopicsField,
  type ImportChoices,
  type ImportOptions,
  type ImportReport,
  type RejectedRow,
} from './import.ts';
export { exportSubscribers, EXPORT_COLUMNS } from './export.ts';
