/**
 * The balance monitors as pure functions of one currency's position: low
 * balance, projected shortfall and runway. Each returns an `AlertCheck`
 * (firing with its sentence and figures, or clear) for the alert store.
 */
import type { AlertCheck, AlertSeverity } from '../alerts/alert-types.js';
import { formatMoney, formatMoneyForDisplay } from '../shared/money.js';
import { formatInstant, type Instant } from '../shared/time.js';
import { dayNumber, weekday } from './business-days.js';
import { computeRunway, type Runway, runwayTooShort } from './runway.js';

export interface CurrencyPosition {
  currency: string;
  /** The prefunding balance just fetched, minor units. */
  balance: number;
  /** Payouts ordered but not debited yet (open/authorized/pending when `debitOn` is `success`), minor units. */
  notYetDebited: number;
  notYetDebitedCount: number;
  /** Payouts debited over the runway look-back, minor units. */
  recentPayouts: number;
  takenAt: Instant;
}

export interface BalanceRules {
  /** Thresholds, minor units per currency. */
  lowBalance: Readonly<Record<string, number>>;
  runwayDays: number;
  runwayLookbackDays: number;
  debitOn: 'success' | 'creation';
  /** Zone in which days are counted. */
  zone: string;
}

export interface BalanceAssessment {
  currency: string;
  balance: number;
  threshold: number | null;
  /** Balance minus the payouts not debited yet. */
  projected: number;
  runway: Runway;
  checks: AlertCheck[];
}

const money = (minor: number, currency: string): string => `${currency} ${formatMoneyForDisplay(minor, currency)}`;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** `Wed 2026-11-25`. */
export function describeDay(isoDay: string): string {
  const [y, m, d] = isoDay.split('-').map(Number);
  return `${WEEKDAYS[weekday(dayNumber(y!, m!, d!))]!} ${isoDay}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function assessBalance(position: CurrencyPosition, rules: BalanceRules, now: Instant): BalanceAssessment {
  const { currency, balance } = position;
  const threshold = rules.lowBalance[currency] ?? null;
  const projected = balance - position.notYetDebited;
  const runway = computeRunway({
    balance: projected,
    recentPayouts: position.recentPayouts,
    lookbackDays: rules.runwayLookbackDays,
    now,
    zone: rules.zone,
  });
  const base = {
    currency,
    balance,
    balance_text: formatMoney(balance, currency),
    taken_at: formatInstant(position.takenAt),
  };
  const checks: AlertCheck[] = [];

  // Low balance: only for currencies with a threshold.
  if (threshold !== null) {
    const key = `low_balance:${currency}`;
    const details = { ...base, threshold, threshold_text: formatMoney(threshold, currency) };
    if (balance < threshold) {
      const severity: AlertSeverity = balance <= 0 ? 'critical' : 'warning';
      const lower = projected < balance ? ` With ${money(position.notYetDebited, currency)} of payouts not yet debited it will be ${money(projected, currency)}.` : '';
      checks.push({
        conditionKey: key,
        firing: {
          kind: 'low_balance',
          conditionKey: key,
          severity,
          title: `Low prefunding balance: ${currency}`,
          text:
            `The ${currency} prefunding balance is ${money(balance, currency)}, below the ${money(threshold, currency)} threshold.` +
            `${lower} Top up now: a bank wire takes 1–3 business days.`,
          details: { ...details, projected },
        },
      });
    } else {
      checks.push({
        conditionKey: key,
        firing: null,
        clearText: `The ${currency} prefunding balance is ${money(balance, currency)}, back above the ${money(threshold, currency)} threshold.`,
        clearDetails: details,
      });
    }
  }

  // Projected shortfall: the balance once the payouts already ordered are debited. Floor: the threshold, else zero.
  {
    const floor = threshold ?? 0;
    const key = `projected_shortfall:${currency}`;
    const details = {
      ...base,
      threshold: floor,
      threshold_text: formatMoney(floor, currency),
      not_yet_debited: position.notYetDebited,
      not_yet_debited_count: position.notYetDebitedCount,
      projected,
      projected_text: formatMoney(projected, currency),
      debit_on: rules.debitOn,
    };
    if (position.notYetDebited > 0 && projected < floor) {
      const severity: AlertSeverity = projected <= 0 ? 'critical' : 'warning';
      checks.push({
        conditionKey: key,
        firing: {
          kind: 'projected_shortfall',
          conditionKey: key,
          severity,
          title: `Projected prefunding shortfall: ${currency}`,
          text:
            `The ${currency} prefunding balance of ${money(balance, currency)} minus ${money(position.notYetDebited, currency)} ` +
            `of ${plural(position.notYetDebitedCount, 'payout')} ordered but not yet debited leaves ${money(projected, currency)}, ` +
            `below ${threshold === null ? 'zero' : `the ${money(floor, currency)} threshold`}. Top up: a bank wire takes 1–3 business days.`,
          details,
        },
      });
    } else {
      checks.push({
        conditionKey: key,
        firing: null,
        clearText: `The ${currency} prefunding balance of ${money(balance, currency)} covers the payouts not yet debited (${money(position.notYetDebited, currency)}) and stays at or above ${money(floor, currency)}.`,
        clearDetails: details,
      });
    }
  }

  // Runway in business days.
  if (rules.runwayDays > 0) {
    const key = `runway:${currency}`;
    const details = {
      ...base,
      projected,
      daily_rate: runway.dailyRate,
      daily_rate_text: formatMoney(runway.dailyRate, currency),
      lookback_days: rules.runwayLookbackDays,
      runs_out_at: runway.runsOutAt === null ? null : formatInstant(runway.runsOutAt),
      runs_out_on: runway.runsOutOn,
      business_days_left: runway.businessDaysLeft,
      runway_days: rules.runwayDays,
    };
    const rate = `${money(runway.dailyRate, currency)} a day (${rules.runwayLookbackDays}-day average)`;
    if (runwayTooShort(runway, rules.runwayDays)) {
      const left = runway.businessDaysLeft ?? 0;
      checks.push({
        conditionKey: key,
        firing: {
          kind: 'runway',
          conditionKey: key,
          severity: left <= 1 ? 'critical' : 'warning',
          title: `Prefunding runway below ${plural(rules.runwayDays, 'business day')}: ${currency}`,
          text:
            `At the recent payout rate of ${rate}, the ${currency} prefunding balance (${money(projected, currency)} after payouts not yet debited) ` +
            `runs out on ${describeDay(runway.runsOutOn!)}: ${plural(left, 'business day')} from today, ` +
            `fewer than the ${rules.runwayDays} a bank top-up may take. Top up now.`,
          details,
        },
      });
    } else {
      checks.push({
        conditionKey: key,
        firing: null,
        clearText:
          runway.runsOutOn === null
            ? `No ${currency} payouts in the last ${plural(rules.runwayLookbackDays, 'day')}: the balance of ${money(balance, currency)} is not being drawn down.`
            : `At the recent payout rate of ${rate}, the ${currency} prefunding balance lasts until ${describeDay(runway.runsOutOn)} (${plural(runway.businessDaysLeft ?? 0, 'business day')}).`,
        clearDetails: details,
      });
    }
  }

  return { currency, balance, threshold, projected, runway, checks };
}
