/**
 * The one place where a command's result becomes output and an exit code,
 * and where any error becomes a one-line message and an exit code.
 */
import type { Command } from 'commander';
import { describeError, ExitCode, isPayoutReconError } from '../shared/errors.js';
import { bookAdjustmentsAfter } from '../closing/after-command.js';
import { type CliIo, CommandContext, type GlobalOptions } from './context.js';
import { redactUrlsIn } from '../shared/redact.js';

export interface CommandOutcome {
  /** Printed with `--json`: one JSON document on stdout, nothing else. */
  json: unknown;
  /** Printed without `--json`. */
  text: string;
  /** Defaults to 0. */
  exitCode?: ExitCode;
}

export type CommandHandler<O extends Record<string, unknown>> = (ctx: CommandContext, args: string[], options: O) => Promise<CommandOutcome>;

export interface CliState {
  io: CliIo;
  exitCode: number;
}

/** Wraps a handler as a commander action that reports through `state`. */
export function commandAction<O extends Record<string, unknown>>(state: CliState, handler: CommandHandler<O>) {
  return async (...received: unknown[]): Promise<void> => {
    const command = received[received.length - 1] as Command;
    const args = received
      .slice(0, command.registeredArguments.length)
      .map((a) => (typeof a === 'string' ? a : Array.isArray(a) ? a.join(' ') : ''));
    const globals = command.optsWithGlobals<GlobalOptions & O>();
    const ctx = new CommandContext(
      { config: globals.config, json: Boolean(globals.json), verbose: Boolean(globals.verbose) },
      state.io,
    );
    try {
      const outcome = await handler(ctx, args, command.opts<O>());
      await bookAdjustmentsAfter(command.name(), ctx);
      if (ctx.options.json) state.io.stdout(`${JSON.stringify(outcome.json, null, 2)}\n`);
      else if (outcome.text !== '') state.io.stdout(outcome.text.endsWith('\n') ? outcome.text : `${outcome.text}\n`);
      state.exitCode = outcome.exitCode ?? ExitCode.ok;
    } catch (error) {
      state.exitCode = reportError(error, state.io, ctx.options.verbose);
    } finally {
      await ctx.close().catch(() => undefined);
    }
  };
}

/** Prints the error as one line (more lines only for per-row input problems) and returns its exit code. */
export function reportError(error: unknown, io: CliIo, verbose = false): number {
  // A URL in a message (the database's, a provider's) never shows its password.
  if (isPayoutReconError(error)) {
    io.stderr(`${redactUrlsIn(error.message)}\n`);
    if (verbose && error.cause instanceof Error && error.cause.stack) io.stderr(`${redactUrlsIn(error.cause.stack)}\n`);
    return error.exitCode;
  }
  io.stderr(`error: ${redactUrlsIn(describeError(error))}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr(`${redactUrlsIn(error.stack)}\n`);
  return ExitCode.runtime;
}

export function notImplemented(name: string): CommandHandler<Record<string, unknown>> {
  return async () => {
    throw new NotImplementedError(`${name}: not implemented yet`);
  };
}

class NotImplementedError extends Error {}
