import type { Command } from 'commander';
import { createSmart2PayClient, requireSmart2PayConfig } from '../../providers/smart2pay/from-config.js';
import { pollSmart2PayStatuses } from '../../sync/status-poller.js';
import { type CliState, commandAction } from '../action.js';
import { quietRetries } from './sync.js';

export function registerPollCommand(program: Command, state: CliState): void {
  program
    .command('poll')
    .description('refresh the status of non-final (and recently final) payouts')
    .action(
      commandAction(state, async (ctx) => {
        const config = requireSmart2PayConfig(ctx.config, 'poll');
        const ledger = await ctx.ledger();
        const log = ctx.log.child('poll');
        const client = createSmart2PayClient(config, quietRetries(log));
        try {
          const result = await pollSmart2PayStatuses({
            ledger,
            client,
            clock: ctx.clock,
            concurrency: config.poll.concurrency,
            recentlyFinalHours: config.poll.recentlyFinalHours,
            log,
          });
          const text =
            `polled ${result.polled.toLocaleString('en-US')} statuses: ${result.changed.toLocaleString('en-US')} changed` +
            (result.regressions > 0 ? `, ${result.regressions} left Success` : '') +
            (result.missing > 0 ? `, ${result.missing} unknown to the provider` : '') +
            ` (${result.requests.toLocaleString('en-US')} requests)`;
          return { json: result, text };
        } finally {
          await client.close();
        }
      }),
    );
}
