import type { Command } from 'commander';
import { unmatchByHand } from '../../matching/manual.js';
import { type CliState, commandAction } from '../action.js';
import { actorOf } from '../actor.js';

interface UnmatchOptions extends Record<string, unknown> {
  note?: string;
}

export function registerUnmatchCommand(program: Command, state: CliState): void {
  program
    .command('unmatch')
    .description('undo the match of a payout (kept in the audit trail; the matcher will not pair them again)')
    .argument('<payout-id>', 'the provider payout ID (provider:ID when two providers share it, or the ledger ID as #123)')
    .option('--note <text>', 'why')
    .action(
      commandAction<UnmatchOptions>(state, async (ctx, args, options) => {
        const ledger = await ctx.ledger();
        const outcome = await ledger.transaction((trx) =>
          unmatchByHand(trx, args[0] ?? '', { note: options.note ?? null, actor: actorOf(ctx.io.env) }, ctx.clock()),
        );
        return {
          json: { payout_id: outcome.payout.providerPayoutId, internal_id: outcome.record.internalId, method: outcome.method, closed_exceptions: outcome.closed },
          text: `payout ${outcome.payout.providerPayoutId} is no longer matched to record ${outcome.record.internalId} (was ${outcome.method}); the next reconcile classifies both again`,
        };
      }),
    );
}
