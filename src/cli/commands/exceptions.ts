import type { Command } from 'commander';
import { EXCEPTION_KINDS, EXCEPTION_STATUSES, isExceptionKind } from '../../domain/exception-kinds.js';
import { fromJson } from '../../ledger/mapping.js';
import { UsageError } from '../../shared/errors.js';
import { localizeTimes } from '../../shared/human-time.js';
import { type CliState, commandAction } from '../action.js';

interface ExceptionsOptions extends Record<string, unknown> {
  status: string;
  kind?: string;
  limit?: string;
}

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(width - 1, 0))}…` : text.padEnd(width);
}

export function registerExceptionsCommand(program: Command, state: CliState): void {
  program
    .command('exceptions')
    .description('list reconciliation exceptions with their diagnostics')
    .option('--status <status>', 'open | resolved | ignored | all', 'open')
    .option('--kind <kind>', 'only this kind, e.g. amount_mismatch')
    .option('--limit <n>', 'at most this many (newest first)')
    .action(
      commandAction<ExceptionsOptions>(state, async (ctx, _args, options) => {
        const status = options.status;
        if (status !== 'all' && !(EXCEPTION_STATUSES as readonly string[]).includes(status)) {
          throw new UsageError(`exceptions: --status must be one of ${[...EXCEPTION_STATUSES, 'all'].join(', ')}`);
        }
        if (options.kind !== undefined && !isExceptionKind(options.kind)) {
          throw new UsageError(`exceptions: --kind must be one of ${EXCEPTION_KINDS.join(', ')}`);
        }
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('exceptions: --limit must be a positive integer');
        const ledger = await ctx.ledger();
        let query = ledger.db
          .selectFrom('exceptions as e')
          .leftJoin('payouts as p', 'p.id', 'e.payout_id')
          .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
          .select([
            'e.id',
            'e.kind',
            'e.status',
            'e.summary',
            'e.details',
            'e.opened_at',
            'e.updated_at',
            'e.closed_at',
            'e.resolved_by',
            'e.resolution_note',
            'p.provider',
            'p.provider_payout_id',
            'r.internal_id',
          ])
          .orderBy('e.id', limit === undefined ? 'asc' : 'desc');
        if (status !== 'all') query = query.where('e.status', '=', status);
        if (options.kind !== undefined) query = query.where('e.kind', '=', options.kind);
        if (limit !== undefined) query = query.limit(limit);
        const rows = await query.execute();
        const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
        const json = rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          status: r.status,
          payout_id: r.provider_payout_id,
          internal_id: r.internal_id,
          provider: r.provider,
          summary: r.summary,
          details: fromJson<Record<string, unknown>>(r.details, {}),
          opened_at: iso(r.opened_at),
          updated_at: iso(r.updated_at),
          closed_at: iso(r.closed_at),
          resolved_by: r.resolved_by,
          resolution_note: r.resolution_note,
        }));
        if (rows.length === 0) return { json, text: `no ${status === 'all' ? '' : `${status} `}exceptions${options.kind ? ` of kind ${options.kind}` : ''}` };
        const width = ctx.io.isTty ? Math.max(process.stdout.columns ?? 160, 100) : Number.MAX_SAFE_INTEGER;
        const header = `${cell('id', 7)} ${cell('kind', 20)} ${cell('status', 8)} ${cell('payout', 14)} ${cell('internal_id', 16)} summary`;
        const fixed = header.length - 'summary'.length;
        const zone = ctx.config.timezone;
        const lines = rows.map((r) => {
          // Summaries are stored with UTC instants; people read them in the configured zone.
          const summary = localizeTimes(r.summary, zone);
          return `${cell(String(r.id), 7)} ${cell(r.kind, 20)} ${cell(r.status, 8)} ${cell(r.provider_payout_id ?? '-', 14)} ${cell(r.internal_id ?? '-', 16)} ${
            ctx.io.isTty ? cell(summary, width - fixed) : summary
          }`.trimEnd();
        });
        return { json, text: [header, ...lines, `${rows.length} exception${rows.length === 1 ? '' : 's'}`].join('\n') };
      }),
    );
}
