/**
 * A SQLite ledger with one month (October 2026, Bucharest) of N synthetic
 * payouts for the report benchmarks: 95 % matched to internal records, the
 * rest with an open exception, like a reconciled month. Built once per size
 * under bench/data/ (fixed seed, so every build is the same) and reused.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger } from '../src/ledger/ledger.js';
import { payoutRow } from '../test/helpers/ledger-fixtures.js';
import { seededRandom, syntheticPayout } from './synthetic-payouts.js';

export const BENCH_DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

export async function reportLedger(count: number): Promise<string> {
  const file = path.join(BENCH_DATA, `report-${count}.db`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DATA, { recursive: true });
  const temp = `${file}.building`;
  rmSync(temp, { force: true });
  const ledger = await openLedger({ url: `sqlite:${temp}` });
  const random = seededRandom(7);
  const BATCH = 20_000;
  await ledger.withSqlite((raw) => {
    const sample = payoutRow({}, 0);
    const columns = Object.keys(sample);
    const insertPayout = raw.prepare(`insert into payouts (${columns.join(',')}) values (${columns.map((c) => `@${c}`).join(',')})`);
    const insertRecord = raw.prepare(
      `insert into internal_records (internal_id, reference, amount, currency, created_at, method, purpose, country, status, content_hash, imported_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertMatch = raw.prepare(
      `insert into matches (payout_id, internal_record_id, method, confidence, created_at, created_by) values (?, ?, 'reference', 100, ?, 'matcher')`,
    );
    const insertException = raw.prepare(
      `insert into exceptions (kind, status, payout_id, internal_record_id, fingerprint, summary, details, opened_at, updated_at)
       values (?, 'open', ?, ?, ?, ?, '{}', ?, ?)`,
    );
    for (let start = 0; start < count; start += BATCH) {
      raw.transaction(() => {
        for (let i = start; i < Math.min(count, start + BATCH); i++) {
          const p = syntheticPayout(i, count, random);
          const row = payoutRow(p, i);
          const payoutId = Number(insertPayout.run(row).lastInsertRowid);
          const internalId = p.merchantTransactionId ?? `INT-${i}`;
          const mismatch = random() < 0.05;
          const recordId = Number(
            insertRecord.run(internalId, internalId, mismatch ? row.amount + 100 : row.amount, row.currency, row.created_at, row.method, row.purpose, row.country, 'succeeded', `h${i}`, row.created_at, row.created_at).lastInsertRowid,
          );
          if (mismatch) {
            insertException.run('amount_mismatch', payoutId, recordId, `amount_mismatch:${payoutId}`, `amount differs for payout ${payoutId}`, row.created_at, row.created_at);
          } else {
            insertMatch.run(payoutId, recordId, row.created_at);
          }
        }
      })();
    }
    raw.prepare(`insert into sync_state (key, watermark, details, updated_at) values ('smart2pay:payouts', ?, null, ?)`).run(
      Date.parse('2026-11-02T00:00:00Z'),
      Date.parse('2026-11-02T00:00:00Z'),
    );
  });
  await ledger.close();
  rmSync(`${temp}-wal`, { force: true });
  rmSync(`${temp}-shm`, { force: true });
  renameSync(temp, file);
  return file;
}
