// A WebSub hub for tests: a real HTTP server in the test process that records each publish ping and answers
// with the statuses it is told to (204 once they run out).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Ping {
  contentType: string | undefined;
  mode: string | null;
  topic: string | null;
  at: number;
}

export interface TestHub {
  url: string;
  /** Every request, answered or not, in the order they came. */
  pings: Ping[];
  /** Statuses for the next requests, first first; 'hang' never answers. */
  answers: (number | 'hang')[];
  close(): Promise<void>;
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (s: string) => (text += s));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export async function startTestHub(answers: (number | 'hang')[] = []): Promise<TestHub> {
  const pings: Ping[] = [];
  const hub: Partial<TestHub> = { pings, answers };
  const server: Server = createServer((req, res) => {
    void bodyOf(req).then((text) => {
      const form = new URLSearchParams(text);
      pings.push({
        contentType: req.headers['content-type'],
        mode: form.get('hub.mode'),
        topic: form.get('hub.url'),
        at: Date.now(),
      });
      const answer = hub.answers!.shift() ?? 204;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 400 ? `status ${answer}` : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(hub, {
    url: `http://127.0.0.1:${port}/hub`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as TestHub;
}
