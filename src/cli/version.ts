import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function findVersion(): string {
  // src/cli and dist/src/cli sit at different depths below package.json.
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'payout-recon' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const VERSION = findVersion();
