/**
 * `payout-recon import <file> --kind topups`: prefunding top-ups (bank wires
 * to the provider) with columns `date,currency,amount,reference`, CSV, XLSX
 * or JSON Lines. Each becomes a `balance_movements` row of kind `topup`, so
 * the refund monitor does not mistake the money for a refund.
 *
 * - `date`: ISO 8601 with a zone, `YYYY-MM-DD[ HH:MM[:SS]]` or one of
 *   `topups.dateFormats`, in the configured `timezone` (the day treasury sent the wire is enough: the
 *   monitor looks for it on the balance up to `alerts.topupWindowDays` later);
 * - `amount`: positive decimal in major units (`25000.00`, or as
 *   `topups.thousandsSeparator`/`decimalSeparator` say);
 * - `reference`: the bank reference, unique: importing the same top-up again
 *   changes nothing; the same reference with another date, currency or
 *   amount is an error.
 * Any problem means nothing is imported (exit 2, problems listed by row).
 */
import path from 'node:path';
import type { Ledger } from '../ledger/ledger.js';
import { toJson } from '../ledger/mapping.js';
import { explainEarlierIncrease } from '../monitoring/late-credits.js';
import { isKnownCurrency, normalizeCurrency } from '../shared/currencies.js';
import { InputError } from '../shared/errors.js';
import { formatMoney } from '../shared/money.js';
import { formatInstant, type Instant } from '../shared/time.js';
import { CellReader, type FileFormats, PLAIN_FORMATS } from './formats/cell-reader.js';
import { checkRows, newMovements, openImportFile, recordImport } from './import-file.js';
import { findColumn } from './tabular/tabular-file.js';
import { clipValue } from '../shared/redact.js';

export interface TopupImportOptions {
  /** The file as the user named it (messages, `imports.file_name`). */
  displayName?: string;
  /** Zone of dates without one (config `timezone`). */
  timezone: string;
  /** How the file writes amounts and dates (config `topups`; default: plain). */
  formats?: FileFormats;
  /** How long after its date a top-up may reach the balance (config `alerts.topupWindowDays`). */
  topupWindowDays: number;
  sheet?: string | undefined;
  clock: () => Instant;
}

export interface TopupImportOutcome {
  kind: 'topups';
  file: string;
  importId: number;
  sha256: string;
  rows: number;
  inserted: number;
  unchanged: number;
  /** Exceptions closed because a top-up imported now explains a balance increase flagged earlier. */
  closedExceptions: number[];
}

interface Topup {
  row: number;
  occurredAt: Instant;
  currency: string;
  amount: number;
  reference: string;
  dateText: string;
}

const COLUMNS = ['date', 'currency', 'amount', 'reference'] as const;

export async function importTopups(ledger: Ledger, file: string, options: TopupImportOptions): Promise<TopupImportOutcome> {
  const name = options.displayName ?? file;
  const startedAt = options.clock();
  const input = await openImportFile(file, name, { sheet: options.sheet });
  const indexes = COLUMNS.map((c) => findColumn(input.tabular.columns, c));
  const missing = COLUMNS.filter((_, i) => indexes[i] === -1);
  if (missing.length > 0) {
    throw new InputError(name, [
      { row: 1, message: `has no column ${missing.map((m) => `"${m}"`).join(', ')} (expected ${COLUMNS.join(',')})` },
    ]);
  }
  const [dateAt, currencyAt, amountAt, referenceAt] = indexes as [number, number, number, number];
  const topups: Topup[] = [];
  const firstRows = new Map<string, number>();
  const read = new CellReader(options.formats ?? PLAIN_FORMATS, options.timezone);
  const rows = await checkRows(input, (row) => {
    const reference = row.cell(referenceAt);
    if (reference === '') row.fail('reference', 'is empty');
    else if (reference.length > 200) row.fail('reference', 'is longer than 200 characters');
    const currency = normalizeCurrency(row.cell(currencyAt));
    if (!isKnownCurrency(currency)) row.fail('currency', `"${clipValue(row.cell(currencyAt))}" is not an ISO 4217 currency code`);
    let amount = 0;
    if (isKnownCurrency(currency)) {
      try {
        amount = read.amount(row.cell(amountAt), row.typed(amountAt), currency);
        if (amount <= 0) row.fail('amount', `"${clipValue(row.cell(amountAt))}" must be positive`);
      } catch (error) {
        row.fail('amount', (error as Error).message);
      }
    }
    let occurredAt = 0;
    try {
      occurredAt = read.instant(row.cell(dateAt), row.typed(dateAt));
    } catch (error) {
      row.fail('date', (error as Error).message);
    }
    if (reference !== '') row.unique(firstRows, reference, 'reference');
    if (row.ok) topups.push({ row: row.rowNumber, occurredAt, currency, amount, reference, dateText: row.cell(dateAt) });
  });
  input.problems.throwIfAny(name);

  // Already imported: unchanged when identical, an error when the reference now means another top-up.
  const { fresh, unchanged } = await newMovements(ledger, 'topup', topups, input, {
    field: 'reference',
    describe: (e) => `${e.currency} ${formatMoney(e.amount, e.currency)} on ${formatInstant(e.occurred_at)}; a top-up's reference must not change meaning`,
  });
  const sha256 = await input.sha256;
  const now = options.clock();
  return ledger.transaction(async (trx) => {
    const importId = await recordImport(trx, {
      kind: 'topups',
      fileName: name,
      sha256,
      startedAt,
      finishedAt: now,
      rows,
      inserted: fresh.length,
      unchanged,
    });
    const closedExceptions: number[] = [];
    for (const t of fresh) {
      const details = { file: path.basename(name), row: t.row, date: t.dateText };
      const { id } = await trx
        .insertInto('balance_movements')
        .values({
          kind: 'topup',
          provider: null,
          currency: t.currency,
          amount: t.amount,
          occurred_at: t.occurredAt,
          reference: t.reference,
          import_id: importId,
          payout_id: null,
          details: toJson(details),
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      closedExceptions.push(
        ...(await explainEarlierIncrease(
          trx,
          { movementId: id, kind: 'topup', reference: t.reference, currency: t.currency, amount: t.amount, occurredAt: t.occurredAt, payoutId: null, details },
          options.topupWindowDays,
          now,
        )),
      );
    }
    return {
      kind: 'topups' as const,
      file: name,
      importId,
      sha256,
      rows,
      inserted: fresh.length,
      unchanged,
      closedExceptions,
    };
  });
}
