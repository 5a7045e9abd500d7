/**
 * The progress line as people meet it: `import`, `reconcile` and `report`
 * of 200,000 rows draw it on a terminal (a pseudo-terminal from `script`),
 * and print none when piped or with `--json`. Runs the built binary.
 *
 * The "none" runs use a small ledger: when the line is on, its first update
 * is drawn at once, so even 2,000 rows would show one; 200,000 rows three
 * more times would only make this test slower.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/ledger.js';
import { BIN, type CliRun, runCliProcess } from '../helpers/cli.js';
import { insertManyPayouts } from '../helpers/ledger-fixtures.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

/** The size: the commands must run long enough for a line to be drawn more than once. */
const ROWS = 200_000;
const OCTOBER = Date.UTC(2026, 9, 1);
const hasScript = spawnSync('script', ['--version']).status === 0;

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs the binary under a pseudo-terminal: stdout and stderr are both the terminal, captured together. */
function underTerminal(args: readonly string[], cwd: string): Promise<CliRun> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  // script's exit code is the command's (util-linux 2.35+ returns the child's status).
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: { ...process.env, PAYOUT_RECON_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

/** A progress line is a carriage return followed by `<command>: `, as drawn in place. */
const progressLines = (output: string, command: string): string[] => output.match(new RegExp(`\\r${command}: [^\\r\\n]*`, 'g')) ?? [];

/** A project with `rows` internal records and a payout for every other one. */
async function makeProject(rows: number): Promise<{ dir: string; remove: () => void }> {
  const project = tempDirForSuite();
  writeFileSync(path.join(project.dir, 'config.json'), JSON.stringify({ database: { url: 'sqlite:./ledger.db' }, timezone: 'UTC' }));
  const out = createWriteStream(path.join(project.dir, 'records.csv'));
  out.write('internal_id,amount,currency,created_at,method,purpose,country,status\n');
  for (let i = 0; i < rows; i += 1000) {
    let chunk = '';
    for (let j = i; j < i + 1000; j++) {
      chunk += `R-${j},${(10 + (j % 1000)).toFixed(2)},EUR,${new Date(OCTOBER + j * 10_000).toISOString()},bank_account,,RO,succeeded\n`;
    }
    out.write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const ledger = await openLedger({ url: 'sqlite:./ledger.db', baseDir: project.dir });
  try {
    // Every other record has its payout: the reference pass matches half, the rest become exceptions.
    await insertManyPayouts(ledger, rows / 2, (i) => ({ merchantTransactionId: `R-${i * 2}`, amount: (10 + ((i * 2) % 1000)) * 100, createdAt: OCTOBER + i * 2 * 10_000 }));
  } finally {
    await ledger.close();
  }
  return project;
}

describe.skipIf(!hasScript)('progress lines of long commands (200,000 rows)', () => {
  let big: { dir: string; remove: () => void };
  let small: { dir: string; remove: () => void };

  beforeAll(async () => {
    big = await makeProject(ROWS);
    small = await makeProject(2000);
  }, 300_000);
  afterAll(() => {
    big.remove();
    small.remove();
  });

  const commands: [name: string, args: string[]][] = [
    ['import', ['import', 'records.csv']],
    ['reconcile', ['reconcile']],
    ['report', ['report', '--month', '2026-10', '--format', 'both']],
  ];

  for (const [name, args] of commands) {
    it(`${name}: draws progress on a terminal, none when piped or with --json`, async () => {
      const terminal = await underTerminal(args, big.dir);
      expect(terminal.exitCode, terminal.stdout).toBe(0);
      const lines = progressLines(terminal.stdout, name);
      expect(lines.length, terminal.stdout).toBeGreaterThan(0);
      if (name === 'import') expect(lines.at(-1)).toMatch(/^\rimport: [\d,]+ rows read, [\d,]+ written, /);
      if (name === 'reconcile') expect(lines[0]).toMatch(/^\rreconcile: step 1\/6 reference pass, 0 matched/);
      if (name === 'report') expect(lines.join('')).toMatch(/\rreport: sheet 3\/7 Payouts, [\d,]+ of [\d,]+ rows, [\d,]+\/s, ETA \d+/);

      const json = await underTerminal(['--json', ...args], small.dir);
      expect(json.exitCode).toBe(0);
      expect(progressLines(json.stdout, name)).toEqual([]);

      const piped = await runCliProcess(args, { cwd: small.dir, timeoutMs: 300_000 });
      expect(piped.exitCode).toBe(0);
      expect(piped.stderr).not.toContain('\r');
      expect(progressLines(piped.stdout + piped.stderr, name)).toEqual([]);
    }, 300_000);
  }
});
