/**
 * `payout-recon daemon`: runs the schedule and the HTTP server until SIGINT
 * or SIGTERM, then stops scheduling, lets running jobs finish their
 * transaction (up to `daemon.shutdownGraceSeconds`) and exits 0.
 */
import type { Command } from 'commander';
import { Daemon, type ShutdownReport } from '../../daemon/daemon.js';
import { JobRegistry } from '../../daemon/jobs.js';
import { type DaemonServices, type DaemonWiring, productionWiring } from '../../daemon/wiring.js';
import { type Ledger, openLedger } from '../../ledger/ledger.js';
import { describeError } from '../../shared/errors.js';
import { type CliState, type CommandOutcome, commandAction } from '../action.js';
import type { CommandContext } from '../context.js';

export function registerDaemonCommand(program: Command, state: CliState): void {
  program
    .command('daemon')
    .description('run the schedule until SIGINT/SIGTERM; serve /healthz and provider notifications')
    .action(commandAction(state, (ctx) => runDaemonCommand(ctx, productionWiring)));
}

/** The daemon command with the given jobs and routes (tests run it with their own). */
export async function runDaemonCommand(ctx: CommandContext, wiring: DaemonWiring): Promise<CommandOutcome> {
  const { config } = ctx;
  // Jobs run in worker threads with their own connections: this thread's handles wait for
  // SQLite's write lock asynchronously, so the HTTP server and the signals never stall.
  const open = (migrate: boolean, poolSize: number) =>
    openLedger({
      url: config.database.url,
      busyTimeoutMs: config.database.busyTimeoutMs,
      poolSize,
      migrate,
      baseDir: ctx.io.cwd,
      waitForLocksAsync: true,
    });
  const ledger = await open(true, config.database.poolSize);
  let healthLedger: Ledger | undefined;
  let leaseLedger: Ledger | undefined;
  let report: ShutdownReport | undefined;
  // A stray promise rejection in a job must not take the other jobs down with the process.
  const onUnhandled = (reason: unknown) => ctx.log.error('unhandled promise rejection', { error: describeError(reason) });
  process.on('unhandledRejection', onUnhandled);
  try {
    // /healthz reads through its own small handle: a job's long SQLite transaction must not delay it.
    healthLedger = await open(false, 2);
    // Lease renewal on its own connection: never queued behind a notification or a claim.
    leaseLedger = await open(false, 1);
    const services: DaemonServices = { config, ledger, log: ctx.log.child('daemon'), clock: ctx.clock, resolvePath: (p) => ctx.resolvePath(p) };
    const daemon = await Daemon.start({
      config,
      ledger,
      healthLedger,
      leaseLedger,
      jobs: new JobRegistry(wiring.jobs(services)),
      schedule: wiring.schedule?.(config),
      routes: (router) => wiring.routes(router, services),
      alerts: wiring.alerts(services),
      workers: wiring.workers?.(services),
      log: services.log,
      clock: ctx.clock,
      resolvePath: services.resolvePath,
      reopenLedger: () => open(false, 1),
    });
    const stopSignal = untilStopSignal(ctx);
    const signal = await stopSignal.received;
    ctx.log.info(`${signal} received: stopping`);
    report = await daemon.stop();
    stopSignal.dispose();
    return {
      json: { stopped: true, signal, replica: daemon.replica, graceful: report.graceful, abandoned: report.abandoned },
      text: report.graceful ? 'daemon stopped' : `daemon stopped; abandoned: ${report.abandoned.join(', ')}`,
    };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await healthLedger?.close();
    await leaseLedger?.close();
    if (report && !report.graceful) {
      // A job overran the grace: its pending work (a timer, a PostgreSQL client in a transaction)
      // must not keep the process alive. Exit once the output is written.
      setTimeout(() => process.exit(), 1000).unref();
      if (ledger.dialect === 'sqlite') await ledger.close();
    } else {
      await ledger.close();
    }
  }
}

/** Resolves on the first SIGINT or SIGTERM; a second one, while stopping, exits at once. */
function untilStopSignal(ctx: CommandContext): { received: Promise<NodeJS.Signals>; dispose: () => void } {
  const onSecond = (signal: NodeJS.Signals) => {
    ctx.log.error(`${signal} received again: exiting without waiting for running jobs`);
    process.exit(1);
  };
  let onFirst: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onFirst = (signal) => {
      process.off('SIGINT', onFirst);
      process.off('SIGTERM', onFirst);
      process.on('SIGINT', onSecond);
      process.on('SIGTERM', onSecond);
      resolve(signal);
    };
  });
  process.on('SIGINT', onFirst);
  process.on('SIGTERM', onFirst);
  return {
    received,
    dispose: () => {
      for (const listener of [onFirst, onSecond]) {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      }
    },
  };
}
