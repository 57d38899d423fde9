import { pino, type Logger } from 'pino';

/**
 * Structured logs (pino). Level from MEDIDROP_LOG_LEVEL (default "info"; tests run at "silent"
 * unless asked). Logs go to stderr so that CLI commands keep stdout for their JSON output.
 */
export function createLogger(name: string, level = process.env.MEDIDROP_LOG_LEVEL ?? defaultLevel()): Logger {
  return pino({ name, level }, pino.destination(2));
}

function defaultLevel(): string {
  return process.env.VITEST ? 'silent' : 'info';
}

export type { Logger };
