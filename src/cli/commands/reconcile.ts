import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerReconcileCommand(program: Command, state: CliState): void {
  program
    .command('reconcile')
    .description('match payouts against internal records and classify every difference')
    .option('--from <date>', 'first day of the period (YYYY-MM-DD or ISO 8601)')
    .option('--to <date>', 'last day of the period (YYYY-MM-DD or ISO 8601)')
    .option('--fail-on-exceptions', 'exit 3 when open exceptions remain')
    .action(commandAction(state, notImplemented('reconcile')));
}
