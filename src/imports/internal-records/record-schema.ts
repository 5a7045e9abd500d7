/**
 * What one row of an internal-records export must look like, as a zod
 * schema over the row's text cells. Pure: no I/O, so it is tested with plain
 * values. The output is the record as the ledger stores it (minor units,
 * epoch milliseconds, normalized codes).
 */
import { z } from 'zod';
import { resolvePurpose } from '../../domain/purposes.js';
import { isCountryCode } from '../../shared/countries.js';
import { isKnownCurrency } from '../../shared/currencies.js';
import { clipValue } from '../../shared/redact.js';
import { CellReader, type FileFormats } from '../formats/cell-reader.js';
import { notAnAmount, plainDecimal } from '../formats/amount-text.js';

export const RECORD_METHODS = ['bank_account', 'wallet', 'card'] as const;
export const RECORD_STATUSES = ['succeeded', 'failed', 'pending', 'cancelled'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** An internal record as imported (the ledger's `internal_records` without bookkeeping columns). */
export interface InternalRecordInput {
  internalId: string;
  /** The value compared with the provider's MerchantTransactionID. */
  reference: string;
  amount: number;
  currency: string;
  createdAt: number;
  method: string | null;
  purpose: string | null;
  country: string | null;
  status: RecordStatus | null;
}

/** The cells of one row, by our field names (optional fields may be absent); an XLSX number or date cell comes as such. */
export interface RecordCells {
  internal_id: string;
  amount: string | number | Date;
  currency: string;
  created_at: string | number | Date;
  method?: string | undefined;
  purpose?: string | undefined;
  country?: string | undefined;
  status?: string | undefined;
  reference?: string | undefined;
}

export interface RecordSchemaOptions {
  /** Zone of date-times written without one (`YYYY-MM-DD HH:MM:SS`). */
  timezone: string;
  /** Separators and date formats of the export (`internalRecords`). */
  formats: FileFormats;
  /** `reference`: the separate reference column is compared with MerchantTransactionID. */
  reference: 'internal_id' | 'reference';
}

/** MerchantTransactionID's documented shape; internal IDs and references must fit it. */
const TRANSACTION_ID = /^[0-9a-zA-Z_-]{1,50}$/;

/**
 * A text cell starting like a spreadsheet formula. Such a value is never a
 * legitimate ID or code, and passing it on would carry a formula into the
 * accountants' report packs.
 */
export function looksLikeFormula(text: string): boolean {
  const first = text.charAt(0);
  return first === '=' || first === '+' || first === '-' || first === '@' || first === '\t' || first === '\r';
}

const optionalCell = z
  .string()
  .optional()
  .transform((v) => (v === undefined ? '' : v.trim()));

function transactionId(what: string) {
  return z
    .string()
    .transform((v) => v.trim())
    .superRefine((v, ctx) => {
      if (v === '') ctx.addIssue({ code: 'custom', message: 'is empty' });
      else if (looksLikeFormula(v)) ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" looks like a spreadsheet formula` });
      else if (!TRANSACTION_ID.test(v)) {
        ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" is not ${what} (1-50 letters, digits, "_" or "-")` });
      }
    });
}


function textCode<T extends string>(allowed: readonly T[], normalize: (v: string) => string = (v) => v.toLowerCase()) {
  return optionalCell.transform((v, ctx): T | null => {
    if (v === '') return null;
    if (looksLikeFormula(v)) {
      ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" looks like a spreadsheet formula` });
      return z.NEVER;
    }
    const code = normalize(v);
    if (!(allowed as readonly string[]).includes(code)) {
      ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" is not one of ${allowed.join(', ')} (or empty)` });
      return z.NEVER;
    }
    return code as T;
  });
}

/** Builds the row schema for one import (zone, formats and reference column come from config). */
export function internalRecordSchema(options: RecordSchemaOptions) {
  const read = new CellReader(options.formats, options.timezone);
  const currency = z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .superRefine((v, ctx) => {
      if (v === '') ctx.addIssue({ code: 'custom', message: 'is empty' });
      else if (!isKnownCurrency(v)) ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" is not an ISO 4217 currency code` });
    });
  const createdAt = z.union([z.string(), z.number(), z.date()]).transform((v, ctx) => {
    const text = typeof v === 'string' ? v : String(v);
    if (text.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'is empty' });
      return z.NEVER;
    }
    try {
      return read.instant(text, v instanceof Date ? v : undefined);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
  const purpose = optionalCell.transform((v, ctx) => {
    if (v === '') return null;
    if (looksLikeFormula(v)) {
      ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" looks like a spreadsheet formula` });
      return z.NEVER;
    }
    const code = resolvePurpose(v);
    if (code === null) ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" is not a known remittance purpose code` });
    return code;
  });
  const country = optionalCell.transform((v, ctx) => {
    if (v === '') return null;
    const code = v.toUpperCase();
    if (!isCountryCode(code)) {
      ctx.addIssue({ code: 'custom', message: `"${clipValue(v)}" is not an ISO 3166-1 alpha-2 country code` });
      return z.NEVER;
    }
    return code;
  });
  const status = textCode(RECORD_STATUSES, (v) => {
    const lower = v.toLowerCase();
    return lower === 'canceled' ? 'cancelled' : lower;
  });

  // Syntax is checked per field (so it is reported with the other fields);
  // decimals against the currency's exponent once the currency is known.
  const amount = z.union([z.string(), z.number(), z.date()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    if (v instanceof Date) {
      ctx.addIssue({ code: 'custom', message: 'is a date, not an amount' });
      return z.NEVER;
    }
    const text = v.trim();
    if (text === '') ctx.addIssue({ code: 'custom', message: 'is empty' });
    else if (plainDecimal(text, read.amountFormat) === null) ctx.addIssue({ code: 'custom', message: notAnAmount(clipValue(text), read.amountFormat) });
    return text;
  });

  return z
    .object({
      internal_id: transactionId('an internal ID'),
      amount,
      currency,
      created_at: createdAt,
      method: textCode(RECORD_METHODS),
      purpose,
      country,
      status,
      reference: options.reference === 'reference' ? transactionId('a reference') : z.string().optional(),
    })
    .transform((row, ctx): InternalRecordInput => {
      let amount = 0;
      try {
        amount = typeof row.amount === 'number' ? read.amount(String(row.amount), row.amount, row.currency) : read.amount(row.amount, undefined, row.currency);
        if (amount <= 0) ctx.addIssue({ code: 'custom', path: ['amount'], message: `"${clipValue(String(row.amount))}" is not a positive amount` });
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: (error as Error).message });
      }
      return {
        internalId: row.internal_id,
        reference: options.reference === 'reference' ? (row.reference ?? '') : row.internal_id,
        amount,
        currency: row.currency,
        createdAt: row.created_at,
        method: row.method,
        purpose: row.purpose,
        country: row.country,
        status: row.status,
      };
    });
}

export type InternalRecordSchema = ReturnType<typeof internalRecordSchema>;

export interface RowProblem {
  field: string;
  message: string;
}

/** Validates one row; either the record or its problems (one per field). */
export function validateRecordCells(
  schema: InternalRecordSchema,
  cells: RecordCells,
): { ok: true; record: InternalRecordInput } | { ok: false; problems: RowProblem[] } {
  const result = schema.safeParse(cells);
  if (result.success) return { ok: true, record: result.data };
  const seen = new Set<string>();
  const problems: RowProblem[] = [];
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'row');
    if (seen.has(field)) continue;
    seen.add(field);
    problems.push({ field, message: issue.message });
  }
  return { ok: false, problems };
}
