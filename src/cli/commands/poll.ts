import type { Command } from 'commander';
import { runPoll } from '../../sync/run-sync.js';
import { type CliState, commandAction } from '../action.js';
import { inboxActive, inboxLine } from './sync.js';

export function registerPollCommand(program: Command, state: CliState): void {
  program
    .command('poll')
    .description('refresh the status of non-final (and recently final) payouts')
    .action(
      commandAction(state, async (ctx) => {
        const config = ctx.config;
        const ledger = await ctx.ledger();
        const result = await runPoll({ config, ledger, log: ctx.log.child('poll'), clock: ctx.clock });
        const text =
          `polled ${result.polled.toLocaleString('en-US')} statuses: ${result.changed.toLocaleString('en-US')} changed` +
          (result.regressions > 0 ? `, ${result.regressions} left Success` : '') +
          (result.missing > 0 ? `, ${result.missing} unknown to the provider` : '') +
          ` (${result.requests.toLocaleString('en-US')} requests)` +
          (inboxActive(result.inbox) ? `\n${inboxLine(result.inbox)}` : '');
        return { json: result, text };
      }),
    );
}
