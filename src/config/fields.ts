/**
 * Field builders for the config schema. Each carries the sentence that ends
 * up in the one-line error (`config: smart2pay.settleSeconds must be a
 * non-negative integer`), so every key explains itself the same way.
 */
import { CronExpressionParser } from 'cron-parser';
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { isKnownCurrency } from '../shared/currencies.js';
import { parseMoney } from '../shared/money.js';
import { isValidTimeZone } from '../shared/time.js';

export const nonNegativeInt = () =>
  z.int({ error: 'must be a non-negative integer' }).min(0, { error: 'must be a non-negative integer' });

export const positiveInt = () =>
  z.int({ error: 'must be a positive integer' }).min(1, { error: 'must be a positive integer' });

export const nonNegativeNumber = () =>
  z.number({ error: 'must be a non-negative number' }).min(0, { error: 'must be a non-negative number' });

export const nonEmptyString = () =>
  z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });

export const httpUrl = () =>
  z
    .string({ error: 'must be an http(s) URL' })
    .refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), { error: 'must be an http(s) URL' })
    .transform((v) => v.replace(/\/+$/, ''));

export const timeZone = () =>
  z
    .string({ error: 'must be an IANA time zone such as "Europe/Bucharest" or "UTC"' })
    .refine(isValidTimeZone, { error: 'must be an IANA time zone such as "Europe/Bucharest" or "UTC"' });

export const isoInstant = () =>
  z
    .string({ error: 'must be an ISO 8601 date-time with a zone, e.g. "2026-01-01T00:00:00Z"' })
    .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), {
      error: 'must be an ISO 8601 date-time with a zone, e.g. "2026-01-01T00:00:00Z"',
    })
    .transform((v) => Date.parse(v));

export const cronExpression = () =>
  z
    .string({ error: 'must be a cron expression such as "*/15 * * * *"' })
    // node-cron fires the jobs; cron-parser finds the tick missed while the daemon was down: both must read it.
    .refine((v) => isValidCron(v) && readsBackwards(v), { error: 'must be a cron expression such as "*/15 * * * *"' });

function readsBackwards(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression);
    return true;
  } catch {
    return false;
  }
}

export const currencyCode = () =>
  z
    .string({ error: 'must be an ISO 4217 currency code such as "EUR"' })
    .transform((v) => v.trim().toUpperCase())
    .refine(isKnownCurrency, { error: 'must be an ISO 4217 currency code such as "EUR"' });

/**
 * A per-currency amount map such as `{"EUR": "5000.00"}`: decimal strings in
 * major units in the file, integer minor units in the parsed config.
 */
export const amountsByCurrency = () =>
  z
    .record(z.string(), z.string({ error: 'must be a decimal amount as a string, e.g. "5000.00"' }))
    .superRefine((record, ctx) => {
      for (const [currency, amount] of Object.entries(record)) {
        if (!isKnownCurrency(currency.toUpperCase())) {
          ctx.addIssue({ code: 'custom', path: [currency], message: 'must be keyed by an ISO 4217 currency code such as "EUR"' });
          continue;
        }
        try {
          parseMoney(amount, currency.toUpperCase());
        } catch {
          ctx.addIssue({ code: 'custom', path: [currency], message: 'must be a decimal amount as a string, e.g. "5000.00"' });
        }
      }
    })
    .transform((record) =>
      Object.fromEntries(Object.entries(record).map(([c, a]) => [c.toUpperCase(), parseMoney(a, c.toUpperCase())])),
    );

/** A non-negative decimal amount in major units, kept as text (applied per currency later). */
export const decimalAmount = () =>
  z
    .string({ error: 'must be a decimal amount as a string, e.g. "0.50"' })
    .regex(/^\d+(\.\d+)?$/, { error: 'must be a decimal amount as a string, e.g. "0.50"' });
