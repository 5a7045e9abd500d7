import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { type RunningSmart2PaySandbox, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { runCliInProcess } from '../helpers/cli.js';
import { FAST_HTTP, smart2payConfigFile } from '../helpers/smart2pay.js';
import { tempDir } from '../helpers/temp-dir.js';

let sandbox: RunningSmart2PaySandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const END = Date.now() - 10 * 60_000;

async function project(options: { count?: number; overrides?: Record<string, unknown> } = {}) {
  sandbox = await startSmart2PaySandbox({ seed: 5, count: options.count ?? 2000, days: 2, end: END });
  const cwd = tempDir();
  writeFileSync(
    path.join(cwd, 'config.json'),
    smart2payConfigFile(sandbox, 'sqlite:./data/ledger.db', { syncFrom: new Date(END - 3 * 86_400_000).toISOString(), ...options.overrides }),
  );
  return cwd;
}

describe('payout-recon sync / poll', () => {
  it('sync --json prints one JSON document with the counts; a second run finds nothing new', async () => {
    const cwd = await project({ overrides: { listWorker: true } });
    const first = await runCliInProcess(['sync', '--json'], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    const json = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ inserted: 2000, updated: 0 });
    expect(json.fetched).toBeGreaterThanOrEqual(2000); // a row on a padded bound may come twice
    expect(json.requests).toEqual(expect.any(Number));
    expect(json.watermark).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(json.poll).toMatchObject({ polled: expect.any(Number) as number, changed: 0 });
    const second = await runCliInProcess(['sync', '--json', '--no-poll'], { cwd });
    expect(JSON.parse(second.stdout)).toMatchObject({ inserted: 0, poll: null });
    const human = await runCliInProcess(['sync'], { cwd });
    expect(human.stdout).toMatch(/^synced [\d,]+ payouts from .* 0 new, 0 updated/m);
    expect(human.stdout).toMatch(/^watermark: .*every payout created before it is in the ledger/m);
    expect(human.stdout).toMatch(/^polled [\d,]+ statuses: 0 changed/m);
  });

  it('poll --json refreshes statuses that changed at the provider', async () => {
    const cwd = await project({ overrides: { poll: { recentlyFinalHours: 0 } } });
    expect((await runCliInProcess(['sync', '--no-poll'], { cwd })).exitCode).toBe(0);
    const changed = sandbox!.sandbox.settleOpenPayouts();
    expect(changed).toBeGreaterThan(0);
    const run = await runCliInProcess(['poll', '--json'], { cwd });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ polled: changed, changed, missing: 0 });
    expect(JSON.parse((await runCliInProcess(['poll', '--json'], { cwd })).stdout)).toMatchObject({ polled: 0 });
  });

  it('refused credentials: exit 1, the keys to check named, the key itself never printed', async () => {
    sandbox = await startSmart2PaySandbox({ seed: 5, count: 10 });
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, 'config.json'),
      JSON.stringify({
        database: { url: 'sqlite:./ledger.db' },
        smart2pay: { baseUrl: sandbox.url, siteId: '1010', apiKey: '${S2P_KEY}', http: FAST_HTTP },
      }),
    );
    const secret = 'sk_live_very_secret_4242';
    for (const args of [['sync'], ['sync', '--json'], ['sync', '--verbose']]) {
      const run = await runCliInProcess(args, { cwd, env: { S2P_KEY: secret } });
      expect(run.exitCode, args.join(' ')).toBe(1);
      expect(run.stderr).toContain('smart2pay: the provider refused our credentials (HTTP 401); check smart2pay.siteId and smart2pay.apiKey in the configuration');
      expect(run.stdout + run.stderr).not.toContain(secret);
      expect(run.stdout).toBe('');
    }
    expect(sandbox.sandbox.stats.unauthorized).toBeLessThanOrEqual(6); // never retried: at most the two list requests in flight per run
  });

  it('a malformed page or a provider that stays down: exit 1 with one line naming the window', async () => {
    const cwd = await project({ overrides: { http: { ...FAST_HTTP, maxRetries: 1 } } });
    const victim = [...sandbox!.sandbox.payouts()][1500]!;
    sandbox!.sandbox.setFaults({ malformed: { payoutId: victim.id, field: 'Created' } });
    const malformed = await runCliInProcess(['sync', '--json'], { cwd });
    expect(malformed.exitCode).toBe(1);
    expect(malformed.stdout).toBe('');
    expect(malformed.stderr).toMatch(new RegExp(`smart2pay: sync window .* \\(UTC\\): GET /v1/payouts returned an unusable response: Payouts\\[\\d+\\] \\(ID ${victim.id}\\): Created must be a YYYYMMDDHHMMSS date-time, got "2026-13-45"`));
    sandbox!.sandbox.setFaults({ malformed: null, down: true });
    const down = await runCliInProcess(['sync'], { cwd });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(/smart2pay: sync window .*: GET \/v1\/payouts failed after 2 attempts: HTTP 503/);
  });

  it('bad usage and missing configuration exit 2', async () => {
    const cwd = await project();
    expect((await runCliInProcess(['sync', '--since', 'yesterday'], { cwd })).stderr).toMatch(/--since: "yesterday" is not an ISO 8601 date-time/);
    expect((await runCliInProcess(['sync', '--since', '2026-10-02', '--until', '2026-10-01'], { cwd })).exitCode).toBe(2);
    const bare = tempDir();
    writeFileSync(path.join(bare, 'config.json'), JSON.stringify({ database: { url: 'sqlite:./l.db' } }));
    const run = await runCliInProcess(['sync'], { cwd: bare });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/config: smart2pay is required for sync/);
  });

  it('draws a progress line on a terminal (stderr) and clears it', async () => {
    const cwd = await project({ count: 5000, overrides: { pageLimit: 100, http: { ...FAST_HTTP, requestsPerSecond: 40 } } });
    let stderr = '';
    let stdout = '';
    const code = await runCli(['node', 'payout-recon', 'sync', '--no-poll'], {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      isTty: true,
      stderrIsTty: true,
      env: { ...process.env, PAYOUT_RECON_CONFIG: undefined },
      cwd,
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/\rsync: [\d,]+ windows, [\d,]+ payouts, [\d,]+\/s, at \d{4}-/);
    expect(stderr.endsWith('\r')).toBe(true);
    expect(stdout).toMatch(/^synced 5,0\d\d payouts/);
  });
});
