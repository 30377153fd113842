// websub/: tells a WebSub hub which feeds changed (the publisher's ping of W3C WebSub); the hub does the rest.
export { createHubNotifier, type HubNotifier, type HubNotifierOptions, type PingOutcome } from './notifier.ts';
