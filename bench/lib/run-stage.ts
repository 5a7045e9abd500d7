import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, type StageResult } from './stage-result.js';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `bench/stages/<script>.ts` in its own Node.js process and returns what it reported. */
export function runStage(script: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<StageResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'stages', `${script}.ts`), ...args], {
      cwd: path.resolve(BENCH_DIR, '..'),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) {
        reject(new Error(`stage ${script} ${args.join(' ')} failed (exit ${code ?? 'signal'})\n${stdout.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as StageResult);
    });
  });
}
