/**
 * A busy provider day, played against the Smart Glocal sandbox (which moves
 * the balance per its debit model) and written into the ledger the way the
 * sync writes it: a payout appears (and each status change is observed)
 * when `sync` runs, not when the provider made it. Snapshots are the
 * sandbox's balances, stored as `balance` stores them.
 */
import type { Ledger } from '../../src/ledger/ledger.js';
import { storeBalanceSnapshot } from '../../src/monitoring/balance-check.js';
import { type RefundMonitorRules, runRefundMonitor } from '../../src/monitoring/refund-monitor.js';
import { type SandboxDebitModel, type SandboxPayoutOutcome, SmartGlocalSandbox } from '../../src/providers/sandbox/smartglocal-sandbox.js';
import { setPayoutsWatermark } from './monitoring-fixtures.js';
import { seededRandom } from './refund-day-sim.js';

export { seededRandom };

interface Pending {
  ref: string;
  currency: string;
  amount: number;
  createdAt: number;
  method: string;
  /** Status the ledger knows, null before the first sync. */
  known: string | null;
  /** Status at the provider. */
  status: string;
  id: number | null;
}

export class BusyLedger {
  readonly payouts = new Map<string, Pending>();
  #seq = 0;
  constructor(
    readonly ledger: Ledger,
    readonly sandbox: SmartGlocalSandbox,
    readonly random: () => number,
  ) {}

  /** A payout created at the provider at `at` (the sandbox holds it under `creation`). */
  create(at: number, currency: string, amount: number, method = 'bank_account'): string {
    const ref = `P${++this.#seq}`;
    this.sandbox.payoutCreated(ref, currency, amount);
    this.payouts.set(ref, { ref, currency, amount, createdAt: at, method, known: null, status: 'open', id: null });
    return ref;
  }

  /** The provider finishes a payout (the sandbox releases or debits per its model). */
  finish(ref: string, outcome: SandboxPayoutOutcome): void {
    const p = this.payouts.get(ref)!;
    this.sandbox.payoutFinished(ref, outcome);
    p.status = outcome;
  }

  /** Settles `count` open payouts (the oldest, or `random` ones), `failShare` of them failing. Returns the refs settled. */
  settle(count: number, failShare: number, currency?: string, pick: 'oldest' | 'random' = 'oldest'): string[] {
    const open = [...this.payouts.values()].filter((p) => p.status === 'open' && (currency === undefined || p.currency === currency));
    if (pick === 'random') {
      for (let i = open.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [open[i], open[j]] = [open[j]!, open[i]!];
      }
    }
    const chosen = open.slice(0, count);
    for (const p of chosen) this.finish(p.ref, this.random() < failShare ? 'failed' : 'succeeded');
    return chosen.map((p) => p.ref);
  }

  /**
   * What `sync` and `poll` leave in the ledger at `at`: new payouts, observed
   * status changes, open payouts marked as polled (`polled: false`: not
   * polled), the watermark.
   */
  async sync(at: number, options: { polled?: boolean } = {}): Promise<void> {
    await this.ledger.transaction(async (trx) => {
      const polled: number[] = [];
      for (const p of this.payouts.values()) {
        if (p.createdAt > at) continue;
        if (p.known === p.status) {
          if (p.status === 'open' && p.id !== null) polled.push(p.id);
          continue;
        }
        const final = p.status !== 'open';
        if (p.id === null) {
          const row = await trx
            .insertInto('payouts')
            .values({
              provider: 'smart2pay',
              provider_payout_id: p.ref,
              merchant_transaction_id: `M-${p.ref}`,
              session_id: null,
              site_id: null,
              amount: p.amount,
              currency: p.currency,
              created_at: p.createdAt,
              status: p.status,
              provider_status: null,
              provider_status_info: null,
              reasons: null,
              method: p.method,
              provider_method: null,
              purpose: null,
              purpose_source: null,
              country: null,
              description: null,
              raw: '{}',
              first_seen_at: at,
              updated_at: at,
              status_changed_at: at,
              final_at: final ? at : null,
              last_polled_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          p.id = row.id;
        } else {
          await trx
            .updateTable('payouts')
            .set({ status: p.status, status_changed_at: at, updated_at: at, ...(final ? { final_at: at } : {}) })
            .where('id', '=', p.id)
            .execute();
        }
        await trx
          .insertInto('payout_status_history')
          .values({
            payout_id: p.id,
            status: p.status,
            previous_status: p.known,
            provider_status: null,
            provider_status_info: null,
            reasons: null,
            source: 'list',
            observed_at: at,
            regression: 0,
          })
          .execute();
        p.known = p.status;
      }
      if (options.polled !== false) {
        for (let i = 0; i < polled.length; i += 500) {
          await trx.updateTable('payouts').set({ last_polled_at: at }).where('id', 'in', polled.slice(i, i + 500)).execute();
        }
      }
    });
    await setPayoutsWatermark(this.ledger, at);
  }

  /** `balance`: a snapshot of every sandbox wallet at `at`. */
  async snapshot(at: number): Promise<void> {
    const wallets = Object.entries(this.sandbox.balances()).map(([currency, amount]) => ({ walletId: `wlt_${currency.toLowerCase()}`, currency, amount }));
    await storeBalanceSnapshot(this.ledger, wallets, at);
  }

  /** A succeeded bank payout the provider refunds by hand (money back, nothing else). */
  refund(ref: string): { id: number; amount: number } {
    const p = this.payouts.get(ref)!;
    this.sandbox.plantManualRefund({ amount: p.amount, currency: p.currency, reference: ref });
    return { id: p.id!, amount: p.amount };
  }

  idOf(ref: string): number {
    return this.payouts.get(ref)!.id!;
  }
}


export interface ActivityPlan {
  from: number;
  to: number;
  /** New payouts per hour (amounts 10.00–3,010.00). */
  perHour: number;
  /** Share of settled payouts that fail (the rest succeed). */
  failShare: number;
  currency?: string;
  /** Called after each snapshot (e.g. to run the monitor). */
  afterSnapshot?: (at: number) => Promise<void>;
}

/**
 * Hourly: the provider creates payouts through the hour and settles as many
 * (random open ones: a payout stays open for hours), a sync (and poll) at
 * minute 50, a snapshot at minute 50 and 20 seconds, while payouts keep
 * settling in between (those changes are observed only by the next sync,
 * after the snapshot).
 */
export async function simulateActivity(day: BusyLedger, plan: ActivityPlan): Promise<void> {
  const currency = plan.currency ?? 'EUR';
  // Payouts stay open for hours: start with a few hours' worth open.
  for (let i = 0; i < plan.perHour * 4; i++) day.create(plan.from - 3_600_000 + i * 1000, currency, 10_00 + Math.floor(day.random() * 300_000));
  for (let hour = plan.from; hour + 3_600_000 <= plan.to; hour += 3_600_000) {
    for (let i = 0; i < plan.perHour; i++) day.create(hour + Math.floor((i * 3_000_000) / plan.perHour), currency, 10_00 + Math.floor(day.random() * 300_000));
    day.settle(Math.round(plan.perHour * 0.8), plan.failShare, currency, 'random');
    const sync = hour + 50 * 60_000;
    await day.sync(sync);
    day.settle(Math.max(1, Math.round(plan.perHour * 0.2)), plan.failShare, currency, 'random'); // between the sync and the snapshot
    await day.snapshot(sync + 20_000);
    await plan.afterSnapshot?.(sync + 20_000);
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.parse('2026-11-16T08:00:00Z');
export const rulesFor = (debitOn: RefundMonitorRules['debitOn']): RefundMonitorRules => ({
  debitOn,
  refundLookbackDays: 90,
  refundMaxPayouts: 3,
  observationLagHours: 6,
  topupWindowDays: 5,
});

export async function exceptions(ledger: Ledger) {
  const rows = await ledger.db.selectFrom('exceptions').selectAll().orderBy('id').execute();
  return rows.map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, unknown> }));
}

/**
 * 3,250 payouts over 30 days (the last 250 still open; amounts 10.00 to
 * 3,010.00) and succeeded bank payouts of the `extra` amounts, synced, and
 * a first snapshot.
 */
export async function busyLedger(ledger: Ledger, model: SandboxDebitModel, seed: number, count = 3_250, extra: number[] = []): Promise<BusyLedger> {
  const random = seededRandom(seed);
  const day = new BusyLedger(ledger, new SmartGlocalSandbox({ debitOn: model, balances: { EUR: 900_000_00 } }), random);
  for (const amount of extra) day.finish(day.create(T0 - 20 * DAY, 'EUR', amount), 'succeeded');
  for (let i = 0; i < count; i++) {
    const ref = day.create(T0 - 30 * DAY + i * Math.floor((29 * DAY) / count), 'EUR', 10_00 + Math.floor(random() * 300_000));
    if (i < count - 250) day.finish(ref, random() < 0.15 ? 'failed' : 'succeeded');
  }
  await day.sync(T0 - 2 * HOUR);
  await day.snapshot(T0 - HOUR);
  return day;
}

/** A succeeded bank payout whose amount no other payout has (so one refund of it can only be it). */
export function uniqueSucceeded(day: BusyLedger, skip = 0): string {
  const counts = new Map<number, number>();
  for (const p of day.payouts.values()) counts.set(p.amount, (counts.get(p.amount) ?? 0) + 1);
  return [...day.payouts.values()].filter((p) => p.status === 'succeeded' && counts.get(p.amount) === 1)[skip]!.ref;
}

export async function cycle(day: BusyLedger, at: number, rules: RefundMonitorRules) {
  await day.sync(at);
  await day.snapshot(at + 30_000);
  return runRefundMonitor(day.ledger, 'EUR', rules, at + 60_000);
}

