/**
 * How a benchmark stage (a process of its own) reports back: one line on
 * stdout, `BENCH_RESULT {json}`, with its own peak RSS from the kernel's
 * resource accounting of this process, so the numbers of one stage never
 * include another's memory.
 */
export interface StageResult {
  stage: string;
  rows: number;
  ms: number;
  peakRssMb: number;
  notes?: Record<string, unknown>;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export function reportStage(stage: string, rows: number, ms: number, notes?: Record<string, unknown>): void {
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const result: StageResult = { stage, rows, ms: Math.round(ms), peakRssMb, ...(notes ? { notes } : {}) };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Times an async function with a monotonic clock. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}
