import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerDemoCommand(program: Command, state: CliState): void {
  program
    .command('demo')
    .description('run the whole loop on an embedded sandbox provider: no account, no network')
    .action(commandAction(state, notImplemented('demo')));
}
