/**
 * The reconciliation state of payouts and internal records, as the ledger
 * shows it after a run. Every payout and every record is in exactly one:
 *
 * - `<kind>`: an open matcher exception names it as its subject (payouts:
 *   the pair kinds, `unknown_payout`, `duplicate_payout`, `proposed_match`;
 *   records: the pair kinds, `missing_at_provider`, `proposed_match`). A run
 *   leaves at most one such exception open per payout and per record;
 * - `matched`: matched (reference, tolerance or manual) with no open
 *   exception on the pair;
 * - `resolved` / `ignored`: not matched, no open exception, and a user
 *   closed the last exception about it;
 * - `not_yet_due`: a record not matched, within `matching.missingGraceHours`
 *   of its creation (a payout is never "not yet due": it is classified at once);
 * - `unreconciled`: not looked at yet (created after the last run, or outside
 *   the period of a `--from/--to` run).
 *
 * Exceptions of the monitors (`suspected_manual_refund`,
 * `unexplained_balance_change`) are flags on top of this state, not states.
 */
import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../ledger/schema.js';
import type { Instant } from '../shared/time.js';
import { PAYOUT_STATE_KINDS, RECORD_STATE_KINDS } from './kinds.js';

export type ReconciliationState = string;

export interface SubjectState {
  state: ReconciliationState;
  /** The open exception giving the state, if any. */
  exceptionId: number | null;
  /** Match method when matched (also when a pair exception is open). */
  matchMethod: string | null;
  /** How many open state-giving exceptions name it (1 at most after a run). */
  openExceptions: number;
}

type Db = Kysely<LedgerDatabase>;

const CHUNK = 500;

/** States of the given payouts (by ledger ID). */
export async function payoutStates(db: Db, ids: readonly number[]): Promise<Map<number, SubjectState>> {
  return states(db, ids, 'payout_id', PAYOUT_STATE_KINDS, () => false);
}

/** States of the given internal records (by ledger ID); `now` and the grace period tell "not yet due". */
export async function recordStates(db: Db, ids: readonly number[], now: Instant, missingGraceMs: number): Promise<Map<number, SubjectState>> {
  const created = new Map<number, number>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db.selectFrom('internal_records').select(['id', 'created_at']).where('id', 'in', ids.slice(i, i + CHUNK)).execute();
    for (const r of rows) created.set(r.id, r.created_at);
  }
  return states(db, ids, 'internal_record_id', RECORD_STATE_KINDS, (id) => now - (created.get(id) ?? 0) < missingGraceMs);
}

async function states(
  db: Db,
  ids: readonly number[],
  column: 'payout_id' | 'internal_record_id',
  kinds: readonly string[],
  notYetDue: (id: number) => boolean,
): Promise<Map<number, SubjectState>> {
  const out = new Map<number, SubjectState>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const exceptions = await db
      .selectFrom('exceptions')
      .select(['id', 'kind', 'status', 'resolved_by', column])
      .where(column, 'in', chunk)
      .where('kind', 'in', [...kinds])
      .orderBy('id')
      .execute();
    const matches = await db.selectFrom('matches').select([column, 'method']).where(column, 'in', chunk).execute();
    const matchMethod = new Map(matches.map((m) => [m[column], m.method]));
    for (const id of chunk) {
      const mine = exceptions.filter((e) => e[column] === id);
      const open = mine.filter((e) => e.status === 'open');
      const method = matchMethod.get(id) ?? null;
      const lastUser = [...mine].reverse().find((e) => e.resolved_by === 'user');
      let state: ReconciliationState;
      if (open.length > 0) state = (open[0] as (typeof open)[number]).kind;
      else if (method !== null) state = 'matched';
      else if (lastUser) state = lastUser.status;
      else if (notYetDue(id)) state = 'not_yet_due';
      else state = 'unreconciled';
      out.set(id, { state, exceptionId: open[0]?.id ?? null, matchMethod: method, openExceptions: open.length });
    }
  }
  return out;
}
