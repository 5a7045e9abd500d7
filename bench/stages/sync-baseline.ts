/**
 * Sync baseline: the limit of our storage. The same payouts the sync stage
 * fetched, already parsed (read back from the synced ledger before the clock
 * starts), inserted with one prepared better-sqlite3 statement in one
 * transaction into a fresh ledger with the real schema and indexes.
 *
 *   tsx bench/stages/sync-baseline.ts <synced ledger.db> <scratch dir>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openLedger } from '../../src/ledger/ledger.js';
import { reportStage } from '../lib/stage-result.js';

const [source, scratch] = process.argv.slice(2);
if (!source || !scratch) throw new Error('usage: sync-baseline <ledger.db> <scratch dir>');
const read = new Database(source, { readonly: true });
const columns = read
  .prepare('select * from payouts limit 1')
  .columns()
  .map((c) => c.name)
  .filter((c) => c !== 'id');
const rows = read.prepare(`select ${columns.join(', ')} from payouts`).raw(true).all() as unknown[][];
read.close();

const dir = mkdtempSync(path.join(scratch, 'sync-baseline-'));
const ledger = await openLedger({ url: `sqlite:${path.join(dir, 'ledger.db')}` });
const ms = await ledger.withSqlite((raw) => {
  const insert = raw.prepare(
    `insert into payouts (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) ` +
      'on conflict (provider, provider_payout_id) do nothing',
  );
  const start = performance.now();
  raw.transaction(() => {
    for (const row of rows) insert.run(row);
  })();
  return performance.now() - start;
});
await ledger.close();
rmSync(dir, { recursive: true, force: true });
reportStage('sync-baseline', rows.length, ms);
