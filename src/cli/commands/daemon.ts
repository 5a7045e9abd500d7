import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerDaemonCommand(program: Command, state: CliState): void {
  program
    .command('daemon')
    .description('run the schedule until SIGINT/SIGTERM; serve health and provider notifications')
    .action(commandAction(state, notImplemented('daemon')));
}
