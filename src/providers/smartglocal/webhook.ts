/**
 * Smart Glocal's `ready_to_confirm` and `payment_finished` webhooks
 * (`{type, session}`), read strictly: the body of a signed webhook is
 * validated at receipt (a bad one is answered 400 and never stored) and read
 * again when the inbox applies it, so both see the same rules.
 *
 * Strict where the ledger depends on it: amounts are safe non-negative
 * integers of minor units (a number, or a string of digits: never a float,
 * never negative, never past 2^53 − 1); times are ISO 8601 with seconds and
 * a zone (`Z` or an offset): a zone-less time would be read in whatever zone
 * the server runs in. Tolerant of fields we do not read.
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
import { isKnownCurrency, normalizeCurrency } from '../../shared/currencies.js';
import { parseZonedIsoDateTime, TimeFormatError } from '../../shared/time.js';

const REFERENCE_KEYS = ['merchant_transaction_id', 'merchantTransactionId', 'order_id', 'reference', 'external_id'];

/** An ISO 8601 time with a zone, as epoch milliseconds. */
const zonedTime = z.string().transform((text, ctx) => {
  try {
    return parseZonedIsoDateTime(text);
  } catch (error) {
    if (!(error instanceof TimeFormatError)) throw error;
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time with seconds and a zone (Z or ±HH:MM)' });
    return z.NEVER;
  }
});

/** Integer minor units: a safe non-negative integer, as a JSON number or a string of digits. */
const minorUnits = z.unknown().transform((value, ctx) => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= 0) return n;
  ctx.addIssue({ code: 'custom', message: 'must be a non-negative integer of minor units below 2^53 (a number or a string of digits)' });
  return z.NEVER;
});

const payoutSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  created_at: zonedTime,
  finished_at: zonedTime.nullish(),
  amount_details: z.looseObject({
    amount: minorUnits,
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
    created_at: zonedTime.optional(),
    updated_at: zonedTime.optional(),
    metadata: z.unknown().optional(),
    payments: z.array(z.unknown()).nullish(),
  }),
});

type SmartGlocalPayout = z.output<typeof payoutSchema>;

/** A webhook body that is not JSON or not a Smart Glocal session webhook; the message names the field. */
export class WebhookFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookFormatError';
  }
}

export interface SmartGlocalWebhook {
  type: string;
  sessionId: string;
  observations: PayoutObservation[];
}

/** Parses and validates a webhook body (the exact bytes the signature covered). */
export function parseSmartGlocalWebhook(body: string): SmartGlocalWebhook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WebhookFormatError('the body is not JSON');
  }
  const webhook = webhookSchema.safeParse(parsed);
  if (!webhook.success) throw new WebhookFormatError(`not a Smart Glocal webhook: ${describe(webhook.error)}`);
  const { type, session } = webhook.data;
  const observations: PayoutObservation[] = [];
  for (const [i, item] of (session.payments ?? []).entries()) {
    const payout = payoutSchema.safeParse(item);
    if (!payout.success) throw new WebhookFormatError(`session.payments[${i}]: ${describe(payout.error)}`);
    observations.push(smartglocalPayoutObservation(payout.data, session, JSON.stringify(item)));
  }
  return { type, sessionId: session.id, observations };
}

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

function smartglocalPayoutObservation(
  payout: SmartGlocalPayout,
  session: { id: string; metadata?: unknown },
  raw: string,
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
    createdAt: payout.created_at,
    status: normalizeSmartGlocalStatus(payout.status),
    providerStatus: payout.status,
    providerStatusInfo: null,
    reasons: [],
    method: type && isPayoutMethod(type) ? type : 'unknown',
    providerMethod: type,
    purpose: resolvePurpose(description),
    country: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : null,
    description,
    raw,
  };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.join('.') || 'body'} ${issue.message}`;
}
