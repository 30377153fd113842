// HTTP requests by route class and status. Counted on every request, the static files' fast path included, so a
// request costs a few string comparisons and a map look-up: each (class, status) pair's counter is made once.
import type { Counter } from '../adapters/prom-client.ts';

export const ROUTE_CLASSES = [
  'static',
  'feed',
  'subscribe',
  'confirm',
  'unsubscribe',
  'admin',
  'api',
  'hooks',
  'metrics',
  'other',
] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

const STATIC = 0;
const FEED = 1;
const SUBSCRIBE = 2;
const CONFIRM = 3;
const UNSUBSCRIBE = 4;
const ADMIN = 5;
const API = 6;
const HOOKS = 7;
const METRICS = 8;
const OTHER = 9;

/** The class of a raw request path (without its query), as an index into ROUTE_CLASSES. */
export function routeClassIndex(path: string): number {
  if (path === '/subscribe') return SUBSCRIBE;
  if (path === '/confirm') return CONFIRM;
  if (path === '/unsubscribe') return UNSUBSCRIBE;
  if (path === '/metrics') return METRICS;
  if (path === '/healthz' || path === '/readyz') return OTHER;
  if (path.startsWith('/admin')) {
    if (path === '/admin/api' || path.startsWith('/admin/api/')) return API;
    if (path.length === 6 || path.charCodeAt(6) === 47) return ADMIN;
    return STATIC;
  }
  if (path.startsWith('/hooks/')) return HOOKS;
  if (
    path.endsWith('/feed.xml') ||
    path.endsWith('/atom.xml') ||
    path.endsWith('/feed.json') ||
    path.startsWith('/feeds/')
  )
    return FEED;
  return STATIC;
}

export function routeClass(path: string): RouteClass {
  return ROUTE_CLASSES[routeClassIndex(path)]!;
}

/** Counts each answered request into `counter` (labels `route`, `status`). */
export function requestCounter(counter: Counter<'route' | 'status'>): (path: string, status: number) => void {
  const children = ROUTE_CLASSES.map(() => new Map<number, Counter.Internal>());
  return (path, status) => {
    const index = routeClassIndex(path);
    const byStatus = children[index]!;
    let child = byStatus.get(status);
    if (child === undefined) {
      child = counter.labels(ROUTE_CLASSES[index]!, String(status));
      byStatus.set(status, child);
    }
    child.inc();
  };
}
