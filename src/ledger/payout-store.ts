/**
 * THE way payouts enter the ledger: sync (list), single GETs, status polls,
 * provider notifications and webhooks all go through `upsertPayouts` (full
 * observations) or `recordPayoutStatuses` (status-only observations).
 *
 * Rules, the same on SQLite and PostgreSQL:
 * - one row per (provider, provider_payout_id);
 * - idempotent: an observation that changes nothing writes nothing (not even
 *   `updated_at`); `raw` is replaced only together with a real change;
 * - every status change (provider status included), and the first
 *   observation with `previous_status` null, is a `payout_status_history` row
 *   with its source and observation time; leaving `succeeded` is flagged
 *   `regression = 1` (the refund monitor reads it);
 * - `status_changed_at` moves with each status change, `final_at` is set the
 *   first time a final status is seen and never cleared;
 * - a notification or webhook never moves a final status back to a
 *   non-final one (a late or replayed delivery); only the API may;
 * - what the provider did not tell (null fields, method `unknown`) never
 *   erases what the ledger knows, and a purpose that came from the matched
 *   internal record or a person (`purpose_source` internal/manual) is never
 *   touched by provider data.
 *
 * Each call is one transaction. SQLite takes prepared better-sqlite3
 * statements (the hot path of a million-payout sync); PostgreSQL takes
 * multi-row `insert … on conflict … do update` statements through Kysely.
 */
import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { PayoutObservation, PayoutStatusObservation, ObservationSource } from '../domain/payout-observation.js';
import { isFinalStatus, isPayoutStatus, type PayoutStatus } from '../domain/payout-status.js';
import type { Instant } from '../shared/time.js';
import type { Ledger, LedgerTransaction } from './ledger.js';
import type { NewPayoutRow } from './schema.js';

export interface UpsertPayoutsOptions {
  source: ObservationSource;
  /** The observation time: `first_seen_at`, `updated_at`, history `observed_at`. */
  now: Instant;
}

export interface UpsertPayoutsCounts {
  /** Observations given (duplicates included): `inserted + updated + unchanged`. */
  received: number;
  /** New payouts. */
  inserted: number;
  /** Known payouts with at least one field changed. */
  updated: number;
  /** Known payouts the observation did not change. */
  unchanged: number;
  /** Status changes of known payouts (history rows beyond the first observation). */
  statusChanges: number;
  /** Of those, payouts that left `succeeded`. */
  regressions: number;
}

export interface RecordStatusesOptions extends UpsertPayoutsOptions {
  /** Set `last_polled_at` on every payout observed (default: when source is `poll`). */
  markPolled?: boolean;
}

export interface RecordStatusesCounts {
  received: number;
  /** Status observations that changed the payout. */
  changed: number;
  unchanged: number;
  /** Observations of payouts the ledger does not have (ignored). */
  unknownPayouts: number;
  regressions: number;
}

/** Columns written from an observation, in a fixed order (the SQLite statements bind by position). */
const PAYOUT_COLUMNS = [
  'provider',
  'provider_payout_id',
  'merchant_transaction_id',
  'session_id',
  'site_id',
  'amount',
  'currency',
  'created_at',
  'status',
  'provider_status',
  'provider_status_info',
  'reasons',
  'method',
  'provider_method',
  'purpose',
  'purpose_source',
  'country',
  'description',
  'raw',
  'first_seen_at',
  'updated_at',
  'status_changed_at',
  'final_at',
] as const satisfies readonly (keyof NewPayoutRow)[];

/** The stored fields an observation is compared with. */
interface StoredPayout {
  id: number;
  merchant_transaction_id: string | null;
  session_id: string | null;
  site_id: string | null;
  amount: number;
  currency: string;
  created_at: number;
  status: string;
  provider_status: string | null;
  provider_status_info: string | null;
  reasons: string | null;
  method: string;
  provider_method: string | null;
  purpose: string | null;
  purpose_source: string | null;
  country: string | null;
  description: string | null;
  status_changed_at: number;
  final_at: number | null;
}

const STORED_COLUMNS = [
  'id',
  'merchant_transaction_id',
  'session_id',
  'site_id',
  'amount',
  'currency',
  'created_at',
  'status',
  'provider_status',
  'provider_status_info',
  'reasons',
  'method',
  'provider_method',
  'purpose',
  'purpose_source',
  'country',
  'description',
  'status_changed_at',
  'final_at',
] as const satisfies readonly (keyof StoredPayout)[];

/** Fields of a payout row that an observation decides (everything but identity and bookkeeping). */
type PayoutFields = Omit<StoredPayout, 'id'>;

interface HistoryEntry {
  status: string;
  previous_status: string | null;
  provider_status: string | null;
  provider_status_info: string | null;
  reasons: string | null;
  regression: number;
}

const PROTECTED_PURPOSE_SOURCES = new Set(['internal', 'manual']);

function reasonsText(reasons: PayoutObservation['reasons']): string | null {
  return reasons.length === 0 ? null : JSON.stringify(reasons);
}

/** The row of a payout seen for the first time. */
function newPayoutFields(obs: PayoutObservation, now: Instant): PayoutFields {
  return {
    merchant_transaction_id: obs.merchantTransactionId,
    session_id: obs.sessionId,
    site_id: obs.siteId,
    amount: obs.amount,
    currency: obs.currency,
    created_at: obs.createdAt,
    status: obs.status,
    provider_status: obs.providerStatus,
    provider_status_info: obs.providerStatusInfo,
    reasons: reasonsText(obs.reasons),
    method: obs.method,
    provider_method: obs.providerMethod,
    purpose: obs.purpose,
    purpose_source: obs.purpose === null ? null : 'provider',
    country: obs.country,
    description: obs.description,
    status_changed_at: now,
    final_at: isFinalStatus(obs.status) ? now : null,
  };
}

function firstHistory(fields: PayoutFields): HistoryEntry {
  return {
    status: fields.status,
    previous_status: null,
    provider_status: fields.provider_status,
    provider_status_info: fields.provider_status_info,
    reasons: fields.reasons,
    regression: 0,
  };
}

interface StatusPart {
  status: PayoutStatus;
  providerStatus: string | null;
  providerStatusInfo: string | null;
  reasons: string | null;
}

function statusPartOf(obs: PayoutStatusObservation): StatusPart {
  return { status: obs.status, providerStatus: obs.providerStatus, providerStatusInfo: obs.providerStatusInfo, reasons: reasonsText(obs.reasons) };
}

/** Applies a status to stored fields; returns the history entry when the status changed. */
function applyStatus(existing: PayoutFields, next: PayoutFields, part: StatusPart, now: Instant): HistoryEntry | null {
  next.status = part.status;
  next.provider_status = part.providerStatus;
  next.provider_status_info = part.providerStatusInfo;
  next.reasons = part.reasons;
  const statusChanged = existing.status !== part.status || existing.provider_status !== part.providerStatus;
  if (!statusChanged) return null;
  next.status_changed_at = now;
  if (next.final_at === null && isPayoutStatus(part.status) && isFinalStatus(part.status)) next.final_at = now;
  return {
    status: part.status,
    previous_status: existing.status,
    provider_status: part.providerStatus,
    provider_status_info: part.providerStatusInfo,
    reasons: part.reasons,
    regression: existing.status === 'succeeded' && part.status !== 'succeeded' ? 1 : 0,
  };
}

/** The merged fields of a known payout and what changed. Pure. */
function mergeObservation(
  existing: PayoutFields,
  obs: PayoutObservation,
  now: Instant,
  source: ObservationSource,
): { fields: PayoutFields; changed: boolean; history: HistoryEntry | null } {
  const purposeProtected = existing.purpose_source !== null && PROTECTED_PURPOSE_SOURCES.has(existing.purpose_source);
  const next: PayoutFields = {
    ...existing,
    merchant_transaction_id: obs.merchantTransactionId ?? existing.merchant_transaction_id,
    session_id: obs.sessionId ?? existing.session_id,
    site_id: obs.siteId ?? existing.site_id,
    amount: obs.amount,
    currency: obs.currency,
    created_at: obs.createdAt,
    method: obs.method !== 'unknown' ? obs.method : existing.method,
    provider_method: obs.providerMethod ?? existing.provider_method,
    country: obs.country ?? existing.country,
    description: obs.description ?? existing.description,
  };
  if (!purposeProtected && obs.purpose !== null) {
    next.purpose = obs.purpose;
    next.purpose_source = 'provider';
  }
  // A notification or webhook never moves a final status back (a late or replayed delivery); only the API may.
  const keepFinal = (source === 'notification' || source === 'webhook') && isPayoutStatus(existing.status) && isFinalStatus(existing.status) && !isFinalStatus(obs.status);
  const history = keepFinal ? null : applyStatus(existing, next, statusPartOf(obs), now);
  return { fields: next, changed: history !== null || fieldsDiffer(existing, next), history };
}

function fieldsDiffer(a: PayoutFields, b: PayoutFields): boolean {
  return (
    a.merchant_transaction_id !== b.merchant_transaction_id ||
    a.session_id !== b.session_id ||
    a.site_id !== b.site_id ||
    a.amount !== b.amount ||
    a.currency !== b.currency ||
    a.created_at !== b.created_at ||
    a.status !== b.status ||
    a.provider_status !== b.provider_status ||
    a.provider_status_info !== b.provider_status_info ||
    a.reasons !== b.reasons ||
    a.method !== b.method ||
    a.provider_method !== b.provider_method ||
    a.purpose !== b.purpose ||
    a.purpose_source !== b.purpose_source ||
    a.country !== b.country ||
    a.description !== b.description
  );
}

function emptyCounts(received: number): UpsertPayoutsCounts {
  return { received, inserted: 0, updated: 0, unchanged: 0, statusChanges: 0, regressions: 0 };
}

/**
 * Puts full payout observations into the ledger in one transaction and
 * records every status change. Observations of the same payout within one
 * call are applied in order.
 */
export async function upsertPayouts(
  ledger: Ledger,
  observations: readonly PayoutObservation[],
  options: UpsertPayoutsOptions,
): Promise<UpsertPayoutsCounts> {
  if (observations.length === 0) return emptyCounts(0);
  if (ledger.dialect === 'sqlite') {
    return ledger.withSqlite((raw) => upsertSqlite(raw, observations, options));
  }
  return ledger.transaction((trx) => upsertKysely(trx, observations, options));
}

/**
 * Records status-only observations (a status poll) in one transaction. Only
 * the status fields change; payouts the ledger does not know are counted and
 * skipped (the list sync brings them in whole).
 */
export async function recordPayoutStatuses(
  ledger: Ledger,
  observations: readonly PayoutStatusObservation[],
  options: RecordStatusesOptions,
): Promise<RecordStatusesCounts> {
  const counts: RecordStatusesCounts = { received: observations.length, changed: 0, unchanged: 0, unknownPayouts: 0, regressions: 0 };
  if (observations.length === 0) return counts;
  const markPolled = options.markPolled ?? options.source === 'poll';
  if (ledger.dialect === 'sqlite') {
    return ledger.withSqlite((raw) => recordStatusesSqlite(raw, observations, options, markPolled, counts));
  }
  return ledger.transaction((trx) => recordStatusesKysely(trx, observations, options, markPolled, counts));
}

// ---------------------------------------------------------------- SQLite

interface SqliteStatements {
  insert: Statement;
  select: Statement;
  update: Statement;
  history: Statement;
  updateStatus: Statement;
  markPolled: Statement;
  firstHistoryRange: Statement;
}

const statementCache = new WeakMap<BetterSqlite, SqliteStatements>();

const UPDATE_COLUMNS = [...STORED_COLUMNS.filter((c) => c !== 'id'), 'raw', 'updated_at'] as const;

function sqliteStatements(raw: BetterSqlite): SqliteStatements {
  let cached = statementCache.get(raw);
  if (!cached) {
    cached = {
      insert: raw.prepare(
        `insert into payouts (${PAYOUT_COLUMNS.join(', ')}) values (${PAYOUT_COLUMNS.map(() => '?').join(', ')})
         on conflict (provider, provider_payout_id) do nothing`,
      ),
      select: raw.prepare(`select ${STORED_COLUMNS.join(', ')} from payouts where provider = ? and provider_payout_id = ?`),
      update: raw.prepare(`update payouts set ${UPDATE_COLUMNS.map((c) => `${c} = ?`).join(', ')} where id = ?`),
      history: raw.prepare(
        `insert into payout_status_history
           (payout_id, status, previous_status, provider_status, provider_status_info, reasons, source, observed_at, regression)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateStatus: raw.prepare(
        `update payouts set status = ?, provider_status = ?, provider_status_info = ?, reasons = ?,
           status_changed_at = ?, final_at = ?, updated_at = ? where id = ?`,
      ),
      markPolled: raw.prepare('update payouts set last_polled_at = ? where id = ?'),
      // The first observations of a run of payouts just inserted, copied inside SQLite in one statement.
      firstHistoryRange: raw.prepare(
        `insert into payout_status_history
           (payout_id, status, previous_status, provider_status, provider_status_info, reasons, source, observed_at, regression)
         select id, status, null, provider_status, provider_status_info, reasons, ?, ?, 0 from payouts where id between ? and ? order by id`,
      ),
    };
    statementCache.set(raw, cached);
  }
  return cached;
}

function insertHistory(s: SqliteStatements, payoutId: number, h: HistoryEntry, source: string, now: Instant): void {
  s.history.run(payoutId, h.status, h.previous_status, h.provider_status, h.provider_status_info, h.reasons, source, now, h.regression);
}

function updateRow(s: SqliteStatements, id: number, f: PayoutFields, raw: string, now: Instant): void {
  s.update.run(
    f.merchant_transaction_id,
    f.session_id,
    f.site_id,
    f.amount,
    f.currency,
    f.created_at,
    f.status,
    f.provider_status,
    f.provider_status_info,
    f.reasons,
    f.method,
    f.provider_method,
    f.purpose,
    f.purpose_source,
    f.country,
    f.description,
    f.status_changed_at,
    f.final_at,
    raw,
    now,
    id,
  );
}

function upsertSqlite(raw: BetterSqlite, observations: readonly PayoutObservation[], options: UpsertPayoutsOptions): UpsertPayoutsCounts {
  const s = sqliteStatements(raw);
  const { source, now } = options;
  const counts = emptyCounts(observations.length);
  // Payouts inserted one after another get consecutive ids in this transaction (no other writer):
  // their first history rows are written together, before anything else touches them.
  let firstFrom = 0;
  let firstTo = -1;
  const flushFirst = (): void => {
    if (firstTo < firstFrom) return;
    s.firstHistoryRange.run(source, now, firstFrom, firstTo);
    firstTo = -1;
  };
  const applyKnown = (existing: StoredPayout, obs: PayoutObservation): void => {
    flushFirst();
    const merged = mergeObservation(existing, obs, now, source);
    if (!merged.changed) {
      counts.unchanged += 1;
      return;
    }
    counts.updated += 1;
    updateRow(s, existing.id, merged.fields, obs.raw, now);
    if (merged.history) {
      counts.statusChanges += 1;
      counts.regressions += merged.history.regression;
      insertHistory(s, existing.id, merged.history, source, now);
    }
  };
  // A batch is mostly new payouts (a first walk) or mostly known ones (the look-back
  // re-walk): try first what the previous payout was, to spare a statement.
  let expectNew = true;
  const run = raw.transaction(() => {
    for (const obs of observations) {
      if (!expectNew) {
        const known = s.select.get(obs.provider, obs.providerPayoutId) as StoredPayout | undefined;
        if (known) {
          applyKnown(known, obs);
          continue;
        }
      }
      const fields = newPayoutFields(obs, now);
      const info = s.insert.run(
        obs.provider,
        obs.providerPayoutId,
        fields.merchant_transaction_id,
        fields.session_id,
        fields.site_id,
        fields.amount,
        fields.currency,
        fields.created_at,
        fields.status,
        fields.provider_status,
        fields.provider_status_info,
        fields.reasons,
        fields.method,
        fields.provider_method,
        fields.purpose,
        fields.purpose_source,
        fields.country,
        fields.description,
        obs.raw,
        now,
        now,
        fields.status_changed_at,
        fields.final_at,
      );
      if (info.changes === 1) {
        expectNew = true;
        counts.inserted += 1;
        const id = Number(info.lastInsertRowid);
        if (firstTo >= firstFrom && id !== firstTo + 1) flushFirst();
        if (firstTo < firstFrom) firstFrom = id;
        firstTo = id;
        continue;
      }
      expectNew = false;
      applyKnown(s.select.get(obs.provider, obs.providerPayoutId) as StoredPayout, obs);
    }
    flushFirst();
  });
  run.immediate();
  return counts;
}

function recordStatusesSqlite(
  raw: BetterSqlite,
  observations: readonly PayoutStatusObservation[],
  options: RecordStatusesOptions,
  markPolled: boolean,
  counts: RecordStatusesCounts,
): RecordStatusesCounts {
  const s = sqliteStatements(raw);
  const { source, now } = options;
  const run = raw.transaction(() => {
    for (const obs of observations) {
      const existing = s.select.get(obs.provider, obs.providerPayoutId) as StoredPayout | undefined;
      if (!existing) {
        counts.unknownPayouts += 1;
        continue;
      }
      const outcome = mergeStatus(existing, obs, now);
      if (outcome.changed) {
        const f = outcome.fields;
        s.updateStatus.run(f.status, f.provider_status, f.provider_status_info, f.reasons, f.status_changed_at, f.final_at, now, existing.id);
        counts.changed += 1;
        if (outcome.history) {
          counts.regressions += outcome.history.regression;
          insertHistory(s, existing.id, outcome.history, source, now);
        }
      } else {
        counts.unchanged += 1;
      }
      if (markPolled) s.markPolled.run(now, existing.id);
    }
  });
  run.immediate();
  return counts;
}

function mergeStatus(
  existing: StoredPayout,
  obs: PayoutStatusObservation,
  now: Instant,
): { fields: PayoutFields; changed: boolean; history: HistoryEntry | null } {
  const { id: _id, ...current } = existing;
  const next: PayoutFields = { ...current };
  const history = applyStatus(current, next, statusPartOf(obs), now);
  return { fields: next, changed: history !== null || fieldsDiffer(current, next), history };
}

// ---------------------------------------------------------------- PostgreSQL (Kysely)

/** Rows per multi-row statement: 23 columns × 1000 stays far below PostgreSQL's 65,535 parameters. */
const PG_CHUNK = 1000;

async function selectStored(
  trx: LedgerTransaction,
  provider: string,
  ids: readonly string[],
): Promise<Map<string, StoredPayout>> {
  const found = new Map<string, StoredPayout>();
  if (ids.length === 0) return found;
  const rows = await trx
    .selectFrom('payouts')
    .select([...STORED_COLUMNS, 'provider_payout_id'])
    .where('provider', '=', provider)
    .where('provider_payout_id', 'in', ids)
    .forUpdate()
    .execute();
  for (const row of rows) {
    const { provider_payout_id, ...stored } = row;
    found.set(provider_payout_id, stored);
  }
  return found;
}

interface PendingWrite {
  provider: string;
  providerPayoutId: string;
  /** Known ledger id; undefined for a new payout (taken from RETURNING). */
  id: number | undefined;
  fields: PayoutFields;
  raw: string;
  history: HistoryEntry[];
}

async function upsertKysely(
  trx: LedgerTransaction,
  observations: readonly PayoutObservation[],
  options: UpsertPayoutsOptions,
): Promise<UpsertPayoutsCounts> {
  const { source, now } = options;
  const counts = emptyCounts(observations.length);
  for (let start = 0; start < observations.length; start += PG_CHUNK) {
    const chunk = observations.slice(start, start + PG_CHUNK);
    const byProvider = new Map<string, string[]>();
    for (const obs of chunk) {
      const list = byProvider.get(obs.provider) ?? [];
      list.push(obs.providerPayoutId);
      byProvider.set(obs.provider, list);
    }
    const stored = new Map<string, StoredPayout>();
    for (const [provider, ids] of byProvider) {
      for (const [id, row] of await selectStored(trx, provider, [...new Set(ids)])) stored.set(`${provider}\u0000${id}`, row);
    }
    // The state of each payout as this chunk leaves it, in first-seen order.
    const writes = new Map<string, PendingWrite>();
    for (const obs of chunk) {
      const key = `${obs.provider}\u0000${obs.providerPayoutId}`;
      const pending = writes.get(key);
      const known = pending ? { id: pending.id, fields: pending.fields } : undefined;
      const stored_ = stored.get(key);
      const base = known ?? (stored_ ? { id: stored_.id, fields: withoutId(stored_) } : undefined);
      if (!base) {
        const fields = newPayoutFields(obs, now);
        counts.inserted += 1;
        writes.set(key, { provider: obs.provider, providerPayoutId: obs.providerPayoutId, id: undefined, fields, raw: obs.raw, history: [firstHistory(fields)] });
        continue;
      }
      const merged = mergeObservation(base.fields, obs, now, source);
      if (!merged.changed) {
        counts.unchanged += 1;
        continue;
      }
      counts.updated += 1;
      if (merged.history) {
        counts.statusChanges += 1;
        counts.regressions += merged.history.regression;
      }
      const write: PendingWrite = pending ?? {
        provider: obs.provider,
        providerPayoutId: obs.providerPayoutId,
        id: base.id,
        fields: merged.fields,
        raw: obs.raw,
        history: [],
      };
      write.fields = merged.fields;
      write.raw = obs.raw;
      if (merged.history) write.history.push(merged.history);
      writes.set(key, write);
    }
    await writePending(trx, [...writes.values()], source, now);
  }
  return counts;
}

function withoutId(row: StoredPayout): PayoutFields {
  const { id: _id, ...fields } = row;
  return fields;
}

async function writePending(trx: LedgerTransaction, writes: readonly PendingWrite[], source: string, now: Instant): Promise<void> {
  if (writes.length === 0) return;
  const values: NewPayoutRow[] = writes.map((w) => ({
    provider: w.provider,
    provider_payout_id: w.providerPayoutId,
    ...w.fields,
    raw: w.raw,
    first_seen_at: now,
    updated_at: now,
  }));
  const returned = await trx
    .insertInto('payouts')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['provider', 'provider_payout_id']).doUpdateSet((eb) => ({
        merchant_transaction_id: eb.ref('excluded.merchant_transaction_id'),
        session_id: eb.ref('excluded.session_id'),
        site_id: eb.ref('excluded.site_id'),
        amount: eb.ref('excluded.amount'),
        currency: eb.ref('excluded.currency'),
        created_at: eb.ref('excluded.created_at'),
        status: eb.ref('excluded.status'),
        provider_status: eb.ref('excluded.provider_status'),
        provider_status_info: eb.ref('excluded.provider_status_info'),
        reasons: eb.ref('excluded.reasons'),
        method: eb.ref('excluded.method'),
        provider_method: eb.ref('excluded.provider_method'),
        purpose: eb.ref('excluded.purpose'),
        purpose_source: eb.ref('excluded.purpose_source'),
        country: eb.ref('excluded.country'),
        description: eb.ref('excluded.description'),
        raw: eb.ref('excluded.raw'),
        updated_at: eb.ref('excluded.updated_at'),
        status_changed_at: eb.ref('excluded.status_changed_at'),
        final_at: eb.ref('excluded.final_at'),
      })),
    )
    .returning(['id', 'provider', 'provider_payout_id'])
    .execute();
  const ids = new Map(returned.map((r) => [`${r.provider}\u0000${r.provider_payout_id}`, r.id]));
  const history = writes.flatMap((w) => {
    const payoutId = w.id ?? ids.get(`${w.provider}\u0000${w.providerPayoutId}`);
    if (payoutId === undefined) throw new Error(`payout ${w.providerPayoutId} was not written`);
    return w.history.map((h) => ({ payout_id: payoutId, ...h, source, observed_at: now }));
  });
  if (history.length > 0) await trx.insertInto('payout_status_history').values(history).execute();
}

async function recordStatusesKysely(
  trx: LedgerTransaction,
  observations: readonly PayoutStatusObservation[],
  options: RecordStatusesOptions,
  markPolled: boolean,
  counts: RecordStatusesCounts,
): Promise<RecordStatusesCounts> {
  const { source, now } = options;
  for (let start = 0; start < observations.length; start += PG_CHUNK) {
    const chunk = observations.slice(start, start + PG_CHUNK);
    const stored = new Map<string, StoredPayout>();
    const byProvider = new Map<string, string[]>();
    for (const obs of chunk) byProvider.set(obs.provider, [...(byProvider.get(obs.provider) ?? []), obs.providerPayoutId]);
    for (const [provider, ids] of byProvider) {
      for (const [id, row] of await selectStored(trx, provider, [...new Set(ids)])) stored.set(`${provider}\u0000${id}`, row);
    }
    const polled = new Set<number>();
    const history: { payout_id: number; entry: HistoryEntry }[] = [];
    const changedRows = new Map<number, PayoutFields>();
    for (const obs of chunk) {
      const key = `${obs.provider}\u0000${obs.providerPayoutId}`;
      const row = stored.get(key);
      if (!row) {
        counts.unknownPayouts += 1;
        continue;
      }
      const outcome = mergeStatus(row, obs, now);
      polled.add(row.id);
      if (!outcome.changed) {
        counts.unchanged += 1;
        continue;
      }
      counts.changed += 1;
      changedRows.set(row.id, outcome.fields);
      stored.set(key, { id: row.id, ...outcome.fields });
      if (outcome.history) {
        counts.regressions += outcome.history.regression;
        history.push({ payout_id: row.id, entry: outcome.history });
      }
    }
    for (const [id, f] of changedRows) {
      await trx
        .updateTable('payouts')
        .set({
          status: f.status,
          provider_status: f.provider_status,
          provider_status_info: f.provider_status_info,
          reasons: f.reasons,
          status_changed_at: f.status_changed_at,
          final_at: f.final_at,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
    }
    if (markPolled && polled.size > 0) {
      await trx.updateTable('payouts').set({ last_polled_at: now }).where('id', 'in', [...polled]).execute();
    }
    if (history.length > 0) {
      await trx
        .insertInto('payout_status_history')
        .values(history.map((h) => ({ payout_id: h.payout_id, ...h.entry, source, observed_at: now })))
        .execute();
    }
  }
  return counts;
}
