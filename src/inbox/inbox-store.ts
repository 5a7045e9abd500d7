/**
 * The notification inbox table (`notification_inbox`, migration 0007):
 * recording a delivery at receipt, claiming the ones due for processing, and
 * settling each as confirmed, rejected or to be retried. Same statements on
 * SQLite and PostgreSQL (Kysely), each call one transaction.
 *
 * Dedupe key: the provider and the SHA-256 of the body bytes. Neither
 * provider sends a delivery ID; a resend (Smart2Pay resends until it gets
 * 204) or a replay (a captured Smart Glocal webhook: the signature covers
 * the body only, so a replay is byte-identical) is the same bytes, so it
 * lands on the same row and is processed once. Two bodies that differ in any
 * byte are two claims and are both kept (a forged field stays on record);
 * processing them twice is harmless, since each is confirmed against the
 * provider's API or applied under the status rules.
 */
import { createHash } from 'node:crypto';
import type { ObservationSource } from '../domain/payout-observation.js';
import type { ProviderName } from '../domain/payout.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Instant } from '../shared/time.js';

export interface NewDelivery {
  provider: ProviderName;
  source: Extract<ObservationSource, 'notification' | 'webhook'>;
  /** The Smart2Pay payout ID, the Smart Glocal session ID. */
  subject: string;
  /** The body bytes as received. */
  body: Buffer;
}

export interface InboxDelivery {
  id: number;
  provider: string;
  source: string;
  subject: string;
  body: string;
  receivedAt: Instant;
  /** Claims so far, this one included. */
  attempts: number;
}

export type Settlement =
  | { id: number; status: 'confirmed'; note: string | null }
  | { id: number; status: 'rejected'; note: string }
  | { id: number; status: 'received'; note: string; retryAt: Instant };

/** Writes a delivery before it is answered; a body already in the inbox only counts one more delivery. */
export async function recordDelivery(ledger: Ledger, delivery: NewDelivery, now: Instant): Promise<{ id: number; duplicate: boolean }> {
  const row = await ledger.db
    .insertInto('notification_inbox')
    .values({
      provider: delivery.provider,
      source: delivery.source,
      body_sha256: createHash('sha256').update(delivery.body).digest('hex'),
      subject: delivery.subject,
      body: delivery.body.toString('utf8'),
      received_at: now,
      last_received_at: now,
      deliveries: 1,
      status: 'received',
      attempts: 0,
      next_attempt_at: now,
      processed_at: null,
      note: null,
    })
    .onConflict((oc) =>
      oc.columns(['provider', 'body_sha256']).doUpdateSet((eb) => ({
        deliveries: eb('notification_inbox.deliveries', '+', 1),
        last_received_at: now,
      })),
    )
    .returning(['id', 'deliveries'])
    .executeTakeFirstOrThrow();
  return { id: row.id, duplicate: row.deliveries > 1 };
}

export interface ClaimOptions {
  now: Instant;
  /** Claimed deliveries are not claimed again before `now + leaseMs` (another pass or replica). */
  leaseMs: number;
  limit: number;
  /** Keyset: only deliveries with a larger id (one pass never takes a delivery twice). */
  afterId: number;
  /** `due`: only deliveries whose `next_attempt_at` has come; `all`: every one still received (crash recovery). */
  mode: 'due' | 'all';
}

/**
 * Claims the next deliveries still `received`, oldest first: a conditional
 * update that pushes `next_attempt_at` out by the lease and counts the
 * attempt. On PostgreSQL a concurrent claimer re-checks the condition on the
 * locked row, so two replicas do not both take it.
 */
export async function claimDeliveries(ledger: Ledger, options: ClaimOptions): Promise<InboxDelivery[]> {
  const { now, mode } = options;
  const rows = await ledger.transaction(async (trx) => {
    let pick = trx
      .selectFrom('notification_inbox')
      .select('id')
      .where('status', '=', 'received')
      .where('id', '>', options.afterId)
      .orderBy('id')
      .limit(options.limit);
    if (mode === 'due') pick = pick.where('next_attempt_at', '<=', now);
    let update = trx
      .updateTable('notification_inbox')
      .set((eb) => ({ next_attempt_at: now + options.leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', pick)
      .where('status', '=', 'received');
    if (mode === 'due') update = update.where('next_attempt_at', '<=', now);
    return update.returning(['id', 'provider', 'source', 'subject', 'body', 'received_at', 'attempts']).execute();
  });
  return rows
    .map((r) => ({ id: r.id, provider: r.provider, source: r.source, subject: r.subject, body: r.body, receivedAt: r.received_at, attempts: r.attempts }))
    .sort((a, b) => a.id - b.id);
}

/** Records how each claimed delivery ended, in one transaction; a delivery settled meanwhile (another pass) is left alone. */
export async function settleDeliveries(ledger: Ledger, settlements: readonly Settlement[], now: Instant): Promise<number> {
  if (settlements.length === 0) return 0;
  return ledger.transaction(async (trx) => {
    let changed = 0;
    // The common case, confirmed with nothing to note, is one statement per batch.
    const plain = settlements.filter((s) => s.status === 'confirmed' && s.note === null).map((s) => s.id);
    if (plain.length > 0) {
      const result = await trx
        .updateTable('notification_inbox')
        .set({ status: 'confirmed', note: null, processed_at: now })
        .where('id', 'in', plain)
        .where('status', '=', 'received')
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
    for (const s of settlements) {
      if (s.status === 'confirmed' && s.note === null) continue;
      const result = await trx
        .updateTable('notification_inbox')
        .set(
          s.status === 'received'
            ? { note: s.note, next_attempt_at: s.retryAt }
            : { status: s.status, note: s.note, processed_at: now },
        )
        .where('id', '=', s.id)
        .where('status', '=', 'received')
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
    return changed;
  });
}

/** Deliveries still waiting for confirmation (an index range on `(status, next_attempt_at)`). */
export async function pendingDeliveries(ledger: Ledger): Promise<number> {
  const row = await ledger.db
    .selectFrom('notification_inbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'received')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
