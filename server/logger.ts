import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach them: authorization headers and config secrets are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.password', 'config.*'],
      censor: '[redacted]',
    },
  });
}
