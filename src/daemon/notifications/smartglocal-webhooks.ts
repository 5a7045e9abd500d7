/**
 * `POST /webhooks/smartglocal`: Smart Glocal's `ready_to_confirm` and
 * `payment_finished` webhooks (`{type, session}`), signed by the provider:
 * `X-PARTNER-SIGN` over the exact body bytes, verified with its public key
 * before anything is read. The session's payouts go to the ledger as provider
 * `smartglocal`; a webhook retried by the provider changes nothing the second
 * time. The provider retries for 30 minutes until it gets a 200.
 *
 * Assumptions (the provider documents objects, not every field): payouts are
 * the session's `payments[]`; the merchant's reference is a string in the
 * payout's or the session's `metadata` under one of `REFERENCE_KEYS`; the
 * remittance purpose is a `description` inside `payment_method`.
 */
import { z } from 'zod';
import type { PayoutObservation } from '../../domain/payout-observation.js';
import { isPayoutMethod } from '../../domain/payout-method.js';
import { normalizeSmartGlocalStatus } from '../../domain/payout-status.js';
import { resolvePurpose } from '../../domain/purposes.js';
import type { Ledger } from '../../ledger/ledger.js';
import { upsertPayouts } from '../../ledger/payout-store.js';
import type { WebhookSignatureVerifier } from '../../providers/smartglocal/signature.js';
import type { Clock } from '../../shared/clock.js';
import { isKnownCurrency, normalizeCurrency } from '../../shared/currencies.js';
import type { Logger } from '../../shared/logger.js';
import { type HttpHandler, HttpError } from '../http/router.js';

export const SMARTGLOCAL_WEBHOOK_PATH = '/webhooks/smartglocal';

const REFERENCE_KEYS = ['merchant_transaction_id', 'merchantTransactionId', 'order_id', 'reference', 'external_id'];

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { error: 'must be an ISO 8601 time' });

const payoutSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  created_at: timestamp,
  finished_at: timestamp.nullish(),
  amount_details: z.looseObject({
    amount: z.union([z.int(), z.string().regex(/^-?\d+$/).transform(Number)]),
    currency: z.string().refine((c) => isKnownCurrency(normalizeCurrency(c)), { error: 'must be an ISO 4217 code' }),
  }),
  payment_method: z.unknown().optional(),
  customer: z.unknown().optional(),
  metadata: z.unknown().optional(),
});

const webhookSchema = z.looseObject({
  type: z.string().min(1),
  session: z.looseObject({
    id: z.string().min(1),
    status: z.string().nullish(),
    metadata: z.unknown().optional(),
    payments: z.array(z.unknown()).nullish(),
  }),
});

type SmartGlocalPayout = z.output<typeof payoutSchema>;

function stringAt(value: unknown, keys: readonly string[]): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value !== 'object' || value === null) return null;
  for (const key of keys) {
    const found = (value as Record<string, unknown>)[key];
    if (typeof found === 'string' && found.trim() !== '') return found.trim();
  }
  return null;
}

/** The first `description` (or `country`) found in a nested object, a few levels down at most. */
function findField(value: unknown, field: string, depth = 3): string | null {
  if (depth < 0 || typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const direct = record[field];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  for (const child of Object.values(record)) {
    const found = findField(child, field, depth - 1);
    if (found) return found;
  }
  return null;
}

export function smartglocalPayoutObservation(
  payout: SmartGlocalPayout,
  session: { id: string; metadata?: unknown },
): PayoutObservation {
  const type = stringAt(payout.payment_method, ['type']);
  const description = findField(payout.payment_method, 'description');
  const country = findField(payout.customer, 'country') ?? findField(payout.payment_method, 'country');
  return {
    provider: 'smartglocal',
    providerPayoutId: payout.id,
    merchantTransactionId: stringAt(payout.metadata, REFERENCE_KEYS) ?? stringAt(session.metadata, REFERENCE_KEYS),
    sessionId: session.id,
    siteId: null,
    // Smart Glocal amounts are already integer minor units of the currency.
    amount: payout.amount_details.amount,
    currency: normalizeCurrency(payout.amount_details.currency),
    createdAt: Date.parse(payout.created_at),
    status: normalizeSmartGlocalStatus(payout.status),
    providerStatus: payout.status,
    providerStatusInfo: null,
    reasons: [],
    method: type && isPayoutMethod(type) ? type : 'unknown',
    providerMethod: type,
    purpose: resolvePurpose(description),
    country: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : null,
    description,
    raw: JSON.stringify(payout),
  };
}

export function smartglocalWebhookHandler(deps: {
  verify: WebhookSignatureVerifier;
  ledger: Ledger;
  clock: Clock;
  log: Logger;
}): HttpHandler {
  return async (request) => {
    const body = await request.body();
    const signature = request.headers['x-partner-sign'];
    if (!deps.verify(body, Array.isArray(signature) ? signature[0] : signature)) {
      throw new HttpError(401, 'the X-PARTNER-SIGN signature does not verify');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    const webhook = webhookSchema.safeParse(parsed);
    if (!webhook.success) throw new HttpError(400, `not a Smart Glocal webhook: ${describe(webhook.error)}`);
    const { type, session } = webhook.data;
    const observations: PayoutObservation[] = [];
    for (const [i, item] of (session.payments ?? []).entries()) {
      const payout = payoutSchema.safeParse(item);
      if (!payout.success) throw new HttpError(400, `session.payments[${i}]: ${describe(payout.error)}`);
      observations.push(smartglocalPayoutObservation(payout.data, session));
    }
    const counts =
      observations.length > 0
        ? await upsertPayouts(deps.ledger, observations, { source: 'webhook', now: deps.clock() })
        : { inserted: 0, updated: 0, unchanged: 0 };
    deps.log.info('smartglocal webhook', {
      type,
      session: session.id,
      payouts: observations.length,
      inserted: counts.inserted,
      updated: counts.updated,
    });
    return { status: 200, json: { ok: true } };
  };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.join('.') || 'body'} ${issue.message}`;
}
