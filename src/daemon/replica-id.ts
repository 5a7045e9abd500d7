import os from 'node:os';

/**
 * This process's name in leases and job runs: `daemon.replicaId`, else host
 * name and process ID (unique per running daemon, which a lease needs).
 */
export function replicaIdOf(configured: string | undefined): string {
  return configured ?? `${os.hostname()}:${process.pid}`;
}
