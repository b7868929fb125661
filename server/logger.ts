import fs from 'node:fs';
import net from 'node:net';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The server's logger. Request logs carry method, route template, status, duration, user id and
 * request id only; bodies, cookies, tokens and PHI are never passed to it. The redact list is a
 * second line of defence in case a careless call logs a request object.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'headers.cookie',
          'headers.authorization',
          '*.password',
          '*.token',
          'password',
          'token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export interface LogOutput extends DestinationStream {
  /** Writes text outside the structured log (the first-start banner), with the same guarantees. */
  writeRaw(text: string): void;
  /** Resolves once everything buffered is written, or after `ms`, whichever comes first. */
  flush(ms: number): Promise<void>;
  /** Lines dropped because the reader was gone or too slow. */
  dropped(): number;
}

/**
 * Standard output that can never block the event loop or the exit: a pipe or socket is written
 * asynchronously with a bounded buffer (lines beyond it are dropped and counted), and a broken pipe
 * stops the writing instead of being retried. Files and terminals are written directly.
 */
export function createStdout(fd = 1, maxBufferBytes = 4 * 1024 * 1024): LogOutput {
  let dropped = 0;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.fstatSync(fd);
  } catch {
    stat = undefined;
  }
  if (stat && (stat.isFIFO() || stat.isSocket())) {
    // CAUTION: never touch process.stdout after this: Node makes a stdout pipe blocking on Linux,
    // which would let a stalled reader freeze the server. Our own socket keeps the descriptor non-blocking.
    const socket = new net.Socket({ fd, readable: false, writable: true });
    let broken = false;
    socket.on('error', () => {
      broken = true;
      socket.destroy();
    });
    // The log never keeps the process alive on its own.
    socket.unref();
    const write = (text: string) => {
      if (broken || socket.writableLength > maxBufferBytes) {
        dropped++;
        return;
      }
      socket.write(text);
    };
    return {
      write,
      writeRaw: write,
      dropped: () => dropped,
      flush: (ms) =>
        new Promise<void>((resolve) => {
          if (broken || socket.writableLength === 0) return resolve();
          const timer = setTimeout(resolve, ms);
          socket.once('drain', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    };
  }
  let broken = !stat;
  const write = (text: string) => {
    if (broken) {
      dropped++;
      return;
    }
    try {
      fs.writeSync(fd, text);
    } catch {
      // A closed or failing descriptor: stop writing rather than retry.
      broken = true;
      dropped++;
    }
  };
  return { write, writeRaw: write, dropped: () => dropped, flush: async () => undefined };
}
