import { z } from 'zod';
import { nonEmptyString, positiveInt } from '../fields.js';

export const daemonSection = z
  .strictObject({
    /** How long SIGINT/SIGTERM waits for a running job to finish. */
    shutdownGraceSeconds: positiveInt().default(30),
    /** /healthz answers 503 when a job failed more than this many times in a row. */
    failureThreshold: positiveInt().default(3),
    /** A replica's claim on a job expires after this long without renewal (PostgreSQL replicas). */
    leaseSeconds: positiveInt().default(300),
    /** Name of this replica in job runs and leases (default: host name and process ID). */
    replicaId: nonEmptyString().optional(),
  })
  .prefault({});
