/**
 * Builds the `payout-recon` command line: global options, one command per
 * file in `commands/`, usage errors mapped to exit 2.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../shared/errors.js';
import type { CliState } from './action.js';
import type { CliIo } from './context.js';
import { registerBalanceCommand } from './commands/balance.js';
import { registerCloseCommand } from './commands/close.js';
import { registerCopyLedgerCommand } from './commands/copy-ledger.js';
import { registerDaemonCommand } from './commands/daemon.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerExceptionsCommand } from './commands/exceptions.js';
import { registerImportCommand } from './commands/import.js';
import { registerMatchCommand } from './commands/match.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerPollCommand } from './commands/poll.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerReopenCommand } from './commands/reopen.js';
import { registerReportCommand } from './commands/report.js';
import { registerResolveCommand } from './commands/resolve.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerUnmatchCommand } from './commands/unmatch.js';
import { VERSION } from './version.js';

export type CommandRegistration = (program: Command, state: CliState) => void;

const COMMANDS: readonly CommandRegistration[] = [
  registerMigrateCommand,
  registerSyncCommand,
  registerPollCommand,
  registerBalanceCommand,
  registerImportCommand,
  registerReconcileCommand,
  registerExceptionsCommand,
  registerResolveCommand,
  registerMatchCommand,
  registerUnmatchCommand,
  registerReportCommand,
  registerDaemonCommand,
  registerDemoCommand,
  registerCopyLedgerCommand,
  registerCloseCommand,
  registerReopenCommand,
];

export function buildProgram(state: CliState): Command {
  const program = new Command('payout-recon')
    .description('Payout reconciliation and reporting for Smart2Pay / Smart Glocal payouts.')
    .version(VERSION, '-V, --version')
    .option('-c, --config <path>', 'configuration file (default: $PAYOUT_RECON_CONFIG or ./config.json)')
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('-v, --verbose', 'log debug details (and stack traces) on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => state.io.stdout(text),
      writeErr: (text) => state.io.stderr(text),
    })
    .exitOverride();
  // Commands added after exitOverride/configureOutput inherit both.
  for (const register of COMMANDS) register(program, state);
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const state: CliState = { io, exitCode: ExitCode.ok };
  const program = buildProgram(state);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; every other parse error is bad usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw error;
  }
  return state.exitCode;
}
