/**
 * Manual refund detection over simulated provider days, per debit model:
 *
 *   npx tsx bench/refund-detection.ts [--days 1000] [--seed 7]
 *
 * Each day (test/helpers/refund-day-sim.ts): 200–2,000 succeeded bank
 * payouts a refund may be of, 0–60 payouts open at dawn and 50–400 created
 * during the day, settling over hours with 15 % failing, observation runs
 * every 5 to 60 minutes, 6 to 24 snapshots at random times, 0–2 top-ups
 * (each imported or not) and 0–3 manual refunds. The balance moves as the
 * model says; the monitor's arithmetic judges it with that model. Prints
 * the share of refunds pinned on their payout, listed as a candidate, or
 * missed, and the false suspicions (payouts pinned without a refund) and
 * false alarms (unexplained rises on days with neither refund nor
 * un-imported top-up).
 */
import { parseArgs } from 'node:util';
import { judgeDay, seededRandom, simulateDay, type DayShape } from '../test/helpers/refund-day-sim.js';

const { values } = parseArgs({ options: { days: { type: 'string', default: '1000' }, seed: { type: 'string', default: '7' } } });
const days = Number(values.days);

for (const model of ['creation', 'success'] as const) {
  const random = seededRandom(Number(values.seed));
  const pick = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const totals = { refunds: 0, pinned: 0, listed: 0, missed: 0, falsePins: 0, daysWithFalsePin: 0, quietDays: 0, falseAlarms: 0, daysRefundFree: 0 };
  const started = performance.now();
  for (let d = 0; d < days; d++) {
    const shape: DayShape = {
      candidates: pick(200, 2000),
      openAtStart: pick(0, 60),
      created: pick(50, 400),
      topups: Array.from({ length: pick(0, 2) }, () => ({ amount: pick(1, 20) * 5_000_00, imported: random() < 0.5 })),
      refunds: pick(0, 3),
      snapshots: pick(6, 24),
      runEveryMinutes: [5, 10, 15, 30, 60][pick(0, 4)]!,
      lagHours: random() < 0.5 ? 1 : 6,
    };
    const day = simulateDay(model, shape, random);
    const verdict = judgeDay(day, model);
    totals.refunds += day.refunded.length;
    for (const id of day.refunded) {
      if (verdict.pinned.has(id)) totals.pinned += 1;
      else if (verdict.listed.has(id)) totals.listed += 1;
      else totals.missed += 1;
    }
    const falsePins = [...verdict.pinned].filter((id) => !day.refunded.includes(id)).length;
    totals.falsePins += falsePins;
    if (falsePins > 0) totals.daysWithFalsePin += 1;
    if (day.refunded.length === 0) totals.daysRefundFree += 1;
    if (day.refunded.length === 0 && shape.topups.every((t) => t.imported)) {
      totals.quietDays += 1;
      if (verdict.unexplained > 0) totals.falseAlarms += 1;
    }
  }
  const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)} %`;
  console.log(
    `${model.padEnd(8)} ${days} days, ${totals.refunds} refunds: pinned ${pct(totals.pinned, totals.refunds)}, listed as candidate ${pct(totals.listed, totals.refunds)}, missed ${pct(totals.missed, totals.refunds)}; ` +
      `false suspicions ${totals.falsePins} (on ${totals.daysWithFalsePin} days); false alarms on ${totals.falseAlarms} of ${totals.quietDays} days without refund or un-imported top-up ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
