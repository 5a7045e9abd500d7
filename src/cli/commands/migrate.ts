import type { Command } from 'commander';
import { openLedger } from '../../ledger/ledger.js';
import { migrateLedger } from '../../ledger/migrate.js';
import { type CliState, commandAction } from '../action.js';

export function registerMigrateCommand(program: Command, state: CliState): void {
  program
    .command('migrate')
    .description('create the ledger or upgrade it to the current schema (every command also does this on open)')
    .action(
      commandAction(state, async (ctx) => {
        const { database } = ctx.config;
        const ledger = await openLedger({
          url: database.url,
          busyTimeoutMs: database.busyTimeoutMs,
          poolSize: database.poolSize,
          migrate: false,
          baseDir: ctx.io.cwd,
        });
        try {
          const outcome = await migrateLedger(ledger);
          const text =
            outcome.applied.length === 0
              ? `ledger ${ledger.location} is up to date (${outcome.current.length} migrations)`
              : `ledger ${ledger.location}: applied ${outcome.applied.join(', ')}`;
          return {
            json: { ledger: ledger.location, applied: outcome.applied, migrations: outcome.current },
            text,
          };
        } finally {
          await ledger.close();
        }
      }),
    );
}
