/**
 * Headless Chromium (Debian's `chromium` package) driven by playwright-core,
 * for the tests that check what a person sees in a browser. `.ci/run`
 * installs the package when missing; without it the suites are reported as
 * skipped, with the reason in their name.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = process.env.PAYOUT_RECON_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);

export function describeWithChromium(name: string, fn: () => void): void {
  if (!HAVE_CHROMIUM) {
    describe.skip(`${name} (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install chromium)`, fn);
    return;
  }
  describe(name, fn);
}

/** The flags a root, offline, headless run needs (no sandbox, no background networking to hosts we cannot reach). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
