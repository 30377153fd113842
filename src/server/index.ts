// HTTP server: serves public/, the subscription pages and the operators' API over the use-cases it is given.
export { createApp, type AppOptions } from './app.ts';
export { startServer, type StartServerOptions, type RunningServer } from './start.ts';
export { runServerWorker, serverWorkerSetup } from './cluster.ts';
export type { AdminPort, EditionSummary, SubscriberState, SubscriptionPort } from './ports.ts';
export type { PageSite } from './pages.ts';
export type {
  DashboardPort,
  DashboardEdition,
  DashboardEditionDetail,
  DashboardOverview,
  DashboardDigest,
  DashboardSubscriber,
  DashboardSendResult,
} from './admin/port.ts';
