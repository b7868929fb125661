import { createContext, useContext, useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@shared/realtime';

/** Our socket.io connection, typed with the event contract in shared/realtime.ts. */
export type AlcoveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A socket authenticated by the session cookie (staff or patient), not yet connected. WebSocket
 * first, which needs no sticky sessions behind a balancer; polling only when a WebSocket cannot
 * open (`tryAllTransports`: without it the client never falls back), which with several server
 * processes needs a sticky balancer (README, "Running several processes").
 */
export function createSocket(): AlcoveSocket {
  return io({ withCredentials: true, transports: ['websocket', 'polling'], tryAllTransports: true, autoConnect: false });
}

export interface SocketState {
  socket: AlcoveSocket | null;
  connected: boolean;
  /** Increments on every (re)connection, so callers can re-subscribe or re-sync after a drop. */
  connections: number;
}

/** What an app shell's socket provider shares with the features below it. */
export interface SocketContextValue {
  socket: AlcoveSocket;
  connected: boolean;
  connections: number;
  /** Asks for the connection to be open; the returned function gives the request back. */
  retain(): () => void;
}

export const SocketContext = createContext<SocketContextValue | null>(null);

/**
 * The page's one socket. The connection opens while at least one caller has `enabled` set (the
 * patient's page waits for the join to set the session cookie). The socket object exists before it
 * connects, so listeners added in the caller's effects are in place before the server's first event.
 */
export function useSocket(enabled = true): SocketState {
  const ctx = useContext(SocketContext);
  if (!ctx) throw new Error('useSocket is used outside a SocketProvider');
  const { retain } = ctx;
  useEffect(() => (enabled ? retain() : undefined), [enabled, retain]);
  if (!enabled) return { socket: null, connected: false, connections: 0 };
  return { socket: ctx.socket, connected: ctx.connected, connections: ctx.connections };
}

interface UntypedEmitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Calls `handler` for every `event` on the page's socket while `enabled`. The latest handler is
 * used without re-subscribing, so callers need not memoise it.
 */
export function useSocketEvent<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E], enabled = true): void {
  const { socket } = useSocket(enabled);
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!socket) return;
    // socket.io's typed `on` cannot follow a generic event name; `handler`'s type already matches `event`.
    const untyped = socket as unknown as UntypedEmitter;
    const listener = (...args: unknown[]) => (latest.current as (...a: unknown[]) => void)(...args);
    untyped.on(event, listener);
    return () => {
      untyped.off(event, listener);
    };
  }, [socket, event]);
}
