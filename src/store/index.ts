// Storage: one query layer over SQLite and PostgreSQL, its tables, migrations, leases and the signing secret.
export { openStore, StoreError, type Store, type StoreOptions } from './open.ts';
export { acquireLease, releaseLease, type LeaseOptions } from './leases.ts';
export { loadOrCreateSecret } from './secret.ts';
export { isConflict, retryOnConflict } from './retry.ts';
export { isSessionRevoked, revokeSession } from './revocations.ts';
export { recordAudit, type AuditEntry } from './audit.ts';
export {
  OPEN_EDITION_STATES,
  SUBSCRIBER_STATES,
  type AuditLogTable,
  type DatabaseSchema,
  type DeliveriesTable,
  type DeliveryStatus,
  type EditionState,
  type EditionsTable,
  type LeasesTable,
  type MailEventsTable,
  type RevokedSessionsTable,
  type SuppressionsTable,
  type SendersTable,
  type SubscriberState,
  type SubscribersTable,
} from './schema.ts';
