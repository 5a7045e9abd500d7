/**
 * The few error types payout-recon throws on purpose. Each carries the exit
 * code the CLI contract gives it, so one place (`src/cli/run-command.ts`) can
 * turn any of them into a one-line message and an exit code.
 *
 * Exit codes (product.md): 0 done; 1 failed at run time; 2 bad usage or bad
 * config/input; 3 done but open exceptions remain (`--fail-on-exceptions`).
 */
import { CLIP_CHARS, clipValue } from './redact.js';

export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  exceptionsRemain: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class PayoutReconError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line usage: unknown option, missing argument, conflicting flags. */
export class UsageError extends PayoutReconError {
  readonly exitCode = ExitCode.usage;
}

/** The configuration is missing, not JSON, or has an invalid or unknown key. */
export class ConfigError extends PayoutReconError {
  readonly exitCode = ExitCode.usage;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith('config:') ? message : `config: ${message}`, options);
  }
}

/** One problem in an input file, located by row (1-based, header is row 1) and field. */
export interface InputProblem {
  row?: number;
  field?: string;
  message: string;
}

/**
 * An input file (internal records, top-ups, provider report) is unreadable or
 * has invalid rows. Nothing from the file has been written when this is thrown.
 */
export class InputError extends PayoutReconError {
  readonly exitCode = ExitCode.usage;
  readonly file: string;
  readonly problems: readonly InputProblem[];
  /** Total number of problems found (`problems` may hold only the first ones). */
  readonly total: number;
  constructor(
    file: string,
    problems: readonly InputProblem[],
    options?: { cause?: unknown; shown?: number; total?: number },
  ) {
    super(formatInputProblems(file, problems, options?.shown ?? 20, options?.total ?? problems.length), options);
    this.total = options?.total ?? problems.length;
    this.file = file;
    this.problems = problems;
  }
}

/** A problem's message as shown: its values are clipped where it was made; this escapes and bounds what is left. */
function shownMessage(message: string): string {
  return clipValue(message, 4 * CLIP_CHARS);
}

function formatInputProblems(file: string, problems: readonly InputProblem[], shown: number, total: number): string {
  const only = total === 1 ? problems[0] : undefined;
  if (only && only.row === undefined) return `${file}: ${shownMessage(only.message)}`;
  const lines = problems.slice(0, shown).map((p) => {
    const where = [p.row !== undefined ? `row ${p.row}` : undefined, p.field].filter(Boolean).join(', ');
    return where ? `  ${where}: ${shownMessage(p.message)}` : `  ${shownMessage(p.message)}`;
  });
  const listed = Math.min(shown, problems.length);
  const rest = total > listed ? [`  ... and ${total - listed} more`] : [];
  const noun = total === 1 ? 'problem' : 'problems';
  return [`${file}: ${total} ${noun}, nothing imported`, ...lines, ...rest].join('\n');
}

/**
 * The ledger cannot be opened or used as it is: not a database, migrated by a
 * newer version, unwritable location. Exit 2 at open time (a setup problem),
 * callers wrap run-time database failures as `RuntimeFailure` instead.
 */
export class LedgerError extends PayoutReconError {
  readonly exitCode = ExitCode.usage;
}

/** A provider could not be reached, refused us, or answered something we cannot use. */
export class ProviderError extends PayoutReconError {
  readonly exitCode = ExitCode.runtime;
  readonly provider: string;
  readonly status: number | undefined;
  constructor(provider: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(`${provider}: ${message}`, options);
    this.provider = provider;
    this.status = options?.status;
  }
}

/** Anything else that failed while running (database I/O, a file we could not write). */
export class RuntimeFailure extends PayoutReconError {
  readonly exitCode = ExitCode.runtime;
}

/** The command finished, but open exceptions remain and the caller asked to fail on them. */
export class ExceptionsRemainError extends PayoutReconError {
  readonly exitCode = ExitCode.exceptionsRemain;
}

export function isPayoutReconError(error: unknown): error is PayoutReconError {
  return error instanceof PayoutReconError;
}

/** A short description of any thrown value, for messages and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
