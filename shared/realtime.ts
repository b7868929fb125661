import { z } from 'zod';

/**
 * Socket.io event names and payloads, declared once. Servers emit facts after persisting them;
 * clients send intents over HTTP, so client→server events stay few.
 */
export const SessionInfoSchema = z.object({ kind: z.enum(['staff', 'patient']), id: z.string() });

export interface ServerToClientEvents {
  'session:ready': (info: z.infer<typeof SessionInfoSchema>) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientToServerEvents {}
