import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createSocket, SocketContext, type SocketContextValue } from '../lib/socket';

/**
 * The one socket of an app shell (staff pages, or the patient's visit page). Features subscribe
 * through `useSocket`/`useSocketEvent`; after every (re)connection the page's queries are fetched
 * again, because events sent while the socket was away are not replayed. Queries that hold fixed
 * content opt out with `meta: { resync: false }`.
 */
export function SocketProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [socket] = useState(createSocket);
  const [status, setStatus] = useState({ connected: false, connections: 0 });
  const users = useRef(0);

  useEffect(() => {
    const handleConnect = () => {
      setStatus((s) => ({ connected: true, connections: s.connections + 1 }));
      void queryClient.invalidateQueries({ predicate: (q) => q.meta?.resync !== false });
    };
    const handleDisconnect = (reason: string) => {
      setStatus((s) => ({ ...s, connected: false }));
      // The server closed this socket on purpose (a session or right that ended): it will not
      // reconnect by itself, so ask again at once who is signed in and what may be shown.
      if (reason === 'io server disconnect') void queryClient.invalidateQueries({ predicate: (q) => q.meta?.resync !== false });
    };
    socket.on('connect', handleConnect);
    socket.on('disconnect', handleDisconnect);
    return () => {
      socket.off('connect', handleConnect);
      socket.off('disconnect', handleDisconnect);
      socket.disconnect();
    };
  }, [socket, queryClient]);

  const retain = useCallback(() => {
    users.current += 1;
    if (users.current === 1) socket.connect();
    return () => {
      users.current -= 1;
      // Later, so a feature that replaces another in the same render keeps the connection.
      setTimeout(() => {
        if (users.current === 0) socket.disconnect();
      }, 0);
    };
  }, [socket]);

  const value = useMemo<SocketContextValue>(() => ({ socket, ...status, retain }), [socket, status, retain]);
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}
