import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { copyLedger, LEDGER_TABLES_IN_DEPENDENCY_ORDER } from '../../src/ledger/copy-ledger.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { LedgerError } from '../../src/shared/errors.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestDatabase, createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { fillEveryTable } from '../helpers/fill-every-table.js';
import { tempDir } from '../helpers/temp-dir.js';

async function dump(ledger: Ledger): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of LEDGER_TABLES_IN_DEPENDENCY_ORDER) {
    out[table] = await ledger.db.selectFrom(table).selectAll().execute();
    out[table].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ledgerOf(dialect: 'sqlite' | 'postgres'): Promise<TestLedger> {
  const t = await createTestLedger(dialect);
  cleanups.push(t.cleanup);
  return t;
}

// The move users make: a SQLite ledger into each dialect (PostgreSQL is the real case).
for (const target of DIALECTS) {
  describeDialect(target, 'copy-ledger from SQLite', () => {
    it('copies every row of every table exactly, and the target keeps working', async () => {
      const source = await ledgerOf('sqlite');
      await fillEveryTable(source.ledger, 40);
      const destination = await ledgerOf(target);
      const result = await copyLedger(source.ledger, destination.ledger, { batchSize: 7 });
      const before = await dump(source.ledger);
      const after = await dump(destination.ledger);
      for (const table of LEDGER_TABLES_IN_DEPENDENCY_ORDER) {
        expect(before[table]?.length, `${table} has rows in the fixture`).toBeGreaterThan(0);
        expect(after[table], table).toEqual(before[table]);
        expect(result.tables[table]).toBe(before[table]?.length);
      }
      // New rows continue after the copied ids instead of colliding with them.
      const { id } = await destination.ledger.db
        .insertInto('balance_snapshots')
        .values({ provider: 'smartglocal', wallet_id: null, currency: 'EUR', amount: 1, taken_at: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(id).toBeGreaterThan(Math.max(...(before.balance_snapshots as { id: number }[]).map((r) => r.id)));
    });

    it('refuses a target that already has data, leaving it untouched', async () => {
      const source = await ledgerOf('sqlite');
      await fillEveryTable(source.ledger, 3);
      const destination = await ledgerOf(target);
      await fillEveryTable(destination.ledger, 3);
      const error = await copyLedger(source.ledger, destination.ledger).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as Error).message).toMatch(/is not empty \(table payouts has 3 rows\)/);
      expect(await destination.ledger.db.selectFrom('payouts').select('id').execute()).toHaveLength(3);
    });
  });
}

describeDialect('sqlite', 'copy-ledger command', () => {
  it('moves the configured ledger with `payout-recon copy-ledger --to`', async () => {
    const dir = tempDir();
    const source = await createTestDatabase('sqlite');
    const target = await createTestDatabase('sqlite');
    cleanups.push(source.drop, target.drop);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ database: { url: source.url } }));
    const { openLedger } = await import('../../src/ledger/ledger.js');
    const ledger = await openLedger({ url: source.url });
    await fillEveryTable(ledger, 5);
    await ledger.close();
    const run = await runCliInProcess(['copy-ledger', '--to', target.url, '--json'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout) as { rows: number; tables: Record<string, number> };
    expect(out.tables.payouts).toBe(5);
    const again = await runCliInProcess(['copy-ledger', '--to', target.url], { cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/is not empty/);
  });

  it('knows every table the migrations create', async () => {
    const t = await ledgerOf('sqlite');
    const tables = (await t.ledger.db.introspection.getTables()).map((x) => x.name).sort();
    expect([...LEDGER_TABLES_IN_DEPENDENCY_ORDER].sort()).toEqual(tables);
  });
});
