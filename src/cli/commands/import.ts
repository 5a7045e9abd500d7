import type { Command } from 'commander';
import { importInternalRecords } from '../../imports/internal-records/import-internal-records.js';
import { UsageError } from '../../shared/errors.js';
import { type CliState, type CommandHandler, type CommandOutcome, commandAction } from '../action.js';
import type { CommandContext } from '../context.js';
import { count, ProgressLine, rateAndEta } from '../progress.js';
import { importProviderReportKind, importTopupsKind } from './import-balance-movements.js';

interface ImportOptions extends Record<string, unknown> {
  kind: string;
  sheet?: string;
}

type KindImporter = (ctx: CommandContext, file: string, options: ImportOptions) => Promise<CommandOutcome>;

async function importInternal(ctx: CommandContext, file: string, options: ImportOptions): Promise<CommandOutcome> {
  const ledger = await ctx.ledger();
  const outcome = await ProgressLine.of(ctx).around((line) =>
    importInternalRecords(ledger, ctx.resolvePath(file), {
      displayName: file,
      config: ctx.config,
      sheet: options.sheet,
      clock: ctx.clock,
      log: ctx.log.child('import'),
      onProgress: (p) =>
        line.update(() =>
          p.phase === 'merging'
            ? `import: ${count(p.rowsRead)} rows read, ${count(p.recordsWritten)} written, merging into the ledger (${Math.round(line.elapsedMs / 1000)} s)`
            : `import: ${count(p.rowsRead)} rows read, ${count(p.recordsWritten)} written, ${rateAndEta(p.rowsRead, line.elapsedMs)}`,
        ),
    }),
  );
  return {
    json: {
      kind: outcome.kind,
      file: outcome.file,
      rows: outcome.rows,
      inserted: outcome.inserted,
      updated: outcome.updated,
      unchanged: outcome.unchanged,
      importId: outcome.importId,
      sha256: outcome.sha256,
    },
    text: `${outcome.file}: ${outcome.rows} internal records: ${outcome.inserted} new, ${outcome.updated} updated, ${outcome.unchanged} unchanged`,
  };
}

/** One importer per `--kind`: internal records, prefunding top-ups, the provider's daily report. */
const IMPORTERS: Record<string, KindImporter> = {
  internal: importInternal,
  topups: importTopupsKind,
  'provider-report': importProviderReportKind,
};

const handler: CommandHandler<ImportOptions> = async (ctx, args, options) => {
  const [file] = args;
  const importer = IMPORTERS[options.kind];
  if (!importer) throw new UsageError(`import: --kind must be one of ${Object.keys(IMPORTERS).join(', ')}`);
  if (!file) throw new UsageError('import: a file is required');
  return importer(ctx, file, options);
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
