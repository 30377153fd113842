// Who the command line is, for the audit log: the local user and the machine, as `cli root@news-1`.
import { hostname, userInfo } from 'node:os';

let actor: string | undefined;

export function cliActor(): string {
  if (actor === undefined) {
    let user: string;
    try {
      user = userInfo().username;
    } catch {
      user = process.env.USER ?? 'unknown';
    }
    actor = `cli ${user}@${hostname()}`;
  }
  return actor;
}
