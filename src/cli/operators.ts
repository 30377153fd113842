// What `serve` and `start` both expose to operators: the admin API and the /admin dashboard,
// over the same delivery use-cases as the schedule; and the return path the provider webhooks feed.
import { classifyStatus, recordMailEvent, type BounceDeps } from '../bounces/index.ts';
import { createEdition, listEditions, type DeliveryDeps } from '../delivery/index.ts';
import type { Environment } from '../config/load.ts';
import type { AdminPort, DashboardPort, EditionSummary } from '../server/index.ts';
import type { MailEventsPort } from '../server/ports.ts';
import type { Store } from '../store/index.ts';
import type { SubscriptionService } from '../subscribers/index.ts';
import { createDashboardService } from './dashboard.ts';

/** Editions newest first with their deliveries counted by status: what the operators' API lists. */
export async function listEditionStatuses(store: Store, limit = 50): Promise<EditionSummary[]> {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return (await listEditions(store, limit)).map((e) => ({
    id: e.id,
    status: e.state,
    slot: e.slot,
    subject: e.subject,
    recipients: e.recipients,
    pausedReason: e.pausedReason,
    createdAt: iso(e.createdAt),
    startedAt: iso(e.startedAt),
    completedAt: iso(e.completedAt),
    deliveries: { ...e.counts },
  }));
}

export interface OperatorPortsOptions {
  deps: DeliveryDeps;
  env: Environment;
  subscriptions: SubscriptionService;
  /** Sends an edition's due rows without holding up the request (serve: a chained dispatch; start: the worker's). */
  dispatchInBackground: (editionId: number) => void;
}

/** The admin API's port and the dashboard's: a trigger creates the edition now and sends it in the background. */
export function operatorPorts(options: OperatorPortsOptions): { admin: AdminPort; dashboard: DashboardPort } {
  const { deps, env, subscriptions, dispatchInBackground } = options;
  const triggerDigest = async (trigger: { concurrent?: boolean } = {}) => {
    const result = await createEdition(deps, { now: deps.now(), concurrent: trigger.concurrent === true });
    if (result.status === 'created') dispatchInBackground(result.editionId);
    return result;
  };
  const admin: AdminPort = {
    subscriberCounts: () => subscriptions.counts(),
    listEditions: () => listEditionStatuses(deps.store),
    triggerDigest,
  };
  const dashboard = createDashboardService({ deps, env, subscriptions, trigger: triggerDigest, dispatchInBackground });
  return { admin, dashboard };
}

/**
 * The provider webhooks' port: each event goes through the return path's one policy. A bounce the provider did not
 * classify is classified from its status and diagnostic as a DSN would be, and takes the provider's fallback only
 * when those say nothing.
 */
export function mailEventsPort(deps: BounceDeps): MailEventsPort {
  return {
    async record({ fallbackClass, ...event }) {
      const bounceClass =
        event.type === 'bounce'
          ? (event.class ?? classifyStatus(event.status, event.diagnostic) ?? fallbackClass)
          : undefined;
      await recordMailEvent(deps, { ...event, class: bounceClass });
    },
  };
}
