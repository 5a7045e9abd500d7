/**
 * Runway: how long the prefunding balance lasts at the recent payout rate,
 * in calendar time (payouts do not stop at weekends) and in business days
 * (a bank top-up takes 1–3 business days, and treasury acts on business days).
 * Pure arithmetic on integers: money in minor units, time in epoch ms.
 */
import { MS_PER_DAY, type Instant } from '../shared/time.js';
import { businessDaysBetween, formatDayNumber, localDayNumber } from './business-days.js';

/** Beyond a century the date is meaningless; capping keeps it a valid date. */
const MAX_RUNWAY_MS = BigInt(100 * 366 * MS_PER_DAY);

export interface RunwayInput {
  /** The balance to spend, minor units (the projected balance: payouts not yet debited already taken off). */
  balance: number;
  /** Payouts debited over the look-back, minor units. */
  recentPayouts: number;
  lookbackDays: number;
  now: Instant;
  /** Zone in which days (and business days) are counted. */
  zone: string;
}

export interface Runway {
  /** Average payouts per calendar day over the look-back, minor units (rounded down). */
  dailyRate: number;
  /** When the balance reaches zero at that rate; null when nothing is paid out. */
  runsOutAt: Instant | null;
  /** The local date it runs out (`YYYY-MM-DD`); null when nothing is paid out. */
  runsOutOn: string | null;
  /** Business days after today up to and including the day it runs out; null when nothing is paid out. */
  businessDaysLeft: number | null;
}

export function computeRunway(input: RunwayInput): Runway {
  const { balance, recentPayouts, lookbackDays, now, zone } = input;
  const dailyRate = recentPayouts > 0 ? Math.floor(recentPayouts / lookbackDays) : 0;
  if (recentPayouts <= 0) return { dailyRate, runsOutAt: null, runsOutOn: null, businessDaysLeft: null };
  // balance / (recentPayouts / lookback days) days, in ms; BigInt because the product exceeds 2^53.
  const lastsMs =
    balance <= 0 ? 0n : (BigInt(balance) * BigInt(lookbackDays) * BigInt(MS_PER_DAY)) / BigInt(recentPayouts);
  const runsOutAt = now + Number(lastsMs < MAX_RUNWAY_MS ? lastsMs : MAX_RUNWAY_MS);
  const today = localDayNumber(now, zone);
  const lastDay = localDayNumber(runsOutAt, zone);
  return {
    dailyRate,
    runsOutAt,
    runsOutOn: formatDayNumber(lastDay),
    businessDaysLeft: businessDaysBetween(today, lastDay),
  };
}

/** True when the runway is shorter than `runwayDays` business days (never when nothing is paid out, or runwayDays is 0). */
export function runwayTooShort(runway: Runway, runwayDays: number): boolean {
  return runway.businessDaysLeft !== null && runway.businessDaysLeft < runwayDays;
}
