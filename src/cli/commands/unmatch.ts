import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerUnmatchCommand(program: Command, state: CliState): void {
  program
    .command('unmatch')
    .description('undo the match of a payout (kept in the audit trail)')
    .argument('<payout-id>', 'the provider payout ID (or the ledger ID as #123)')
    .option('--note <text>', 'why')
    .action(commandAction(state, notImplemented('unmatch')));
}
