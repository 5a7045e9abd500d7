/**
 * Report baseline: the same payout rows (the Payouts sheet's columns) read
 * from the ledger and written as CSV lines with plain `fs` writes: no quoting
 * library, no formatting beyond joining, back-pressure respected.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { reportStage, timed } from '../lib/stage-result.js';

const [file, out] = process.argv.slice(2);
if (!file || !out) throw new Error('usage: report-baseline <ledger.db> <out.csv>');
const { value: rows, ms } = await timed(async () => {
  const db = new Database(file, { readonly: true });
  const stream = createWriteStream(out);
  const select = db
    .prepare(
      `select p.provider, p.provider_payout_id, p.merchant_transaction_id, p.created_at, p.amount, p.currency, p.status,
              p.method, p.purpose, p.country, r.internal_id
         from payouts p left join matches m on m.payout_id = p.id left join internal_records r on r.id = m.internal_record_id
        order by p.created_at, p.id`,
    )
    .raw(true);
  let n = 0;
  let chunk = 'provider,payout_id,merchant_transaction_id,created_at,amount,currency,status,method,purpose,country,internal_id\n';
  for (const row of select.iterate() as Iterable<unknown[]>) {
    chunk += `${row.join(',')}\n`;
    n += 1;
    if (chunk.length > 256 * 1024) {
      if (!stream.write(chunk)) await once(stream, 'drain');
      chunk = '';
    }
  }
  stream.end(chunk);
  await once(stream, 'finish');
  db.close();
  return n;
});
reportStage('report-baseline', rows, ms);
