import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built binary (`npm test` builds first): what users run. */
export const BIN = path.join(PROJECT_ROOT, 'bin/payout-recon.js');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (fast), capturing stdout and stderr. */
export async function runCliInProcess(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(['node', 'payout-recon', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTty: false,
    env: { ...process.env, PAYOUT_RECON_CONFIG: undefined, ...options.env },
    cwd: options.cwd,
  });
  return { exitCode, stdout, stderr };
}

/** Runs the built binary as a child process; `signal` kills it with SIGKILL (a crash at that moment), so does a timeout. */
export async function runCliProcess(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal },
): Promise<CliRun> {
  const { child, done } = startCliProcess(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  options.signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
  try {
    const { exitCode, stdout, stderr } = await done;
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the built binary as a child process and hands it over (to signal it mid-run). */
export function startCliProcess(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; done: Promise<CliRun & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, PAYOUT_RECON_CONFIG: '', ...options.env },
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
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), signal, stdout, stderr }));
  });
  return { child, done };
}
