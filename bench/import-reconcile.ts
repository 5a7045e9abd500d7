/**
 * Import and reconcile at scale, on SQLite, each stage as its own process
 * (the built CLI: run `npm run build` first):
 *
 *   npx tsx bench/import-reconcile.ts [--size 1000000] [--dir bench/data/import-reconcile]
 *
 * 1. generates (fixed seed) `size` internal records as CSV and `size`
 *    payouts straight into a fresh ledger: 95 % agree exactly by reference,
 *    5 % are planted discrepancies (amount, status and currency mismatches,
 *    unknown payouts with missing records, tolerance matches, proposed
 *    matches, duplicate payouts, stuck payouts);
 * 2. `payout-recon import records.csv`, then `payout-recon reconcile`, then
 *    `reconcile` again (nothing new: the cost of an idle daily run);
 * 3. baselines: parsing the CSV with no writes, and the reference join as one
 *    SQL statement (a `count(*)` and an `insert … select` into a scratch table).
 *
 * Prints wall time, rows/s and peak RSS (the process's own getrusage maxrss)
 * per stage. The machine is shared: numbers are noisy, run it twice.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openLedger } from '../src/ledger/ledger.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const SIZE = Number(option('size', '1000000'));
const DIR = path.resolve(option('dir', path.join(ROOT, 'bench/data/import-reconcile')));
const HOUR = 3_600_000;
// Data ends three days before now, so grace periods are over.
const END = Date.now() - 72 * HOUR;
const STEP = 5_000;
const START = END - SIZE * STEP;

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PURPOSES = ['SALARY_PAYMENT', 'FAMILY_SUPPORT', 'SERVICE_CHARGES', 'OTHER'];
const COUNTRIES = ['RO', 'DE', 'FR', 'ES'];

interface Planned {
  record: { id: string; amount: number; createdAt: number; purpose: string; country: string; status: string };
  payouts: { mtid: string | null; amount: number; currency: string; createdAt: number; status: string; purpose: string | null; country: string }[];
}

function plan(i: number, next: () => number): Planned {
  const amount = 1000 + Math.floor(next() * 500_000);
  const createdAt = START + i * STEP;
  const purpose = PURPOSES[i % PURPOSES.length]!;
  const country = COUNTRIES[(i >> 2) % COUNTRIES.length]!;
  const id = `R${i}`;
  const record = { id, amount, createdAt, purpose, country, status: 'succeeded' };
  const payout = { mtid: id as string | null, amount, currency: 'EUR', createdAt: createdAt + 60_000, status: 'succeeded', purpose: i % 3 === 0 ? null : purpose, country };
  if (i % 20 !== 0) return { record, payouts: [payout] };
  switch ((i / 20) % 8) {
    case 0:
      return { record, payouts: [{ ...payout, amount: amount + 100 }] };
    case 1:
      return { record, payouts: [{ ...payout, status: 'failed' }] };
    case 2:
      return { record, payouts: [{ ...payout, mtid: `UNK${i}`, amount: amount * 3 }] };
    case 3:
      return { record, payouts: [{ ...payout, mtid: `BANK${i}`, createdAt: createdAt + 10 * 60_000 }] };
    case 4:
      return { record, payouts: [{ ...payout, mtid: null, purpose: null, createdAt: createdAt + 40 * HOUR }] };
    case 5:
      return { record, payouts: [payout, { ...payout, createdAt: createdAt + 5 * 60_000 }] };
    case 6:
      return { record, payouts: [{ ...payout, currency: 'USD' }] };
    default:
      return { record, payouts: [{ ...payout, status: 'open' }] };
  }
}

async function generate(): Promise<{ csv: string; db: string }> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const csv = path.join(DIR, 'records.csv');
  const db = path.join(DIR, 'ledger.db');
  const ledger = await openLedger({ url: `sqlite:${db}` });
  await ledger.close();
  const raw = new Database(db);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const insert = raw.prepare(
    `insert into payouts (provider, provider_payout_id, merchant_transaction_id, amount, currency, created_at, status, method, purpose, purpose_source, country, raw, first_seen_at, updated_at, status_changed_at, final_at)
     values ('smart2pay', ?, ?, ?, ?, ?, ?, 'bank_account', ?, ?, ?, '{}', ?, ?, ?, ?)`,
  );
  const out = createWriteStream(csv);
  out.write('internal_id,amount,currency,created_at,method,purpose,country,status\n');
  const next = random(20261122);
  let payoutId = 1_000_000;
  let buffer = '';
  const batch: Planned[] = [];
  const flush = raw.transaction((planned: Planned[]) => {
    for (const p of planned) {
      for (const o of p.payouts) {
        const final = o.status === 'open' ? null : o.createdAt;
        insert.run(String(payoutId++), o.mtid, o.amount, o.currency, o.createdAt, o.status, o.purpose, o.purpose ? 'provider' : null, o.country, o.createdAt, o.createdAt, o.createdAt, final);
      }
    }
  });
  for (let i = 0; i < SIZE; i++) {
    const p = plan(i, next);
    const r = p.record;
    const when = new Date(r.createdAt).toISOString().slice(0, 19).replace('T', ' ');
    buffer += `${r.id},${(r.amount / 100).toFixed(2)},EUR,${when},bank_account,${r.purpose},${r.country},${r.status}\n`;
    batch.push(p);
    if (batch.length === 10_000) {
      flush(batch.splice(0));
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  flush(batch.splice(0));
  out.end(buffer);
  await new Promise<void>((resolve) => out.on('finish', () => resolve()));
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  writeFileSync(path.join(DIR, 'config.json'), JSON.stringify({ database: { url: `sqlite:${db}` }, timezone: 'UTC' }));
  return { csv, db };
}

interface StageResult {
  stage: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  note?: string;
}

/** Runs a node script or the CLI as its own process; its peak RSS comes from GNU time (getrusage of the child). */
function stage(name: string, rows: number, command: string[], note?: string): StageResult {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'RSS_KB=%M', process.execPath, ...command], { cwd: DIR, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${name} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const rss = /RSS_KB=(\d+)/.exec(run.stderr);
  const result: StageResult = {
    stage: name,
    rows,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : -1,
    ...(note ? { note } : {}),
  };
  console.log(JSON.stringify(result));
  if (run.stdout.trim() !== '') console.log(`  ${run.stdout.trim().split('\n').slice(0, 3).join(' | ').slice(0, 400)}`);
  return result;
}

const bin = path.join(ROOT, 'bin/payout-recon.js');
const parseOnly = `
  const { openTabularFile } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/imports/tabular/tabular-file.js'))});
  let n = 0; for await (const _ of (await openTabularFile('records.csv')).rows) n++; console.log(n);`;
const joinCount = `
  const Database = (await import('better-sqlite3')).default; const db = new Database('ledger.db');
  db.pragma('cache_size = -65536');
  console.log(db.prepare('select count(*) as n from payouts p join internal_records r on r.reference = p.merchant_transaction_id').get().n);`;
const joinInsert = `
  const Database = (await import('better-sqlite3')).default; const db = new Database('ledger.db');
  db.pragma('cache_size = -65536');
  db.exec('begin; create temp table m (payout_id integer not null unique, internal_record_id integer not null unique)');
  console.log(db.prepare('insert into m select p.id, r.id from payouts p join internal_records r on r.reference = p.merchant_transaction_id where true on conflict do nothing').run().changes);
  db.exec('rollback');`;

const { db } = await generate();
console.log(`generated ${SIZE} records and payouts in ${DIR}`);
const esm = (code: string) => ['--input-type=module', '-e', code];
const payouts = (new Database(db, { readonly: true }).prepare('select count(*) as n from payouts').get() as { n: number }).n;
const results = [
  stage('parse CSV only (baseline)', SIZE, esm(parseOnly)),
  stage('import internal records', SIZE, [bin, '--json', 'import', 'records.csv']),
  stage('reference join, count (baseline)', SIZE, ['--input-type=module', '-e', joinCount]),
  stage('reference join, insert (baseline)', SIZE, ['--input-type=module', '-e', joinInsert]),
  stage('reconcile (first run)', SIZE + payouts, [bin, '--json', 'reconcile'], 'rows = payouts + records'),
  stage('reconcile again (no new data)', SIZE + payouts, [bin, '--json', 'reconcile'], 'rows = payouts + records'),
];
writeFileSync(path.join(DIR, 'results.json'), `${JSON.stringify({ size: SIZE, at: new Date().toISOString(), results }, null, 2)}\n`);
