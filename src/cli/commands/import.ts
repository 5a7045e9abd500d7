import type { Command } from 'commander';
import { UsageError } from '../../shared/errors.js';
import { type CliState, type CommandHandler, commandAction, notImplemented } from '../action.js';
import { type ImportKindOptions, importProviderReportKind, importTopupsKind } from './import-balance-movements.js';

interface ImportOptions extends ImportKindOptions, Record<string, unknown> {
  kind: string;
}

const handler: CommandHandler<ImportOptions> = async (ctx, args, options) => {
  const [file] = args;
  if (!file) throw new UsageError('import: a file is required');
  if (options.kind === 'topups') return importTopupsKind(ctx, file, options);
  if (options.kind === 'provider-report') return importProviderReportKind(ctx, file, options);
  if (options.kind === 'internal') return notImplemented('import')(ctx, args, {});
  throw new UsageError('import: --kind must be one of internal, topups, provider-report');
};

export function registerImportCommand(program: Command, state: CliState): void {
  program
    .command('import')
    .description('import internal payout records, prefunding top-ups or a provider daily report (CSV, XLSX or JSON Lines)')
    .argument('<file>', 'the file to import')
    .option('--kind <kind>', 'internal | topups | provider-report', 'internal')
    .option('--sheet <name>', 'XLSX: the sheet to read (default: the first)')
    .action(commandAction(state, handler));
}
