/**
 * `payout-recon close`: closes a period. Refused (exit 2) while the provider
 * list has not been synced past the period's end plus `settleSeconds` (data
 * not complete), when it overlaps a period already closed, or, with
 * `requireClean`, while an exception of the period is open.
 *
 * Everything is one transaction: the close row, the snapshot of every
 * payout, the closed pack (written from the snapshot, its other sections
 * kept as written), the manifest. A close that dies at any point leaves the
 * period open and nothing of its snapshot; the pack's files appear under
 * their final names only when complete (and a rolled-back close's files are
 * overwritten by the next close of the period).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { type ReportFormat, writeClosingPack } from '../reports/report-pack.js';
import type { ReportPeriod } from '../reports/report-period.js';
import { UsageError } from '../shared/errors.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { SMART2PAY_PAYOUTS_STATE } from '../sync/sync-state.js';
import { type PeriodTotal, snapshotTotals, writeSnapshot } from './snapshot.js';

/** Any constant: closes and reopens take it so two never interleave. */
export const CLOSE_LOCK_KEY = 7_264_115_014;

export interface ClosePeriodOptions {
  period: ReportPeriod;
  /** `smart2pay.settleSeconds`: how long after a payout's creation the list is trusted to show it. */
  settleSeconds: number;
  actor: string;
  note?: string | null;
  requireClean?: boolean;
  /** The reports folder; the closed pack goes to `closed/<label>.<close id>/` under it. */
  reportsDir: string;
  format: ReportFormat;
  now: number;
  log?: Logger;
}

export interface ManifestEntry {
  /** Relative to the reports folder, `/`-separated. */
  file: string;
  sha256: string;
}

export interface ClosePeriodResult {
  closeId: number;
  period: ReportPeriod;
  closedAt: number;
  closedBy: string;
  payouts: number;
  totals: PeriodTotal[];
  openExceptions: number;
  packDir: string;
  manifest: ManifestEntry[];
}

export async function closePeriod(ledger: Ledger, options: ClosePeriodOptions): Promise<ClosePeriodResult> {
  const { period, now } = options;
  const log = options.log ?? silentLogger;
  return ledger.transaction(async (trx) => {
    await ledger.lockUntilCommit(trx, CLOSE_LOCK_KEY);
    await assertClosable(trx, options);
    const openExceptions = await openExceptionsInPeriod(trx, period);
    if (options.requireClean && openExceptions > 0) {
      throw new UsageError(`close: ${period.label} has ${openExceptions} open exception${openExceptions === 1 ? '' : 's'} (--require-clean); resolve them or close without --require-clean`);
    }
    const { id: closeId } = await trx
      .insertInto('period_closes')
      .values({
        label: period.label,
        period_from: period.from,
        period_to: period.to,
        zone: period.zone,
        state: 'closed',
        closed_at: now,
        closed_by: options.actor,
        note: options.note ?? null,
        payouts: 0,
        totals: '[]',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const payouts = await writeSnapshot(trx, closeId, period, (n) => log.info(`close: snapshot ${n} payouts`));
    const totals = await snapshotTotals(trx, closeId);
    log.info(`close: snapshot of ${payouts} payouts written; writing the closed pack`);

    const packDir = path.join(options.reportsDir, 'closed', `${period.label}.${closeId}`);
    await writeClosingPack(trx, { id: closeId, label: period.label, closedAt: now, closedBy: options.actor, note: options.note ?? null }, {
      period,
      format: options.format,
      outDir: packDir,
      now,
      log,
    });
    const manifest = await manifestOf(packDir, options.reportsDir);
    // For people: `sha256sum -c MANIFEST.sha256` in the pack's folder checks the files.
    await writeFile(
      path.join(packDir, 'MANIFEST.sha256'),
      manifest.map((m) => `${m.sha256}  ${path.relative(packDir, path.join(options.reportsDir, m.file)).split(path.sep).join('/')}\n`).join(''),
    );
    await trx
      .updateTable('period_closes')
      .set({ payouts, totals: JSON.stringify(totals), manifest: JSON.stringify(manifest), pack_dir: path.relative(options.reportsDir, packDir).split(path.sep).join('/') })
      .where('id', '=', closeId)
      .execute();
    return { closeId, period, closedAt: now, closedBy: options.actor, payouts, totals, openExceptions, packDir, manifest };
  });
}

async function assertClosable(trx: LedgerTransaction, options: ClosePeriodOptions): Promise<void> {
  const { period } = options;
  const state = await trx.selectFrom('sync_state').select('watermark').where('key', '=', SMART2PAY_PAYOUTS_STATE).executeTakeFirst();
  const needed = period.to + options.settleSeconds * 1000;
  const watermark = state?.watermark ?? null;
  if (watermark === null || watermark < needed) {
    const synced = watermark === null ? 'never synced' : `synced only up to ${new Date(watermark).toISOString()}`;
    throw new UsageError(`close: ${period.label} is not complete yet: payouts are ${synced}, and must be synced past ${new Date(needed).toISOString()} (period end + smart2pay.settleSeconds); run sync first`);
  }
  const overlapping = await trx
    .selectFrom('period_closes')
    .select(['label'])
    .where('state', '=', 'closed')
    .where('period_from', '<', period.to)
    .where('period_to', '>', period.from)
    .orderBy('period_from')
    .executeTakeFirst();
  if (overlapping) {
    throw new UsageError(`close: ${period.label} overlaps ${overlapping.label}, which is already closed (reopen it first to close again)`);
  }
}

/** Open exceptions that belong to the period (the same rule as the pack's Exceptions sheet). */
async function openExceptionsInPeriod(trx: LedgerTransaction, period: ReportPeriod): Promise<number> {
  const row = await trx
    .selectFrom('exceptions as e')
    .leftJoin('payouts as p', 'p.id', 'e.payout_id')
    .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('e.status', '=', 'open')
    .where((eb) =>
      eb.or([
        eb.and([eb('p.created_at', '>=', period.from), eb('p.created_at', '<', period.to)]),
        eb.and([eb('p.id', 'is', null), eb('r.created_at', '>=', period.from), eb('r.created_at', '<', period.to)]),
        eb.and([eb('p.id', 'is', null), eb('r.id', 'is', null), eb('e.opened_at', '>=', period.from), eb('e.opened_at', '<', period.to)]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** SHA-256 of every file under `dir`, paths relative to `base`, sorted. */
async function manifestOf(dir: string, base: string): Promise<ManifestEntry[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const manifest: ManifestEntry[] = [];
  for (const file of files.sort()) {
    manifest.push({ file: path.relative(base, file).split(path.sep).join('/'), sha256: await sha256Of(file) });
  }
  return manifest;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
