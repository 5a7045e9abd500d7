/**
 * Files the engine creates are 0600 in 0700 folders (raw payloads hold IBANs
 * and addresses) unless `files.mode` says otherwise (issue 16). The built
 * binary in a child process, so the umask it sets is its own.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

function run(cwd: string, config: Record<string, unknown>, ...args: string[]) {
  writeFileSync(path.join(cwd, 'config.json'), JSON.stringify(config));
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/payout-recon.js'), '--config', 'config.json', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PAYOUT_RECON_CONFIG: '' },
  });
  expect(result.status, result.stderr).toBe(0);
}

const mode = (p: string) => statSync(p).mode & 0o777;

it('the ledger, its WAL, report files and their folders are 0600 / 0700 by default', () => {
  const cwd = tempDir();
  const config = { database: { url: 'sqlite:./data/ledger.db' }, reports: { dir: './out/reports', format: 'both' } };
  run(cwd, config, 'migrate');
  run(cwd, config, 'report', '--month', '2026-10');
  expect(mode(path.join(cwd, 'data'))).toBe(0o700);
  for (const file of readdirSync(path.join(cwd, 'data'))) expect([file, mode(path.join(cwd, 'data', file))]).toEqual([file, 0o600]);
  expect(mode(path.join(cwd, 'out'))).toBe(0o700);
  const reports = path.join(cwd, 'out/reports');
  expect(mode(reports)).toBe(0o700);
  const entries = readdirSync(reports, { recursive: true, withFileTypes: true });
  expect(entries.length).toBeGreaterThan(1);
  for (const e of entries) {
    const p = path.join(e.parentPath, e.name);
    expect([e.name, mode(p)]).toEqual([e.name, e.isDirectory() ? 0o700 : 0o600]);
  }
});

it('files.mode "0640" gives 0640 files in 0750 folders', () => {
  const cwd = tempDir();
  run(cwd, { database: { url: 'sqlite:./data/ledger.db' }, files: { mode: '0640' } }, 'migrate');
  expect(mode(path.join(cwd, 'data'))).toBe(0o750);
  expect(mode(path.join(cwd, 'data/ledger.db'))).toBe(0o640);
});
