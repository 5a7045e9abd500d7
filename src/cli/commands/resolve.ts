import type { Command } from 'commander';
import { decideException } from '../../exceptions/exception-store.js';
import { UsageError } from '../../shared/errors.js';
import { type CliState, commandAction } from '../action.js';
import { actorOf } from '../actor.js';

interface ResolveOptions extends Record<string, unknown> {
  note: string;
  ignore?: boolean;
}

export function registerResolveCommand(program: Command, state: CliState): void {
  program
    .command('resolve')
    .description('close an exception with a note (kept in the audit trail)')
    .argument('<exception-id>', 'the exception to close')
    .requiredOption('--note <text>', 'why it is resolved')
    .option('--ignore', 'mark it ignored rather than resolved')
    .action(
      commandAction<ResolveOptions>(state, async (ctx, args, options) => {
        const id = Number(args[0]?.replace(/^#/, ''));
        if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`resolve: "${args[0] ?? ''}" is not an exception ID`);
        if (options.note.trim() === '') throw new UsageError('resolve: --note must not be empty');
        const ledger = await ctx.ledger();
        const decided = await ledger.transaction((trx) =>
          decideException(trx, id, { status: options.ignore ? 'ignored' : 'resolved', note: options.note, actor: actorOf(ctx.io.env) }, ctx.clock()),
        );
        return {
          json: { id: decided.id, kind: decided.kind, status: decided.status, note: decided.resolutionNote },
          text: `exception ${decided.id} (${decided.kind}) ${decided.status}: ${decided.resolutionNote ?? ''}`,
        };
      }),
    );
}
