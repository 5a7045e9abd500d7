/**
 * Manual decisions on matching: `match <payout> <record>` and
 * `unmatch <payout>`. Both are kept in the audit trail; the matcher never
 * undoes them (a manual match stays, and a pair taken apart by hand is never
 * matched again by the matcher: the `unmatch` audit row is the marker).
 */
import { closeExceptionsAutomatically } from '../exceptions/exception-store.js';
import { toJson } from '../ledger/mapping.js';
import type { LedgerTransaction } from '../ledger/ledger.js';
import { UsageError } from '../shared/errors.js';
import type { Instant } from '../shared/time.js';
import { type Difference, differences } from './diagnostics.js';
import { PAIR_KINDS } from './kinds.js';
import type { MatchingRules, PayoutFacts, RecordFacts } from './rules.js';

/**
 * A payout as given on the command line: the provider's payout ID (`1234`,
 * `po_1313`), `provider:ID` when two providers share an ID, or `#<ledger id>`.
 */
export async function findPayout(db: LedgerTransaction, ref: string): Promise<PayoutFacts> {
  let query = db
    .selectFrom('payouts')
    .select(['id', 'provider', 'provider_payout_id', 'merchant_transaction_id', 'amount', 'currency', 'created_at', 'status', 'method', 'purpose', 'country']);
  const ledgerId = /^#(\d+)$/.exec(ref);
  const prefixed = /^(smart2pay|smartglocal):(.+)$/.exec(ref);
  if (ledgerId) query = query.where('id', '=', Number(ledgerId[1]));
  else if (prefixed) query = query.where('provider', '=', prefixed[1] as string).where('provider_payout_id', '=', prefixed[2] as string);
  else query = query.where('provider_payout_id', '=', ref);
  const rows = await query.execute();
  if (rows.length === 0) throw new UsageError(`payout ${ref} is not in the ledger`);
  if (rows.length > 1) {
    throw new UsageError(`payout ${ref} exists at ${rows.map((r) => r.provider).join(' and ')}; say which, e.g. ${rows[0]?.provider}:${ref}, or use #<ledger id>`);
  }
  const row = rows[0] as (typeof rows)[number];
  return {
    id: row.id,
    provider: row.provider,
    providerPayoutId: row.provider_payout_id,
    merchantTransactionId: row.merchant_transaction_id,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.created_at,
    status: row.status,
    method: row.method,
    purpose: row.purpose,
    country: row.country,
  };
}

/** An internal record by its internal_id (or `#<ledger id>`). */
export async function findRecord(db: LedgerTransaction, ref: string): Promise<RecordFacts> {
  const ledgerId = /^#(\d+)$/.exec(ref);
  const row = await db
    .selectFrom('internal_records')
    .select(['id', 'internal_id', 'reference', 'amount', 'currency', 'created_at', 'status', 'method', 'purpose', 'country'])
    .where(ledgerId ? 'id' : 'internal_id', '=', ledgerId ? Number(ledgerId[1]) : ref)
    .executeTakeFirst();
  if (!row) throw new UsageError(`internal record ${ref} is not in the ledger`);
  return {
    id: row.id,
    internalId: row.internal_id,
    reference: row.reference,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.created_at,
    status: row.status,
    method: row.method,
    purpose: row.purpose,
    country: row.country,
  };
}

export interface ManualMatchOutcome {
  payout: PayoutFacts;
  record: RecordFacts;
  /** Exceptions this match explained, now resolved. */
  closed: number[];
  /** What still differs (the next reconcile raises it as a mismatch). */
  differences: Difference[];
}

/** Matches a payout and a record by hand, and resolves the exceptions that the match explains. */
export async function matchByHand(
  db: LedgerTransaction,
  payoutRef: string,
  recordRef: string,
  decision: { note: string | null; actor: string; rules: MatchingRules },
  now: Instant,
): Promise<ManualMatchOutcome> {
  const payout = await findPayout(db, payoutRef);
  const record = await findRecord(db, recordRef);
  const existing = await db
    .selectFrom('matches as m')
    .innerJoin('payouts as p', 'p.id', 'm.payout_id')
    .innerJoin('internal_records as r', 'r.id', 'm.internal_record_id')
    .select(['m.payout_id', 'm.internal_record_id', 'p.provider_payout_id', 'r.internal_id'])
    .where((eb) => eb.or([eb('m.payout_id', '=', payout.id), eb('m.internal_record_id', '=', record.id)]))
    .execute();
  const ofPayout = existing.find((m) => m.payout_id === payout.id);
  if (ofPayout && ofPayout.internal_record_id === record.id) {
    throw new UsageError(`payout ${payoutRef} is already matched to record ${record.internalId}`);
  }
  if (ofPayout) throw new UsageError(`payout ${payoutRef} is already matched to record ${ofPayout.internal_id}; unmatch it first`);
  const ofRecord = existing.find((m) => m.internal_record_id === record.id);
  if (ofRecord) {
    throw new UsageError(`record ${record.internalId} is already matched to payout ${ofRecord.provider_payout_id}; unmatch that payout first`);
  }
  await db
    .insertInto('matches')
    .values({
      payout_id: payout.id,
      internal_record_id: record.id,
      method: 'manual',
      confidence: 100,
      run_id: null,
      created_at: now,
      created_by: decision.actor,
      note: decision.note,
    })
    .execute();
  // The exceptions this match explains: the payout had no record, the record
  // had no payout, or either was proposed/duplicated elsewhere.
  const explained = await db
    .selectFrom('exceptions')
    .select(['id', 'kind'])
    .where('status', '=', 'open')
    .where('kind', 'in', ['unknown_payout', 'missing_at_provider', 'proposed_match', 'duplicate_payout'])
    .where((eb) =>
      eb.or([
        eb('payout_id', '=', payout.id),
        eb.and([eb('internal_record_id', '=', record.id), eb('kind', 'in', ['missing_at_provider', 'proposed_match'])]),
      ]),
    )
    .execute();
  const note = `matched by hand: payout ${payout.providerPayoutId} and record ${record.internalId}${decision.note ? ` (${decision.note})` : ''}`;
  await closeByUser(db, explained.map((e) => e.id), note, now);
  await db
    .insertInto('audit_log')
    .values({
      at: now,
      actor: decision.actor,
      action: 'match',
      payout_id: payout.id,
      internal_record_id: record.id,
      exception_id: null,
      details: toJson({ note: decision.note, closed_exceptions: explained.map((e) => e.id) }),
    })
    .execute();
  return { payout, record, closed: explained.map((e) => e.id), differences: differences(decision.rules, payout, record, false) };
}

export interface ManualUnmatchOutcome {
  payout: PayoutFacts;
  record: RecordFacts;
  method: string;
  closed: number[];
}

/** Takes a payout's match apart; the matcher will not pair these two again. */
export async function unmatchByHand(
  db: LedgerTransaction,
  payoutRef: string,
  decision: { note: string | null; actor: string },
  now: Instant,
): Promise<ManualUnmatchOutcome> {
  const payout = await findPayout(db, payoutRef);
  const match = await db.selectFrom('matches').selectAll().where('payout_id', '=', payout.id).executeTakeFirst();
  if (!match) throw new UsageError(`payout ${payoutRef} is not matched`);
  const record = await findRecord(db, `#${match.internal_record_id}`);
  await db.deleteFrom('matches').where('id', '=', match.id).execute();
  // Exceptions about the pair lose their subject.
  const pairExceptions = await db
    .selectFrom('exceptions')
    .select('id')
    .where('status', '=', 'open')
    .where('kind', 'in', [...PAIR_KINDS])
    .where('payout_id', '=', payout.id)
    .where('internal_record_id', '=', record.id)
    .execute();
  const note = `unmatched by hand${decision.note ? ` (${decision.note})` : ''}`;
  await closeByUser(db, pairExceptions.map((e) => e.id), note, now);
  // A purpose that came from this record goes with it.
  await db
    .updateTable('payouts')
    .set({ purpose: null, purpose_source: null })
    .where('id', '=', payout.id)
    .where('purpose_source', '=', 'internal')
    .execute();
  await db
    .insertInto('audit_log')
    .values({
      at: now,
      actor: decision.actor,
      action: 'unmatch',
      payout_id: payout.id,
      internal_record_id: record.id,
      exception_id: null,
      details: toJson({ note: decision.note, method: match.method, confidence: match.confidence, closed_exceptions: pairExceptions.map((e) => e.id) }),
    })
    .execute();
  return { payout, record, method: match.method, closed: pairExceptions.map((e) => e.id) };
}

/**
 * Closed as "cause gone" (system) with the manual decision as the reason, not
 * as a user decision: if the match is taken apart again, the matcher reopens
 * them. The decision itself is in the audit trail.
 */
async function closeByUser(db: LedgerTransaction, ids: readonly number[], note: string, now: Instant): Promise<void> {
  await closeExceptionsAutomatically(
    db,
    ids.map((id) => ({ id, reason: note })),
    now,
  );
}
