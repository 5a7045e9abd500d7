/**
 * The lifecycle of exceptions, shared by the matcher and the monitors.
 *
 * An exception is identified by its fingerprint (kind + subjects), so a
 * re-run refreshes the same row instead of adding one. Lifecycle:
 *
 *   open ──(cause gone, by a run)──► resolved by system ──(cause back)──► open (reopened)
 *   open ──(resolve/ignore by a user)──► resolved | ignored   (never reopened by a run)
 *
 * Every transition is an `exception_events` row; user decisions also go to
 * the `audit_log`. Functions take a Kysely instance or transaction so callers
 * decide what belongs in one transaction.
 */
import { CompiledQuery, type Kysely, PostgresAdapter } from 'kysely';
import type { ExceptionKind, ExceptionStatus } from '../domain/exception-kinds.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import type { ExceptionRow, LedgerDatabase } from '../ledger/schema.js';
import { UsageError } from '../shared/errors.js';
import type { Instant } from '../shared/time.js';

type Db = Kysely<LedgerDatabase>;

export interface RaisedException {
  kind: ExceptionKind;
  /** Stable identity of the condition, e.g. `amount_mismatch:payout:12:record:34`. */
  fingerprint: string;
  payoutId: number | null;
  internalRecordId: number | null;
  /** One line for people, e.g. `amount 1,234.50 vs 1,243.50 EUR`. */
  summary: string;
  /** Diagnostics: nearest candidate, differing fields with both values. */
  details: Record<string, unknown>;
}

/**
 * A raised exception whose details are already JSON text (what is stored):
 * a caller that batches thousands of them holds one string each, not the
 * diagnostics' object graph.
 */
export type SerializedException = Omit<RaisedException, 'details'> & { detailsJson: string };

/** `e` with its details as JSON text. */
export function serializeException(e: RaisedException): SerializedException {
  return {
    kind: e.kind,
    fingerprint: e.fingerprint,
    payoutId: e.payoutId,
    internalRecordId: e.internalRecordId,
    summary: e.summary,
    detailsJson: toJson(e.details),
  };
}

function detailsText(e: RaisedException | SerializedException): string {
  return 'detailsJson' in e ? e.detailsJson : toJson(e.details);
}

export interface LedgerException extends RaisedException {
  id: number;
  status: ExceptionStatus;
  openedAt: Instant;
  updatedAt: Instant;
  closedAt: Instant | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

export type RaiseOutcome = 'opened' | 'updated' | 'unchanged' | 'reopened' | 'kept_closed';

// Rows per statement: 14 columns x 500 stays under every driver's parameter limit.
const CHUNK = 500;

export function exceptionFromRow(row: ExceptionRow): LedgerException {
  return {
    id: row.id,
    kind: row.kind as ExceptionKind,
    status: row.status as ExceptionStatus,
    fingerprint: row.fingerprint,
    payoutId: row.payout_id,
    internalRecordId: row.internal_record_id,
    summary: row.summary,
    details: fromJson<Record<string, unknown>>(row.details, {}),
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    resolvedBy: row.resolved_by,
    resolutionNote: row.resolution_note,
  };
}

/**
 * Records that these conditions hold now. New ones are opened; open ones are
 * refreshed when their summary or diagnostics changed (an unchanged one is
 * not written at all, not even `updated_at`); ones closed by the system are
 * reopened; ones a user resolved or ignored stay as they are. Fingerprints
 * must be unique within one call. Bulk-friendly: per chunk of 500 one
 * look-up, one multi-row insert and one multi-row event insert; only
 * changed or reopened rows are updated one by one.
 */
export async function raiseExceptions(
  db: Db,
  raised: readonly (RaisedException | SerializedException)[],
  now: Instant,
  runId: number | null = null,
): Promise<Map<string, { id: number; outcome: RaiseOutcome }>> {
  const outcomes = new Map<string, { id: number; outcome: RaiseOutcome }>();
  for (let i = 0; i < raised.length; i += CHUNK) {
    const chunk = raised.slice(i, i + CHUNK);
    const existing = await db
      .selectFrom('exceptions')
      .select(['id', 'fingerprint', 'status', 'resolved_by', 'summary', 'details', 'last_run_id'])
      .where(
        'fingerprint',
        'in',
        chunk.map((e) => e.fingerprint),
      )
      .execute();
    const byFingerprint = new Map(existing.map((row) => [row.fingerprint, row]));
    const fresh: (RaisedException | SerializedException)[] = [];
    const events: NewEvent[] = [];
    for (const e of chunk) {
      const row = byFingerprint.get(e.fingerprint);
      if (!row) {
        fresh.push(e);
        continue;
      }
      const details = detailsText(e);
      if (row.status === 'open') {
        const changed = row.summary !== e.summary || row.details !== details;
        if (changed) {
          await db
            .updateTable('exceptions')
            .set({ summary: e.summary, details, updated_at: now, last_run_id: runId ?? row.last_run_id })
            .where('id', '=', row.id)
            .execute();
          events.push({ exception_id: row.id, at: now, event: 'updated', note: e.summary, run_id: runId });
        }
        outcomes.set(e.fingerprint, { id: row.id, outcome: changed ? 'updated' : 'unchanged' });
        continue;
      }
      if (row.resolved_by === 'system') {
        await db
          .updateTable('exceptions')
          .set({
            status: 'open',
            summary: e.summary,
            details,
            updated_at: now,
            closed_at: null,
            resolved_by: null,
            resolution_note: null,
            last_run_id: runId,
          })
          .where('id', '=', row.id)
          .execute();
        events.push({ exception_id: row.id, at: now, event: 'reopened', note: e.summary, run_id: runId });
        outcomes.set(e.fingerprint, { id: row.id, outcome: 'reopened' });
        continue;
      }
      outcomes.set(e.fingerprint, { id: row.id, outcome: 'kept_closed' });
    }
    if (fresh.length > 0) {
      const inserted = await insertFresh(db, fresh, now, runId);
      // RETURNING order is not guaranteed (SQLite): map back by fingerprint.
      const ids = new Map(inserted.map((r) => [r.fingerprint, Number(r.id)]));
      for (const e of fresh) {
        const id = ids.get(e.fingerprint) as number;
        events.push({ exception_id: id, at: now, event: 'opened', note: e.summary, run_id: runId });
        outcomes.set(e.fingerprint, { id, outcome: 'opened' });
      }
    }
    if (events.length > 0) await insertEvents(db, events);
  }
  return outcomes;
}

const EXCEPTION_COLUMNS = [
  'kind',
  'status',
  'payout_id',
  'internal_record_id',
  'fingerprint',
  'summary',
  'details',
  'opened_at',
  'updated_at',
  'closed_at',
  'resolved_by',
  'resolution_note',
  'first_run_id',
  'last_run_id',
] as const;
const EVENT_COLUMNS = ['exception_id', 'at', 'event', 'note', 'run_id'] as const;
const statementCache = new Map<string, string>();

/**
 * A multi-row insert as plain SQL with placeholders: a run raises tens of
 * thousands of exceptions, and building each statement through the query
 * builder cost more than executing it.
 */
function multiRowInsert(db: Db, table: string, columns: readonly string[], rows: number, returning: string): string {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const key = `${postgres ? 'pg' : 'sqlite'}|${table}|${rows}|${returning}`;
  let text = statementCache.get(key);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      tuples.push(`(${columns.map((_, c) => (postgres ? `$${r * columns.length + c + 1}` : '?')).join(', ')})`);
    }
    text = `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}${returning ? ` returning ${returning}` : ''}`;
    if (statementCache.size > 50) statementCache.clear();
    statementCache.set(key, text);
  }
  return text;
}

async function insertFresh(db: Db, fresh: readonly (RaisedException | SerializedException)[], now: Instant, runId: number | null): Promise<{ id: number; fingerprint: string }[]> {
  const params: unknown[] = [];
  for (const e of fresh) {
    params.push(e.kind, 'open', e.payoutId, e.internalRecordId, e.fingerprint, e.summary, detailsText(e), now, now, null, null, null, runId, runId);
  }
  const text = multiRowInsert(db, 'exceptions', EXCEPTION_COLUMNS, fresh.length, 'id, fingerprint');
  const result = await db.executeQuery<{ id: number; fingerprint: string }>(CompiledQuery.raw(text, params));
  return result.rows;
}

async function insertEvents(db: Db, events: readonly NewEvent[]): Promise<void> {
  const params: unknown[] = [];
  for (const e of events) params.push(e.exception_id, e.at, e.event, e.note, e.run_id);
  await db.executeQuery(CompiledQuery.raw(multiRowInsert(db, 'exception_events', EVENT_COLUMNS, events.length, ''), params));
}

interface NewEvent {
  exception_id: number;
  at: Instant;
  event: string;
  note: string | null;
  run_id: number | null;
}

/**
 * Closes open exceptions whose cause disappeared, each with its reason (the
 * history keeps both the opening and the closing). Exceptions that are not
 * open (a user decided them) are left alone. Returns how many were closed.
 */
export async function closeExceptionsAutomatically(
  db: Db,
  closing: readonly { id: number; reason: string }[],
  now: Instant,
  runId: number | null = null,
): Promise<number> {
  let closed = 0;
  for (let i = 0; i < closing.length; i += CHUNK) {
    const events: NewEvent[] = [];
    for (const { id, reason } of closing.slice(i, i + CHUNK)) {
      const result = await db
        .updateTable('exceptions')
        .set({ status: 'resolved', resolved_by: 'system', resolution_note: reason, closed_at: now, updated_at: now, last_run_id: runId })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) {
        events.push({ exception_id: id, at: now, event: 'auto_closed', note: reason, run_id: runId });
        closed += 1;
      }
    }
    if (events.length > 0) await insertEvents(db, events);
  }
  return closed;
}

/** Closes an open exception because its cause disappeared (e.g. the late payout arrived). */
export async function closeExceptionAutomatically(
  db: Db,
  id: number,
  reason: string,
  now: Instant,
  runId: number | null = null,
): Promise<void> {
  const result = await db
    .updateTable('exceptions')
    .set({ status: 'resolved', resolved_by: 'system', resolution_note: reason, closed_at: now, updated_at: now, last_run_id: runId })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) await addEvent(db, id, 'auto_closed', reason, now, runId);
}

/** A user's decision: resolve or ignore an open exception with a note. Kept in the audit trail. */
export async function decideException(
  db: Db,
  id: number,
  decision: { status: 'resolved' | 'ignored'; note: string; actor: string },
  now: Instant,
): Promise<LedgerException> {
  const row = await db.selectFrom('exceptions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new UsageError(`exception ${id} does not exist`);
  if (row.status !== 'open') {
    throw new UsageError(`exception ${id} is already ${row.status} (${row.resolution_note ?? 'no note'})`);
  }
  await db
    .updateTable('exceptions')
    .set({
      status: decision.status,
      resolved_by: 'user',
      resolution_note: decision.note,
      closed_at: now,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  await addEvent(db, id, decision.status, decision.note, now, null);
  await db
    .insertInto('audit_log')
    .values({
      at: now,
      actor: decision.actor,
      action: decision.status === 'resolved' ? 'resolve' : 'ignore',
      payout_id: row.payout_id,
      internal_record_id: row.internal_record_id,
      exception_id: id,
      details: toJson({ note: decision.note, kind: row.kind }),
    })
    .execute();
  const updated = await db.selectFrom('exceptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return exceptionFromRow(updated);
}

async function addEvent(db: Db, exceptionId: number, event: string, note: string | null, now: Instant, runId: number | null): Promise<void> {
  await db.insertInto('exception_events').values({ exception_id: exceptionId, at: now, event, note, run_id: runId }).execute();
}
