/** Who made a manual decision, for the audit trail: `PAYOUT_RECON_ACTOR`, else the OS user. */
export function actorOf(env: NodeJS.ProcessEnv): string {
  return env.PAYOUT_RECON_ACTOR ?? env.USER ?? env.USERNAME ?? 'cli';
}
