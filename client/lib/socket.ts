import { useEffect, useMemo, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@shared/realtime';

/** Our socket.io connection, typed with the event contract in shared/realtime.ts. */
export type AlcoveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A socket authenticated by the session cookie (staff or patient), not yet connected. WebSocket
 * first; polling only as a fallback for networks that block WebSockets.
 */
export function createSocket(): AlcoveSocket {
  return io({ withCredentials: true, transports: ['websocket', 'polling'], autoConnect: false });
}

export interface SocketState {
  socket: AlcoveSocket | null;
  connected: boolean;
  /** Increments on every (re)connection, so callers can re-subscribe or re-sync after a drop. */
  connections: number;
}

/**
 * One socket for the lifetime of the calling component; `enabled` waits for a session to exist.
 * The socket object exists before it connects, so listeners added in the caller's effects are in
 * place before the server's first event.
 */
export function useSocket(enabled = true): SocketState {
  const socket = useMemo(() => (enabled ? createSocket() : null), [enabled]);
  const [status, setStatus] = useState({ connected: false, connections: 0 });
  useEffect(() => {
    if (!socket) return;
    const handleConnect = () => setStatus((s) => ({ connected: true, connections: s.connections + 1 }));
    const handleDisconnect = () => setStatus((s) => ({ ...s, connected: false }));
    socket.on('connect', handleConnect);
    socket.on('disconnect', handleDisconnect);
    socket.connect();
    return () => {
      socket.off('connect', handleConnect);
      socket.off('disconnect', handleDisconnect);
      socket.disconnect();
    };
  }, [socket]);
  return { socket, ...status };
}
