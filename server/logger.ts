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
