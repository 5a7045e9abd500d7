/**
 * `payout-recon import <file> --kind provider-report`: Smart Glocal's daily
 * report of successful operations (CSV or XLSX, by e-mail or SFTP), columns
 * `operationId, transactionDate, finishedAt, typeOfPayment (Advice|Refund),
 * paymentSessionId, paymentSessionMerchantMetadata, grossLocalAmount,
 * paymentLocalAmount, feesLocalAmount, currency, RRN`.
 *
 * Every row is validated (nothing is imported when one is wrong). `Advice`
 * rows (payouts) are only counted. Each `Refund` row becomes a
 * `balance_movements` row of kind `refund` (reference: its `operationId`;
 * re-importing changes nothing), linked to its payout when the ledger has
 * exactly one payout with that payment session ID, or else with the
 * merchant transaction ID found in the merchant metadata; and it raises (or
 * confirms) the payout's `suspected_manual_refund` with `report` evidence.
 *
 * Assumptions (the report format is documented, its semantics are not):
 * `finishedAt` is wall-clock time in `smartglocal.report.timezone`; the
 * money back is the absolute value of `smartglocal.report.refundAmountColumn`
 * (`paymentLocalAmount` by default); amounts are decimals in major units.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Ledger } from '../ledger/ledger.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import { narrowCandidateSets } from '../monitoring/candidate-narrowing.js';
import { explainEarlierIncrease } from '../monitoring/late-credits.js';
import { loadSuspectedPayout, recordRefundEvidence } from '../monitoring/refund-suspicions.js';
import { isKnownCurrency, normalizeCurrency } from '../shared/currencies.js';
import { InputError } from '../shared/errors.js';
import { formatMoney, MoneyFormatError } from '../shared/money.js';
import { formatInstant, type Instant } from '../shared/time.js';
import { CellReader, type FileFormats, PLAIN_FORMATS } from './formats/cell-reader.js';
import { checkRows, type FileMovement, newMovements, openImportFile, recordImport } from './import-file.js';
import { findColumn } from './tabular/tabular-file.js';
import { clipValue } from '../shared/redact.js';

export type RefundAmountColumn = 'paymentLocalAmount' | 'grossLocalAmount';

export interface ProviderReportImportOptions {
  displayName?: string;
  /** Zone of `finishedAt` / `transactionDate` (config `smartglocal.report.timezone`). */
  timezone: string;
  refundAmountColumn: RefundAmountColumn;
  /** How the report writes amounts and dates (config `smartglocal.report`; default: plain). */
  formats?: FileFormats;
  /** Config `alerts.topupWindowDays`: how far a reported refund may be from the balance increase it explains. */
  creditWindowDays: number;
  /** How far back a regression counts as refund evidence when narrowing candidates (`alerts.refundLookbackDays`, default 90). */
  refundLookbackDays?: number;
  sheet?: string | undefined;
  clock: () => Instant;
}

export interface ProviderReportImportOutcome {
  kind: 'provider-report';
  file: string;
  importId: number;
  sha256: string;
  rows: number;
  advices: number;
  refunds: number;
  inserted: number;
  unchanged: number;
  /** New refunds linked to a payout of the ledger. */
  linked: number;
  /** Payouts whose refund is now confirmed (the report agrees with the balance or the poller). */
  confirmed: number[];
  /** Payouts (or reported operations) whose refund is only suspected so far. */
  suspected: number;
  closedExceptions: number[];
}

const AMOUNT_COLUMNS = ['grossLocalAmount', 'paymentLocalAmount', 'feesLocalAmount'] as const;

interface ReportRefund extends FileMovement {
  operationId: string;
  occurredAt: Instant;
  finishedAtText: string;
  currency: string;
  amount: number;
  sessionId: string | null;
  metadata: string | null;
  rrn: string | null;
  amounts: Record<string, string>;
}

/** The merchant transaction ID in `paymentSessionMerchantMetadata`: the text itself, or a known key of a JSON object. */
export function merchantReference(metadata: string | null): string | null {
  if (metadata === null || metadata === '') return null;
  if (metadata.startsWith('{')) {
    try {
      const value = JSON.parse(metadata) as Record<string, unknown>;
      for (const [key, v] of Object.entries(value)) {
        if (/^(merchant_?transaction_?id|order_?id|reference)$/i.test(key) && (typeof v === 'string' || typeof v === 'number')) {
          return String(v);
        }
      }
    } catch {
      return null;
    }
    return null;
  }
  return /^[0-9a-zA-Z_-]{1,50}$/.test(metadata) ? metadata : null;
}

async function findPayout(db: Kysely<LedgerDatabase>, refund: ReportRefund): Promise<{ payoutId: number | null; by: string | null; candidates: number[] }> {
  if (refund.sessionId !== null) {
    const rows = await db.selectFrom('payouts').select('id').where('session_id', '=', refund.sessionId).limit(5).execute();
    if (rows.length === 1) return { payoutId: rows[0]!.id, by: 'paymentSessionId', candidates: [] };
    if (rows.length > 1) return { payoutId: null, by: null, candidates: rows.map((r) => r.id) };
  }
  const reference = merchantReference(refund.metadata);
  if (reference !== null) {
    const rows = await db.selectFrom('payouts').select('id').where('merchant_transaction_id', '=', reference).limit(5).execute();
    if (rows.length === 1) return { payoutId: rows[0]!.id, by: 'paymentSessionMerchantMetadata', candidates: [] };
    if (rows.length > 1) return { payoutId: null, by: null, candidates: rows.map((r) => r.id) };
  }
  return { payoutId: null, by: null, candidates: [] };
}

export async function importProviderReport(ledger: Ledger, file: string, options: ProviderReportImportOptions): Promise<ProviderReportImportOutcome> {
  const name = options.displayName ?? file;
  const startedAt = options.clock();
  const input = await openImportFile(file, name, { sheet: options.sheet });
  const { tabular } = input;
  const required = ['operationId', 'finishedAt', 'typeOfPayment', 'currency', options.refundAmountColumn];
  const missing = required.filter((c) => findColumn(tabular.columns, c) === -1);
  if (missing.length > 0) {
    throw new InputError(name, [{ row: 1, message: `has no column ${missing.map((m) => `"${m}"`).join(', ')} (is it a Smart Glocal daily report?)` }]);
  }
  const at = (c: string): number => findColumn(tabular.columns, c);
  const refunds: ReportRefund[] = [];
  const firstRows = new Map<string, number>();
  let advices = 0;
  const read = new CellReader(options.formats ?? PLAIN_FORMATS, options.timezone);
  const rows = await checkRows(input, (row) => {
    const cell = (column: string): string => row.cell(at(column));
    const operationId = cell('operationId');
    if (operationId === '') row.fail('operationId', 'is empty');
    const type = cell('typeOfPayment').toLowerCase();
    if (type !== 'advice' && type !== 'refund') row.fail('typeOfPayment', `"${clipValue(cell('typeOfPayment'))}" is neither Advice nor Refund`);
    let occurredAt = 0;
    try {
      occurredAt = read.instant(cell('finishedAt'), row.typed(at('finishedAt')));
    } catch (error) {
      row.fail('finishedAt', (error as Error).message);
    }
    const currency = normalizeCurrency(cell('currency'));
    const amounts: Record<string, string> = {};
    let refundAmount = 0;
    if (!isKnownCurrency(currency)) {
      row.fail('currency', `"${clipValue(cell('currency'))}" is not an ISO 4217 currency code`);
    } else {
      for (const column of AMOUNT_COLUMNS) {
        const text = cell(column);
        if (text === '' && column !== options.refundAmountColumn) continue;
        try {
          const minor = read.amount(text, row.typed(at(column)), currency);
          amounts[column] = formatMoney(minor, currency);
          if (column === options.refundAmountColumn) refundAmount = Math.abs(minor);
        } catch (error) {
          row.fail(column, error instanceof MoneyFormatError ? error.message : `"${clipValue(text)}" is not a decimal amount`);
        }
      }
    }
    if (type === 'advice') {
      if (row.ok) advices += 1;
      return;
    }
    if (type !== 'refund') return;
    if (row.ok && refundAmount === 0) row.fail(options.refundAmountColumn, 'is zero for a Refund');
    if (operationId !== '') row.unique(firstRows, operationId, 'operationId');
    if (!row.ok) return;
    const optional = (c: string): string | null => (cell(c) === '' ? null : cell(c));
    refunds.push({
      row: row.rowNumber,
      reference: operationId,
      operationId,
      occurredAt,
      finishedAtText: cell('finishedAt'),
      currency,
      amount: refundAmount,
      sessionId: optional('paymentSessionId'),
      metadata: optional('paymentSessionMerchantMetadata'),
      rrn: optional('RRN'),
      amounts,
    });
  });
  input.problems.throwIfAny(name);

  const { fresh, unchanged } = await newMovements(ledger, 'refund', refunds, input, {
    field: 'operationId',
    describe: (e) => `a refund of ${e.currency} ${formatMoney(e.amount, e.currency)} at ${formatInstant(e.occurred_at)}`,
  });
  const sha256 = await input.sha256;
  const now = options.clock();
  return ledger.transaction(async (trx) => {
    const importId = await recordImport(trx, {
      kind: 'provider-report',
      fileName: name,
      sha256,
      startedAt,
      finishedAt: now,
      rows,
      inserted: fresh.length,
      unchanged,
    });
    const outcome: ProviderReportImportOutcome = {
      kind: 'provider-report',
      file: name,
      importId,
      sha256,
      rows,
      advices,
      refunds: refunds.length,
      inserted: fresh.length,
      unchanged,
      linked: 0,
      confirmed: [],
      suspected: 0,
      closedExceptions: [],
    };
    for (const r of fresh) {
      const link = await findPayout(trx, r);
      const details: Record<string, unknown> = {
        file: path.basename(name),
        row: r.row,
        operation_id: r.operationId,
        finished_at: r.finishedAtText,
        payment_session_id: r.sessionId,
        merchant_metadata: r.metadata,
        rrn: r.rrn,
        amounts: r.amounts,
        linked_by: link.by,
        ...(link.candidates.length > 0 ? { candidate_payout_ids: link.candidates } : {}),
      };
      const { id } = await trx
        .insertInto('balance_movements')
        .values({
          kind: 'refund',
          provider: 'smartglocal',
          currency: r.currency,
          amount: r.amount,
          occurred_at: r.occurredAt,
          reference: r.operationId,
          import_id: importId,
          payout_id: link.payoutId,
          details: toJson(details),
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const payout = link.payoutId === null ? undefined : await loadSuspectedPayout(trx, link.payoutId);
      if (payout) outcome.linked += 1;
      const recorded = await recordRefundEvidence(
        trx,
        payout ? { payout } : { operationId: r.operationId, amount: r.amount, currency: r.currency },
        [
          {
            source: 'report',
            key: `report:${r.operationId}`,
            operation_id: r.operationId,
            movement_id: id,
            file: path.basename(name),
            row: r.row,
            finished_at: formatInstant(r.occurredAt),
            amount: r.amount,
            currency: r.currency,
            payment_session_id: r.sessionId,
            merchant_metadata: r.metadata,
            rrn: r.rrn,
          },
        ],
        now,
      );
      if (recorded.details.sources.includes('balance')) {
        // The monitor already saw this money come back: it must not explain another increase.
        await trx
          .updateTable('balance_movements')
          .set({ details: toJson({ ...details, seen_on_balance: { exception_id: recorded.id } }) })
          .where('id', '=', id)
          .execute();
      } else {
        outcome.closedExceptions.push(
          ...(await explainEarlierIncrease(
            trx,
            { movementId: id, kind: 'refund', reference: r.operationId, currency: r.currency, amount: r.amount, occurredAt: r.occurredAt, payoutId: link.payoutId, details },
            options.creditWindowDays,
            now,
          )),
        );
      }
      const row = await trx.selectFrom('exceptions').select('details').where('id', '=', recorded.id).executeTakeFirstOrThrow();
      if (fromJson<{ state?: string }>(row.details, {}).state === 'confirmed') {
        if (payout) outcome.confirmed.push(payout.id);
      } else {
        outcome.suspected += 1;
      }
    }
    // Refund rows may single out one of several combinations an earlier balance increase listed.
    for (const currency of new Set(fresh.map((r) => r.currency))) {
      outcome.closedExceptions.push(...(await narrowCandidateSets(trx, currency, options.refundLookbackDays ?? 90, now)));
    }
    return outcome;
  });
}
