import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwirpCall {
  method: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
  contentType: string | undefined;
}

export interface LivekitStandIn {
  /** ws:// URL to configure as LIVEKIT_URL. */
  url: string;
  calls: TwirpCall[];
  /** The RemoveParticipant calls received on the wire so far, as {room, identity}. */
  removed(): { room: string; identity: string }[];
  /** The rooms DeleteRoom was called for so far. */
  deleted(): string[];
  /** Make the next calls of `method` fail with this Twirp error. */
  failNext(method: string, status: number, code: string): void;
  close(): Promise<void>;
}

/**
 * The one sanctioned stand-in: a local HTTP server in place of LiveKit's server, answering the
 * Twirp RoomService exactly as LiveKit does on the wire (POST /twirp/livekit.RoomService/<Method>,
 * JSON, Bearer JWT) and GET / with "OK" like a live server. It records every call so tests can
 * check the method, body and token grants.
 */
export async function startLivekitStandIn(): Promise<LivekitStandIn> {
  const calls: TwirpCall[] = [];
  const failures = new Map<string, { status: number; code: string }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
        return;
      }
      const m = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      const method = m[1] as string;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        /* recorded as empty */
      }
      calls.push({ method, body, authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      const fail = failures.get(method);
      if (fail) {
        failures.delete(method);
        res
          .writeHead(fail.status, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ code: fail.code, msg: 'stand-in failure' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    calls,
    removed: () =>
      calls.filter((c) => c.method === 'RemoveParticipant').map((c) => ({ room: String(c.body.room), identity: String(c.body.identity) })),
    deleted: () => calls.filter((c) => c.method === 'DeleteRoom').map((c) => String(c.body.room)),
    failNext: (method, status, code) => failures.set(method, { status, code }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
