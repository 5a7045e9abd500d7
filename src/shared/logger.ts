/**
 * A small leveled logger that writes to stderr, so stdout stays clean for
 * results (`--json` prints one document on stdout and nothing else).
 * Lines: `2026-11-21T10:00:00.000Z info  sync: message key=value`.
 * Never pass secrets in `fields`.
 */
import { redactUrlsIn } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  scope?: string;
  clock?: () => number;
}

function formatValue(value: string | number | boolean | null | undefined): string {
  if (typeof value === 'string') {
    const text = redactUrlsIn(value);
    return /[\s="]/.test(text) || text === '' ? JSON.stringify(text) : text;
  }
  return String(value);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? Date.now;
  const scope = options.scope;
  const log = (at: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[at] > ORDER[level]) return;
    const extra = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => ` ${k}=${formatValue(v)}`)
          .join('')
      : '';
    // A URL in a message (a database URL in an error) never shows its password.
    write(`${new Date(clock()).toISOString()} ${at.padEnd(5)} ${scope ? `${scope}: ` : ''}${redactUrlsIn(message)}${extra}`);
  };
  return {
    error: (m, f) => log('error', m, f),
    warn: (m, f) => log('warn', m, f),
    info: (m, f) => log('info', m, f),
    debug: (m, f) => log('debug', m, f),
    child: (child) => createLogger({ ...options, scope: scope ? `${scope}.${child}` : child }),
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger({ write: () => undefined });

export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = env.PAYOUT_RECON_LOG_LEVEL;
  return value === 'error' || value === 'warn' || value === 'info' || value === 'debug' ? value : 'info';
}
