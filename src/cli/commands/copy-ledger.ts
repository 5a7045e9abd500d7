import type { Command } from 'commander';
import { copyLedger, LEDGER_TABLES_IN_DEPENDENCY_ORDER } from '../../ledger/copy-ledger.js';
import { openLedger } from '../../ledger/ledger.js';
import { type CliState, commandAction } from '../action.js';

interface CopyLedgerFlags extends Record<string, unknown> {
  to: string;
  from?: string;
}

export function registerCopyLedgerCommand(program: Command, state: CliState): void {
  program
    .command('copy-ledger')
    .description('copy every row of the ledger into a new, empty database (e.g. move SQLite to PostgreSQL)')
    .requiredOption('--to <url>', 'the target database.url, e.g. postgres://user:pass@host/db (must be empty)')
    .option('--from <url>', 'the source database.url (default: database.url of the configuration)')
    .action(
      commandAction<CopyLedgerFlags>(state, async (ctx, _args, flags) => {
        const { database } = ctx.config;
        const open = (url: string) =>
          openLedger({ url, busyTimeoutMs: database.busyTimeoutMs, poolSize: database.poolSize, baseDir: ctx.io.cwd });
        const source = await open(flags.from ?? database.url);
        try {
          const target = await open(flags.to);
          try {
            const result = await copyLedger(source, target, {
              onProgress: (table, copied) => {
                if (copied % 100_000 === 0) ctx.log.info(`copying ${table}`, { rows: copied });
              },
            });
            const lines = LEDGER_TABLES_IN_DEPENDENCY_ORDER.filter((t) => (result.tables[t] ?? 0) > 0).map(
              (t) => `  ${t.padEnd(24)} ${String(result.tables[t]).padStart(10)}`,
            );
            return {
              json: { from: source.location, to: target.location, rows: result.rows, tables: result.tables },
              text: [`copied ${result.rows} rows from ${source.location} to ${target.location}`, ...lines].join('\n'),
            };
          } finally {
            await target.close();
          }
        } finally {
          await source.close();
        }
      }),
    );
}
