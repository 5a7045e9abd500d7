/**
 * Confirms what the inbox received. A notification or webhook is a trigger,
 * not the truth:
 * - Smart2Pay: each notified payout is asked for again
 *   (`GET /v1/payouts/{id}`) and what the API answers is stored through the
 *   payout store as an API observation (source `get`), exactly as sync would
 *   store it; the notification's own fields are only compared with it (a
 *   difference is noted on the delivery and logged, never stored). A payout
 *   the API does not know (404) is never stored: the delivery is `rejected`
 *   with the reason and logged. A failure (5xx, timeout, network) leaves the
 *   delivery `received` with a back-off; it is retried, never lost.
 * - Smart Glocal: the client has no GET of one payout, and the webhook is
 *   signed by the provider (verified at receipt), so its payouts are applied
 *   as `webhook` observations: the payout store's status rule (a final
 *   status is never moved back by a notification or webhook) keeps a late or
 *   replayed `in_progress` from undoing `succeeded`.
 *
 * Processing is at least once (a crash between storing the payout and
 * settling the delivery processes it again) and storing is idempotent, so
 * the ledger sees each delivery's effect once.
 */
import pLimit from 'p-limit';
import type { PayoutObservation } from '../domain/payout-observation.js';
import type { Ledger } from '../ledger/ledger.js';
import { upsertPayouts } from '../ledger/payout-store.js';
import { type Smart2PayClient, parsePayoutBody, type Smart2PayPayoutItem } from '../providers/smart2pay/client.js';
import { parseSmartGlocalWebhook, WebhookFormatError } from '../providers/smartglocal/webhook.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { formatInstant } from '../shared/time.js';
import { claimDeliveries, type InboxDelivery, type Settlement, settleDeliveries } from './inbox-store.js';

export interface InboxSmart2Pay {
  client: Smart2PayClient;
  map: (item: Smart2PayPayoutItem) => PayoutObservation;
  /** GETs in flight at once. */
  concurrency: number;
}

export interface InboxProcessorDeps {
  ledger: Ledger;
  clock: Clock;
  log: Logger;
  /** Null where Smart2Pay is not configured: its deliveries wait. */
  smart2pay: InboxSmart2Pay | null;
  signal?: AbortSignal | undefined;
}

export interface InboxPassOptions {
  /** `due` (the daemon's loop) or `all` (sync/poll: everything still received, leases and back-off ignored). */
  mode: 'due' | 'all';
  /** Deliveries per claim (one GET each, one store and one settle transaction per batch). */
  batchSize?: number;
  leaseMs?: number;
  /** Back-off after a failed attempt: `retryBaseMs · 2^(attempts−1)`, at most `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface InboxPassResult {
  confirmed: number;
  rejected: number;
  /** Attempts that failed (the provider API down or slow): the delivery stays, to be retried. */
  retrying: number;
}

export const INBOX_DEFAULTS = Object.freeze({ batchSize: 50, leaseMs: 120_000, retryBaseMs: 1000, retryMaxMs: 300_000 });

/** Processes deliveries until none is left to claim (or the signal aborts between batches). */
export async function processInbox(deps: InboxProcessorDeps, options: InboxPassOptions): Promise<InboxPassResult> {
  const o = { ...INBOX_DEFAULTS, ...options };
  const result: InboxPassResult = { confirmed: 0, rejected: 0, retrying: 0 };
  let afterId = 0;
  while (!deps.signal?.aborted) {
    const batch = await claimDeliveries(deps.ledger, { now: deps.clock(), leaseMs: o.leaseMs, limit: o.batchSize, afterId, mode: o.mode });
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]!.id;
    const settlements = [
      ...(await confirmSmart2Pay(deps, batch.filter((d) => d.provider === 'smart2pay'))),
      ...(await applySmartGlocal(deps, batch.filter((d) => d.provider === 'smartglocal'))),
    ];
    const now = deps.clock();
    for (const s of settlements) {
      if (s.status !== 'received') continue;
      const attempts = batch.find((d) => d.id === s.id)?.attempts ?? 1;
      s.retryAt = now + Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.min(30, attempts - 1));
    }
    await settleDeliveries(deps.ledger, settlements, now);
    for (const s of settlements) result[s.status === 'received' ? 'retrying' : s.status] += 1;
  }
  return result;
}

type Lookup = { kind: 'found'; observation: PayoutObservation } | { kind: 'missing' } | { kind: 'failed'; error: string };

async function confirmSmart2Pay(deps: InboxProcessorDeps, deliveries: readonly InboxDelivery[]): Promise<Settlement[]> {
  if (deliveries.length === 0) return [];
  const smart2pay = deps.smart2pay;
  if (!smart2pay) {
    return deliveries.map((d) => ({ id: d.id, status: 'received', note: 'smart2pay is not configured here: waiting', retryAt: 0 }));
  }
  // One GET per payout, however many deliveries name it in this batch.
  const limit = pLimit(smart2pay.concurrency);
  const lookups = new Map<string, Promise<Lookup>>();
  for (const d of deliveries) {
    if (lookups.has(d.subject)) continue;
    lookups.set(
      d.subject,
      limit(async (): Promise<Lookup> => {
        try {
          const item = await smart2pay.client.getPayout(d.subject, deps.signal ? { signal: deps.signal } : {});
          return item === null ? { kind: 'missing' } : { kind: 'found', observation: smart2pay.map(item) };
        } catch (error) {
          return { kind: 'failed', error: describeError(error) };
        }
      }),
    );
  }
  const answers = new Map<string, Lookup>();
  for (const [subject, lookup] of lookups) answers.set(subject, await lookup);
  const found = [...answers.values()].flatMap((a) => (a.kind === 'found' ? [a.observation] : []));
  if (found.length > 0) await upsertPayouts(deps.ledger, found, { source: 'get', now: deps.clock() });

  return deliveries.map((d): Settlement => {
    const answer = answers.get(d.subject)!;
    if (answer.kind === 'failed') {
      deps.log.warn('smart2pay notification not confirmed yet: will retry', { delivery: d.id, payout: d.subject, attempts: d.attempts, error: answer.error });
      return { id: d.id, status: 'received', note: `GET /v1/payouts/${d.subject} failed: ${answer.error}`, retryAt: 0 };
    }
    if (answer.kind === 'missing') {
      const note = `GET /v1/payouts/${d.subject} answered 404: the provider's API does not know this payout; nothing stored`;
      deps.log.warn('smart2pay notification rejected', { delivery: d.id, payout: d.subject, reason: note });
      return { id: d.id, status: 'rejected', note };
    }
    const differences = notifiedDifferences(smart2pay.map, d.body, answer.observation);
    if (differences !== null) {
      deps.log.warn('smart2pay notification differs from the API; the API is stored', { delivery: d.id, payout: d.subject, differences });
    }
    return { id: d.id, status: 'confirmed', note: differences === null ? null : `the notification differed from the API (stored): ${differences}` };
  });
}

/** What the notification claimed differently from the API, one line; null when it agrees. */
function notifiedDifferences(map: InboxSmart2Pay['map'], body: string, api: PayoutObservation): string | null {
  let notified: PayoutObservation;
  try {
    notified = map(parsePayoutBody(body));
  } catch (error) {
    return `the notification no longer reads (${describeError(error)})`;
  }
  const fields: Array<[string, unknown, unknown]> = [
    ['Amount', notified.amount, api.amount],
    ['Currency', notified.currency, api.currency],
    ['MerchantTransactionID', notified.merchantTransactionId, api.merchantTransactionId],
    ['Created', formatInstant(notified.createdAt), formatInstant(api.createdAt)],
    ['Status', notified.providerStatus, api.providerStatus],
  ];
  const differing = fields.filter(([, a, b]) => a !== b).map(([name, a, b]) => `${name} ${String(a)} (API ${String(b)})`);
  return differing.length === 0 ? null : differing.join(', ');
}

async function applySmartGlocal(deps: InboxProcessorDeps, deliveries: readonly InboxDelivery[]): Promise<Settlement[]> {
  const settlements: Settlement[] = [];
  const observations: PayoutObservation[] = [];
  for (const d of deliveries) {
    try {
      observations.push(...parseSmartGlocalWebhook(d.body).observations);
      settlements.push({ id: d.id, status: 'confirmed', note: null });
    } catch (error) {
      if (!(error instanceof WebhookFormatError)) throw error;
      const note = `the webhook no longer validates: ${error.message}`;
      deps.log.warn('smartglocal webhook rejected', { delivery: d.id, session: d.subject, reason: note });
      settlements.push({ id: d.id, status: 'rejected', note });
    }
  }
  // In delivery order, in one transaction: the status rule sees them as they came.
  if (observations.length > 0) await upsertPayouts(deps.ledger, observations, { source: 'webhook', now: deps.clock() });
  return settlements;
}
