/**
 * Reconcile baseline: the reference join as one SQL statement in SQLite
 * (payouts ⋈ internal records on MerchantTransactionID = reference), its
 * pairs inserted into a scratch table, on the imported ledger (in a
 * transaction that is rolled back, so the ledger is left as it was).
 */
import Database from 'better-sqlite3';
import { reportStage } from '../lib/stage-result.js';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: reconcile-baseline <ledger.db>');
const db = new Database(file);
db.pragma('cache_size = -65536');
const records = (db.prepare('select count(*) as n from internal_records').get() as { n: number }).n;
const payouts = (db.prepare('select count(*) as n from payouts').get() as { n: number }).n;
db.exec('begin');
db.exec('create temp table pairs (payout_id integer, internal_record_id integer)');
const start = performance.now();
const pairs = db
  .prepare('insert into pairs select p.id, r.id from payouts p join internal_records r on r.reference = p.merchant_transaction_id')
  .run().changes;
const ms = performance.now() - start;
db.exec('rollback');
db.close();
reportStage('reconcile-baseline', payouts + records, ms, { pairs });
