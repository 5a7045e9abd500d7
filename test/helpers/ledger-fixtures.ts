/**
 * Builds ledger contents directly (Kysely inserts), for tests of anything
 * that reads the ledger: reports, monitors, the matcher. Every helper fills
 * the columns a test does not care about with plausible defaults and returns
 * the new row's ID.
 *
 *   const f = new LedgerFixtures(ledger);
 *   const p = await f.payout({ amount: 1250, currency: 'EUR', createdAt: Date.parse('2026-10-05T10:00:00Z') });
 *   const r = await f.internalRecord({ internalId: 'INV-1', amount: 1250 });
 *   await f.match(p, r);
 *   await f.exception({ kind: 'amount_mismatch', payoutId: p, internalRecordId: r });
 *
 * `insertManyPayouts` writes large volumes fast (prepared statement on
 * SQLite, multi-row inserts on PostgreSQL) for crash and benchmark tests.
 */
import type { Ledger } from '../../src/ledger/ledger.js';
import type { NewPayoutRow } from '../../src/ledger/schema.js';

export interface PayoutFixture {
  provider?: string;
  providerPayoutId?: string;
  merchantTransactionId?: string | null;
  amount?: number;
  currency?: string;
  createdAt?: number;
  status?: string;
  providerStatus?: string | null;
  reasons?: { code: string; info: string | null }[] | null;
  method?: string;
  purpose?: string | null;
  country?: string | null;
  description?: string | null;
}

export interface InternalRecordFixture {
  internalId?: string;
  reference?: string;
  amount?: number;
  currency?: string;
  createdAt?: number;
  method?: string | null;
  purpose?: string | null;
  country?: string | null;
  status?: string | null;
}

export interface ExceptionFixture {
  kind: string;
  status?: 'open' | 'resolved' | 'ignored';
  payoutId?: number | null;
  internalRecordId?: number | null;
  fingerprint?: string;
  summary?: string;
  details?: Record<string, unknown>;
  openedAt?: number;
  closedAt?: number | null;
  resolvedBy?: string | null;
  resolutionNote?: string | null;
}

export const DEFAULT_TIME = Date.parse('2026-10-15T10:00:00Z');

export function payoutRow(p: PayoutFixture, sequence: number): NewPayoutRow {
  const createdAt = p.createdAt ?? DEFAULT_TIME;
  return {
    provider: p.provider ?? 'smart2pay',
    provider_payout_id: p.providerPayoutId ?? String(100_000 + sequence),
    merchant_transaction_id: p.merchantTransactionId === undefined ? `MTX-${sequence}` : p.merchantTransactionId,
    session_id: null,
    site_id: null,
    amount: p.amount ?? 1000,
    currency: p.currency ?? 'EUR',
    created_at: createdAt,
    status: p.status ?? 'succeeded',
    provider_status: p.providerStatus === undefined ? '2' : p.providerStatus,
    provider_status_info: null,
    reasons: p.reasons ? JSON.stringify(p.reasons) : null,
    method: p.method ?? 'bank_account',
    provider_method: null,
    purpose: p.purpose === undefined ? null : p.purpose,
    purpose_source: p.purpose ? 'provider' : null,
    country: p.country === undefined ? 'RO' : p.country,
    description: p.description ?? null,
    raw: '{}',
    first_seen_at: createdAt,
    updated_at: createdAt,
    status_changed_at: createdAt,
    final_at: null,
    last_polled_at: null,
  };
}

export class LedgerFixtures {
  readonly ledger: Ledger;
  #sequence = 0;

  constructor(ledger: Ledger) {
    this.ledger = ledger;
  }

  async payout(p: PayoutFixture = {}): Promise<number> {
    const row = payoutRow(p, ++this.#sequence);
    const { id } = await this.ledger.db.insertInto('payouts').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  async internalRecord(r: InternalRecordFixture = {}): Promise<number> {
    const seq = ++this.#sequence;
    const internalId = r.internalId ?? `INT-${seq}`;
    const createdAt = r.createdAt ?? DEFAULT_TIME;
    const { id } = await this.ledger.db
      .insertInto('internal_records')
      .values({
        internal_id: internalId,
        reference: r.reference ?? internalId,
        amount: r.amount ?? 1000,
        currency: r.currency ?? 'EUR',
        created_at: createdAt,
        method: r.method ?? 'bank_account',
        purpose: r.purpose ?? null,
        country: r.country ?? null,
        status: r.status ?? null,
        content_hash: `hash-${seq}`,
        first_import_id: null,
        last_import_id: null,
        imported_at: createdAt,
        updated_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async match(payoutId: number, internalRecordId: number, method = 'reference'): Promise<number> {
    const { id } = await this.ledger.db
      .insertInto('matches')
      .values({ payout_id: payoutId, internal_record_id: internalRecordId, method, confidence: 100, run_id: null, created_at: DEFAULT_TIME, created_by: 'matcher', note: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async exception(e: ExceptionFixture): Promise<number> {
    const seq = ++this.#sequence;
    const status = e.status ?? 'open';
    const openedAt = e.openedAt ?? DEFAULT_TIME;
    const { id } = await this.ledger.db
      .insertInto('exceptions')
      .values({
        kind: e.kind,
        status,
        payout_id: e.payoutId ?? null,
        internal_record_id: e.internalRecordId ?? null,
        fingerprint: e.fingerprint ?? `${e.kind}:${seq}`,
        summary: e.summary ?? `${e.kind} ${seq}`,
        details: JSON.stringify(e.details ?? {}),
        opened_at: openedAt,
        updated_at: openedAt,
        closed_at: e.closedAt ?? (status === 'open' ? null : openedAt),
        resolved_by: e.resolvedBy ?? (status === 'open' ? null : 'user'),
        resolution_note: e.resolutionNote ?? null,
        first_run_id: null,
        last_run_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async balanceSnapshot(s: { provider?: string; walletId?: string | null; currency?: string; amount: number; takenAt: number }): Promise<number> {
    const { id } = await this.ledger.db
      .insertInto('balance_snapshots')
      .values({ provider: s.provider ?? 'smartglocal', wallet_id: s.walletId ?? null, currency: s.currency ?? 'EUR', amount: s.amount, taken_at: s.takenAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async balanceMovement(m: {
    kind: 'topup' | 'refund';
    provider?: string | null;
    currency?: string;
    amount: number;
    occurredAt: number;
    reference?: string;
    payoutId?: number | null;
    details?: Record<string, unknown> | null;
  }): Promise<number> {
    const seq = ++this.#sequence;
    const { id } = await this.ledger.db
      .insertInto('balance_movements')
      .values({
        kind: m.kind,
        provider: m.provider === undefined ? 'smartglocal' : m.provider,
        currency: m.currency ?? 'EUR',
        amount: m.amount,
        occurred_at: m.occurredAt,
        reference: m.reference ?? `REF-${seq}`,
        import_id: null,
        payout_id: m.payoutId ?? null,
        details: m.details ? JSON.stringify(m.details) : null,
        created_at: m.occurredAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async alert(a: {
    kind: string;
    conditionKey?: string;
    severity?: string;
    title?: string;
    text?: string;
    state?: 'firing' | 'resolved';
    firedAt: number;
    resolvedAt?: number | null;
  }): Promise<number> {
    const seq = ++this.#sequence;
    const { id } = await this.ledger.db
      .insertInto('alerts')
      .values({
        kind: a.kind,
        condition_key: a.conditionKey ?? `${a.kind}:${seq}`,
        severity: a.severity ?? 'warning',
        title: a.title ?? `${a.kind} alert`,
        text: a.text ?? `${a.kind} alert text`,
        details: null,
        state: a.state ?? (a.resolvedAt ? 'resolved' : 'firing'),
        first_fired_at: a.firedAt,
        last_notified_at: a.firedAt,
        notify_count: 1,
        resolved_at: a.resolvedAt ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  /** `sync_state` row `<source>:payouts`: every payout created before `watermark` is in the ledger. */
  async syncWatermark(source: string, watermark: number | null): Promise<void> {
    await this.ledger.db
      .insertInto('sync_state')
      .values({ key: `${source}:payouts`, watermark, details: null, updated_at: watermark ?? DEFAULT_TIME })
      .execute();
  }
}

/**
 * Inserts `count` payouts made by `make(i)` quickly: one prepared statement
 * in one transaction per 10,000 rows on SQLite, multi-row inserts on
 * PostgreSQL.
 */
export async function insertManyPayouts(ledger: Ledger, count: number, make: (i: number) => PayoutFixture): Promise<void> {
  const BATCH = 10_000;
  for (let start = 0; start < count; start += BATCH) {
    const rows: NewPayoutRow[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) rows.push(payoutRow(make(i), i));
    if (ledger.dialect === 'sqlite') {
      await ledger.withSqlite((raw) => {
        const columns = Object.keys(rows[0]!);
        const stmt = raw.prepare(`insert into payouts (${columns.join(',')}) values (${columns.map((c) => `@${c}`).join(',')})`);
        raw.transaction(() => {
          for (const row of rows) stmt.run(row);
        })();
      });
    } else {
      for (let i = 0; i < rows.length; i += 1000) {
        await ledger.db.insertInto('payouts').values(rows.slice(i, i + 1000)).execute();
      }
    }
  }
}
