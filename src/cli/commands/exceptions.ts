import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerExceptionsCommand(program: Command, state: CliState): void {
  program
    .command('exceptions')
    .description('list reconciliation exceptions with their diagnostics')
    .option('--status <status>', 'open | resolved | ignored | all', 'open')
    .option('--kind <kind>', 'only this kind, e.g. amount_mismatch')
    .action(commandAction(state, notImplemented('exceptions')));
}
