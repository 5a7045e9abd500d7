import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { closePeriod } from '../../src/closing/close-period.js';
import { detectAdjustments } from '../../src/closing/detect-adjustments.js';
import { reopenPeriod } from '../../src/closing/reopen-period.js';
import { writeReportPack } from '../../src/reports/report-pack.js';
import { resolveReportPeriod } from '../../src/reports/report-period.js';
import { UsageError } from '../../src/shared/errors.js';
import { runCliInProcess, startCliProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { insertManyPayouts, LedgerFixtures } from '../helpers/ledger-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const ZONE = 'Europe/Bucharest';
const OCTOBER = resolveReportPeriod({ month: '2026-10' }, ZONE);
const NOVEMBER = resolveReportPeriod({ month: '2026-11' }, ZONE);
const CLOSED_AT = Date.parse('2026-11-03T09:00:00Z');
const DETECTED_AT = Date.parse('2026-11-20T12:00:00Z');
const oct = (day: number, hour = 10): number => Date.parse(`2026-10-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`);

/** Paid out today per currency, computed here independently: succeeded, less payouts with a confirmed refund exception standing. */
async function paidOutToday(t: TestLedger): Promise<Map<string, number>> {
  const payouts = await t.ledger.db.selectFrom('payouts').select(['id', 'amount', 'currency', 'status']).where('created_at', '>=', OCTOBER.from).where('created_at', '<', OCTOBER.to).execute();
  const refunds = await t.ledger.db.selectFrom('exceptions').select(['payout_id', 'status', 'resolved_by', 'details']).where('kind', '=', 'suspected_manual_refund').execute();
  const confirmed = new Set(
    refunds
      .filter((r) => (r.status === 'open' || (r.status === 'resolved' && r.resolved_by === 'user')) && (JSON.parse(r.details) as { state?: string }).state === 'confirmed')
      .map((r) => r.payout_id),
  );
  const totals = new Map<string, number>();
  for (const p of payouts) {
    totals.set(p.currency, (totals.get(p.currency) ?? 0) + (p.status === 'succeeded' && !confirmed.has(p.id) ? p.amount : 0));
  }
  return totals;
}

/** Closed paid-out totals plus every adjustment of the close, per currency. */
async function closedPlusAdjustments(t: TestLedger, closeId: number): Promise<Map<string, number>> {
  const close = await t.ledger.db.selectFrom('period_closes').select('totals').where('id', '=', closeId).executeTakeFirstOrThrow();
  const totals = new Map<string, number>();
  for (const c of JSON.parse(close.totals) as { currency: string; paid_out: number }[]) totals.set(c.currency, c.paid_out);
  const adjustments = await t.ledger.db.selectFrom('payout_adjustments').select(['currency', 'amount_effect']).where('close_id', '=', closeId).execute();
  for (const a of adjustments) totals.set(a.currency, (totals.get(a.currency) ?? 0) + a.amount_effect);
  return totals;
}

function withoutZeros(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].filter(([, v]) => v !== 0).sort());
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'month-end close', () => {
    let t: TestLedger;
    let f: LedgerFixtures;
    const ids: Record<string, number> = {};

    beforeEach(async () => {
      t = await createTestLedger(dialect);
      f = new LedgerFixtures(t.ledger);
      ids.statusChange = await f.payout({ providerPayoutId: 'P1', amount: 10_000, currency: 'EUR', createdAt: oct(2), status: 'succeeded' });
      ids.refund = await f.payout({ providerPayoutId: 'P2', amount: 20_000, currency: 'EUR', createdAt: oct(5), status: 'succeeded', method: 'bank_account' });
      ids.amount = await f.payout({ providerPayoutId: 'P3', amount: 30_000, currency: 'USD', createdAt: oct(9), status: 'succeeded' });
      ids.matched = await f.payout({ providerPayoutId: 'P4', merchantTransactionId: 'M-4', amount: 40_000, currency: 'USD', createdAt: oct(12), status: 'succeeded' });
      ids.open = await f.payout({ providerPayoutId: 'P5', amount: 5_000, currency: 'EUR', createdAt: oct(20), status: 'pending' });
      await f.exception({ kind: 'unknown_payout', payoutId: ids.open, openedAt: oct(21) });
      await f.payout({ providerPayoutId: 'NOV', amount: 999, currency: 'EUR', createdAt: Date.parse('2026-10-31T23:30:00Z') }); // 1 November in Bucharest
    });
    afterEach(async () => {
      await t.cleanup();
    });

    const close = (reportsDir: string, extra: Partial<Parameters<typeof closePeriod>[1]> = {}) =>
      closePeriod(t.ledger, { period: OCTOBER, settleSeconds: 120, actor: 'ana', note: 'October books', reportsDir, format: 'both', now: CLOSED_AT, ...extra });

    it('is refused until the sync watermark passes the end of the period plus settleSeconds, and when it overlaps a closed period', async () => {
      const dir = tempDir();
      await expect(close(dir)).rejects.toThrow(/not complete yet: payouts are never synced/);
      await f.syncWatermark('smart2pay', OCTOBER.to + 60_000);
      const refused = close(dir);
      await expect(refused).rejects.toBeInstanceOf(UsageError);
      await expect(close(dir)).rejects.toThrow(/must be synced past 2026-10-31T22:02:00.000Z/);
      await t.ledger.db.updateTable('sync_state').set({ watermark: OCTOBER.to + 120_000 }).execute();
      const closed = await close(dir);
      expect(closed.payouts).toBe(5);
      expect(closed.openExceptions).toBe(1);
      const overlapping = resolveReportPeriod({ from: '2026-10-20', to: '2026-10-31' }, ZONE);
      await expect(close(dir, { period: overlapping })).rejects.toThrow(/overlaps 2026-10, which is already closed/);
      await expect(close(dir, { requireClean: true, period: resolveReportPeriod({ month: '2026-09' }, ZONE) })).resolves.toMatchObject({ payouts: 0 });
    });

    it('--require-clean refuses while an exception of the period is open; open exceptions are listed in the closed pack', async () => {
      const dir = tempDir();
      await f.syncWatermark('smart2pay', Date.parse('2026-11-02T00:00:00Z'));
      await expect(close(dir, { requireClean: true })).rejects.toThrow(/1 open exception .*--require-clean/);
      expect(await t.ledger.db.selectFrom('period_closes').selectAll().execute()).toEqual([]);
      const closed = await close(dir);
      const exceptions = readFileSync(path.join(closed.packDir, 'payouts-2026-10', 'exceptions.csv'), 'utf8');
      expect(exceptions).toContain('unknown_payout');
    });

    it('a closed month reports the closed figures after every kind of change; each change is one adjustment with its signed effect', async () => {
      const dir = tempDir();
      await f.syncWatermark('smart2pay', Date.parse('2026-11-02T00:00:00Z'));
      const closed = await close(dir);
      const closedCsv = (file: string) => readFileSync(path.join(closed.packDir, 'payouts-2026-10', file));
      const manifest = await t.ledger.db.selectFrom('period_closes').select('manifest').executeTakeFirstOrThrow();
      expect(JSON.parse(manifest.manifest ?? '[]')).toEqual(closed.manifest);
      expect(closed.manifest.map((m) => m.file)).toContain('closed/2026-10.1/payouts-2026-10/payouts.csv');

      // Status change, confirmed manual refund, provider-changed amount, late payout, reconciliation outcome.
      await t.ledger.db.updateTable('payouts').set({ status: 'failed' }).where('id', '=', ids.statusChange!).execute();
      await f.exception({ kind: 'suspected_manual_refund', payoutId: ids.refund, details: { state: 'confirmed', amount: 20_000, currency: 'EUR' }, openedAt: DETECTED_AT });
      await t.ledger.db.updateTable('payouts').set({ amount: 31_500 }).where('id', '=', ids.amount!).execute();
      await f.payout({ providerPayoutId: 'LATE', amount: 7_000, currency: 'EUR', createdAt: Date.parse('2026-10-31T20:00:00Z'), status: 'succeeded' });
      const record = await f.internalRecord({ internalId: 'M-4', amount: 40_000, currency: 'USD' });
      await f.match(ids.matched!, record);

      expect((await detectAdjustments(t.ledger, DETECTED_AT)).recorded).toBe(5);
      expect((await detectAdjustments(t.ledger, DETECTED_AT + 1000)).recorded).toBe(0);

      const again = tempDir();
      const report = await writeReportPack(t.ledger, { period: OCTOBER, format: 'both', outDir: again, now: Date.parse('2026-11-21T08:00:00Z') });
      const reported = (file: string) => readFileSync(path.join(again, 'payouts-2026-10', file));
      expect(reported('payouts.csv').equals(closedCsv('payouts.csv'))).toBe(true);
      expect(reported('by-purpose.csv').equals(closedCsv('by-purpose.csv'))).toBe(true);
      const summary = reported('summary.csv').toString();
      expect(summary).toMatch(/Closed on 2026-11-03T11:00:00\+02:00 by ana: October books/);
      expect(summary).toMatch(/5 adjustments since closing, booked in 2026-11 \(5\)/);
      const withoutVolatile = (text: string) =>
        text
          .split('\r\n')
          .filter((l) => !l.startsWith('report,generated_at,') && !l.includes('adjustments since closing'))
          .join('\n');
      expect(withoutVolatile(summary)).toBe(withoutVolatile(closedCsv('summary.csv').toString()));
      expect(report.summary.payouts).toBe(5);

      const november = tempDir();
      await writeReportPack(t.ledger, { period: NOVEMBER, format: 'csv', outDir: november, now: Date.parse('2026-12-01T08:00:00Z') });
      const lines = readFileSync(path.join(november, 'payouts-2026-11', 'adjustments.csv'), 'utf8').trim().split('\r\n');
      expect(lines[0]).toBe('adjustment_id,detected_at,payout_id,merchant_transaction_id,closed_period,what_changed,before,after,currency,amount_effect');
      const rows = lines.slice(1).map((l) => l.split(','));
      const byWhat: Record<string, { payout?: string; before?: string; after?: string; currency?: string; effect?: string }> = Object.fromEntries(
        rows.map((r) => [r[5] ?? '', { payout: r[2], before: r[6], after: r[7], currency: r[8], effect: r[9] }]),
      );
      expect(Object.keys(byWhat).sort()).toEqual(['amount', 'late_payout', 'manual_refund', 'reconciliation', 'status']);
      expect(byWhat.status).toEqual({ payout: 'P1', before: 'succeeded', after: 'failed', currency: 'EUR', effect: '-100.00' });
      expect(byWhat.manual_refund).toEqual({ payout: 'P2', before: 'none', after: 'confirmed', currency: 'EUR', effect: '-200.00' });
      expect(byWhat.amount).toEqual({ payout: 'P3', before: '300.00', after: '315.00', currency: 'USD', effect: '15.00' });
      expect(byWhat.late_payout).toEqual({ payout: 'LATE', before: '', after: 'succeeded', currency: 'EUR', effect: '70.00' });
      expect(byWhat.reconciliation).toEqual({ payout: 'P4', before: 'unreconciled', after: 'matched', currency: 'USD', effect: '0.00' });
      const novSummary = readFileSync(path.join(november, 'payouts-2026-11', 'summary.csv'), 'utf8');
      expect(novSummary).toContain('adjustments,2026-10,EUR,3,-230.00,');
      expect(novSummary).toContain('adjustments,2026-10,USD,2,15.00,');

      expect(withoutZeros(await closedPlusAdjustments(t, closed.closeId))).toEqual(withoutZeros(await paidOutToday(t)));

      // A further change to an adjusted payout is a new row from the state booked last.
      await t.ledger.db.updateTable('payouts').set({ status: 'succeeded' }).where('id', '=', ids.statusChange!).execute();
      expect((await detectAdjustments(t.ledger, DETECTED_AT + 2000)).recorded).toBe(1);
      expect(withoutZeros(await closedPlusAdjustments(t, closed.closeId))).toEqual(withoutZeros(await paidOutToday(t)));
    });

    it('reopen needs a note, reopens only the latest close, keeps the old snapshot and manifest; closing again makes a new snapshot', async () => {
      const dir = tempDir();
      await f.syncWatermark('smart2pay', Date.parse('2026-12-02T00:00:00Z'));
      const first = await close(dir);
      const novemberClose = await close(dir, { period: NOVEMBER });
      await expect(reopenPeriod(t.ledger, { period: OCTOBER, note: '   ', actor: 'ana', now: DETECTED_AT })).rejects.toThrow(/--note <why> is required/);
      await expect(reopenPeriod(t.ledger, { period: OCTOBER, note: 'late file', actor: 'ana', now: DETECTED_AT })).rejects.toThrow(/only the latest closed period/);
      await reopenPeriod(t.ledger, { period: NOVEMBER, note: 'wrong cut', actor: 'ana', now: DETECTED_AT });
      const reopened = await reopenPeriod(t.ledger, { period: OCTOBER, note: 'late file', actor: 'bob', now: DETECTED_AT + 1 });
      expect(reopened).toMatchObject({ closeId: first.closeId, reopenedBy: 'bob', payouts: 5, manifest: first.manifest });
      await t.ledger.db.updateTable('payouts').set({ status: 'failed' }).where('id', '=', ids.statusChange!).execute();
      const second = await close(dir, { now: DETECTED_AT + 2 });
      expect(second.closeId).not.toBe(first.closeId);
      const closes = await t.ledger.db.selectFrom('period_closes').select(['id', 'label', 'state', 'reopen_note', 'manifest']).orderBy('id').execute();
      expect(closes.map((c) => [c.label, c.state, c.reopen_note])).toEqual([
        ['2026-10', 'reopened', 'late file'],
        ['2026-11', 'reopened', 'wrong cut'],
        ['2026-10', 'closed', null],
      ]);
      expect(JSON.parse(closes[0]!.manifest ?? '[]')).toEqual(first.manifest);
      const snapshots = await t.ledger.db.selectFrom('closed_payouts').select(['close_id', 'status']).where('payout_id', '=', ids.statusChange!).orderBy('close_id').execute();
      expect(snapshots).toEqual([
        { close_id: first.closeId, status: 'succeeded' },
        { close_id: second.closeId, status: 'failed' },
      ]);
      void novemberClose;
      const audit = await t.ledger.db.selectFrom('audit_log').select(['actor', 'action']).where('action', '=', 'reopen').execute();
      expect(audit).toHaveLength(2);
    });

    it('close and reopen on the command line: --json shape, exit 2 with one line when refused or without a note', async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ database: { url: t.url }, timezone: ZONE, reports: { dir: './reports', format: 'csv' } }));
      const refused = await runCliInProcess(['close', '--month', '2026-10'], { cwd: dir });
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      await f.syncWatermark('smart2pay', Date.parse('2026-11-02T00:00:00Z'));
      const run = await runCliInProcess(['close', '--month', '2026-10', '--note', 'books', '--json'], { cwd: dir, env: { PAYOUT_RECON_ACTOR: 'ana' } });
      expect(run.exitCode).toBe(0);
      const json = JSON.parse(run.stdout) as { period: { from: string; to: string }; payouts: number; totals: unknown[]; manifest: { file: string; sha256: string }[]; closed_by: string };
      expect(json.period).toMatchObject({ from: '2026-09-30T21:00:00.000Z', to: '2026-10-31T22:00:00.000Z' });
      expect(json.payouts).toBe(5);
      expect(json.closed_by).toBe('ana');
      expect(json.totals).toEqual([
        { currency: 'EUR', count: 3, amount: '350.00', paid_out: '300.00' },
        { currency: 'USD', count: 2, amount: '700.00', paid_out: '700.00' },
      ]);
      expect(json.manifest.map((m) => m.file)).toContain('closed/2026-10.1/payouts-2026-10/adjustments.csv');
      for (const m of json.manifest) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      const noNote = await runCliInProcess(['reopen', '--month', '2026-10'], { cwd: dir });
      expect(noNote.exitCode).toBe(2);
      const reopened = await runCliInProcess(['reopen', '--month', '2026-10', '--note', 'late file', '--json'], { cwd: dir });
      expect(reopened.exitCode).toBe(0);
      expect(JSON.parse(reopened.stdout)).toMatchObject({ close_id: 1, payouts: 5, manifest: json.manifest });
    });

    it('a close killed mid-way (kill -9) leaves the period open and no partial snapshot', async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ database: { url: t.url }, timezone: ZONE, reports: { dir: './reports', format: 'both' } }));
      await insertManyPayouts(t.ledger, 20_000, (i) => ({ providerPayoutId: `K${i}`, amount: 100 + i, currency: 'EUR', createdAt: oct(1) + i * 60_000, status: 'succeeded' }));
      await f.syncWatermark('smart2pay', Date.parse('2026-11-02T00:00:00Z'));
      const { child, done } = startCliProcess(['close', '--month', '2026-10'], { cwd: dir });
      let seen = '';
      await new Promise<void>((resolve) => {
        child.stderr?.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.includes('writing the closed pack')) {
            child.kill('SIGKILL');
            resolve();
          }
        });
      });
      const ended = await done;
      expect(ended.signal).toBe('SIGKILL');
      expect(await t.ledger.db.selectFrom('period_closes').selectAll().execute()).toEqual([]);
      expect(await t.ledger.db.selectFrom('closed_payouts').select('id').limit(1).execute()).toEqual([]);
      expect(await t.ledger.db.selectFrom('closed_pack_rows').select('id').limit(1).execute()).toEqual([]);
      // The period is open: a new close succeeds.
      const closed = await close(path.join(dir, 'reports'));
      expect(closed.payouts).toBe(20_005);
    });
  });
}
