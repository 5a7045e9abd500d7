/**
 * What the real daemon runs and serves: its jobs, its HTTP routes besides
 * `/healthz`, and where job-failure alerts go. The daemon core knows none of
 * this; `payout-recon daemon` passes `productionWiring`, tests pass their own.
 *
 * Adding a scheduled job: a `JobDefinition` named like its `schedule.*` key
 * (`sync`, `poll`, `balance`, `reconcile`, `dailyReport`, `monthlyReport`),
 * whose `run` calls the domain function and returns its summary:
 *
 *   { name: 'sync', description: 'pull new payouts, then poll statuses',
 *     run: async (ctx) => {
 *       const result = await runSync({ config: ctx.config, ledger: ctx.ledger, log: ctx.log,
 *                                      clock: ctx.clock, signal: ctx.signal });
 *       return { fetched: result.fetched, inserted: result.inserted, updated: result.updated };
 *     } }
 *
 * Adding an endpoint: `router.post('/notifications/smart2pay', handler)` in
 * `routes` (see `http/router.ts`, `http/basic-auth.ts`).
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Router } from './http/router.js';
import type { JobAlertHook } from './job-alerts.js';
import type { JobDefinition } from './jobs.js';

export interface DaemonServices {
  config: Config;
  ledger: Ledger;
  log: Logger;
  clock: Clock;
  /** Resolves relative paths from the configuration against the working directory. */
  resolvePath: (p: string) => string;
}

export interface DaemonWiring {
  /** Jobs this daemon can run; each runs on `schedule.<name>` unless that is null. */
  jobs(services: DaemonServices): readonly JobDefinition[];
  /** Routes besides `GET /healthz` (provider notification endpoints). */
  routes(router: Router, services: DaemonServices): void;
  /** Where job-failure alerts go besides the log (the monitoring alert API); undefined: log only. */
  alerts(services: DaemonServices): JobAlertHook | undefined;
  /** Job name → cron expression (null: off). Default: `config.schedule`. */
  schedule?(config: Config): Readonly<Record<string, string | null>>;
}

export const productionWiring: DaemonWiring = {
  // sync, poll, balance, reconcile, dailyReport and monthlyReport are added here as their modules land.
  jobs: () => [],
  // POST /notifications/smart2pay and POST /webhooks/smartglocal are added here.
  routes: () => undefined,
  alerts: () => undefined,
};
