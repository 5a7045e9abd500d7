import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerSyncCommand(program: Command, state: CliState): void {
  program
    .command('sync')
    .description('pull payouts from the Smart2Pay list into the ledger, then refresh non-final statuses')
    .option('--since <iso>', 're-walk from this instant (ISO 8601) instead of the watermark')
    .option('--until <iso>', 'walk up to this instant instead of now minus settleSeconds')
    .action(commandAction(state, notImplemented('sync')));
}
