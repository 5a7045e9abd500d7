import type { Command } from 'commander';
import { type CliState, commandAction, notImplemented } from '../action.js';

export function registerReportCommand(program: Command, state: CliState): void {
  program
    .command('report')
    .description('write the report pack (Excel and/or CSV) for a month or a period')
    .option('--month <YYYY-MM>', 'the calendar month, cut in the configured timezone')
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day (YYYY-MM-DD), inclusive')
    .option('--format <format>', 'xlsx | csv | both')
    .option('--out <dir>', 'output folder (default: reports.dir)')
    .action(commandAction(state, notImplemented('report')));
}
