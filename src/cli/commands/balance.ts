import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerBalanceCommand(program: Command, state: CliState): void {
  program
    .command('balance')
    .description('fetch prefunding balances, store a snapshot, evaluate balance and refund monitors, send alerts')
    .action(commandAction(state, notImplemented('balance')));
}
