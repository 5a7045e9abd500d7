/**
 * `payout-recon reconcile`: one run of the matcher, in one transaction.
 *
 *  1. reference pass: one `insert … select … join` pairs every unmatched
 *     payout with the unmatched record whose reference is its
 *     MerchantTransactionID (of two payouts with one reference the oldest
 *     live one wins; pairs a user unmatched are never made again);
 *  2. tolerance pass over what is left: candidates come from one join of the
 *     leftover payouts (a temp table) with the records in their box (same
 *     currency, amount within tolerance, created within the window), are
 *     scored 0-100 and assigned greedily one-to-one: a match from
 *     `autoConfirmScore`, a `proposed_match` from `proposeScore`;
 *  3. classification: leftover payouts are `duplicate_payout` (same
 *     reference as, or alike to, a record already matched) or
 *     `unknown_payout`; leftover records `missing_at_provider` once their
 *     grace period is over (else not yet due); matched pairs in scope are
 *     checked for currency, amount and status mismatches and stuck payouts.
 *
 * Scope. Both passes always consider every unmatched payout and record.
 * Without a period, classification covers every leftover and every matched
 * pair that is not final yet: matched in this run or by hand since the last
 * completed run, payout or record changed since then, payout not in a final
 * status, or an open exception on it. With `--from/--to`, it covers the
 * leftovers and all pairs (final or not) with a payout or record created in
 * the period, plus whatever this run matched. Open matcher exceptions whose
 * subjects were classified and whose condition no longer holds are closed
 * automatically with the reason; user decisions are never reopened.
 */
import { type Kysely, sql } from 'kysely';
import { closeExceptionsAutomatically, raiseExceptions, type SerializedException, serializeException } from '../exceptions/exception-store.js';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Instant } from '../shared/time.js';
import { assignGreedy, NearestIndex, type ScoredPair } from './candidates.js';
import {
  type Condition,
  classifyPair,
  duplicatePayout,
  missingAtProvider,
  type Nearest,
  proposedMatch,
  unknownPayout,
} from './diagnostics.js';
import { MATCHER_KINDS } from './kinds.js';
import { amountSearchBound, isStuck, type MatchingRules, type PayoutFacts, type RecordFacts, scorePair } from './rules.js';

export interface ReconcilePeriod {
  /** Inclusive. */
  from: Instant | null;
  /** Exclusive. */
  to: Instant | null;
}

export interface ReconcileOptions {
  rules: MatchingRules;
  clock: Clock;
  period?: ReconcilePeriod | undefined;
  log?: Logger | undefined;
  /** Checked between steps and batches: an aborted run throws, and its transaction rolls back (the daemon's shutdown, a lost lease). */
  signal?: AbortSignal | undefined;
  /** Called as each step of the run starts (for a progress line). */
  onProgress?: ((progress: ReconcileProgress) => void) | undefined;
}

/** Where a run is: the step starting (`done` steps of `steps` behind it) and what it found so far. */
export interface ReconcileProgress {
  step: string;
  done: number;
  steps: number;
  matched: number;
  /** Payouts and records left for the tolerance pass, once known. */
  leftovers: { payouts: number; records: number } | null;
}

/** The steps `run` times (reported by `onProgress`). */
const RUN_STEPS = 6;

export interface ReconcileOutcome {
  runId: number;
  period: ReconcilePeriod | null;
  /** Pairs matched by this run. */
  matched: number;
  matchedByReference: number;
  matchedByTolerance: number;
  /** Matches in the ledger after the run (any method, any run). */
  matchedTotal: number;
  /** Open exceptions after the run, per kind (every kind, monitors' too). */
  exceptions: Record<string, number>;
  openExceptions: number;
  opened: number;
  reopened: number;
  updated: number;
  closed: number;
  durationMs: number;
}

/** Payout rows as the matcher reads them. */
const PAYOUT_COLUMNS = [
  'id',
  'provider',
  'provider_payout_id',
  'merchant_transaction_id',
  'amount',
  'currency',
  'created_at',
  'status',
  'method',
  'purpose',
  'country',
] as const;
const RECORD_COLUMNS = ['id', 'internal_id', 'reference', 'amount', 'currency', 'created_at', 'status', 'method', 'purpose', 'country'] as const;
const FINAL_LIST = sql.raw(`('succeeded', 'failed', 'cancelled', 'expired')`);
const RELEASED_LIST = sql.raw(`('failed', 'cancelled', 'expired')`);
const RELEASED: ReadonlySet<string> = new Set(['failed', 'cancelled', 'expired']);
const MATCHER_KIND_LIST = sql.raw(`(${MATCHER_KINDS.map((k) => `'${k}'`).join(', ')})`);
const LEFTOVERS = 'recon_leftover_payouts';
/** Changes stamped up to ten minutes before the last run started are looked at again (commits in flight, clocks of other processes). */
const SINCE_MARGIN_MS = 10 * 60_000;
/** Conditions raised per batch: the exception store's chunk, so few of them live long enough to reach the old generation. */
const RAISE_BATCH = 500;
/** Matched pairs read per query when checking them. */
const PAIR_CHUNK = 500;
/** SQLite page cache during a run, KiB. */
const RUN_CACHE_KIB = 16 * 1024;

type Row = Record<string, unknown>;

/**
 * One string per distinct value of the few-valued columns (provider,
 * currency, status, method, purpose, country): the driver hands every row its
 * own copies, and a run holds every leftover's facts at once.
 */
const interned = new Map<string, string>();
function intern<T extends string | null>(value: T): T {
  if (value === null) return value;
  const known = interned.get(value);
  if (known !== undefined) return known as T;
  if (interned.size < 10_000) interned.set(value, value);
  return value;
}

/** The row keys of each column under a prefix (`p_id`, …), built once instead of per row. */
function keysFor<const T extends readonly string[]>(names: T, prefix: string): Record<T[number], string> {
  return Object.fromEntries(names.map((n) => [n, `${prefix}${n}`])) as Record<T[number], string>;
}
const payoutKeys = new Map<string, Record<(typeof PAYOUT_COLUMNS)[number], string>>();
const recordKeys = new Map<string, Record<(typeof RECORD_COLUMNS)[number], string>>();

/**
 * Facts are class instances, not object literals: V8 pretenures an object
 * literal's allocation site once most of its objects survive (the leftovers,
 * held for the whole tolerance pass), and then allocates every later object
 * of that site (the facts of each checked pair and candidate, garbage a
 * moment later) straight into the old generation, which then grows with the
 * number of pairs until a full collection. Constructed objects are not
 * pretenured by site: the short-lived ones die young.
 */
class PayoutRow implements PayoutFacts {
  id: number;
  provider: string;
  providerPayoutId: string;
  merchantTransactionId: string | null;
  amount: number;
  currency: string;
  createdAt: number;
  status: string;
  method: string;
  purpose: string | null;
  country: string | null;

  constructor(row: Row, k: Record<(typeof PAYOUT_COLUMNS)[number], string>) {
    this.id = Number(row[k.id]);
    this.provider = intern(row[k.provider] as string);
    this.providerPayoutId = row[k.provider_payout_id] as string;
    this.merchantTransactionId = (row[k.merchant_transaction_id] as string | null) ?? null;
    this.amount = Number(row[k.amount]);
    this.currency = intern(row[k.currency] as string);
    this.createdAt = Number(row[k.created_at]);
    this.status = intern(row[k.status] as string);
    this.method = intern(row[k.method] as string);
    this.purpose = intern((row[k.purpose] as string | null) ?? null);
    this.country = intern((row[k.country] as string | null) ?? null);
  }
}

class RecordRow implements RecordFacts {
  id: number;
  internalId: string;
  reference: string;
  amount: number;
  currency: string;
  createdAt: number;
  status: string | null;
  method: string | null;
  purpose: string | null;
  country: string | null;

  constructor(row: Row, k: Record<(typeof RECORD_COLUMNS)[number], string>) {
    this.id = Number(row[k.id]);
    this.internalId = row[k.internal_id] as string;
    this.reference = row[k.reference] as string;
    this.amount = Number(row[k.amount]);
    this.currency = intern(row[k.currency] as string);
    this.createdAt = Number(row[k.created_at]);
    this.status = intern((row[k.status] as string | null) ?? null);
    this.method = intern((row[k.method] as string | null) ?? null);
    this.purpose = intern((row[k.purpose] as string | null) ?? null);
    this.country = intern((row[k.country] as string | null) ?? null);
  }
}

function payoutFacts(row: Row, prefix = ''): PayoutFacts {
  let keys = payoutKeys.get(prefix);
  if (!keys) payoutKeys.set(prefix, (keys = keysFor(PAYOUT_COLUMNS, prefix)));
  return new PayoutRow(row, keys);
}

function recordFacts(row: Row, prefix = ''): RecordFacts {
  let keys = recordKeys.get(prefix);
  if (!keys) recordKeys.set(prefix, (keys = keysFor(RECORD_COLUMNS, prefix)));
  return new RecordRow(row, keys);
}

function columns(alias: string, names: readonly string[], prefix = ''): string {
  return names.map((c) => `${alias}.${c} as ${prefix}${c}`).join(', ');
}

export async function reconcile(ledger: Ledger, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const startedAt = options.clock();
  const period = options.period && (options.period.from !== null || options.period.to !== null) ? options.period : null;
  const previous = await ledger.db
    .selectFrom('reconciliation_runs')
    .select((eb) => eb.fn.max('started_at').as('started_at'))
    .where('status', '=', 'completed')
    .executeTakeFirst();
  const { id: runId } = await ledger.db
    .insertInto('reconciliation_runs')
    .values({
      started_at: startedAt,
      finished_at: null,
      period_from: period?.from ?? null,
      period_to: period?.to ?? null,
      status: 'running',
      matched: 0,
      exception_counts: null,
      duration_ms: null,
      error: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const previousStart = previous?.started_at === null || previous?.started_at === undefined ? null : Number(previous.started_at);
  const since = previousStart === null ? null : previousStart - SINCE_MARGIN_MS;
  const recordsSince = previousStart === null ? null : await recordsChangedSince(ledger, previousStart);
  try {
    // The run reads through indexes and writes in one pass (see withPageCacheAtMost).
    const result = await ledger.withPageCacheAtMost(RUN_CACHE_KIB, () =>
      ledger.transaction((trx) =>
        new ReconcileRun(trx, ledger.dialect, runId, startedAt, { since, recordsSince }, period, options.rules, options.log, options.signal, options.onProgress).run(),
      ),
    );
    const durationMs = options.clock() - startedAt;
    await ledger.db
      .updateTable('reconciliation_runs')
      .set({
        status: 'completed',
        finished_at: startedAt + durationMs,
        matched: result.matched,
        exception_counts: JSON.stringify(result.exceptions),
        duration_ms: durationMs,
      })
      .where('id', '=', runId)
      .execute();
    return { ...result, runId, period, durationMs };
  } catch (error) {
    await ledger.db
      .updateTable('reconciliation_runs')
      .set({ status: 'failed', finished_at: options.clock(), error: error instanceof Error ? error.message.slice(0, 1000) : String(error) })
      .where('id', '=', runId)
      .execute()
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Internal records only change through imports, whose rows carry the
 * import's start as `updated_at`. An import that finished before the last
 * run started was seen by it (on SQLite the run's transaction waits for the
 * import's lock; on PostgreSQL a minute of margin covers the commit), so only
 * imports finishing later count: the records they touched have `updated_at`
 * from the earliest of their starts. Null when there is none.
 */
async function recordsChangedSince(ledger: Ledger, previousStart: Instant): Promise<Instant | null> {
  const margin = ledger.dialect === 'postgres' ? 60_000 : 0;
  const row = await ledger.db
    .selectFrom('imports')
    .select((eb) => eb.fn.min('started_at').as('started_at'))
    .where('kind', '=', 'internal')
    .where('finished_at', '>=', previousStart - margin)
    .executeTakeFirst();
  return row?.started_at === null || row?.started_at === undefined ? null : Number(row.started_at);
}

class ReconcileRun {
  readonly #db: Kysely<LedgerDatabase>;
  readonly #dialect: 'sqlite' | 'postgres';
  readonly #runId: number;
  readonly #now: Instant;
  readonly #since: Instant | null;
  /** Records with `updated_at` from here on may have changed since the last run (null: none did). */
  readonly #recordsSince: Instant | null;
  readonly #period: ReconcilePeriod | null;
  readonly #rules: MatchingRules;
  readonly #log: Logger | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((progress: ReconcileProgress) => void) | undefined;
  /** The exception (ID) of every condition raised by this run, to tell which open exceptions went away (numbers: a fraction of the fingerprints' memory). */
  readonly #raised = new Set<number>();
  /** The state (kind) each subject got in this run, for closing reasons. */
  readonly #payoutState = new Map<number, string>();
  readonly #recordState = new Map<number, string>();
  /** Conditions waiting for the next batch, details already JSON (see #raise). */
  #pending: SerializedException[] = [];
  #counts = { opened: 0, reopened: 0, updated: 0 };

  constructor(
    trx: LedgerTransaction,
    dialect: 'sqlite' | 'postgres',
    runId: number,
    now: Instant,
    watermarks: { since: Instant | null; recordsSince: Instant | null },
    period: ReconcilePeriod | null,
    rules: MatchingRules,
    log: Logger | undefined,
    signal?: AbortSignal,
    onProgress?: (progress: ReconcileProgress) => void,
  ) {
    this.#signal = signal;
    this.#onProgress = onProgress;
    this.#db = trx;
    this.#dialect = dialect;
    this.#runId = runId;
    this.#now = now;
    this.#since = watermarks.since;
    this.#recordsSince = watermarks.recordsSince;
    this.#period = period;
    this.#rules = rules;
    this.#log = log;
  }

  #inPeriod(createdAt: Instant): boolean {
    const p = this.#period;
    if (!p) return true;
    return (p.from === null || createdAt >= p.from) && (p.to === null || createdAt < p.to);
  }

  async run(): Promise<Omit<ReconcileOutcome, 'runId' | 'period' | 'durationMs'>> {
    const progress: ReconcileProgress = { step: '', done: 0, steps: RUN_STEPS, matched: 0, leftovers: null };
    const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      this.#signal?.throwIfAborted();
      this.#onProgress?.({ ...progress, step, done: Math.min(progress.done, RUN_STEPS - 1) });
      progress.done += 1;
      const started = performance.now();
      const result = await fn();
      const memory = process.memoryUsage();
      this.#log?.debug(step, { ms: Math.round(performance.now() - started), rssMb: memory.rss >> 20, heapMb: memory.heapUsed >> 20 });
      return result;
    };
    const byReference = await timed('reference pass', () => this.#referencePass());
    progress.matched = byReference;
    // The leftovers live only while pass 2 needs them (not while pairs are checked).
    const byTolerance = await (async () => {
      let leftovers = await timed('leftovers loaded', () => this.#loadLeftovers());
      if (await this.#preferLivePayouts(leftovers.payouts)) leftovers = await this.#loadLeftovers();
      const { payouts, records } = leftovers;
      this.#log?.debug('leftovers', { payouts: payouts.length, records: records.length });
      progress.leftovers = { payouts: payouts.length, records: records.length };
      return timed('tolerance pass and leftovers classified', () => this.#tolerancePassAndLeftovers(payouts, records));
    })();
    progress.matched += byTolerance;
    await timed('matched pairs checked', () => this.#checkPairs());
    await timed('exceptions raised', () => this.#flush(true));
    const closed = await timed('gone exceptions closed', () => this.#closeGone());
    const open = await this.#db
      .selectFrom('exceptions')
      .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'open')
      .groupBy('kind')
      .orderBy('kind')
      .execute();
    const exceptions = Object.fromEntries(open.map((r) => [r.kind, Number(r.n)]));
    const total = await this.#db.selectFrom('matches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return {
      matched: byReference + byTolerance,
      matchedByReference: byReference,
      matchedByTolerance: byTolerance,
      matchedTotal: Number(total.n),
      exceptions,
      openExceptions: Object.values(exceptions).reduce((a, b) => a + b, 0),
      ...this.#counts,
      closed,
    };
  }

  /** Pass 1: one `insert … select … join` per status group; a record claimed once cannot be claimed again (unique keys). */
  async #referencePass(): Promise<number> {
    // One statement in payout order: of two payouts with one reference the
    // older wins; `#preferLivePayouts` then hands the record to a live
    // payout if the older one failed, was cancelled or expired. SQLite would
    // walk the wide payouts table to avoid the sort; the narrow
    // `(merchant_transaction_id)` index covers what the join needs, and
    // sorting the pairs costs less than reading every payout row.
    const payouts = this.#dialect === 'sqlite' ? 'payouts p indexed by payouts_merchant_transaction_id_idx' : 'payouts p';
    const result = await sql`
      insert into matches (payout_id, internal_record_id, method, confidence, run_id, created_at, created_by)
      select p.id, r.id, 'reference', 100, ${this.#runId}, ${this.#now}, 'matcher'
      from ${sql.raw(payouts)} join internal_records r on r.reference = p.merchant_transaction_id
      where p.merchant_transaction_id is not null
        and ${this.#unmatched('p', 'payout_id')} and ${this.#unmatched('r', 'internal_record_id')}
      order by p.id, r.id
      on conflict do nothing`.execute(this.#db);
    // Pairs a user took apart (`unmatch`) are never matched again by the matcher.
    const rejected = await sql`
      delete from matches where run_id = ${this.#runId} and id in (
        select m.id from audit_log a join matches m on m.payout_id = a.payout_id and m.internal_record_id = a.internal_record_id
        where a.action = 'unmatch' and m.run_id = ${this.#runId})`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0) - Number(rejected.numAffectedRows ?? 0);
  }

  /**
   * A record this run matched by reference to a payout that failed, was
   * cancelled or expired goes to a live payout with the same reference
   * instead (the oldest). Driven by the leftovers, so it costs nothing when
   * references are unique. Returns whether anything moved.
   */
  async #preferLivePayouts(leftovers: readonly PayoutFacts[]): Promise<boolean> {
    const live = leftovers.filter((p) => p.merchantTransactionId !== null && !RELEASED.has(p.status)).map((p) => p.id);
    if (live.length === 0) return false;
    const rejected = await this.#rejectedPairs();
    const moved = new Set<number>();
    let changed = false;
    for (let i = 0; i < live.length; i += 500) {
      const rows = await sql<{ live: number; match_id: number; record_id: number }>`
        select p.id as live, m.id as match_id, m.internal_record_id as record_id
        from payouts p join internal_records r on r.reference = p.merchant_transaction_id
        join matches m on m.internal_record_id = r.id
        join payouts q on q.id = m.payout_id
        where p.id in (${sql.join(live.slice(i, i + 500))}) and m.run_id = ${this.#runId} and m.method = 'reference'
          and q.status in ${RELEASED_LIST}
        order by p.id`.execute(this.#db);
      for (const row of rows.rows) {
        const matchId = Number(row.match_id);
        if (moved.has(matchId) || rejected.has(`${Number(row.live)}:${Number(row.record_id)}`)) continue;
        moved.add(matchId);
        await this.#db.updateTable('matches').set({ payout_id: Number(row.live) }).where('id', '=', matchId).execute();
        changed = true;
      }
    }
    return changed;
  }

  /** "Not matched": an anti-join that each dialect plans well. */
  #unmatched(alias: string, column: 'payout_id' | 'internal_record_id') {
    return this.#dialect === 'sqlite'
      ? sql.raw(`${alias}.id not in (select ${column} from matches)`)
      : sql.raw(`not exists (select 1 from matches mx where mx.${column} = ${alias}.id)`);
  }

  async #loadLeftovers(): Promise<{ payouts: PayoutFacts[]; records: RecordFacts[] }> {
    // The IDs first (on SQLite from a narrow index: the anti-join needs only
    // the ID), then the few leftover rows 500 at a time, so result rows and
    // facts are never both held for every leftover.
    const ids = async (table: 'payouts' | 'internal_records', column: 'payout_id' | 'internal_record_id'): Promise<number[]> => {
      const rows = await sql<{ id: number }>`select x.id as id from ${sql.table(table)} x where ${this.#unmatched('x', column)}`.execute(this.#db);
      return rows.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    };
    const load = async <T>(table: 'payouts' | 'internal_records', names: readonly string[], idList: readonly number[], facts: (row: Row) => T): Promise<T[]> => {
      const out: T[] = [];
      for (let i = 0; i < idList.length; i += 500) {
        this.#signal?.throwIfAborted();
        const rows = await sql<Row>`select ${sql.raw(columns('x', names))} from ${sql.table(table)} x where x.id in (${sql.join(idList.slice(i, i + 500))}) order by x.id`.execute(
          this.#db,
        );
        for (const row of rows.rows) out.push(facts(row));
      }
      return out;
    };
    const payouts = await load('payouts', PAYOUT_COLUMNS, await ids('payouts', 'payout_id'), (row) => payoutFacts(row));
    const records = await load('internal_records', RECORD_COLUMNS, await ids('internal_records', 'internal_record_id'), (row) => recordFacts(row));
    return { payouts, records };
  }

  /**
   * Pass 2 and the classification of what is left. Returns the number of
   * tolerance matches. Memory follows the leftovers, never the ledger: the
   * records in the leftover payouts' boxes are read twice, small each time
   * (first only the unmatched ones, as ID pairs to score; then, a chunk of
   * unexplained payouts at a time, the matched ones with their payouts, to
   * tell duplicates).
   */
  async #tolerancePassAndLeftovers(payouts: PayoutFacts[], records: RecordFacts[]): Promise<number> {
    const rules = this.#rules;
    const recordsById = new Map(records.map((r) => [r.id, r]));
    const payoutsById = new Map(payouts.map((p) => [p.id, p]));
    if (payouts.length > 0) await this.#createLeftoversTable(payouts);
    try {
      const rejected = await this.#rejectedPairs();
      const scored: ScoredPair[] = [];
      for (const [payoutId, recordId] of payouts.length > 0 ? await this.#unmatchedCandidatePairs() : []) {
        if (rejected.has(`${payoutId}:${recordId}`)) continue;
        const p = payoutsById.get(payoutId);
        const r = recordsById.get(recordId);
        if (!p || !r) continue;
        const score = scorePair(rules, p, r);
        if (score !== null) scored.push({ payoutId, recordId, score });
      }
      const { matches, proposals } = assignGreedy(scored, rules.autoConfirmScore, rules.proposeScore);
      scored.length = 0;
      if (matches.length > 0) {
        for (let i = 0; i < matches.length; i += 500) {
          await this.#db
            .insertInto('matches')
            .values(
              matches.slice(i, i + 500).map((m) => ({
                payout_id: m.payoutId,
                internal_record_id: m.recordId,
                method: 'tolerance',
                confidence: m.score,
                run_id: this.#runId,
                created_at: this.#now,
                created_by: 'matcher',
                note: null,
              })),
            )
            .execute();
        }
      }
      const claimedPayouts = new Set<number>();
      const claimedRecords = new Set<number>();
      for (const m of matches) {
        claimedPayouts.add(m.payoutId);
        claimedRecords.add(m.recordId);
      }
      for (const pr of proposals) {
        claimedPayouts.add(pr.payoutId);
        const p = payoutsById.get(pr.payoutId) as PayoutFacts;
        const r = recordsById.get(pr.recordId) as RecordFacts;
        if (this.#inPeriod(p.createdAt) || this.#inPeriod(r.createdAt)) await this.#raise(proposedMatch(rules, p, r, pr.score));
      }
      const proposedRecords = new Set(proposals.map((pr) => pr.recordId));

      // Payouts still unexplained: duplicates of a matched record, or unknown.
      const remainingPayouts = payouts.filter((p) => !claimedPayouts.has(p.id));
      const remainingRecords = records.filter((r) => !claimedRecords.has(r.id) && !proposedRecords.has(r.id));
      // Matched payouts get their purpose and method from their record before
      // anything describes them, so a re-run describes them the same way.
      await this.#fillFromRecords();

      const recordIndex = new NearestIndex(remainingRecords);
      const unknownPayouts: PayoutFacts[] = [];
      const DUPLICATE_CHUNK = 500;
      for (let i = 0; i < remainingPayouts.length; i += DUPLICATE_CHUNK) {
        const chunk = remainingPayouts.slice(i, i + DUPLICATE_CHUNK);
        const inPeriod = chunk.filter((p) => this.#inPeriod(p.createdAt));
        const owned = inPeriod.length > 0 ? await this.#matchedCandidates(inPeriod.map((p) => p.id)) : new Map<number, Candidate[]>();
        // Which matched record each payout repeats, if any; then the facts of
        // only those records' payouts (one look-up per chunk).
        const duplicates = new Map<number, DuplicateChoice>();
        for (const p of inPeriod) {
          const choice = this.#duplicateOf(p, owned.get(p.id) ?? []);
          if (choice) duplicates.set(p.id, choice);
        }
        owned.clear();
        const owners = await this.#payoutsById([...new Set([...duplicates.values()].map((d) => d.candidate.ownerId))]);
        for (const p of chunk) {
          if (!this.#inPeriod(p.createdAt)) {
            unknownPayouts.push(p);
            continue;
          }
          const duplicate = duplicates.get(p.id);
          if (duplicate) {
            const { candidate, how, score } = duplicate;
            await this.#raise(duplicatePayout(rules, p, candidate.record, owners.get(candidate.ownerId) as PayoutFacts, how, score));
            continue;
          }
          unknownPayouts.push(p);
          const near = recordIndex.nearest(p);
          const nearest: Nearest<RecordFacts> | null = near ? { facts: near, score: scorePair(rules, p, near) } : null;
          await this.#raise(unknownPayout(rules, p, nearest, isStuck(rules, p, this.#now)));
        }
      }

      const payoutIndex = new NearestIndex(unknownPayouts);
      for (const r of remainingRecords) {
        if (!this.#inPeriod(r.createdAt)) continue;
        if (this.#now - r.createdAt < rules.missingGraceMs) continue; // not yet due
        const near = payoutIndex.nearest(r);
        const nearest: Nearest<PayoutFacts> | null = near ? { facts: near, score: scorePair(rules, near, r) } : null;
        await this.#raise(missingAtProvider(rules, r, nearest));
      }
      return matches.length;
    } finally {
      if (payouts.length > 0 && this.#dialect === 'sqlite') await sql.raw(`drop table if exists temp.${LEFTOVERS}`).execute(this.#db);
    }
  }

  /**
   * A leftover payout that repeats one already matched: same reference as a
   * matched record, else the best-scoring matched record in its tolerance box
   * (at least `proposeScore`). `candidates`: the matched records in its box
   * or with its reference, each with the ID of the payout it is matched to.
   */
  #duplicateOf(p: PayoutFacts, candidates: readonly Candidate[]): DuplicateChoice | null {
    const owned = (c: Candidate): boolean => c.ownerId !== p.id;
    const byReference = candidates
      .filter((c) => p.merchantTransactionId !== null && c.record.reference === p.merchantTransactionId && owned(c))
      .sort((a, b) => a.record.id - b.record.id)[0];
    if (byReference) return { candidate: byReference, how: 'reference', score: null };
    let best: { c: Candidate; score: number } | null = null;
    for (const c of candidates) {
      if (!owned(c)) continue;
      const score = scorePair(this.#rules, p, c.record);
      if (score === null || score < this.#rules.proposeScore) continue;
      if (!best || score > best.score || (score === best.score && c.record.id < best.c.record.id)) best = { c, score };
    }
    return best ? { candidate: best.c, how: 'similar', score: best.score } : null;
  }

  async #payoutsById(ids: readonly number[]): Promise<Map<number, PayoutFacts>> {
    const out = new Map<number, PayoutFacts>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.#db
        .selectFrom('payouts')
        .select([...PAYOUT_COLUMNS])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) out.set(row.id, payoutFacts(row));
    }
    return out;
  }

  /** The leftover payouts in a temp table, each with its tolerance box, for the candidate joins. */
  async #createLeftoversTable(payouts: readonly PayoutFacts[]): Promise<void> {
    const db = this.#db;
    if (this.#dialect === 'sqlite') await sql.raw(`drop table if exists temp.${LEFTOVERS}`).execute(db);
    await sql
      .raw(
        `create temp table ${LEFTOVERS} (payout_id bigint primary key, mtid text, currency text not null, amount_lo bigint not null, amount_hi bigint not null, created_lo bigint not null, created_hi bigint not null)${this.#dialect === 'postgres' ? ' on commit drop' : ''}`,
      )
      .execute(db);
    for (let i = 0; i < payouts.length; i += 500) {
      const rows = payouts.slice(i, i + 500).map((p) => {
        const bound = amountSearchBound(this.#rules, p.amount, p.currency);
        const w = this.#rules.timeWindowMs;
        return sql`(${p.id}, ${p.merchantTransactionId}, ${p.currency}, ${p.amount - bound}, ${p.amount + bound}, ${p.createdAt - w}, ${p.createdAt + w})`;
      });
      await sql`insert into ${sql.table(LEFTOVERS)} values ${sql.join(rows)}`.execute(db);
    }
  }

  /** [payout, record] for every unmatched record in a leftover payout's tolerance box or with its reference (each pair once). */
  async #unmatchedCandidatePairs(): Promise<[number, number][]> {
    const unmatched = this.#unmatched('r', 'internal_record_id');
    const box = await sql<{ payout_id: number; record_id: number }>`select t.payout_id as payout_id, r.id as record_id from ${sql.table(LEFTOVERS)} t
      join internal_records r on r.currency = t.currency and r.amount >= t.amount_lo and r.amount <= t.amount_hi
        and r.created_at >= t.created_lo and r.created_at <= t.created_hi
      where ${unmatched}`.execute(this.#db);
    const byReference = await sql<{ payout_id: number; record_id: number }>`select t.payout_id as payout_id, r.id as record_id from ${sql.table(LEFTOVERS)} t
      join internal_records r on r.reference = t.mtid
      where ${unmatched}`.execute(this.#db);
    const seen = new Set<string>();
    const out: [number, number][] = [];
    for (const rows of [box.rows, byReference.rows]) {
      for (const row of rows) {
        const payoutId = Number(row.payout_id);
        const recordId = Number(row.record_id);
        const key = `${payoutId}:${recordId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push([payoutId, recordId]);
      }
    }
    return out;
  }

  /** For these leftover payouts: the matched records in their boxes or with their references, with the IDs of the payouts they are matched to. */
  async #matchedCandidates(payoutIds: readonly number[]): Promise<Map<number, Candidate[]>> {
    const select = `select t.payout_id as payout_id, ${columns('r', RECORD_COLUMNS, 'r_')}, m.payout_id as owner_id`;
    const owned = sql`join matches m on m.internal_record_id = r.id where t.payout_id in (${sql.join(payoutIds)})`;
    const box = await sql<Row>`${sql.raw(select)} from ${sql.table(LEFTOVERS)} t
      join internal_records r on r.currency = t.currency and r.amount >= t.amount_lo and r.amount <= t.amount_hi
        and r.created_at >= t.created_lo and r.created_at <= t.created_hi
      ${owned}`.execute(this.#db);
    const byReference = await sql<Row>`${sql.raw(select)} from ${sql.table(LEFTOVERS)} t
      join internal_records r on r.reference = t.mtid
      ${owned}`.execute(this.#db);
    const out = new Map<number, Candidate[]>();
    const seen = new Set<string>();
    for (const rows of [box.rows, byReference.rows]) {
      for (const row of rows) {
        const payoutId = Number(row.payout_id);
        const key = `${payoutId}:${String(row.r_id)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let list = out.get(payoutId);
        if (!list) out.set(payoutId, (list = []));
        list.push({ record: recordFacts(row, 'r_'), ownerId: Number(row.owner_id) });
      }
    }
    for (const list of out.values()) list.sort((a, b) => a.record.id - b.record.id);
    return out;
  }

  async #rejectedPairs(): Promise<Set<string>> {
    const rows = await this.#db
      .selectFrom('audit_log')
      .select(['payout_id', 'internal_record_id'])
      .where('action', '=', 'unmatch')
      .where('payout_id', 'is not', null)
      .where('internal_record_id', 'is not', null)
      .execute();
    return new Set(rows.map((r) => `${String(r.payout_id)}:${String(r.internal_record_id)}`));
  }

  /**
   * Which matched pairs a run looks at, as separate conditions so each one
   * is answered from an index or a narrow scan (never a join of every pair
   * with an OR across tables): `pair` conditions also drive the
   * purpose/method fill-in, `payout` ones only the checks.
   */
  #pairScopes(): { drive: 'pair' | 'payout'; where: ReturnType<typeof sql> }[] {
    const period = this.#period;
    if (period) {
      const from = period.from ?? Number.MIN_SAFE_INTEGER;
      const to = period.to ?? Number.MAX_SAFE_INTEGER;
      return [
        { drive: 'pair', where: sql`m.run_id = ${this.#runId}` },
        { drive: 'payout', where: sql`p.created_at >= ${from} and p.created_at < ${to}` },
        { drive: 'pair', where: sql`r.created_at >= ${from} and r.created_at < ${to}` },
      ];
    }
    const s = this.#since;
    if (s === null) return [{ drive: 'pair', where: sql`1 = 1` }];
    return [
      // Matched by this run, or by hand since the last run.
      { drive: 'pair', where: sql`(m.run_id = ${this.#runId} or (m.run_id is null and m.created_at >= ${s}))` },
      // The record changed (an import that finished after the last run started).
      ...(this.#recordsSince === null ? [] : [{ drive: 'pair' as const, where: sql`r.updated_at >= ${this.#recordsSince}` }]),
      // The payout changed (a status update, a late reversal) or is not final yet.
      { drive: 'payout', where: sql`p.updated_at >= ${s}` },
      { drive: 'payout', where: sql`p.final_at is null` },
    ];
  }

  /** Pass 3 for matched pairs: only pairs in scope that could differ come back from the database. */
  async #checkPairs(): Promise<void> {
    const select = `select m.id as match_id, m.method as match_method, ${columns('p', PAYOUT_COLUMNS, 'p_')}, ${columns('r', RECORD_COLUMNS, 'r_')}
      from matches m join payouts p on p.id = m.payout_id join internal_records r on r.id = m.internal_record_id`;
    const differs = sql`(p.amount <> r.amount or p.currency <> r.currency or (r.status is not null and r.status <> p.status) or p.status not in ${FINAL_LIST})`;
    const seen = new Set<number>();
    const check = async (rows: Row[]): Promise<void> => {
      for (const row of rows) {
        const matchId = Number(row.match_id);
        if (seen.has(matchId)) continue;
        seen.add(matchId);
        const p = payoutFacts(row, 'p_');
        const r = recordFacts(row, 'r_');
        const condition = classifyPair(this.#rules, p, r, isStuck(this.#rules, p, this.#now), row.match_method as string);
        if (condition) await this.#raise(condition);
      }
    };
    // IDs first (small), then the rows a chunk at a time, so memory holds one chunk.
    const from = 'from matches m join payouts p on p.id = m.payout_id join internal_records r on r.id = m.internal_record_id';
    const scopes = this.#pairScopes().map((scope) => scope.where);
    if (!this.#period && this.#since !== null) {
      // Pairs with an exception left open by an earlier run are always looked
      // at again (the default scope may not cover them); ones raised by this
      // run were just looked at.
      const open = sql`e.status = 'open' and e.kind in ${MATCHER_KIND_LIST} and (e.last_run_id is null or e.last_run_id <> ${this.#runId})`;
      scopes.push(sql`(m.payout_id in (select e.payout_id from exceptions e where ${open} and e.payout_id is not null)
        or m.internal_record_id in (select e.internal_record_id from exceptions e where ${open} and e.internal_record_id is not null))`);
    }
    for (const where of scopes) {
      const ids = await sql<{ id: number }>`select m.id as id ${sql.raw(from)} where ${where} and ${differs}`.execute(this.#db);
      const pending = ids.rows.map((row) => Number(row.id)).filter((id) => !seen.has(id));
      for (let i = 0; i < pending.length; i += PAIR_CHUNK) {
        this.#signal?.throwIfAborted();
        await check((await sql<Row>`${sql.raw(select)} where m.id in (${sql.join(pending.slice(i, i + PAIR_CHUNK))})`.execute(this.#db)).rows);
      }
    }
  }

  async #raise(condition: Condition): Promise<void> {
    if (condition.payoutId !== null && condition.kind !== 'missing_at_provider') this.#payoutState.set(condition.payoutId, condition.kind);
    if (condition.internalRecordId !== null && condition.kind !== 'duplicate_payout') this.#recordState.set(condition.internalRecordId, condition.kind);
    // Details as text at once: a condition waits for its batch, and if its
    // diagnostics objects waited with it most would outlive a young-generation
    // collection, and V8 would then allocate every such object of the run
    // (one set per checked pair) straight into the old generation.
    this.#pending.push(serializeException(condition));
    if (this.#pending.length >= RAISE_BATCH) await this.#flush(false);
  }

  async #flush(all: boolean): Promise<void> {
    if (this.#pending.length === 0 || (!all && this.#pending.length < RAISE_BATCH)) return;
    this.#signal?.throwIfAborted();
    const batch = this.#pending;
    this.#pending = [];
    const outcomes = await raiseExceptions(this.#db, batch, this.#now, this.#runId);
    for (const { id, outcome } of outcomes.values()) {
      this.#raised.add(Number(id));
      if (outcome === 'opened') this.#counts.opened += 1;
      else if (outcome === 'reopened') this.#counts.reopened += 1;
      else if (outcome === 'updated') this.#counts.updated += 1;
    }
  }

  /** Open matcher exceptions this run looked at whose condition it did not raise again. */
  async #closeGone(): Promise<number> {
    let query = this.#db
      .selectFrom('exceptions as e')
      .leftJoin('payouts as p', 'p.id', 'e.payout_id')
      .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
      .select(['e.id', 'e.kind', 'e.fingerprint', 'e.payout_id', 'e.internal_record_id'])
      .where('e.status', '=', 'open')
      .where('e.kind', 'in', [...MATCHER_KINDS]);
    const period = this.#period;
    if (period) {
      const from = period.from ?? Number.MIN_SAFE_INTEGER;
      const to = period.to ?? Number.MAX_SAFE_INTEGER;
      query = query.where((eb) =>
        eb.or([
          eb.and([eb('p.created_at', '>=', from), eb('p.created_at', '<', to)]),
          eb.and([eb('r.created_at', '>=', from), eb('r.created_at', '<', to)]),
          eb.exists(
            eb
              .selectFrom('matches as m')
              .select('m.id')
              .where('m.run_id', '=', this.#runId)
              .where((w) => w.or([w('m.payout_id', '=', w.ref('e.payout_id')), w('m.internal_record_id', '=', w.ref('e.internal_record_id'))])),
          ),
        ]),
      );
    }
    const open = await query.execute();
    const gone = open.filter((e) => !this.#raised.has(Number(e.id)));
    if (gone.length === 0) return 0;
    const matchedPayouts = new Map<number, { recordId: number; method: string }>();
    const matchedRecords = new Map<number, { payoutId: number; method: string }>();
    const payoutIds = gone.flatMap((e) => (e.payout_id === null ? [] : [e.payout_id]));
    const recordIds = gone.flatMap((e) => (e.internal_record_id === null ? [] : [e.internal_record_id]));
    for (let i = 0; i < Math.max(payoutIds.length, recordIds.length); i += 500) {
      const ps = payoutIds.slice(i, i + 500);
      const rs = recordIds.slice(i, i + 500);
      const rows = await this.#db
        .selectFrom('matches')
        .select(['payout_id', 'internal_record_id', 'method'])
        .where((eb) => eb.or([...(ps.length > 0 ? [eb('payout_id', 'in', ps)] : []), ...(rs.length > 0 ? [eb('internal_record_id', 'in', rs)] : [])]))
        .execute();
      for (const m of rows) {
        matchedPayouts.set(m.payout_id, { recordId: m.internal_record_id, method: m.method });
        matchedRecords.set(m.internal_record_id, { payoutId: m.payout_id, method: m.method });
      }
    }
    const reasons = gone.map((e) => ({ id: e.id, reason: this.#closingReason(e, matchedPayouts, matchedRecords) }));
    return closeExceptionsAutomatically(this.#db, reasons, this.#now, this.#runId);
  }

  #closingReason(
    e: { kind: string; payout_id: number | null; internal_record_id: number | null },
    matchedPayouts: ReadonlyMap<number, { recordId: number; method: string }>,
    matchedRecords: ReadonlyMap<number, { payoutId: number; method: string }>,
  ): string {
    const run = `reconciliation run ${this.#runId}`;
    const now =
      (e.payout_id !== null ? this.#payoutState.get(e.payout_id) : undefined) ??
      (e.internal_record_id !== null ? this.#recordState.get(e.internal_record_id) : undefined);
    if (now) return `${run}: now ${now}`;
    const pm = e.payout_id !== null ? matchedPayouts.get(e.payout_id) : undefined;
    if (pm && (e.kind === 'unknown_payout' || e.kind === 'duplicate_payout' || e.kind === 'proposed_match' || pm.recordId !== e.internal_record_id)) {
      return `${run}: the payout is now matched (${pm.method}) to record #${pm.recordId}`;
    }
    const rm = e.internal_record_id !== null ? matchedRecords.get(e.internal_record_id) : undefined;
    if (rm && (e.kind === 'missing_at_provider' || e.kind === 'proposed_match')) {
      return `${run}: the record is now matched (${rm.method}) to payout #${rm.payoutId}`;
    }
    if (pm) return `${run}: the payout and the record now agree`;
    return `${run}: the condition no longer holds`;
  }

  /** The matched record's purpose and method fill in the payout's where the provider did not tell them. */
  async #fillFromRecords(): Promise<void> {
    for (const scope of this.#pairScopes()) {
      if (scope.drive !== 'pair') continue;
      // Purpose and method in one pass over the pairs (each column only from
      // its own condition, so one statement does what two did).
      const purpose = sql`(r.purpose is not null and (payouts.purpose is null or (payouts.purpose_source = 'internal' and payouts.purpose <> r.purpose)))`;
      const method = sql`(r.method is not null and payouts.method = 'unknown')`;
      await sql`update payouts set
          purpose = case when ${purpose} then r.purpose else payouts.purpose end,
          purpose_source = case when ${purpose} then 'internal' else payouts.purpose_source end,
          method = case when ${method} then r.method else payouts.method end
        from matches m join internal_records r on r.id = m.internal_record_id
        where m.payout_id = payouts.id and ${scope.where} and (${purpose} or ${method})`.execute(this.#db);
    }
  }
}

/** A matched record near a leftover payout, and the payout it is matched to. */
interface Candidate {
  record: RecordFacts;
  ownerId: number;
}

/** The matched record a leftover payout repeats. */
interface DuplicateChoice {
  candidate: Candidate;
  how: 'reference' | 'similar';
  score: number | null;
}
