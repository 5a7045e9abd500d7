/**
 * The ledger dialects every ledger test runs against: SQLite always,
 * PostgreSQL when PAYOUT_RECON_TEST_PG_URL is set (`.ci/run` sets it).
 *
 *   for (const dialect of DIALECTS) {
 *     describeDialect(dialect, 'payout upserts', () => { ... createTestLedger(dialect) ... });
 *   }
 *
 * Without the variable the PostgreSQL suites are reported as skipped, with
 * the reason in their name, so a run never silently tests one dialect only.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { describe } from 'vitest';
import { type Ledger, type LedgerDialect, openLedger } from '../../src/ledger/ledger.js';

export const PG_URL = process.env.PAYOUT_RECON_TEST_PG_URL;
export const DIALECTS: readonly LedgerDialect[] = ['sqlite', 'postgres'];

export function describeDialect(dialect: LedgerDialect, name: string, fn: () => void): void {
  if (dialect === 'postgres' && !PG_URL) {
    describe.skip(`[postgres] ${name} (skipped: PAYOUT_RECON_TEST_PG_URL is not set)`, fn);
    return;
  }
  describe(`[${dialect}] ${name}`, fn);
}

export interface TestDatabase {
  dialect: LedgerDialect;
  /** A `database.url` for config files and child processes. */
  url: string;
  drop(): Promise<void>;
}

/** An empty database of the dialect: a new SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(dialect: LedgerDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'payout-recon-ledger-'));
    return {
      dialect,
      url: `sqlite:${path.join(dir, 'ledger.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!PG_URL) throw new Error('PAYOUT_RECON_TEST_PG_URL is not set');
  const name = `payout_recon_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestLedger {
  ledger: Ledger;
  url: string;
  /** Closes the ledger and drops its database. */
  cleanup(): Promise<void>;
}

/** A migrated, empty ledger of the dialect. */
export async function createTestLedger(dialect: LedgerDialect): Promise<TestLedger> {
  const database = await createTestDatabase(dialect);
  const ledger = await openLedger({ url: database.url, poolSize: 4 });
  return {
    ledger,
    url: database.url,
    cleanup: async () => {
      await ledger.close();
      await database.drop();
    },
  };
}
