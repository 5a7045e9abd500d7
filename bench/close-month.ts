/**
 * Month-end close at scale: `npx tsx bench/close-month.ts <count> <dir> build|close|report`.
 * `build` fills a SQLite ledger in <dir> with <count> synthetic October
 * payouts (bench/synthetic-payouts.ts) and a watermark past the month; `close`
 * closes October (snapshot + closed pack, xlsx and CSV); `report` writes the
 * closed month's pack again. Run each step under `/usr/bin/time -v` for the
 * peak RSS; each prints its wall time.
 */
import path from 'node:path';
import { closePeriod } from '../src/closing/close-period.js';
import { openLedger } from '../src/ledger/ledger.js';
import { writeReportPack } from '../src/reports/report-pack.js';
import { resolveReportPeriod } from '../src/reports/report-period.js';
import { insertManyPayouts, LedgerFixtures } from '../test/helpers/ledger-fixtures.js';
import { seededRandom, syntheticPayout } from './synthetic-payouts.js';

const [countText, dir, step] = process.argv.slice(2);
if (!countText || !dir || !step) throw new Error('usage: close-month <count> <dir> build|close|report');
const count = Number(countText);
const ledger = await openLedger({ url: `sqlite:${path.join(dir, 'ledger.db')}` });
const period = resolveReportPeriod({ month: '2026-10' }, 'Europe/Bucharest');
const started = Date.now();
if (step === 'build') {
  const random = seededRandom(42);
  await insertManyPayouts(ledger, count, (i) => syntheticPayout(i, count, random));
  await new LedgerFixtures(ledger).syncWatermark('smart2pay', period.to + 3_600_000);
} else if (step === 'close') {
  const r = await closePeriod(ledger, { period, settleSeconds: 120, actor: 'bench', reportsDir: path.join(dir, 'reports'), format: 'both', now: Date.now() });
  process.stderr.write(`closed ${r.payouts} payouts, ${r.manifest.length} files\n`);
} else {
  const r = await writeReportPack(ledger, { period, format: 'both', outDir: path.join(dir, 'again'), now: Date.now() });
  process.stderr.write(`reported ${r.summary.payouts} payouts (closed)\n`);
}
await ledger.close();
process.stderr.write(`${step}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
