import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { importInternalRecords } from '../../src/imports/internal-records/import-internal-records.js';
import { decideException, raiseExceptions } from '../../src/exceptions/exception-store.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { matchByHand, unmatchByHand } from '../../src/matching/manual.js';
import { reconcile } from '../../src/matching/reconcile.js';
import type { MatchingRules } from '../../src/matching/rules.js';
import { payoutStates, recordStates } from '../../src/matching/states.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, insertPayouts, insertRecords, matcherSnapshot, NOW, rulesWith } from '../helpers/matching-fixtures.js';

const T = NOW - 30 * HOUR;

async function run(ledger: Ledger, rules: MatchingRules = rulesWith(), now = NOW, period?: { from: number | null; to: number | null }) {
  return reconcile(ledger, { rules, clock: () => now, period });
}

async function exceptionsOf(ledger: Ledger) {
  return ledger.db.selectFrom('exceptions').selectAll().orderBy('id').execute();
}

/** One ledger with every outcome planted on purpose; returns the ledger IDs by name. */
async function plantEveryOutcome(ledger: Ledger) {
  const db = ledger.db;
  const [pExact, pAmount, pCurrency, pStatus, pStuck, pYoung, pDupFirst, pDupSecond, pUnknown, pTolerance, pProposed, pAlike, pAlikeDup] =
    await insertPayouts(db, [
      { mtid: 'A-1', amount: 10_000, createdAt: T },
      { mtid: 'A-2', amount: 123_450, createdAt: T },
      { mtid: 'A-3', amount: 5_000, currency: 'USD', createdAt: T },
      { mtid: 'A-4', amount: 7_000, status: 'failed', createdAt: T },
      { mtid: 'A-5', amount: 8_000, status: 'open', createdAt: NOW - 100 * HOUR },
      { mtid: 'A-6', amount: 9_000, status: 'pending', createdAt: NOW - 10 * HOUR },
      { mtid: 'A-7', amount: 11_000, createdAt: T },
      { mtid: 'A-7', amount: 11_000, createdAt: T + 5 * 60_000 },
      { mtid: 'ZZZ-8', amount: 77_777, createdAt: T },
      { mtid: 'BANK-11', amount: 25_000, createdAt: T, purpose: 'SALARY_PAYMENT', country: 'RO' },
      { mtid: null, amount: 30_000, createdAt: T },
      { mtid: 'A-14', amount: 40_000, createdAt: T },
      { mtid: 'OTHER-14', amount: 40_000, createdAt: T + 5 * 60_000 },
    ]);
  const [rExact, rAmount, rCurrency, rStatus, rStuck, rYoung, rDup, rMissing, rNotDue, rTolerance, rProposed, rAlike] = await insertRecords(db, [
    { internalId: 'A-1', amount: 10_000, createdAt: T - 60_000, purpose: 'FAMILY_SUPPORT', method: 'bank_account' },
    { internalId: 'A-2', amount: 124_350, createdAt: T - 60_000 },
    { internalId: 'A-3', amount: 5_000, currency: 'EUR', createdAt: T - 60_000 },
    { internalId: 'A-4', amount: 7_000, status: 'succeeded', createdAt: T - 60_000 },
    { internalId: 'A-5', amount: 8_000, createdAt: NOW - 100 * HOUR },
    { internalId: 'A-6', amount: 9_000, status: 'pending', createdAt: NOW - 10 * HOUR },
    { internalId: 'A-7', amount: 11_000, createdAt: T - 60_000 },
    { internalId: 'A-9', amount: 88_888, createdAt: NOW - 48 * HOUR },
    { internalId: 'A-10', amount: 1_010, createdAt: NOW - 2 * HOUR },
    { internalId: 'B-11', amount: 25_000, createdAt: T - 10 * 60_000, purpose: 'SALARY_PAYMENT', country: 'RO' },
    { internalId: 'B-12', amount: 30_000, createdAt: T - 40 * HOUR },
    { internalId: 'A-14', amount: 40_000, createdAt: T - 60_000 },
  ]);
  return {
    p: { pExact, pAmount, pCurrency, pStatus, pStuck, pYoung, pDupFirst, pDupSecond, pUnknown, pTolerance, pProposed, pAlike, pAlikeDup } as Record<string, number>,
    r: { rExact, rAmount, rCurrency, rStatus, rStuck, rYoung, rDup, rMissing, rNotDue, rTolerance, rProposed, rAlike } as Record<string, number>,
  };
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'reconcile: every outcome planted on purpose', () => {
    let t: TestLedger;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
    });
    afterEach(async () => t.cleanup());

    it('lands each payout and record in exactly its outcome, with diagnostics', async () => {
      const { p, r } = await plantEveryOutcome(t.ledger);
      // A monitor's exception on a payout: the matcher must never close it.
      await raiseExceptions(t.ledger.db, [
        { kind: 'suspected_manual_refund', fingerprint: 'suspected_manual_refund:test', payoutId: p.pExact!, internalRecordId: null, summary: 'refund?', details: {} },
      ], NOW - HOUR);

      const outcome = await run(t.ledger);
      expect(outcome.matchedByReference).toBe(8);
      expect(outcome.matchedByTolerance).toBe(1);
      expect(outcome.exceptions).toEqual({
        amount_mismatch: 1,
        currency_mismatch: 1,
        status_mismatch: 1,
        stuck_payout: 1,
        duplicate_payout: 2,
        unknown_payout: 1,
        missing_at_provider: 1,
        proposed_match: 1,
        suspected_manual_refund: 1,
      });

      const payouts = await payoutStates(t.ledger.db, Object.values(p));
      const state = (id: number | undefined) => payouts.get(id!)?.state;
      expect({
        exact: state(p.pExact),
        amount: state(p.pAmount),
        currency: state(p.pCurrency),
        status: state(p.pStatus),
        stuck: state(p.pStuck),
        young: state(p.pYoung),
        dupFirst: state(p.pDupFirst),
        dupSecond: state(p.pDupSecond),
        unknown: state(p.pUnknown),
        tolerance: state(p.pTolerance),
        proposed: state(p.pProposed),
        alike: state(p.pAlike),
        alikeDup: state(p.pAlikeDup),
      }).toEqual({
        exact: 'matched',
        amount: 'amount_mismatch',
        currency: 'currency_mismatch',
        status: 'status_mismatch',
        stuck: 'stuck_payout',
        young: 'matched',
        dupFirst: 'matched',
        dupSecond: 'duplicate_payout',
        unknown: 'unknown_payout',
        tolerance: 'matched',
        proposed: 'proposed_match',
        alike: 'matched',
        alikeDup: 'duplicate_payout',
      });
      for (const s of payouts.values()) expect(s.openExceptions).toBeLessThanOrEqual(1);
      const records = await recordStates(t.ledger.db, Object.values(r), NOW, 24 * HOUR);
      expect(Object.fromEntries(Object.entries(r).map(([name, id]) => [name, records.get(id)?.state]))).toEqual({
        rExact: 'matched',
        rAmount: 'amount_mismatch',
        rCurrency: 'currency_mismatch',
        rStatus: 'status_mismatch',
        rStuck: 'stuck_payout',
        rYoung: 'matched',
        rDup: 'matched',
        rMissing: 'missing_at_provider',
        rNotDue: 'not_yet_due',
        rTolerance: 'matched',
        rProposed: 'proposed_match',
        rAlike: 'matched',
      });

      const byKind = new Map((await exceptionsOf(t.ledger)).map((e) => [e.kind, e]));
      const details = (kind: string) => JSON.parse(byKind.get(kind)!.details) as Record<string, unknown>;
      expect(byKind.get('amount_mismatch')?.summary).toContain('amount 1,234.50 vs 1,243.50 EUR');
      expect(details('amount_mismatch').differences).toEqual([{ field: 'amount', payout: '1,234.50 EUR', record: '1,243.50 EUR' }]);
      expect(byKind.get('currency_mismatch')?.summary).toContain('currency USD vs EUR');
      expect(byKind.get('currency_mismatch')?.summary).toContain('amount 50.00 USD vs 50.00 EUR');
      expect(byKind.get('status_mismatch')?.summary).toContain('status failed vs succeeded');
      expect(byKind.get('stuck_payout')?.summary).toMatch(/is still open, created .* more than 72 h ago/);
      expect(byKind.get('unknown_payout')?.summary).toContain('has no internal record; nearest record A-9: amount 777.77 vs 888.88 EUR');
      expect(details('unknown_payout').candidate).toMatchObject({ side: 'record', internal_id: 'A-9', amount: '888.88' });
      expect(byKind.get('missing_at_provider')?.summary).toContain('nearest payout');
      expect(details('missing_at_provider').candidate).toMatchObject({ side: 'payout', merchant_transaction_id: 'ZZZ-8' });
      expect(byKind.get('proposed_match')?.summary).toMatch(/may be record B-12 \(score \d+\)/);
      expect(details('proposed_match')).toMatchObject({ record: { internal_id: 'B-12' }, candidate: { side: 'record', internal_id: 'B-12' } });
      const duplicates = (await exceptionsOf(t.ledger)).filter((e) => e.kind === 'duplicate_payout');
      expect(duplicates.map((e) => (JSON.parse(e.details) as { duplicate_by: string }).duplicate_by)).toEqual(['reference', 'similar']);
      expect(duplicates[0]?.summary).toContain('same MerchantTransactionID A-7');

      // The matched record's purpose and method fill in the payout's.
      const filled = await t.ledger.db.selectFrom('payouts').select(['purpose', 'purpose_source', 'method']).where('id', '=', p.pExact!).executeTakeFirstOrThrow();
      expect(filled).toEqual({ purpose: 'FAMILY_SUPPORT', purpose_source: 'internal', method: 'bank_account' });
      const provider = await t.ledger.db.selectFrom('payouts').select(['purpose', 'purpose_source']).where('id', '=', p.pTolerance!).executeTakeFirstOrThrow();
      expect(provider).toEqual({ purpose: 'SALARY_PAYMENT', purpose_source: 'provider' });
      const tolerance = await t.ledger.db.selectFrom('matches').selectAll().where('payout_id', '=', p.pTolerance!).executeTakeFirstOrThrow();
      expect(tolerance).toMatchObject({ internal_record_id: r.rTolerance, method: 'tolerance', created_by: 'matcher' });
      expect(tolerance.confidence).toBeGreaterThanOrEqual(90);

      const runs = await t.ledger.db.selectFrom('reconciliation_runs').selectAll().execute();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'completed', matched: 9 });
      expect(JSON.parse(runs[0]!.exception_counts!)).toEqual(outcome.exceptions);
    });

    it('of two payouts with one reference, the record goes to the live one and the other is a duplicate', async () => {
      const [failed, live] = await insertPayouts(t.ledger.db, [
        { mtid: 'D-1', amount: 5_000, status: 'failed', createdAt: T },
        { mtid: 'D-1', amount: 5_000, createdAt: T + HOUR },
      ]);
      const [record] = await insertRecords(t.ledger.db, [{ internalId: 'D-1', amount: 5_000, createdAt: T - 60_000 }]);
      const outcome = await run(t.ledger);
      expect(outcome).toMatchObject({ matched: 1, exceptions: { duplicate_payout: 1 } });
      const match = await t.ledger.db.selectFrom('matches').selectAll().executeTakeFirstOrThrow();
      expect(match).toMatchObject({ payout_id: live, internal_record_id: record, method: 'reference' });
      const duplicate = (await exceptionsOf(t.ledger))[0]!;
      expect(duplicate).toMatchObject({ kind: 'duplicate_payout', payout_id: failed, internal_record_id: record });
      expect(duplicate.summary).toMatch(/\(50\.00 EUR, failed\) duplicates payout \d+ already matched to record D-1: same MerchantTransactionID D-1/);
      const before = await matcherSnapshot(t.ledger.db);
      await run(t.ledger, rulesWith(), NOW + HOUR);
      expect(await matcherSnapshot(t.ledger.db)).toEqual(before);
    });

    it('re-checks a settled pair when an updated export changes its record, and only then', async () => {
      const dir = tempDir();
      const write = (amount: string) => {
        const file = path.join(dir, 'records.csv');
        writeFileSync(file, `internal_id,amount,currency,created_at\nE-1,${amount},EUR,2026-10-08 10:00:00\nE-2,20.00,EUR,2026-10-08 10:00:00\n`);
        return file;
      };
      const config = configSchema.parse({});
      const created = Date.UTC(2026, 9, 8, 10, 1, 0);
      await insertPayouts(t.ledger.db, [
        { mtid: 'E-1', amount: 1_000, createdAt: created },
        { mtid: 'E-2', amount: 2_000, createdAt: created },
      ]);
      await importInternalRecords(t.ledger, write('10.00'), { config, clock: () => NOW - HOUR });
      expect(await run(t.ledger)).toMatchObject({ matched: 2, openExceptions: 0 });
      // The same export again: nothing to re-check, nothing changes.
      await importInternalRecords(t.ledger, write('10.00'), { config, clock: () => NOW + HOUR });
      expect(await run(t.ledger, rulesWith(), NOW + 2 * HOUR)).toMatchObject({ matched: 0, opened: 0, openExceptions: 0 });
      // A corrected export changes E-1's amount: the settled pair is checked again.
      await importInternalRecords(t.ledger, write('10.50'), { config, clock: () => NOW + 3 * HOUR });
      const after = await run(t.ledger, rulesWith(), NOW + 4 * HOUR);
      expect(after).toMatchObject({ matched: 0, opened: 1, exceptions: { amount_mismatch: 1 } });
      expect((await exceptionsOf(t.ledger))[0]?.summary).toContain('amount 10.00 vs 10.50 EUR');
      // And back: the cause is gone, the exception closes itself.
      await importInternalRecords(t.ledger, write('10.00'), { config, clock: () => NOW + 5 * HOUR });
      expect(await run(t.ledger, rulesWith(), NOW + 6 * HOUR)).toMatchObject({ closed: 1, openExceptions: 0 });
    });

    it('a re-run with no new data changes nothing, not even updated_at', async () => {
      await plantEveryOutcome(t.ledger);
      await run(t.ledger);
      const before = await matcherSnapshot(t.ledger.db);
      const again = await run(t.ledger, rulesWith(), NOW + HOUR);
      expect(again).toMatchObject({ matched: 0, opened: 0, reopened: 0, updated: 0, closed: 0 });
      expect(await matcherSnapshot(t.ledger.db)).toEqual(before);
    });

    it('closes an exception automatically when the late payout arrives, and the history shows both', async () => {
      const { r } = await plantEveryOutcome(t.ledger);
      await run(t.ledger);
      const missing = (await exceptionsOf(t.ledger)).find((e) => e.kind === 'missing_at_provider')!;
      const [late] = await insertPayouts(t.ledger.db, [{ mtid: 'A-9', amount: 88_888, createdAt: NOW - 47 * HOUR }]);
      const outcome = await run(t.ledger, rulesWith(), NOW + HOUR);
      expect(outcome.closed).toBeGreaterThanOrEqual(1);
      const closed = await t.ledger.db.selectFrom('exceptions').selectAll().where('id', '=', missing.id).executeTakeFirstOrThrow();
      expect(closed).toMatchObject({ status: 'resolved', resolved_by: 'system' });
      expect(closed.resolution_note).toContain(`the record is now matched (reference) to payout #${late}`);
      const events = await t.ledger.db.selectFrom('exception_events').select(['event', 'note']).where('exception_id', '=', missing.id).orderBy('id').execute();
      expect(events.map((e) => e.event)).toEqual(['opened', 'auto_closed']);
      expect((await recordStates(t.ledger.db, [r.rMissing!], NOW + HOUR, 24 * HOUR)).get(r.rMissing!)?.state).toBe('matched');
      // The unknown payout whose nearest candidate was A-9 now has another nearest: refreshed, not duplicated.
      expect((await exceptionsOf(t.ledger)).filter((e) => e.kind === 'unknown_payout')).toHaveLength(1);
    });

    it('never overwrites a manual decision, and a new difference on the pair opens a new exception', async () => {
      const { p } = await plantEveryOutcome(t.ledger);
      await run(t.ledger);
      const amount = (await exceptionsOf(t.ledger)).find((e) => e.kind === 'amount_mismatch')!;
      await decideException(t.ledger.db, amount.id, { status: 'ignored', note: 'bank fee', actor: 'ops' }, NOW + 1);
      await run(t.ledger, rulesWith(), NOW + HOUR);
      const kept = await t.ledger.db.selectFrom('exceptions').selectAll().where('id', '=', amount.id).executeTakeFirstOrThrow();
      expect(kept).toMatchObject({ status: 'ignored', resolved_by: 'user', resolution_note: 'bank fee', updated_at: NOW + 1 });
      expect((await payoutStates(t.ledger.db, [p.pAmount!])).get(p.pAmount!)?.state).toBe('matched');
      await t.ledger.db.updateTable('payouts').set({ status: 'failed', updated_at: NOW + 2 * HOUR }).where('id', '=', p.pAmount!).execute();
      await run(t.ledger, rulesWith(), NOW + 3 * HOUR);
      const open = (await exceptionsOf(t.ledger)).filter((e) => e.payout_id === p.pAmount && e.status === 'open');
      expect(open.map((e) => [e.kind, e.fingerprint.split(':').pop()])).toEqual([['amount_mismatch', 'amount+status']]);
      expect(open[0]?.summary).toContain('amount 1,234.50 vs 1,243.50 EUR; status failed vs succeeded');
    });

    it('manual match closes what it explains; unmatch reopens them and the matcher never pairs the two again', async () => {
      const { p, r } = await plantEveryOutcome(t.ledger);
      await run(t.ledger);
      const rules = rulesWith();
      const matched = await t.ledger.transaction((trx) => matchByHand(trx, `#${p.pUnknown}`, 'A-9', { note: 'same beneficiary', actor: 'ops', rules }, NOW + 1));
      expect(matched.closed).toHaveLength(2);
      expect(matched.differences.map((d) => d.field)).toEqual(['amount']);
      const audit = await t.ledger.db.selectFrom('audit_log').selectAll().execute();
      expect(audit).toMatchObject([{ action: 'match', actor: 'ops', payout_id: p.pUnknown, internal_record_id: r.rMissing }]);
      const afterMatch = await run(t.ledger, rules, NOW + HOUR);
      expect(afterMatch.exceptions.unknown_payout).toBeUndefined();
      expect(afterMatch.exceptions.missing_at_provider).toBeUndefined();
      expect(afterMatch.exceptions.amount_mismatch).toBe(2);
      await expect(t.ledger.transaction((trx) => matchByHand(trx, `#${p.pExact}`, 'A-9', { note: null, actor: 'ops', rules }, NOW))).rejects.toThrow(
        /already matched to record A-1; unmatch it first/,
      );

      // Take a reference match apart: the matcher must not make it again.
      await t.ledger.transaction((trx) => unmatchByHand(trx, `#${p.pExact}`, { note: 'wrong beneficiary', actor: 'ops' }, NOW + HOUR + 1));
      const payout = await t.ledger.db.selectFrom('payouts').select(['purpose', 'purpose_source']).where('id', '=', p.pExact!).executeTakeFirstOrThrow();
      expect(payout).toEqual({ purpose: null, purpose_source: null });
      await run(t.ledger, rules, NOW + 2 * HOUR);
      expect(await t.ledger.db.selectFrom('matches').select('id').where('payout_id', '=', p.pExact!).execute()).toEqual([]);
      const states = await payoutStates(t.ledger.db, [p.pExact!]);
      expect(states.get(p.pExact!)?.state).toBe('unknown_payout');
      expect((await recordStates(t.ledger.db, [r.rExact!], NOW + 2 * HOUR, 24 * HOUR)).get(r.rExact!)?.state).toBe('missing_at_provider');
    });

    it('with --from/--to classifies only the period, and leaves exceptions outside it alone', async () => {
      const { p } = await plantEveryOutcome(t.ledger);
      const outcome = await run(t.ledger, rulesWith(), NOW, { from: NOW - 20 * HOUR, to: NOW });
      // Leftovers outside the period are not classified; pairs this run matched always are.
      expect(outcome.exceptions).toEqual({ amount_mismatch: 1, currency_mismatch: 1, status_mismatch: 1, stuck_payout: 1 });
      expect((await payoutStates(t.ledger.db, [p.pUnknown!])).get(p.pUnknown!)?.state).toBe('unreconciled');
      const full = await run(t.ledger, rulesWith(), NOW);
      expect(full.exceptions.unknown_payout).toBe(1);
      const narrow = await run(t.ledger, rulesWith(), NOW, { from: NOW - 20 * HOUR, to: NOW });
      expect(narrow.closed).toBe(0);
      expect(narrow.exceptions.unknown_payout).toBe(1);
    });
  });
}
