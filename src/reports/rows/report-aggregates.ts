/**
 * The totals of a report, computed by the database with GROUP BY (never by
 * walking every payout in memory): per purpose, currency and status; per
 * reconciliation outcome; the balance at the period's edges; the alerts.
 * The group results are small (currencies × purposes × statuses × outcomes)
 * and merged here into the report's buckets.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Period } from '../../shared/time.js';
import { type PayoutReportRow, purposeGroup } from './payout-rows.js';
import type { LedgerReader } from './read-snapshot.js';
import { EXCEPTION_PRIORITY, MATCHED, type ReportStatus, reportStatus, UNRECONCILED } from './reconciliation-outcome.js';

export interface Total {
  count: number;
  /** Minor units. */
  amount: number;
}

export interface PurposeTotal extends Total {
  currency: string;
  purpose: string;
  status: ReportStatus;
}

export interface OutcomeTotal extends Total {
  currency: string;
  outcome: string;
}

/**
 * Count and amount of the period's payouts per currency, purpose group and
 * status bucket, and per currency and reconciliation outcome: one GROUP BY
 * scan of the period. The outcome is decided in SQL with the same priority
 * as the Payouts sheet (`reconciliation-outcome.ts`).
 */
export async function payoutTotals(db: LedgerReader, period: Period): Promise<{ purposes: PurposeTotal[]; outcomes: OutcomeTotal[] }> {
  const outcome = payoutOutcomeSql();
  const perPayout = db
    .selectFrom('payouts as p')
    .select(['p.currency', 'p.purpose', 'p.status', 'p.amount', outcome.as('outcome')])
    .where('p.created_at', '>=', period.from)
    .where('p.created_at', '<', period.to)
    .as('x');
  const groups = await db
    .selectFrom(perPayout)
    .select((eb) => ['x.currency', 'x.purpose', 'x.status', 'x.outcome', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('x.amount').as('amount')])
    .groupBy(['x.currency', 'x.purpose', 'x.status', 'x.outcome'])
    .execute();
  return mergePayoutGroups(groups.map((g) => ({ currency: g.currency, purpose: g.purpose, status: g.status, outcome: g.outcome, count: Number(g.count), amount: Number(g.amount) })));
}

/** Rank of an exception `e`'s kind in SQL, as `exceptionRank`. */
function exceptionRankSql(): RawBuilder<number> {
  return sql<number>`case e.kind ${sql.join(
    EXCEPTION_PRIORITY.map((kind, i) => sql`when ${sql.lit(kind)} then ${sql.lit(i)}`),
    sql` `,
  )} else ${sql.lit(EXCEPTION_PRIORITY.length)} end`;
}

/** The reconciliation outcome of payout `p` in SQL: the same rule as the Payouts sheet's. */
export function payoutOutcomeSql(): RawBuilder<string> {
  return sql<string>`case when exists (select 1 from matches m where m.payout_id = p.id) then ${sql.lit(MATCHED)} else coalesce((select e.kind from exceptions e where e.payout_id = p.id and e.status = 'open' order by ${exceptionRankSql()}, e.id limit 1), ${sql.lit(UNRECONCILED)}) end`;
}

/** The internal ID the Payouts sheet shows for payout `p` when it has no match: its most important open exception's record. */
export function openExceptionInternalIdSql(): RawBuilder<string | null> {
  return sql<string | null>`(select r2.internal_id from exceptions e left join internal_records r2 on r2.id = e.internal_record_id where e.payout_id = p.id and e.status = 'open' order by ${exceptionRankSql()}, e.id limit 1)`;
}

/** Count and amount of the payouts of one currency, (ledger) purpose, (ledger) status and reconciliation outcome. */
export interface PayoutGroup extends Total {
  currency: string;
  purpose: string | null;
  status: string;
  outcome: string;
}

/** Groups (from the GROUP BY, or from the payout rows) merged into the report's buckets, in the report's order. */
export function mergePayoutGroups(groups: Iterable<PayoutGroup>): { purposes: PurposeTotal[]; outcomes: OutcomeTotal[] } {
  const purposes = new Map<string, PurposeTotal>();
  const outcomes = new Map<string, OutcomeTotal>();
  for (const g of groups) {
    const { count, amount } = g;
    const purpose = purposeGroup(g.purpose);
    const status = reportStatus(g.status);
    const pKey = `${g.currency}\u0000${purpose}\u0000${status}`;
    const p = purposes.get(pKey) ?? { currency: g.currency, purpose, status, count: 0, amount: 0 };
    p.count += count;
    p.amount += amount;
    purposes.set(pKey, p);
    const oKey = `${g.currency}\u0000${g.outcome}`;
    const o = outcomes.get(oKey) ?? { currency: g.currency, outcome: g.outcome, count: 0, amount: 0 };
    o.count += count;
    o.amount += amount;
    outcomes.set(oKey, o);
  }
  return {
    purposes: [...purposes.values()].sort(
      (a, b) => compare(a.currency, b.currency) || compare(a.purpose, b.purpose) || statusOrder(a.status) - statusOrder(b.status),
    ),
    // The outcome's name breaks ties between kinds this version does not rank, so the order never depends on the groups' order.
    outcomes: [...outcomes.values()].sort(
      (a, b) => compare(a.currency, b.currency) || outcomeOrder(a.outcome) - outcomeOrder(b.outcome) || compare(a.outcome, b.outcome),
    ),
  };
}

/**
 * The same totals as `payoutTotals`, added up from the payout rows while the
 * Payouts section is written (each row carries its currency, purpose group,
 * status, amount and reconciliation outcome, decided with the same priority):
 * a CSV-only pack does not need them before the rows, and this spares a second
 * scan of the period plus the GROUP BY's sort of every payout (~2 s of a
 * million). Memory: one entry per group, as for the query's result.
 */
export class PayoutTotalsCollector {
  readonly #groups = new Map<string, PayoutGroup>();

  add(rows: readonly PayoutReportRow[]): void {
    const groups = this.#groups;
    for (const r of rows) {
      const key = `${r.currency}\u0000${r.purpose}\u0000${r.status}\u0000${r.reconciliation}`;
      const g = groups.get(key);
      if (g) {
        g.count += 1;
        g.amount += r.amount;
      } else {
        groups.set(key, { currency: r.currency, purpose: r.purpose, status: r.status, outcome: r.reconciliation, count: 1, amount: r.amount });
      }
    }
  }

  totals(): { purposes: PurposeTotal[]; outcomes: OutcomeTotal[] } {
    return mergePayoutGroups(this.#groups.values());
  }
}

const STATUS_ORDER: readonly ReportStatus[] = ['succeeded', 'failed', 'cancelled', 'expired', 'open'];
function statusOrder(status: ReportStatus): number {
  return STATUS_ORDER.indexOf(status);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function outcomeOrder(outcome: string): number {
  if (outcome === MATCHED) return -1;
  if (outcome === UNRECONCILED) return EXCEPTION_PRIORITY.length + 1;
  const i = (EXCEPTION_PRIORITY as readonly string[]).indexOf(outcome);
  return i === -1 ? EXCEPTION_PRIORITY.length : i;
}

export interface SyncWatermark {
  /** e.g. `smart2pay`. */
  source: string;
  /** Every payout created before this instant is in the ledger; null: never synced. */
  watermark: number | null;
  updatedAt: number;
}

/** How far each provider's payouts have been synced (`sync_state` keys `<provider>:payouts`). */
export async function syncWatermarks(db: LedgerReader): Promise<SyncWatermark[]> {
  const rows = await db.selectFrom('sync_state').select(['key', 'watermark', 'updated_at']).where('key', 'like', '%:payouts').orderBy('key').execute();
  return rows.map((r) => ({ source: r.key.slice(0, -':payouts'.length), watermark: r.watermark, updatedAt: r.updated_at }));
}

export interface BalancePoint {
  amount: number;
  takenAt: number;
}

export interface BalanceEdges {
  provider: string;
  walletId: string | null;
  currency: string;
  /** The last snapshot before the period (or the first inside it when there is none before). */
  opening: BalancePoint | null;
  /** The last snapshot inside the period... or before it: the balance as the period ended. */
  closing: BalancePoint | null;
}

/** Prefunding balance at the start and end of the period, per provider wallet and currency. */
export async function balanceEdges(db: LedgerReader, period: Period): Promise<BalanceEdges[]> {
  const wallets = await db
    .selectFrom('balance_snapshots')
    .select(['provider', 'wallet_id', 'currency'])
    .distinct()
    .where('taken_at', '<', period.to)
    .orderBy('currency')
    .orderBy('provider')
    .orderBy('wallet_id')
    .execute();
  const result: BalanceEdges[] = [];
  for (const w of wallets) {
    const base = db
      .selectFrom('balance_snapshots')
      .select(['amount', 'taken_at'])
      .where('provider', '=', w.provider)
      .where('currency', '=', w.currency)
      .where('wallet_id', w.wallet_id === null ? 'is' : '=', w.wallet_id);
    const before = await base.where('taken_at', '<', period.from).orderBy('taken_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const firstInside = before
      ? undefined
      : await base.where('taken_at', '>=', period.from).where('taken_at', '<', period.to).orderBy('taken_at').orderBy('id').limit(1).executeTakeFirst();
    const closing = await base.where('taken_at', '<', period.to).orderBy('taken_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const opening = before ?? firstInside;
    result.push({
      provider: w.provider,
      walletId: w.wallet_id,
      currency: w.currency,
      opening: opening ? { amount: opening.amount, takenAt: opening.taken_at } : null,
      closing: closing ? { amount: closing.amount, takenAt: closing.taken_at } : null,
    });
  }
  return result;
}

export interface ReportAlert {
  kind: string;
  severity: string;
  title: string;
  text: string;
  state: string;
  firstFiredAt: number;
  resolvedAt: number | null;
}

/** Alerts that were firing at any time during the period. */
export async function alertsInPeriod(db: LedgerReader, period: Period): Promise<ReportAlert[]> {
  const rows = await db
    .selectFrom('alerts')
    .select(['kind', 'severity', 'title', 'text', 'state', 'first_fired_at', 'resolved_at'])
    .where('first_fired_at', '<', period.to)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', period.from)]))
    .orderBy('first_fired_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    kind: r.kind,
    severity: r.severity,
    title: r.title,
    text: r.text,
    state: r.state,
    firstFiredAt: r.first_fired_at,
    resolvedAt: r.resolved_at,
  }));
}
