import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerPollCommand(program: Command, state: CliState): void {
  program
    .command('poll')
    .description('refresh the status of non-final (and recently final) payouts')
    .action(commandAction(state, notImplemented('poll')));
}
