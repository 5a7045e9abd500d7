import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerResolveCommand(program: Command, state: CliState): void {
  program
    .command('resolve')
    .description('close an exception with a note (kept in the audit trail)')
    .argument('<exception-id>', 'the exception to close')
    .requiredOption('--note <text>', 'why it is resolved')
    .option('--ignore', 'mark it ignored rather than resolved')
    .action(commandAction(state, notImplemented('resolve')));
}
