/**
 * The last step of every provider callback: keep the delivery in the inbox
 * (committed before the answer), log it and wake the processor. Shared by
 * the Smart2Pay and Smart Glocal handlers.
 */
import { type NewDelivery, recordDelivery } from '../../inbox/inbox-store.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Clock } from '../../shared/clock.js';
import type { LogFields, Logger } from '../../shared/logger.js';

export interface AcceptDeps {
  ledger: Ledger;
  clock: Clock;
  log: Logger;
  /** Called after the delivery is committed (wakes the inbox processor); never awaited. */
  onReceived?: () => void;
}

export async function acceptDelivery(deps: AcceptDeps, delivery: NewDelivery, message: string, fields: LogFields): Promise<void> {
  const kept = await recordDelivery(deps.ledger, delivery, deps.clock());
  deps.log.info(message, { delivery: kept.id, ...fields, ...(kept.duplicate ? { duplicate: true } : {}) });
  deps.onReceived?.();
}
