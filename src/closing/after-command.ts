/**
 * After a command that can change payouts, their matches or exceptions,
 * changes to closed periods are booked at once as adjustments (so they are
 * dated when they were made, not when the next report runs). A failure here
 * is logged, not fatal: the command's own work is committed, and every
 * report detects again before it is cut.
 */
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { detectAdjustments } from './detect-adjustments.js';

/** Commands (and daemon jobs) that can change what a closed period reported. */
export const CHANGES_PAYOUTS: ReadonlySet<string> = new Set([
  'sync',
  'poll',
  'balance',
  'import',
  'reconcile',
  'resolve',
  'match',
  'unmatch',
]);

export async function bookAdjustments(ledger: Ledger, clock: Clock, log: Logger): Promise<number> {
  try {
    const { recorded } = await detectAdjustments(ledger, clock());
    if (recorded > 0) log.info(`${recorded} adjustment${recorded === 1 ? '' : 's'} to closed periods booked`);
    return recorded;
  } catch (error) {
    log.warn(`adjustments to closed periods not booked now (the next report will): ${describeError(error)}`);
    return 0;
  }
}

interface CommandLike {
  clock: Clock;
  log: Logger;
  openedLedger(): Promise<Ledger> | undefined;
}

export async function bookAdjustmentsAfter(command: string, ctx: CommandLike): Promise<void> {
  const opened = ctx.openedLedger();
  if (!CHANGES_PAYOUTS.has(command) || !opened) return;
  await bookAdjustments(await opened, ctx.clock, ctx.log);
}
