/**
 * Not timed: the company's internal records for the benchmark, derived from
 * the payouts the sync stage stored (fixed seed). 95 % agree exactly; the
 * other 5 % are planted discrepancies: a missing record (unknown payout), an
 * extra record (missing at provider), another amount, a mistyped reference
 * (left to the tolerance pass), the company's status contradicting the
 * provider's, another currency.
 *
 *   tsx bench/stages/make-records.ts <ledger.db> <records.csv>
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import { seededRandom } from '../../src/providers/sandbox/smart2pay-sandbox-data.js';
import { formatMoney } from '../../src/shared/money.js';
import { formatLocalDateTime } from '../../src/shared/time.js';

const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error('usage: make-records <ledger.db> <records.csv>');

const next = seededRandom(20261121);
const COMPANY_STATUS: Record<string, string> = { succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', expired: 'failed' };
const db = new Database(file, { readonly: true });
const stream = createWriteStream(out);
const planted = { exact: 0, unknownPayout: 0, missingAtProvider: 0, amount: 0, typo: 0, status: 0, currency: 0 };
let buffer = 'internal_id,amount,currency,created_at,method,purpose,country,status\n';
const flush = async () => {
  if (!stream.write(buffer)) await once(stream, 'drain');
  buffer = '';
};
const select = db
  .prepare('select merchant_transaction_id, amount, currency, created_at, status, method, purpose, country from payouts where merchant_transaction_id is not null order by id')
  .raw(true);
for (const row of select.iterate() as Iterable<[string, number, string, number, string, string, string | null, string | null]>) {
  const [reference, amount, currency, createdAt, status, method, purpose, country] = row;
  const roll = next();
  let id = reference;
  let recordAmount = amount;
  let recordCurrency = currency;
  let recordStatus = COMPANY_STATUS[status] ?? 'pending';
  if (roll < 0.01) {
    planted.unknownPayout += 1;
    continue;
  } else if (roll < 0.02) {
    planted.amount += 1;
    recordAmount += 1 + Math.floor(next() * 5000);
  } else if (roll < 0.03) {
    planted.typo += 1;
    id = `${reference}X`;
  } else if (roll < 0.035) {
    planted.status += 1;
    recordStatus = recordStatus === 'succeeded' ? 'failed' : 'succeeded';
  } else if (roll < 0.04) {
    planted.currency += 1;
    recordCurrency = currency === 'EUR' ? 'USD' : 'EUR';
  } else if (roll < 0.05) {
    planted.missingAtProvider += 1;
    buffer += stringify([[`EXTRA-${reference}`, formatMoney(amount + 7, currency), currency, formatLocalDateTime(createdAt, 'UTC'), method === 'unknown' ? '' : method, purpose ?? '', country ?? '', 'succeeded']]);
  } else {
    planted.exact += 1;
  }
  buffer += stringify([
    [id, formatMoney(recordAmount, recordCurrency), recordCurrency, formatLocalDateTime(createdAt, 'UTC'), method === 'unknown' ? '' : method, purpose ?? '', country ?? '', recordStatus],
  ]);
  if (buffer.length > 256 * 1024) await flush();
}
await flush();
stream.end();
await once(stream, 'finish');
db.close();
process.stdout.write(`${JSON.stringify(planted)}\n`);
