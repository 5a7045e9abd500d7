import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess, runCliProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const CONTRACT_COMMANDS = [
  'migrate',
  'sync',
  'poll',
  'balance',
  'import',
  'reconcile',
  'exceptions',
  'resolve',
  'match',
  'unmatch',
  'report',
  'daemon',
  'demo',
];

function projectWithConfig(config: unknown): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

describe('payout-recon command line', () => {
  it('--help lists every command of the contract and exits 0', async () => {
    const run = await runCliInProcess(['--help'], { cwd: tempDir() });
    expect(run.exitCode).toBe(0);
    for (const name of CONTRACT_COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it.each(CONTRACT_COMMANDS)('%s --help describes the command and exits 0', async (name) => {
    const run = await runCliInProcess([name, '--help'], { cwd: tempDir() });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Usage: payout-recon ${name}`);
  });

  it('exits 2 on bad usage: unknown command, unknown option, missing argument', async () => {
    const cwd = tempDir();
    for (const args of [['frobnicate'], ['migrate', '--frobnicate'], ['resolve'], []]) {
      const run = await runCliInProcess(args, { cwd });
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
    }
  });

  it('migrate creates the ledger, then is a no-op; --json prints only JSON', async () => {
    const cwd = projectWithConfig({ database: { url: 'sqlite:./data/ledger.db' } });
    const first = await runCliInProcess(['migrate', '--json'], { cwd });
    expect(first.exitCode).toBe(0);
    const applied = JSON.parse(first.stdout) as { applied: string[]; ledger: string };
    expect(applied.applied[0]).toBe('0001_ledger');
    expect(applied.ledger).toBe(path.join(cwd, 'data/ledger.db'));
    const second = await runCliInProcess(['--json', 'migrate'], { cwd });
    expect(JSON.parse(second.stdout)).toMatchObject({ applied: [] });
    const human = await runCliInProcess(['migrate'], { cwd });
    expect(human.stdout).toMatch(/is up to date/);
  });

  it('exits 2 with one line naming the key for an invalid configuration', async () => {
    const cwd = projectWithConfig({ smart2pay: { baseUrl: 'http://x', siteId: '1', apiKey: 'k', settleSeconds: -5 } });
    const run = await runCliInProcess(['migrate'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('config: smart2pay.settleSeconds must be a non-negative integer\n');
    expect(run.stdout).toBe('');
  });

  it('exits 2 when the configuration is not JSON, and when a ${VAR} is missing', async () => {
    const notJson = await runCliInProcess(['migrate'], { cwd: projectWithConfig('{"database": ') });
    expect(notJson.exitCode).toBe(2);
    expect(notJson.stderr).toMatch(/^config: .*config\.json is not valid JSON/);
    const missingVar = await runCliInProcess(['migrate'], {
      cwd: projectWithConfig({ database: { url: 'sqlite:${LEDGER_PATH}' } }),
      env: { LEDGER_PATH: undefined },
    });
    expect(missingVar.exitCode).toBe(2);
    expect(missingVar.stderr).toBe('config: database.url refers to the environment variable LEDGER_PATH, which is not set\n');
  });

  it('exits 2 with one line for a ledger file that is not a database', async () => {
    const cwd = projectWithConfig({ database: { url: 'sqlite:./ledger.db' } });
    writeFileSync(path.join(cwd, 'ledger.db'), 'garbage'.repeat(1000));
    const run = await runCliInProcess(['migrate'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('ledger.db is not a usable SQLite database');
  });

  it('exits 1 when the PostgreSQL ledger is unreachable', async () => {
    const cwd = projectWithConfig({ database: { url: 'postgres://nobody@127.0.0.1:1/none' } });
    const run = await runCliInProcess(['migrate'], { cwd });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^ledger: cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/none/);
  });

  it('the installed binary runs: --version and migrate through bin/payout-recon.js', async () => {
    const cwd = projectWithConfig({ database: { url: 'sqlite:./ledger.db' } });
    const version = await runCliProcess(['--version'], { cwd });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const migrate = await runCliProcess(['migrate', '--json'], { cwd, env: { PAYOUT_RECON_CONFIG: 'config.json' } });
    expect(migrate.exitCode).toBe(0);
    expect((JSON.parse(migrate.stdout) as { applied: string[] }).applied[0]).toBe('0001_ledger');
  });
});
