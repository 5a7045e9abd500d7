import { z } from 'zod';
import { amountsByCurrency, httpUrl, nonNegativeInt, positiveInt } from '../fields.js';

export const alertsSection = z
  .strictObject({
    /** Alert when a currency's prefunding balance is below this (major units). */
    lowBalance: amountsByCurrency().default({}),
    /** Alert when the balance lasts fewer business days than this at the recent payout rate. */
    runwayDays: nonNegativeInt().default(3),
    /** Days of payouts that make "the recent daily payout rate". */
    runwayLookbackDays: positiveInt().default(14),
    /**
     * When the provider takes a payout off the balance: `success` (open and
     * authorized payouts are still to be debited), `creation` (held when
     * created, released when it fails, is cancelled or expires), or `auto`:
     * the model the balance snapshots show. Undocumented by the provider.
     */
    debitOn: z.enum(['auto', 'success', 'creation'], { error: 'must be "auto", "success" or "creation"' }).default('auto'),
    /** How far back a manual refund is looked for among succeeded bank payouts. */
    refundLookbackDays: positiveInt().default(90),
    /** At most this many payouts are combined to explain one balance increase. */
    refundMaxPayouts: positiveInt().default(3),
    /**
     * How late we may observe a debit the provider already made (poll and sync
     * lag): an unexplained balance drop is kept this long and netted against
     * the payouts observed later, instead of reading their debit as a refund.
     */
    observationLagHours: nonNegativeInt().default(6),
    /** An imported top-up may reach the balance up to this many days after its date. */
    topupWindowDays: positiveInt().default(5),
    /** An alert still true after this many hours is sent again as a reminder. */
    reminderHours: positiveInt().default(24),
    /** Webhook URLs that receive every alert as JSON (kind, severity, title, text, details). */
    webhooks: z.array(httpUrl(), { error: 'must be a list of http(s) URLs' }).default([]),
    webhookTimeoutMs: positiveInt().default(10_000),
    webhookRetries: nonNegativeInt().default(3),
    /** First backoff delay between webhook attempts (exponential with jitter, honouring Retry-After). */
    webhookRetryDelayMs: positiveInt().default(1000),
  })
  .prefault({});
