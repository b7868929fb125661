import net from 'node:net';
import { freePort } from './server-process';

/**
 * A TCP load balancer without sticky sessions, as a test stand-in for nginx or HAProxy in front of
 * several Alcove processes. Each new connection goes to the first upstream that accepts it, in
 * `order`; one that refuses (a process that stopped accepting) is skipped, as a balancer's passive
 * health check would. WebSocket and HTTP connections alike are relayed byte for byte.
 */
export async function startTcpBalancer(upstreamPorts: number[]) {
  const state = { order: [...upstreamPorts], connections: new Map<number, number>() };
  const open = new Set<net.Socket>();
  const connectFirst = (ports: number[], onUpstream: (s: net.Socket | undefined) => void) => {
    const [port, ...rest] = ports;
    if (port === undefined) return onUpstream(undefined);
    const upstream = net.connect(port, '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      state.connections.set(port, (state.connections.get(port) ?? 0) + 1);
      onUpstream(upstream);
    });
    upstream.once('error', () => {
      if (connected) return;
      upstream.destroy();
      connectFirst(rest, onUpstream);
    });
  };
  const server = net.createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.on('close', () => open.delete(client));
    connectFirst(state.order, (upstream) => {
      if (!upstream) return client.destroy();
      open.add(upstream);
      upstream.on('error', () => upstream.destroy());
      upstream.on('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    /** The upstreams, in the order they are tried (a balancer may exist before its processes). */
    setUpstreams(ports: number[]) {
      state.order = [...ports];
    },
    /** Connections relayed to each upstream port so far. */
    connectionsTo: (upstreamPort: number) => state.connections.get(upstreamPort) ?? 0,
    async close() {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
