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
 *
 * Background workers (`workers`) start and stop with the daemon: the
 * notification inbox's processor, which the notification routes wake.
 */
import { jobFailureAlerts } from '../alerts/job-alerts.js';
import type { Config } from '../config/schema.js';
import { createWebhookVerifier } from '../providers/smartglocal/signature.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { requireBasicAuth } from './http/basic-auth.js';
import { HttpError, type HttpRequest, type RouteOptions, type Router } from './http/router.js';
import type { JobAlertHook } from './job-alerts.js';
import type { JobDefinition } from './jobs.js';
import { InboxWorker } from './notifications/inbox-worker.js';
import { SMART2PAY_NOTIFICATION_PATH, smart2payNotificationHandler } from './notifications/smart2pay-notifications.js';
import { SMARTGLOCAL_WEBHOOK_PATH, smartglocalWebhookHandler } from './notifications/smartglocal-webhooks.js';
import { productionJobs } from './production-jobs.js';
import { DASHBOARD_PATH, dashboardHandler } from './dashboard.js';
import type { DaemonWorker } from './workers.js';

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
  /** Background workers started and stopped with the daemon. */
  workers?(services: DaemonServices): readonly DaemonWorker[];
}

/** The routes wake the same inbox worker the daemon starts: one per services object. */
const inboxWorkers = new WeakMap<DaemonServices, InboxWorker>();
function inboxWorkerOf(services: DaemonServices): InboxWorker {
  let worker = inboxWorkers.get(services);
  if (!worker) {
    const { config, ledger, clock, log } = services;
    worker = new InboxWorker({ config, ledger, clock, log: log.child('inbox') });
    inboxWorkers.set(services, worker);
  }
  return worker;
}

/**
 * How long a provider callback may take before it is answered 503 (the
 * provider sends it again): the ledger's write lock may be held by a long
 * job on SQLite, and a provider's timeout must never be reached.
 */
export const CALLBACK_ANSWER_MS = 500;

/** Provider callbacks: JSON only, small bodies refused before they are read, an answer within CALLBACK_ANSWER_MS. */
export function callbackRouteOptions(config: Config, early?: RouteOptions['early']): RouteOptions {
  return {
    contentTypes: ['application/json'],
    bodyLimitBytes: Math.min(config.server.webhookBodyLimitBytes, config.server.bodyLimitBytes),
    answerWithinMs: CALLBACK_ANSWER_MS,
    ...(early ? { early } : {}),
  };
}

/** Refuses a Smart Glocal webhook without a plausible X-PARTNER-SIGN before its body is read (it is verified after). */
function signaturePresent(request: HttpRequest): void {
  const signature = request.headers['x-partner-sign'];
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/=_-]{16,2048}$/.test(signature.trim())) {
    throw new HttpError(401, 'the X-PARTNER-SIGN signature is missing or malformed');
  }
}

export const productionWiring: DaemonWiring = {
  jobs: () => productionJobs(),
  routes: (router, services) => {
    const { config, ledger, clock, log } = services;
    const inbox = inboxWorkerOf(services);
    const onReceived = () => inbox.wake();
    if (config.smart2pay) {
      const credentials = { user: config.smart2pay.siteId, password: config.smart2pay.apiKey };
      router.post(
        SMART2PAY_NOTIFICATION_PATH,
        smart2payNotificationHandler({ config: config.smart2pay, ledger, clock, log: log.child('notifications'), onReceived }),
        callbackRouteOptions(config, (request) => requireBasicAuth(request, credentials, 'smart2pay')),
      );
    } else {
      log.info(`smart2pay is not configured: ${SMART2PAY_NOTIFICATION_PATH} is not served`);
    }
    if (config.smartglocal?.providerPublicKeyPath !== undefined) {
      // An unusable key is a config error at start: never accept webhooks we cannot verify.
      const verify = createWebhookVerifier(config.smartglocal, services.resolvePath);
      router.post(
        SMARTGLOCAL_WEBHOOK_PATH,
        smartglocalWebhookHandler({ verify, ledger, clock, log: log.child('webhooks'), onReceived }),
        callbackRouteOptions(config, signaturePresent),
      );
    } else {
      log.info(`smartglocal.providerPublicKeyPath is not set: ${SMARTGLOCAL_WEBHOOK_PATH} is not served`);
    }
    // Read-only and the admin's: 403 until server.admin is configured, 401 without its credentials.
    router.get(DASHBOARD_PATH, dashboardHandler({ config, ledger, clock }));
  },
  alerts: (services) => jobFailureAlerts(services),
  workers: (services) => [inboxWorkerOf(services)],
};
