#!/usr/bin/env node
/** Entry point of the `payout-recon` binary. */
import { runCli } from './program.js';

const exitCode = await runCli(process.argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = exitCode;
