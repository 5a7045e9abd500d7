import type { Command } from 'commander';
import { differenceText } from '../../matching/diagnostics.js';
import { matchByHand } from '../../matching/manual.js';
import { rulesFromConfig } from '../../matching/rules.js';
import { type CliState, commandAction } from '../action.js';
import { actorOf } from '../actor.js';

interface MatchOptions extends Record<string, unknown> {
  note?: string;
}

export function registerMatchCommand(program: Command, state: CliState): void {
  program
    .command('match')
    .description('match a payout to an internal record by hand (kept in the audit trail)')
    .argument('<payout-id>', 'the provider payout ID (provider:ID when two providers share it, or the ledger ID as #123)')
    .argument('<internal-id>', 'the internal record ID')
    .option('--note <text>', 'why')
    .action(
      commandAction<MatchOptions>(state, async (ctx, args, options) => {
        const [payoutRef = '', recordRef = ''] = args;
        const ledger = await ctx.ledger();
        const outcome = await ledger.transaction((trx) =>
          matchByHand(trx, payoutRef, recordRef, { note: options.note ?? null, actor: actorOf(ctx.io.env), rules: rulesFromConfig(ctx.config.matching) }, ctx.clock()),
        );
        const differs = outcome.differences.map(differenceText);
        return {
          json: {
            payout_id: outcome.payout.providerPayoutId,
            internal_id: outcome.record.internalId,
            closed_exceptions: outcome.closed,
            differences: outcome.differences,
          },
          text: [
            `payout ${outcome.payout.providerPayoutId} matched to record ${outcome.record.internalId}; ${outcome.closed.length} exception(s) closed`,
            ...(differs.length > 0 ? [`still different (the next reconcile raises it): ${differs.join('; ')}`] : []),
          ].join('\n'),
        };
      }),
    );
}
