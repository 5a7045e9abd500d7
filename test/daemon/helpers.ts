/** Helpers for daemon tests: waiting, configs, in-process and child-process daemons, reading runs back. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { parseConfigValue } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JobAlertHook } from '../../src/daemon/job-alerts.js';
import { JobRegistry } from '../../src/daemon/jobs.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/shared/logger.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { TEST_ACTOR, type TestDaemonSpec, type TestRowDetails, testJob } from './fixtures/test-jobs.js';

export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DaemonKeys {
  shutdownGraceSeconds?: number;
  failureThreshold?: number | Record<string, number>;
  retry?: { attempts?: number; delaySeconds?: number; maxDelaySeconds?: number };
  leaseSeconds?: number;
  replicaId?: string;
}

/** A configuration file's content for a test daemon: every production schedule off, any free port. */
export function daemonConfigObject(url: string, daemon: DaemonKeys = {}, timezone = 'UTC'): Record<string, unknown> {
  return {
    timezone,
    database: { url, poolSize: 4 },
    server: { host: '127.0.0.1', port: 0 },
    schedule: { sync: null, poll: null, balance: null, reconcile: null, dailyReport: null, monthlyReport: null, close: null, verify: null },
    // No retries unless a test asks: a failing test job fails its tick at once.
    daemon: { shutdownGraceSeconds: 10, failureThreshold: 3, leaseSeconds: 5, retry: { attempts: 1 }, ...daemon },
  };
}

export interface InProcessDaemon {
  daemon: Daemon;
  logs: string[];
}

/** Starts a daemon in this process with the spec's jobs on `ledger`. Stop it with `daemon.stop()`. */
export async function startInProcessDaemon(options: {
  ledger: Ledger;
  healthLedger?: Ledger;
  spec: TestDaemonSpec;
  daemon?: DaemonKeys;
  timezone?: string;
  alerts?: JobAlertHook;
}): Promise<InProcessDaemon> {
  const logs: string[] = [];
  const config = parseConfigValue(daemonConfigObject('sqlite::memory:', options.daemon, options.timezone), {});
  const daemon = await Daemon.start({
    config,
    ledger: options.ledger,
    healthLedger: options.healthLedger,
    jobs: new JobRegistry(options.spec.jobs.map(testJob)),
    schedule: options.spec.schedule,
    alerts: options.alerts,
    log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
  });
  return { daemon, logs };
}

export interface RunRow {
  id: number;
  job: string;
  replica: string | null;
  started_at: number;
  finished_at: number | null;
  outcome: string;
  error: string | null;
  scheduled_at: number | null;
  trigger: string | null;
  details: string | null;
}

export async function jobRuns(ledger: Ledger, job: string): Promise<RunRow[]> {
  return ledger.db.selectFrom('job_runs').selectAll().where('job', '=', job).orderBy('id').execute();
}

export async function jobState(ledger: Ledger, job: string) {
  return ledger.db.selectFrom('job_state').selectAll().where('job', '=', job).executeTakeFirst();
}

/** The rows a test write job committed. */
export async function testRows(ledger: Ledger, job: string): Promise<TestRowDetails[]> {
  const rows = await ledger.db
    .selectFrom('audit_log')
    .select('details')
    .where('actor', '=', TEST_ACTOR)
    .where('action', '=', job)
    .orderBy('id')
    .execute();
  return rows.map((r) => JSON.parse(r.details ?? '{}') as TestRowDetails);
}

export function countBy<T>(items: readonly T[], key: (item: T) => string | number): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const LAUNCHER_SOURCE = path.join(PROJECT_ROOT, 'test/daemon/fixtures/daemon-main.ts');
let launcher: Promise<string> | undefined;

/**
 * The test launcher as one ES module (our sources bundled, packages left to
 * node_modules): starts as fast as the built binary, where a TypeScript
 * loader would resolve every Kysely file through its hooks on each start.
 */
function testLauncher(): Promise<string> {
  launcher ??= (async () => {
    const dir = path.join(PROJECT_ROOT, 'node_modules/.cache/payout-recon-tests');
    mkdirSync(dir, { recursive: true });
    const result = await build({
      entryPoints: [LAUNCHER_SOURCE],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      write: false,
      logLevel: 'silent',
    });
    const file = path.join(dir, 'daemon-main.mjs');
    // Test files in parallel workers may bundle at once: whole files only.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, result.outputFiles[0]!.contents);
    renameSync(temporary, file);
    return file;
  })();
  return launcher;
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (128 + n when killed by a signal). */
  readonly exited: Promise<number>;
  /** The HTTP URL it logged once listening. */
  url(): Promise<string>;
  /** Kills it unless it has exited (cleanup). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs a daemon as a child process: `bin/payout-recon.js daemon` when `spec`
 * is omitted (the real binary), else the test launcher with the spec's jobs
 * (the same command code, bundled from the sources).
 */
export async function spawnDaemon(options: {
  cwd: string;
  config: Record<string, unknown>;
  spec?: TestDaemonSpec;
  name?: string;
  args?: string[];
}): Promise<DaemonProcess> {
  const name = options.name ?? 'daemon';
  const configPath = path.join(options.cwd, `${name}.config.json`);
  writeFileSync(configPath, JSON.stringify(options.config));
  let args: string[];
  if (options.spec) {
    const specPath = path.join(options.cwd, `${name}.spec.json`);
    writeFileSync(specPath, JSON.stringify(options.spec));
    args = [await testLauncher(), '--config', configPath, '--spec', specPath, '--verbose'];
  } else {
    args = [path.join(PROJECT_ROOT, 'bin/payout-recon.js'), '--config', configPath, ...(options.args ?? []), 'daemon'];
  }
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, PAYOUT_RECON_CONFIG: '', PAYOUT_RECON_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    url: () =>
      waitFor(
        () => {
          if (done) throw new Error(`${name} exited before listening:\n${stderr}`);
          return /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
        },
        `${name} to listen`,
        30_000,
        50,
      ),
    kill: (signal = 'SIGKILL') => {
      if (!done) child.kill(signal);
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 0;
}
