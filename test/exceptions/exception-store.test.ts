import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  closeExceptionAutomatically,
  decideException,
  raiseExceptions,
  type RaisedException,
} from '../../src/exceptions/exception-store.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { UsageError } from '../../src/shared/errors.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';

const condition = (summary = 'amount 1,234.50 vs 1,243.50 EUR'): RaisedException => ({
  kind: 'amount_mismatch',
  fingerprint: 'amount_mismatch:record:A-1',
  payoutId: null,
  internalRecordId: null,
  summary,
  details: { fields: { amount: ['1234.50', '1243.50'] } },
});

async function events(ledger: Ledger, id: number): Promise<string[]> {
  const rows = await ledger.db.selectFrom('exception_events').select('event').where('exception_id', '=', id).orderBy('id').execute();
  return rows.map((r) => r.event);
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'exception lifecycle', () => {
    let t: TestLedger;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
    });
    afterEach(async () => t.cleanup());

    it('opens once, refreshes in place, and records each change', async () => {
      const db = t.ledger.db;
      const first = await raiseExceptions(db, [condition()], 1000);
      const { id, outcome } = first.get('amount_mismatch:record:A-1')!;
      expect(outcome).toBe('opened');
      expect((await raiseExceptions(db, [condition()], 2000)).get('amount_mismatch:record:A-1')?.outcome).toBe('unchanged');
      expect((await raiseExceptions(db, [condition('amount 1,234.50 vs 1,250.00 EUR')], 3000)).get('amount_mismatch:record:A-1')?.outcome).toBe('updated');
      const rows = await db.selectFrom('exceptions').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.summary).toBe('amount 1,234.50 vs 1,250.00 EUR');
      expect(await events(t.ledger, id)).toEqual(['opened', 'updated']);
    });

    it('closes automatically when the cause disappears, and reopens when it comes back', async () => {
      const db = t.ledger.db;
      const { id } = (await raiseExceptions(db, [condition()], 1000)).get('amount_mismatch:record:A-1')!;
      await closeExceptionAutomatically(db, id, 'the late payout arrived', 2000);
      const closed = await db.selectFrom('exceptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(closed).toMatchObject({ status: 'resolved', resolved_by: 'system', resolution_note: 'the late payout arrived' });
      expect((await raiseExceptions(db, [condition()], 3000)).get('amount_mismatch:record:A-1')?.outcome).toBe('reopened');
      expect(await events(t.ledger, id)).toEqual(['opened', 'auto_closed', 'reopened']);
    });

    it('never overwrites a manual decision, and keeps it in the audit trail', async () => {
      const db = t.ledger.db;
      const { id } = (await raiseExceptions(db, [condition()], 1000)).get('amount_mismatch:record:A-1')!;
      const decided = await decideException(db, id, { status: 'ignored', note: 'fee deducted by bank', actor: 'ops' }, 2000);
      expect(decided).toMatchObject({ status: 'ignored', resolvedBy: 'user', resolutionNote: 'fee deducted by bank' });
      expect((await raiseExceptions(db, [condition()], 3000)).get('amount_mismatch:record:A-1')?.outcome).toBe('kept_closed');
      await closeExceptionAutomatically(db, id, 'gone', 4000);
      const row = await db.selectFrom('exceptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.status).toBe('ignored');
      const audit = await db.selectFrom('audit_log').selectAll().execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'ignore', actor: 'ops', exception_id: id });
      await expect(decideException(db, id, { status: 'resolved', note: 'x', actor: 'ops' }, 5000)).rejects.toThrow(UsageError);
      await expect(decideException(db, id + 99, { status: 'resolved', note: 'x', actor: 'ops' }, 5000)).rejects.toThrow(/does not exist/);
    });
  });
}
