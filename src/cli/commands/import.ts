import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerImportCommand(program: Command, state: CliState): void {
  program
    .command('import')
    .description('import internal payout records, prefunding top-ups or a provider daily report (CSV, XLSX or JSON Lines)')
    .argument('<file>', 'the file to import')
    .option('--kind <kind>', 'internal | topups | provider-report', 'internal')
    .option('--sheet <name>', 'XLSX: the sheet to read (default: the first)')
    .action(commandAction(state, notImplemented('import')));
}
