/**
 * The daemon: the scheduler (node-cron ticks, catch-up at start, takeover of
 * dead replicas' leases), the job runner and the HTTP server (`/healthz` plus
 * whatever routes are added, e.g. provider callbacks), started and stopped
 * as one. Signals and process exit belong to the caller
 * (`src/cli/commands/daemon.ts`).
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { ConfigError, describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { validate as isValidCron } from 'node-cron';
import { failureThresholds } from './failure-threshold.js';
import { checkHealth, type HealthReport, publicHealth } from './health.js';
import { requireAdmin } from './http/admin-auth.js';
import { startHttpServer, type RunningHttpServer } from './http/http-server.js';
import { Router } from './http/router.js';
import { combineJobAlerts, type JobAlertHook, logJobAlerts } from './job-alerts.js';
import { JobRunner } from './job-runner.js';
import { JobStateStore } from './job-state-store.js';
import type { JobRegistry } from './jobs.js';
import { replicaIdOf } from './replica-id.js';
import { previousTick } from './schedule-ticks.js';
import { type ScheduledJob, Scheduler } from './scheduler.js';
import type { DaemonWorker } from './workers.js';

/** How long `/healthz` waits for the ledger before answering 503. */
export const HEALTH_TIMEOUT_MS = 5000;

export interface DaemonOptions {
  config: Config;
  ledger: Ledger;
  /**
   * A second handle on the same ledger for `/healthz` reads, so a job's long
   * transaction (SQLite has one connection per handle) never delays them.
   * Default: `ledger`.
   */
  healthLedger?: Ledger;
  /**
   * A handle for lease renewal only, so a renewal never queues behind
   * anything else on the main handle. Default: `ledger`.
   */
  leaseLedger?: Ledger;
  jobs: JobRegistry;
  /** Job name → cron expression (null: off). Default: `config.schedule`. */
  schedule?: Readonly<Record<string, string | null>>;
  /** Adds routes (provider callbacks); `GET /healthz` is always there. */
  routes?: (router: Router) => void;
  /** Told when a job keeps failing; failures are always logged as well. */
  alerts?: JobAlertHook;
  /** Background workers (the notification inbox's processor): started after the server, stopped with it. */
  workers?: readonly DaemonWorker[];
  log: Logger;
  clock?: Clock;
  /** Resolves relative paths from the configuration (default: from the working directory). */
  resolvePath?: (p: string) => string;
  /**
   * Opens a new handle on the same ledger. Used once, when a shutdown runs
   * out of grace, to record the runs it leaves behind as abandoned (on SQLite
   * the main handle is closed first, which rolls their open transaction back).
   */
  reopenLedger?: () => Promise<Ledger>;
}

export interface ShutdownReport {
  /** False when a job was still running after `daemon.shutdownGraceSeconds`. */
  graceful: boolean;
  /** Jobs still running when the grace ran out. */
  abandoned: string[];
}

export class Daemon {
  readonly replica: string;
  readonly #o: DaemonOptions;
  readonly #scheduled: ScheduledJob[];
  readonly #known: Array<{ name: string; expression: string | null }>;
  readonly #store: JobStateStore;
  readonly #healthStore: JobStateStore;
  readonly #thresholds: (job: string) => number;
  readonly #runner: JobRunner;
  readonly #scheduler: Scheduler;
  readonly #router = new Router();
  readonly #clock: Clock;
  #server: RunningHttpServer | undefined;
  #stopping: Promise<ShutdownReport> | undefined;

  private constructor(options: DaemonOptions) {
    this.#o = options;
    const { config, log } = options;
    this.#clock = options.clock ?? systemClock;
    this.replica = replicaIdOf(config.daemon.replicaId);
    const leaseMs = config.daemon.leaseSeconds * 1000;
    const schedule = options.schedule ?? config.schedule;
    this.#known = [];
    this.#scheduled = [];
    for (const [name, expression] of Object.entries(schedule)) {
      if (!options.jobs.has(name)) {
        if (expression !== null) log.warn(`schedule.${name} is set, but this build has no ${name} job; it does not run`);
        continue;
      }
      if (expression !== null) {
        checkExpression(name, expression, config.timezone);
        this.#scheduled.push({ name, expression });
      }
      this.#known.push({ name, expression });
    }
    this.#store = new JobStateStore(options.ledger, this.replica, leaseMs);
    this.#healthStore = new JobStateStore(options.healthLedger ?? options.ledger, this.replica, leaseMs);
    this.#thresholds = failureThresholds(config, schedule);
    this.#runner = new JobRunner({
      config,
      ledger: options.ledger,
      store: this.#store,
      leaseStore: new JobStateStore(options.leaseLedger ?? options.ledger, this.replica, leaseMs),
      registry: options.jobs,
      log,
      clock: this.#clock,
      leaseMs,
      failureThreshold: this.#thresholds,
      alerts: options.alerts ? combineJobAlerts(log, logJobAlerts(log), options.alerts) : logJobAlerts(log),
      resolvePath: options.resolvePath ?? ((p) => path.resolve(p)),
    });
    this.#scheduler = new Scheduler({
      jobs: this.#scheduled,
      timeZone: config.timezone,
      runner: this.#runner,
      store: this.#store,
      clock: this.#clock,
      log,
      // Often enough that a dead replica's job waits little more than its lease.
      sweepMs: Math.min(30_000, Math.max(500, Math.floor(leaseMs / 2))),
    });
    this.#router.get('/healthz', async (request) => {
      // The detailed view (errors, summaries, replica) is the admin's; anyone gets the states.
      const detailed = request.query.has('detail');
      if (detailed) await requireAdmin(request, config.server.admin);
      const { httpStatus, report } = await this.health();
      return { status: httpStatus, json: detailed ? report : publicHealth(report) };
    });
    options.routes?.(this.#router);
  }

  /** Starts the HTTP server, then the schedule (catch-up runs start at once). */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    const { config, log } = options;
    daemon.#server = await startHttpServer({
      host: config.server.host,
      port: config.server.port,
      bodyLimitBytes: config.server.bodyLimitBytes,
      maxConnections: config.server.maxConnections,
      router: daemon.#router,
      log: log.child('http'),
    });
    log.info(`listening on ${daemon.#server.url}`, { routes: daemon.#router.describe().join(', ') });
    daemon.#scheduler.start();
    for (const worker of options.workers ?? []) worker.start();
    log.info('daemon started', {
      replica: daemon.replica,
      ledger: options.ledger.location,
      timezone: config.timezone,
      jobs: daemon.#scheduled.map((j) => `${j.name}=${j.expression}`).join(', ') || 'none',
    });
    return daemon;
  }

  /** `http://host:port` of the HTTP server (the real port when `server.port` is 0). */
  get url(): string {
    if (!this.#server) throw new Error('the daemon is not started');
    return this.#server.url;
  }

  get port(): number {
    if (!this.#server) throw new Error('the daemon is not started');
    return this.#server.port;
  }

  /** Jobs running in this process now. */
  running(): string[] {
    return this.#runner.running();
  }

  health(): Promise<{ httpStatus: 200 | 503; report: HealthReport }> {
    return checkHealth({
      store: this.#healthStore,
      dialect: (this.#o.healthLedger ?? this.#o.ledger).dialect,
      replica: this.replica,
      schedule: this.#known,
      timeZone: this.#o.config.timezone,
      failureThreshold: this.#thresholds,
      clock: this.#clock,
      timeoutMs: HEALTH_TIMEOUT_MS,
    });
  }

  /**
   * Stops scheduling, asks running jobs to stop (their AbortSignal) and waits
   * up to `daemon.shutdownGraceSeconds` for them to finish their transaction.
   * Runs still going after that are recorded as abandoned and their ticks
   * given back. The ledgers stay open (the caller closes them).
   */
  stop(): Promise<ShutdownReport> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<ShutdownReport> {
    const { log, config } = this.#o;
    await this.#scheduler.stop();
    this.#runner.beginShutdown();
    this.#server?.stopAccepting();
    const workers = Promise.all((this.#o.workers ?? []).map((w) => w.stop()));
    const running = this.#runner.running();
    if (running.length > 0) log.info(`waiting for ${running.join(', ')} to finish`, { graceSeconds: config.daemon.shutdownGraceSeconds });
    const left = await this.#runner.drain(config.daemon.shutdownGraceSeconds * 1000);
    if (left.length > 0) {
      await this.#runner.terminateThreads();
      log.error(`still running after daemon.shutdownGraceSeconds (${config.daemon.shutdownGraceSeconds} s): ${left.map((r) => r.job).join(', ')}; stopping anyway`);
      await this.#recordAbandoned(left).catch((error: unknown) =>
        log.error('could not record the abandoned runs; their leases will expire', { error: describeError(error) }),
      );
    }
    await workers;
    await this.#server?.close();
    log.info('daemon stopped', { replica: this.replica });
    return { graceful: left.length === 0, abandoned: left.map((r) => r.job) };
  }

  async #recordAbandoned(runs: Awaited<ReturnType<JobRunner['drain']>>): Promise<void> {
    const { ledger, reopenLedger, config, log } = this.#o;
    // SQLite: closing the handle rolls the job's open transaction back and frees the write lock.
    if (ledger.dialect === 'sqlite') await ledger.close();
    if (!reopenLedger) {
      log.warn('runs left as running; their leases expire after daemon.leaseSeconds');
      return;
    }
    const side = await reopenLedger();
    try {
      const store = new JobStateStore(side, this.replica, config.daemon.leaseSeconds * 1000);
      const error = `still running when the daemon stopped (daemon.shutdownGraceSeconds ${config.daemon.shutdownGraceSeconds} s); work it had not committed was rolled back`;
      for (const run of runs) await store.finish(run, { outcome: 'abandoned', error, summary: null }, this.#clock());
    } finally {
      await side.close();
    }
  }
}

function checkExpression(name: string, expression: string, timeZone: string): void {
  try {
    if (!isValidCron(expression)) throw new Error('invalid');
    previousTick(expression, timeZone, Date.now());
  } catch {
    throw new ConfigError(`schedule.${name} must be a cron expression such as "*/15 * * * *"`);
  }
}
