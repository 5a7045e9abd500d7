/**
 * Zod schemas of Smart2Pay payout responses: tolerant where the provider is
 * known to vary (`Amount`, `ID`, `MethodID` and reason `Code` as a number or
 * a digit string; `Reasons` as `[]`, `null` or missing; unknown fields
 * ignored here and kept in the raw payload), strict on what the ledger needs
 * (an ID, `Created`, `Amount`, `Currency`, a `Status` object).
 * Unknown status IDs pass: they are normalized to `unknown`, never dropped.
 */
import { z } from 'zod';

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/** A non-negative integer sent as a JSON number or a digit string, as a safe integer. */
const integerLike = (what: string) =>
  z
    .union([z.number(), z.string()], { error: (issue) => `must be ${what} (number or digit string), got ${show(issue.input)}` })
    .transform((value, ctx) => {
      const n = typeof value === 'number' ? value : /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < 0) {
        ctx.issues.push({ code: 'custom', input: value, message: `must be ${what} (number or digit string), got ${show(value)}` });
        return z.NEVER;
      }
      return n;
    });

const optionalText = z
  .union([z.string(), z.number()], { error: (issue) => `must be a string, got ${show(issue.input)}` })
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v)));

export const smart2payReasonSchema = z.object({
  Code: z
    .union([z.number(), z.string()], { error: (issue) => `must be a number or string, got ${show(issue.input)}` })
    .nullish()
    .transform((v) => (v === null || v === undefined ? '' : String(v))),
  Info: optionalText,
});

export const smart2payStatusSchema = z.object(
  {
    ID: integerLike('a status ID').nullable(),
    Info: optionalText,
    Reasons: z
      .array(smart2payReasonSchema, { error: (issue) => `must be a list or null, got ${show(issue.input)}` })
      .nullish()
      .transform((v) => v ?? []),
  },
  { error: (issue) => `must be a status object, got ${show(issue.input)}` },
);

const createdSchema = z
  .string({ error: (issue) => `must be a YYYYMMDDHHMMSS date-time, got ${show(issue.input)}` })
  .regex(/^\d{14}$/, { error: (issue) => `must be a YYYYMMDDHHMMSS date-time, got ${show(issue.input)}` });

export const smart2payPayoutSchema = z.object({
  ID: integerLike('the payout ID').transform(String),
  SiteID: optionalText,
  Created: createdSchema,
  MethodID: integerLike('a method ID').nullish().transform((v) => v ?? null),
  MerchantTransactionID: optionalText,
  Amount: integerLike('an integer amount in minor units'),
  Currency: z
    .string({ error: (issue) => `must be an ISO 4217 currency code, got ${show(issue.input)}` })
    .regex(/^[A-Za-z]{3}$/, { error: (issue) => `must be an ISO 4217 currency code, got ${show(issue.input)}` })
    .transform((v) => v.toUpperCase()),
  Description: optionalText,
  Status: smart2payStatusSchema,
  BillingAddress: z
    .object({ Country: optionalText }, { error: (issue) => `must be an address object, got ${show(issue.input)}` })
    .nullish()
    .transform((v) => v ?? null),
  Details: z.unknown().optional(),
  Card: z.unknown().optional(),
  CreditCardToken: z.unknown().optional(),
});

export type Smart2PayPayout = z.output<typeof smart2payPayoutSchema>;

export const smart2payStatusResponseSchema = z.object(
  {
    Payout: z.object(
      {
        ID: integerLike('the payout ID').transform(String),
        MerchantTransactionID: optionalText,
        Status: smart2payStatusSchema,
      },
      { error: (issue) => `must be a payout object, got ${show(issue.input)}` },
    ),
  },
  { error: 'must be a JSON object with "Payout"' },
);

export type Smart2PayStatus = z.output<typeof smart2payStatusResponseSchema>['Payout'];

/** One line per problem: `Amount must be …` / `Status.Reasons[0].Code must be …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join('');
      const message = 'input' in issue && issue.input === undefined ? 'is missing' : issue.message;
      return where ? `${where} ${message}` : message;
    })
    .join('; ');
}

// ---------------------------------------------------------------- fast path

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `integerLike` without zod; undefined when zod must decide. */
function fastInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= 16) {
    for (let i = 0; i < value.length; i += 1) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
    }
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** `optionalText` without zod; NaN-free sentinel `false` when zod must decide. */
function fastText(value: unknown): string | null | false {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return false;
}

function fastStatus(value: unknown): Smart2PayPayout['Status'] | undefined {
  if (!isObject(value)) return undefined;
  const id = value.ID === null ? null : fastInteger(value.ID);
  if (id === undefined) return undefined;
  const info = fastText(value.Info);
  if (info === false) return undefined;
  const raw = value.Reasons;
  const reasons: Smart2PayPayout['Status']['Reasons'] = [];
  if (raw !== null && raw !== undefined) {
    if (!Array.isArray(raw)) return undefined;
    for (const r of raw) {
      if (!isObject(r)) return undefined;
      const code = r.Code;
      if (code !== null && code !== undefined && typeof code !== 'number' && typeof code !== 'string') return undefined;
      const rInfo = fastText(r.Info);
      if (rInfo === false) return undefined;
      reasons.push({ Code: code === null || code === undefined ? '' : String(code), Info: rInfo });
    }
  }
  return { ID: id, Info: info, Reasons: reasons };
}

function isCurrencyCode(value: string): boolean {
  if (value.length !== 3) return false;
  for (let i = 0; i < 3; i += 1) {
    const c = value.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

function isCreated(value: string): boolean {
  if (value.length !== 14) return false;
  for (let i = 0; i < 14; i += 1) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * `smart2payPayoutSchema.parse` for the usual shapes, about thirty times
 * faster (a sync parses a million payouts). Returns exactly what zod returns,
 * or undefined for anything unusual or invalid: the caller then asks zod,
 * which accepts the tolerated variants and words the error. A property test
 * holds the two to the same answers.
 */
export function fastParsePayout(value: unknown): Smart2PayPayout | undefined {
  if (!isObject(value)) return undefined;
  const id = fastInteger(value.ID);
  if (id === undefined) return undefined;
  const siteId = fastText(value.SiteID);
  if (siteId === false) return undefined;
  const created = value.Created;
  if (typeof created !== 'string' || !isCreated(created)) return undefined;
  const methodRaw = value.MethodID;
  const methodId = methodRaw === null || methodRaw === undefined ? null : fastInteger(methodRaw);
  if (methodId === undefined) return undefined;
  const mt = fastText(value.MerchantTransactionID);
  if (mt === false) return undefined;
  const amount = fastInteger(value.Amount);
  if (amount === undefined) return undefined;
  const currency = value.Currency;
  if (typeof currency !== 'string' || !isCurrencyCode(currency)) return undefined;
  const description = fastText(value.Description);
  if (description === false) return undefined;
  const status = fastStatus(value.Status);
  if (status === undefined) return undefined;
  const address = value.BillingAddress;
  let billing: Smart2PayPayout['BillingAddress'] = null;
  if (address !== null && address !== undefined) {
    if (!isObject(address)) return undefined;
    const country = fastText(address.Country);
    if (country === false) return undefined;
    billing = { Country: country };
  }
  const out: Smart2PayPayout = {
    ID: String(id),
    SiteID: siteId,
    Created: created,
    MethodID: methodId,
    MerchantTransactionID: mt,
    Amount: amount,
    Currency: currency.toUpperCase(),
    Description: description,
    Status: status,
    BillingAddress: billing,
  };
  if ('Details' in value) out.Details = value.Details;
  if ('Card' in value) out.Card = value.Card;
  if ('CreditCardToken' in value) out.CreditCardToken = value.CreditCardToken;
  return out;
}
