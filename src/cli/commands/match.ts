import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerMatchCommand(program: Command, state: CliState): void {
  program
    .command('match')
    .description('match a payout to an internal record by hand (kept in the audit trail)')
    .argument('<payout-id>', 'the provider payout ID (or the ledger ID as #123)')
    .argument('<internal-id>', 'the internal record ID')
    .option('--note <text>', 'why')
    .action(commandAction(state, notImplemented('match')));
}
