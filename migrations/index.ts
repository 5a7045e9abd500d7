/**
 * Every migration, by name. Listed statically (not read from the folder at
 * run time) so the same list works from sources, from `dist/` and in tests.
 * Names sort in the order they run; never rename or edit one that has shipped.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_ledger.js';
import * as m0002 from './0002_daemon.js';
import * as m0003 from './0003_balance_monitors.js';
import * as m0004 from './0004_matching.js';
import * as m0005 from './0005_refund_candidates_by_final.js';
import * as m0007 from './0007_notification_inbox.js';
import * as m0008 from './0008_period_close.js';
import * as m0009 from './0009_daemon_hardening.js';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_ledger': m0001,
  '0002_daemon': m0002,
  '0003_balance_monitors': m0003,
  '0004_matching': m0004,
  '0005_refund_candidates_by_final': m0005,
  '0007_notification_inbox': m0007,
  '0008_period_close': m0008,
  '0009_daemon_hardening': m0009,
});
