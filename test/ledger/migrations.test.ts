import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { openLedger } from '../../src/ledger/ledger.js';
import { migrateLedger } from '../../src/ledger/migrate.js';
import { LedgerError } from '../../src/shared/errors.js';
import { createTestDatabase, DIALECTS, describeDialect, type TestDatabase } from '../helpers/dialects.js';
import { runCliProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const TABLES = [
  'alert_deliveries',
  'alerts',
  'audit_log',
  'balance_movements',
  'balance_snapshots',
  'closed_pack_rows',
  'closed_payouts',
  'exception_events',
  'exceptions',
  'imports',
  'internal_record_changes',
  'internal_records',
  'job_runs',
  'job_state',
  'matches',
  'notification_inbox',
  'payout_adjustments',
  'payout_status_history',
  'payouts',
  'period_closes',
  'reconciliation_runs',
  'sync_state',
];

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'ledger migrations', () => {
    let database: TestDatabase | undefined;
    afterEach(async () => {
      await database?.drop();
      database = undefined;
    });

    it('migrate up from empty creates every table, and a second run is a no-op', async () => {
      database = await createTestDatabase(dialect);
      const ledger = await openLedger({ url: database.url, migrate: false });
      try {
        const first = await migrateLedger(ledger);
        expect(first.applied).toEqual(Object.keys(migrations));
        const second = await migrateLedger(ledger);
        expect(second.applied).toEqual([]);
        expect(second.current).toEqual(Object.keys(migrations));
        const tables = (await ledger.db.introspection.getTables()).map((t) => t.name).sort();
        expect(tables).toEqual(TABLES);
      } finally {
        await ledger.close();
      }
    });

    it('returns int8 columns as numbers and enforces unique provider IDs and foreign keys', async () => {
      database = await createTestDatabase(dialect);
      const ledger = await openLedger({ url: database.url });
      try {
        const big = 9_007_199_254_740_991; // 2^53 - 1 minor units
        const payout = {
          provider: 'smart2pay',
          provider_payout_id: '214',
          merchant_transaction_id: 'test_h4',
          session_id: null,
          site_id: '1010',
          amount: big,
          currency: 'EUR',
          created_at: Date.parse('2018-10-16T13:32:34Z'),
          status: 'succeeded',
          provider_status: '2',
          provider_status_info: 'Success',
          reasons: '[]',
          method: 'card',
          provider_method: null,
          purpose: null,
          purpose_source: null,
          country: 'RO',
          description: 'payment product',
          raw: '{}',
          first_seen_at: 1,
          updated_at: 1,
          status_changed_at: 1,
          final_at: 1,
          last_polled_at: null,
        };
        const { id } = await ledger.db.insertInto('payouts').values(payout).returning('id').executeTakeFirstOrThrow();
        expect(typeof id).toBe('number');
        const row = await ledger.db.selectFrom('payouts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        expect(row.amount).toBe(big);
        expect(row.created_at).toBe(payout.created_at);
        await expect(ledger.db.insertInto('payouts').values(payout).execute()).rejects.toThrow();
        await expect(
          ledger.db
            .insertInto('payout_status_history')
            .values({ payout_id: id + 1000, status: 'open', source: 'list', observed_at: 1, regression: 0 })
            .execute(),
        ).rejects.toThrow();
      } finally {
        await ledger.close();
      }
    });

    it('refuses a ledger migrated by a newer version, naming the unknown migration', async () => {
      database = await createTestDatabase(dialect);
      const ledger = await openLedger({ url: database.url });
      await sql`insert into kysely_migration (name, timestamp) values (${'9999_from_the_future'}, ${new Date().toISOString()})`.execute(
        ledger.db,
      );
      await ledger.close();
      const error = await openLedger({ url: database.url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).message).toContain('9999_from_the_future');
      expect((error as LedgerError).message).toContain('newer payout-recon');
    });

    it('runs `payout-recon migrate` from several processes starting at once', async () => {
      database = await createTestDatabase(dialect);
      const dir = tempDir();
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ database: { url: database.url } }));
      const runs = await Promise.all([1, 2, 3, 4].map(() => runCliProcess(['migrate', '--json'], { cwd: dir })));
      for (const run of runs) expect(run.stderr).toBe('');
      expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
      const applied = runs.flatMap((r) => (JSON.parse(r.stdout) as { applied: string[] }).applied);
      expect(applied).toEqual(Object.keys(migrations));
    });
  });
}

describe('SQLite ledger file', () => {
  it('creates the file and its folder on first use, in WAL mode with foreign keys on', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'nested', 'deeper', 'ledger.db');
    const ledger = await openLedger({ url: `sqlite:${file}` });
    try {
      expect(existsSync(file)).toBe(true);
      const mode = await ledger.withSqlite((raw) => raw.pragma('journal_mode', { simple: true }));
      const fk = await ledger.withSqlite((raw) => raw.pragma('foreign_keys', { simple: true }));
      expect(mode).toBe('wal');
      expect(fk).toBe(1);
    } finally {
      await ledger.close();
    }
  });

  it('rolls a failed migration back completely', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ledger.db');
    // A table in the way makes the first migration fail part-way through.
    const raw = new Database(file);
    raw.exec('create table matches (x integer)');
    raw.close();
    const error = await openLedger({ url: `sqlite:${file}` }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/migration 0001_ledger failed/);
    const check = new Database(file);
    const tables = check.prepare("select name from sqlite_master where type = 'table' and name = 'payouts'").all();
    check.close();
    expect(tables).toEqual([]);
  });

  it('refuses a file that is not a database with one line naming it, and leaves it untouched', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ledger.db');
    writeFileSync(file, 'this is not a database, it is a shopping list\n'.repeat(100));
    const error = await openLedger({ url: `sqlite:${file}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('not a usable SQLite database');
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('refuses a folder that cannot be created, naming it', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, 'a file where the folder should be');
    const error = await openLedger({ url: `sqlite:${path.join(blocker, 'ledger.db')}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toContain(`cannot create the folder ${blocker}`);
  });

  // root ignores permission bits, so this one only means something as a normal user.
  it.skipIf(process.getuid?.() === 0)('refuses a read-only folder with a message naming it', async () => {
    const dir = tempDir();
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const error = await openLedger({ url: `sqlite:${path.join(locked, 'ledger.db')}` }).catch((e: unknown) => e);
    chmodSync(locked, 0o700);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toContain(locked);
  });
});
